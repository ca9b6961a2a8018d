/* data_pane.h - the Data pane's state, shared by the files that draw its
 * views: pane_data.c (class, keys, modes, prompt), data_table.c (the record
 * table), data_detail.c (one record, every field), data_preview.c (the
 * trained-token preview) and data_problems.c (the problems list). */
#ifndef LATHE_DATA_PANE_H
#define LATHE_DATA_PANE_H

#include "data_doc.h"
#include "data_search.h"
#include "data_source.h"
#include "data_view.h"
#include "pane.h"

typedef enum { DATA_MODE_TABLE, DATA_MODE_DETAIL, DATA_MODE_PREVIEW, DATA_MODE_PROBLEMS } data_mode;
typedef enum { DATA_PROMPT_NONE, DATA_PROMPT_SEARCH, DATA_PROMPT_JUMP } data_prompt;
typedef enum { DATA_SORT_FILE, DATA_SORT_CHARS, DATA_SORT_TOKENS, DATA_SORT_COUNT } data_sort;

/* Metrics of rows drawn recently, so a frame does not re-measure them. */
enum { DATA_CACHE = 256 };
typedef struct {
    size_t record;      /* + 1; 0 = empty slot */
    bool exact;         /* tokens counted with the tokenizer */
    bool checked;       /* flags include the check pass (dup, problem) */
    data_metrics m;
} data_cache_slot;

typedef struct {
    pane super;
    data_source *src;             /* NULL: no dataset open */
    char open_error[512];
    char path[512];
    data_view view;
    data_mode mode;
    size_t cursor, top;           /* table: view positions */
    data_sort sort;
    bool sort_desc;
    /* detail and preview: the record shown and its lines */
    size_t shown;
    data_doc doc;
    size_t doc_top;
    int doc_width;
    size_t prob_cursor, prob_top;
    /* prompt */
    data_prompt prompt;
    char input[256];
    size_t input_len;
    bool input_regex;
    data_field input_field;
    /* the last search, its worker and this thread's match data */
    data_query query;
    bool have_query;
    data_search *search;
    pcre2_match_data *md;
    char message[512];
    bool message_error;
    tok_session *session;         /* this thread's, once the vocab is loaded */
    data_cache_slot cache[DATA_CACHE];
} pane_data;

/* Metrics of RECORD (from the measure pass, the cache, or measured now) and
 * its parsed form when PARSE is non-NULL (release with ds_record_clear).
 * Returns the dataset_get status. */
int data_pane_record(pane_data *p, size_t record, data_metrics *m, ds_record *parse);
/* Status text for the pane: "msg" in the message line. */
void data_pane_say(pane_data *p, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The tokenizer session of the UI thread, or NULL while there is no vocab. */
tok_session *data_pane_session(pane_data *p);

/* The views: draw the table or the problems list in rows [y, y + h), or
 * (re)build p->doc for the record p->shown at WIDTH columns. */
void data_table_draw(pane_data *p, WINDOW *w, int y, int h);
void data_detail_build(pane_data *p, int width);
void data_preview_build(pane_data *p, int width);
void data_problems_draw(pane_data *p, WINDOW *w, int y, int h);
bool data_problems_key(pane_data *p, int key, int page);

#endif
