/* data_doc.h - a scrollable block of display lines built once from a record
 * (the detail view, the trained-token preview) and drawn a window at a time.
 * Each line is clean text (data_text.h) in one theme role, optionally with
 * coloured runs (token by token) that override the role. */
#ifndef LATHE_DATA_DOC_H
#define LATHE_DATA_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data_search.h"
#include "theme.h"

typedef struct {
    uint32_t start, end;   /* bytes of the line's text */
    uint8_t role;          /* theme_role */
    bool underline;
} data_run;

typedef struct {
    char *text;
    theme_role role;
    bool bold;
    bool searchable;       /* record text (search matches are highlighted) */
    data_field field;      /* which part of the record, for a one-field search */
    data_run *runs;
    size_t n_runs, runs_cap;
} data_doc_line;

typedef struct {
    data_doc_line *lines;
    size_t n, cap;
    bool oom;
} data_doc;

void data_doc_clear(data_doc *d);
/* Appends a copy of TEXT[0..len) as one line; returns it (NULL when out of memory). */
data_doc_line *data_doc_add(data_doc *d, const char *text, size_t len, theme_role role);
data_doc_line *data_doc_addf(data_doc *d, theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends TEXT (clean) wrapped to WIDTH columns, each line searchable as FIELD. */
void data_doc_wrap(data_doc *d, const char *text, int width, theme_role role, data_field field);
/* Adds a coloured run to LINE. */
int data_doc_run(data_doc_line *line, size_t start, size_t end, theme_role role, bool underline);

/* Draws lines [top, top + h) at (y, x) in W columns; search matches of Q (may
 * be NULL) in searchable lines in the selection role. */
void data_doc_draw(const data_doc *d, WINDOW *w, int y, int x, int h, int width, size_t top,
                   const data_query *q, pcre2_match_data *md);

#endif
