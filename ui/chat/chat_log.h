/* chat_log.h - what the Chat pane shows of a chat, as entries: a prompt,
 * the replies to it (one column, or two side by side with A/B on, each
 * with the tag and label of what produced it and, once finished, its
 * figures), a notice, what a command printed, an error. A reply's text
 * grows as it streams. Texts are kept drawable (text_clean.h), so a
 * model's control characters and broken UTF-8 show as escapes; once both
 * replies of an A/B pair have finished, the words that differ are marked. */
#ifndef LATHE_CHAT_LOG_H
#define LATHE_CHAT_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "bytebuf.h"
#include "chat_diff.h"
#include "chat_side.h"
#include "data_text.h"

typedef enum {
    CHAT_LOG_PROMPT,
    CHAT_LOG_REPLY,
    CHAT_LOG_NOTICE,
    CHAT_LOG_OUTPUT,            /* what a command printed */
    CHAT_LOG_ERROR,
} chat_log_kind;

typedef struct {
    bytebuf text;               /* drawable */
    data_span *marks;           /* the words that differ from the other column's, in text */
    size_t n_marks;
    char tag[4];                /* "A", "B"; "1", "2" while blind */
    char label[1024];           /* what the column runs */
    bool done;
    char error[512];            /* why the reply failed; "" */
    chat_stats stats;           /* once done */
} chat_log_col;

typedef struct {
    chat_log_kind kind;
    bytebuf text;               /* drawable; REPLY: none */
    int n_cols;                 /* REPLY: 1 or 2 */
    chat_log_col col[2];
} chat_log_entry;

typedef struct {
    chat_log_entry **items;     /* oldest first; an entry stays where it is */
    size_t n, cap;
} chat_log;

/* A new entry of KIND holding TEXT (LEN raw bytes; a REPLY's columns are
 * filled by the caller). NULL when out of memory. */
chat_log_entry *chat_log_add(chat_log *l, chat_log_kind kind, const char *text, size_t len);
/* The newest REPLY entry, or NULL. */
chat_log_entry *chat_log_last_reply(const chat_log *l);
/* Appends LEN raw bytes (whole UTF-8 characters) to column COL's text. -1
 * when out of memory. */
int chat_log_put(chat_log_entry *e, int col, const char *text, size_t len);
/* Column COL's text becomes RAW again, with the WORDS (of RAW) marked
 * changed marked. -1 when out of memory (the text is then unmarked). */
int chat_log_mark(chat_log_entry *e, int col, const char *raw, const chat_diff_word *words,
                  size_t n);
void chat_log_free(chat_log *l);

#endif
