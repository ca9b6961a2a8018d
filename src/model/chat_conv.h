/* chat_conv.h - one side's conversation: an optional system prompt and the
 * user and assistant turns, rendered through a chat template into the tokens
 * of the next prompt. When the prompt and the room kept for the reply do not
 * fit the context window, the oldest exchanges (a user turn and the replies
 * after it) are dropped, never the system prompt nor the newest user turn,
 * and the caller is told how many turns went so it can say so. */
#ifndef LATHE_CHAT_CONV_H
#define LATHE_CHAT_CONV_H

#include <stddef.h>

#include "chat_template.h"
#include "tok.h"

typedef struct {
    char *system;           /* NULL: none */
    chat_msg *turns;        /* contents malloc'd, owned */
    size_t n, cap;
} chat_conv;

void chat_conv_free(chat_conv *c);
/* Sets the system prompt (NULL or "": none). -1 when out of memory. */
int chat_conv_set_system(chat_conv *c, const char *text);
/* Appends a turn (a copy of TEXT[0..len)). -1 when out of memory. */
int chat_conv_push(chat_conv *c, chat_role role, const char *text, size_t len);
/* Drops the newest turn (a prompt whose reply failed). */
void chat_conv_pop(chat_conv *c);
/* Replaces the newest turn's text. -1 when out of memory. */
int chat_conv_replace_last(chat_conv *c, const char *text);
/* Drops every turn; the system prompt stays. */
void chat_conv_clear(chat_conv *c);
/* DST becomes a copy of SRC. -1 when out of memory (DST then empty). */
int chat_conv_copy(chat_conv *dst, const chat_conv *src);
/* True when A and B hold the same system prompt and turns. */
bool chat_conv_same(const chat_conv *a, const chat_conv *b);

/* The messages: the system prompt first when there is one, then the first
 * N_TURNS turns. A malloc'd array (pointing into C) of *n; NULL when out of
 * memory. */
chat_msg *chat_conv_msgs(const chat_conv *c, size_t n_turns, size_t *n);

/* The prompt for the next reply: every message in template T with the
 * assistant header appended, BOS first when the vocab adds it, into OUT
 * (replacing its contents). Oldest exchanges are dropped until the prompt
 * plus RESERVE tokens fits N_CTX; *DROPPED (may be NULL) receives the number
 * of turns dropped. When the system prompt and the newest user turn alone
 * leave less than RESERVE, they are kept as long as they fit the context
 * (the reply is then cut short by it). -1 with err when even they do not
 * fit, or on a rendering error. */
int chat_conv_render(chat_conv *c, chat_tmpl t, tok_session *tok, int n_ctx, int reserve,
                     tok_ids *out, size_t *dropped, char *err, size_t errlen);

#endif
