/* data_search.h - finding records: a query (substring or PCRE2 regex, over
 * all fields or one), matching it against a record's fields or a line of
 * text, and a search for the next or previous matching row that runs on a
 * worker thread so a million rows never freeze the UI. The UI thread polls
 * the search each tick and may stop it at any time. */
#ifndef LATHE_DATA_SEARCH_H
#define LATHE_DATA_SEARCH_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include "data_text.h"
#include "dataset.h"
#include "ds_edit.h"
#include "worker.h"

typedef enum {
    DATA_FIELD_ALL,
    DATA_FIELD_INSTRUCTION,
    DATA_FIELD_INPUT,
    DATA_FIELD_OUTPUT,
    DATA_FIELD_SYSTEM,
    DATA_FIELD_USER,
    DATA_FIELD_ASSISTANT,
    DATA_FIELD_COUNT
} data_field;

const char *data_field_name(data_field f);

typedef struct {
    char *text;
    bool regex;
    data_field field;
    pcre2_code *re;       /* when regex */
} data_query;

/* Compiles TEXT (UTF-8 regex when REGEX). -1 with the PCRE2 message and
 * offset in err for a bad pattern, or when TEXT is empty. */
int data_query_compile(data_query *q, const char *text, bool regex, data_field field,
                       char *err, size_t errlen);
void data_query_free(data_query *q);

/* Matches in S[0..len): up to MAX spans, non-overlapping, in order. MD is the
 * caller's match data (one per thread; NULL for substring queries). */
size_t data_query_spans(const data_query *q, pcre2_match_data *md, const char *s, size_t len,
                        data_span *spans, size_t max);
/* True when a field of REC in the query's scope matches. */
bool data_query_record(const data_query *q, pcre2_match_data *md, const ds_record *rec);
/* True when the field labelled by FIELD (a record part) is in the query's scope. */
bool data_query_scope(const data_query *q, data_field field);

typedef struct data_search data_search;

/* Searches view positions FROM+DIR, FROM+2*DIR, ... (wrapping around, at
 * most N positions) for a record that matches Q, on a worker (worker.h)
 * that calls NOTIFY as it goes and when it ends. ROWS maps position to
 * record (NULL: identity); the search takes ownership of it. Records are
 * read through EDIT (their current text) when it is not NULL. Q must stay
 * alive until data_search_stop. NULL with err when the thread cannot start. */
data_search *data_search_start(dataset *ds, ds_edit *edit, const data_query *q, size_t *rows,
                               size_t n, size_t from, int dir, worker_notify notify, char *err,
                               size_t errlen);
/* True once finished; *FOUND is the matching position or SIZE_MAX, and
 * *SCANNED how many positions were looked at so far. */
bool data_search_poll(const data_search *s, size_t *found, size_t *scanned);
/* Stops (if running), waits and frees. NULL is fine. */
void data_search_stop(data_search *s);

#endif
