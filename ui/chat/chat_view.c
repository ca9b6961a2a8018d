/* chat_view.c - the Chat pane's transcript drawn (chat_view.h). Heights
 * are measured first (every entry wrapped at the width), then only the
 * entries that meet the rectangle are drawn, clipped row by row. */
#include "config.h"

#include "chat_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "plural.h"
#include "text.h"
#include "theme.h"

/* The rows of the window the view may draw on. */
typedef struct {
    WINDOW *w;
    int top, bottom;
} clip;

static const char *str(const bytebuf *b)
{
    return b->p ? b->p : "";
}

static void count_line(void *ctx, size_t start, size_t len)
{
    (void)start;
    (void)len;
    ++*(int *)ctx;
}

static int text_rows(const char *s, int width)
{
    int n = 0;
    data_text_wrap(s, width, count_line, &n);
    return n;
}

/* S wrapped at WIDTH from row Y, column X: ATTR, and MARK on MARKS. */
typedef struct {
    const clip *c;
    int y, x, width, row;
    const char *s;
    attr_t attr, mark;
    const data_span *marks;
    size_t n_marks;
} wrapping;

static void draw_line(void *ctx, size_t start, size_t len)
{
    wrapping *d = ctx;
    int y = d->y + d->row++;
    if (y < d->c->top || y >= d->c->bottom)
        return;
    data_span local[256];       /* a row of at most 512 columns holds fewer words */
    size_t k = 0;
    for (size_t i = 0; i < d->n_marks && k < sizeof local / sizeof local[0]; i++) {
        size_t a = d->marks[i].start, b = d->marks[i].end;
        if (b > start && a < start + len)
            local[k++] = (data_span){a > start ? a - start : 0,
                                     (b < start + len ? b : start + len) - start};
    }
    data_text_put(d->c->w, y, d->x, d->width, d->s + start, len, d->attr, d->mark, local, k);
}

static void draw_text(const clip *c, int y, int x, int width, const char *s, attr_t attr)
{
    wrapping d = {c, y, x, width, 0, s, attr, attr, NULL, 0};
    data_text_wrap(s, width, draw_line, &d);
}

static void put(const clip *c, int y, int x, int width, attr_t attr, const char *s)
{
    if (y >= c->top && y < c->bottom)
        text_put(c->w, y, x, width, attr, s);
}

/* ---------------------------------------------------------------- replies */
static theme_role tag_role(const char *tag)
{
    return !strcmp(tag, "A") ? THEME_SERIES1 : !strcmp(tag, "B") ? THEME_SERIES2 : THEME_ACCENT;
}

static int col_width(const chat_log_entry *e, int width)
{
    return e->n_cols == 2 ? (width - 3) / 2 : width - 2;
}

static int col_x(const chat_log_entry *e, int x, int width, int col)
{
    return e->n_cols == 2 ? x + col * (col_width(e, width) + 3) : x + 2;
}

/* A column's figures, or what it is doing. */
static void figures(const chat_log_col *c, char *out, size_t n)
{
    static const char *const stops[] = {"", ", max_tokens reached", ", context full",
                                        ", stopped"};
    const chat_stats *st = &c->stats;
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    char speed[32] = "tok/s n/a";       /* decoding speed needs a token after the first */
    if (!c->done) {
        snprintf(out, n, "generating%s", crt_glyph(CRT_GLYPH_ELLIPSIS));
        return;
    }
    if (c->error[0]) {
        snprintf(out, n, "failed: %s", c->error);
        return;
    }
    if (st->tokens > 1)
        snprintf(speed, sizeof speed, "%.1f tok/s", st->tok_per_s);
    snprintf(out, n, "%zu token%s %s first %.2f s %s %s%s", st->tokens,
             plural_s(st->tokens), dot, st->ttft_s, dot, speed, stops[st->stop]);
}

/* The rows of the reply's body (its tallest column) and of its figures. */
static void reply_rows(const chat_log_entry *e, int width, int *body, int *figs)
{
    int cw = col_width(e, width);
    *body = *figs = 1;
    for (int c = 0; c < e->n_cols; c++) {
        char f[1024];
        int b = text_rows(str(&e->col[c].text), cw);
        figures(&e->col[c], f, sizeof f);
        int r = text_rows(f, cw);
        *body = b > *body ? b : *body;
        *figs = r > *figs ? r : *figs;
    }
}

static void draw_column(const clip *cl, const chat_log_entry *e, int col, int y, int x,
                        int width, int body)
{
    const chat_log_col *c = &e->col[col];
    int cw = col_width(e, width), cx = col_x(e, x, width, col);
    theme_role role = tag_role(c->tag);
    char f[1024];
    put(cl, y, e->n_cols == 2 ? cx : x, e->n_cols == 2 ? cw : width,
        theme_attr(role) | A_BOLD, c->label);
    attr_t text = theme_attr(THEME_TEXT);
    wrapping d = {cl, y + 1, cx, cw, 0, str(&c->text), text, text | A_BOLD | A_UNDERLINE,
                  c->marks, c->n_marks};
    data_text_wrap(d.s, cw, draw_line, &d);
    figures(c, f, sizeof f);
    draw_text(cl, y + 1 + body, cx, cw, f,
              theme_attr(c->done && c->error[0] ? THEME_ERROR : THEME_DIM));
}

static void draw_reply(const clip *cl, const chat_log_entry *e, int y, int x, int width)
{
    int body, figs;
    reply_rows(e, width, &body, &figs);
    for (int c = 0; c < e->n_cols; c++)
        draw_column(cl, e, c, y, x, width, body);
    if (e->n_cols == 2)
        for (int r = 0; r < 1 + body + figs; r++)
            put(cl, y + r, x + col_width(e, width) + 1, 1, theme_attr(THEME_BORDER),
                crt_glyph(CRT_GLYPH_SEP));
}

/* ---------------------------------------------------------------- entries */
/* A prompt after the first has a blank row before it. */
static int entry_rows(const chat_log_entry *e, int width, bool first)
{
    int body, figs;
    switch (e->kind) {
    case CHAT_LOG_REPLY:
        reply_rows(e, width, &body, &figs);
        return 1 + body + figs;
    case CHAT_LOG_PROMPT:
        return !first + text_rows(str(&e->text), width - 2);
    default:
        return text_rows(str(&e->text), width - 2);
    }
}

static void draw_entry(const clip *c, const chat_log_entry *e, int y, int x, int width,
                       bool first)
{
    static const theme_role roles[] = {
        [CHAT_LOG_NOTICE] = THEME_DIM, [CHAT_LOG_OUTPUT] = THEME_DIM,
        [CHAT_LOG_ERROR] = THEME_ERROR,
    };
    if (e->kind == CHAT_LOG_REPLY) {
        draw_reply(c, e, y, x, width);
    } else if (e->kind == CHAT_LOG_PROMPT) {
        y += !first;
        put(c, y, x, 2, theme_attr(THEME_ACCENT) | A_BOLD, "> ");
        draw_text(c, y, x + 2, width - 2, str(&e->text), theme_attr(THEME_TEXT) | A_BOLD);
    } else {
        draw_text(c, y, x + 2, width - 2, str(&e->text), theme_attr(roles[e->kind]));
    }
}

void chat_view_draw(const chat_log *l, WINDOW *w, int y, int x, int h, int width,
                    chat_view_pos *pos)
{
    int *rows = l->n ? malloc(l->n * sizeof *rows) : NULL, total = 0;
    clip c = {w, y, y + h};
    if (l->n && !rows) {
        put(&c, y, x, width, theme_attr(THEME_ERROR), "out of memory");
        return;
    }
    for (size_t i = 0; i < l->n; i++)
        total += rows[i] = entry_rows(l->items[i], width, i == 0);
    if (pos->scroll > 0)
        pos->scroll += total - pos->rows;
    pos->rows = total;
    int most = total > h ? total - h : 0;
    pos->scroll = pos->scroll < 0 ? 0 : pos->scroll > most ? most : pos->scroll;
    int at = y - (most - pos->scroll);      /* the screen row of the log's row 0 */
    for (size_t i = 0; i < l->n; at += rows[i++])
        if (at + rows[i] > c.top && at < c.bottom)
            draw_entry(&c, l->items[i], at, x, width, i == 0);
    free(rows);
}
