/* data_doc.c - display lines for the detail view and the token preview
 * (see data_doc.h). */
#include "data_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_text.h"
#include "grow.h"

void data_doc_clear(data_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->lines[i].text);
        free(d->lines[i].runs);
    }
    free(d->lines);
    *d = (data_doc){0};
}

data_doc_line *data_doc_add(data_doc *d, const char *text, size_t len, theme_role role)
{
    data_doc_line *lines = grow_array(d->lines, &d->cap, d->n + 1, sizeof *lines, 64);
    if (!lines) {
        d->oom = true;
        return NULL;
    }
    d->lines = lines;
    char *copy = malloc(len + 1);
    if (!copy) {
        d->oom = true;
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    data_doc_line *l = &d->lines[d->n++];
    *l = (data_doc_line){.text = copy, .role = role};
    return l;
}

data_doc_line *data_doc_addf(data_doc *d, theme_role role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return data_doc_add(d, buf, strlen(buf), role);
}

typedef struct {
    data_doc *d;
    const char *text;
    theme_role role;
    data_field field;
} wrap_ctx;

static void wrap_line(void *arg, size_t start, size_t len)
{
    wrap_ctx *c = arg;
    data_doc_line *l = data_doc_add(c->d, c->text + start, len, c->role);
    if (l) {
        l->searchable = true;
        l->field = c->field;
    }
}

void data_doc_wrap(data_doc *d, const char *text, int width, theme_role role, data_field field)
{
    wrap_ctx c = {d, text, role, field};
    data_text_wrap(text, width, wrap_line, &c);
}

int data_doc_run(data_doc_line *line, size_t start, size_t end, theme_role role, bool underline)
{
    data_run *r = grow_array(line->runs, &line->runs_cap, line->n_runs + 1, sizeof *r, 8);
    if (!r)
        return -1;
    line->runs = r;
    line->runs[line->n_runs++] = (data_run){(uint32_t)start, (uint32_t)end, (uint8_t)role,
                                            underline};
    return 0;
}

static void draw_runs(const data_doc_line *l, WINDOW *w, int y, int x, int width)
{
    int used = 0;
    for (size_t k = 0; k < l->n_runs && used < width; k++) {
        const data_run *r = &l->runs[k];
        attr_t a = theme_attr((theme_role)r->role) | (r->underline ? A_UNDERLINE : 0);
        used += data_text_put(w, y, x + used, width - used, l->text + r->start,
                              r->end - r->start, a, a, NULL, 0);
    }
}

enum { MAX_SPANS = 64 };

void data_doc_draw(const data_doc *d, WINDOW *w, int y, int x, int h, int width, size_t top,
                   const data_query *q, pcre2_match_data *md)
{
    for (int row = 0; row < h && top + (size_t)row < d->n; row++) {
        const data_doc_line *l = &d->lines[top + (size_t)row];
        if (l->n_runs) {
            draw_runs(l, w, y + row, x, width);
            continue;
        }
        data_span spans[MAX_SPANS];
        size_t len = strlen(l->text), n = 0;
        if (q && l->searchable && data_query_scope(q, l->field))
            n = data_query_spans(q, md, l->text, len, spans, MAX_SPANS);
        attr_t a = theme_attr(l->role) | (l->bold ? A_BOLD : 0);
        data_text_put(w, y + row, x, width, l->text, len, a, data_match_attr(), spans, n);
    }
}
