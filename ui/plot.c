/* plot.c - series to a grid of braille or ASCII cells (plot.h). The chart
 * area is a canvas of dots; each series is reduced to per-dot-column stats
 * (first, last, min and max row) in one pass over its points, then drawn as
 * column spans joined by Bresenham segments, so the cost is linear in the
 * points and the picture does not depend on how many land in a column. */
#include "config.h"

#include "plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "text.h"
#include "utf8.h"

#define MAX_TICKS 12

typedef struct {
    int sx, sy;             /* dots per cell: 2x4 braille, 1x3 ASCII */
    int left, cols, rows;   /* chart cells: first grid column, count, rows */
    int dw, dh;             /* dots across and down */
    double x_lo, x_hi;      /* the x window */
    double t_lo, t_hi;      /* the y range in axis units (log10 on a log axis) */
    bool log_y, ascii;
    uint8_t *bits;          /* per chart cell: the dots set */
    bool *point;            /* per chart cell: a point marker covers it */
    int *owner;             /* per chart cell */
    bool *mark;             /* per dot column: a non-finite point fell here */
    const char *marks;      /* plot_opts.ascii_marks */
} canvas;

typedef struct {
    int first, last, lo, hi;
    bool have, brk;         /* brk: a non-finite point came before this column's first */
} column;

/* ------------------------------------------------------------ numbers */

void plot_format(double v, char *buf, size_t len)
{
    double a = fabs(v);
    if (v == 0 || !isfinite(v))
        snprintf(buf, len, "%g", v);
    else if (a >= 1e6)
        snprintf(buf, len, "%.3gM", v / 1e6);
    else if (a >= 1e4)
        snprintf(buf, len, "%.3gk", v / 1e3);
    else if (a >= 1)
        snprintf(buf, len, "%.4g", v);
    else
        snprintf(buf, len, "%.3g", v);
}

/* The 1, 2 or 5 x 10^k at or above RAW. */
static double nice_step(double raw)
{
    double mag = pow(10.0, floor(log10(raw)));
    double norm = raw / mag;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

/* Ticks every STEP covering [lo, hi] outward to multiples of STEP. */
static int ticks_covering(double lo, double hi, double step, double *t, double *out_lo,
                          double *out_hi)
{
    double a = floor(lo / step + 1e-9) * step, b = ceil(hi / step - 1e-9) * step;
    int n = 0;
    for (double v = a; v <= b + step * 1e-6 && n < MAX_TICKS; v += step)
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    *out_lo = a;
    *out_hi = b;
    return n;
}

/* The y ticks in axis units, widening [*lo, *hi] to the outer ticks. A log
 * axis with a decade or more gets decades; a narrower one gets linear 1-2-5
 * values placed by their logs. */
static int y_ticks(bool log_y, int want, double *lo, double *hi, double *t)
{
    if (*hi <= *lo) {
        double pad = log_y ? 0.5 : fmax(fabs(*lo) * 0.1, 1e-9);
        *lo -= pad;
        *hi += pad;
    }
    if (!log_y)
        return ticks_covering(*lo, *hi, nice_step((*hi - *lo) / (want - 1)), t, lo, hi);
    if (*hi - *lo >= 1) {
        double step = ceil((ceil(*hi) - floor(*lo)) / (want - 1));
        return ticks_covering(*lo, *hi, step, t, lo, hi);
    }
    double vlo = pow(10, *lo), vhi = pow(10, *hi), a, b;
    int n = ticks_covering(vlo, vhi, nice_step((vhi - vlo) / (want - 1)), t, &a, &b);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (t[i] > 0)
            t[k++] = log10(t[i]);
    *lo = a > 0 ? log10(a) : *lo;
    *hi = log10(b);
    return k;
}

/* ------------------------------------------------------------ fitting */

/* Values past 1e150 are left out with the points <= 0 of a log axis, so
 * the range of the rest is always a finite number. */
static bool usable(const canvas *c, double y)
{
    return isfinite(y) && fabs(y) < 1e150 && (!c->log_y || y > 0);
}

static void fit_x(const plot_series *s, size_t ns, const plot_opts *o, canvas *c)
{
    c->x_lo = o->x_lo;
    c->x_hi = o->x_hi;
    if (o->x_lo < o->x_hi)
        return;
    c->x_lo = INFINITY;
    c->x_hi = -INFINITY;
    for (size_t i = 0; i < ns; i++)
        if (s[i].n) {
            c->x_lo = fmin(c->x_lo, s[i].x[0]);
            c->x_hi = fmax(c->x_hi, s[i].x[s[i].n - 1]);
        }
    if (!(c->x_lo <= c->x_hi)) {
        c->x_lo = 0;
        c->x_hi = 1;
    }
    if (c->x_hi == c->x_lo) {
        c->x_lo -= 0.5;
        c->x_hi += 0.5;
    }
}

static bool in_window(const canvas *c, double x)
{
    return x >= c->x_lo && x <= c->x_hi;
}

/* The range of the usable points in the x window, in axis units. */
static void fit_y(const plot_series *s, size_t ns, canvas *c, plot_grid *g)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < s[i].n; j++) {
            double y = s[i].y[j];
            if (!in_window(c, s[i].x[j]))
                continue;
            if (!isfinite(y)) {
                g->nonfinite++;
            } else if (!usable(c, y)) {
                g->dropped++;
            } else {
                double t = c->log_y ? log10(y) : y;
                lo = fmin(lo, t);
                hi = fmax(hi, t);
            }
        }
    if (lo > hi) {
        lo = 0;
        hi = 1;
    }
    c->t_lo = lo;
    c->t_hi = hi;
}

/* ------------------------------------------------------------ dots */

static int dot_col(const canvas *c, double x)
{
    double f = (x - c->x_lo) / (c->x_hi - c->x_lo);
    return (int)lround(f * (c->dw - 1));
}

static int dot_row(const canvas *c, double y)
{
    double t = c->log_y ? log10(y) : y;
    double f = (c->t_hi - t) / (c->t_hi - c->t_lo);
    int r = (int)lround(f * (c->dh - 1));
    return r < 0 ? 0 : r >= c->dh ? c->dh - 1 : r;
}

static uint8_t dot_bit(const canvas *c, int dx, int dy)
{
    static const uint8_t braille[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    return c->ascii ? (uint8_t)(1u << (dy % c->sy)) : braille[dx % 2][dy % 4];
}

static void set_dot(canvas *c, int dx, int dy, int owner)
{
    int cell = (dy / c->sy) * c->cols + dx / c->sx;
    c->bits[cell] |= dot_bit(c, dx, dy);
    c->owner[cell] = owner;
}

static void span(canvas *c, int dx, int r0, int r1, int owner)
{
    for (int r = r0 < r1 ? r0 : r1, e = r0 < r1 ? r1 : r0; r <= e; r++)
        set_dot(c, dx, r, owner);
}

static void segment(canvas *c, int x0, int y0, int x1, int y1, int owner)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    for (;;) {
        set_dot(c, x0, y0, owner);
        if (x0 == x1 && y0 == y1)
            return;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

/* One pass over the points: each dot column's first, last, min and max row. */
static void reduce(const canvas *c, const plot_series *s, column *col)
{
    bool brk = false;
    for (size_t j = 0; j < s->n; j++) {
        if (!in_window(c, s->x[j]))
            continue;
        int dx = dot_col(c, s->x[j]);
        if (!isfinite(s->y[j])) {
            c->mark[dx] = true;
            brk = true;
            continue;
        }
        if (!usable(c, s->y[j]))
            continue;
        int r = dot_row(c, s->y[j]);
        column *k = &col[dx];
        if (!k->have) {
            *k = (column){.first = r, .lo = r, .hi = r, .have = true, .brk = brk};
        }
        k->last = r;
        k->lo = r < k->lo ? r : k->lo;
        k->hi = r > k->hi ? r : k->hi;
        brk = false;
    }
}

static int draw_line(canvas *c, const plot_series *s, int owner)
{
    column *col = calloc((size_t)c->dw, sizeof *col);
    if (!col)
        return -1;
    reduce(c, s, col);
    int prev = -1;
    for (int dx = 0; dx < c->dw; dx++) {
        if (!col[dx].have)
            continue;
        if (prev >= 0 && !col[dx].brk)
            segment(c, prev, col[prev].last, dx, col[dx].first, owner);
        span(c, dx, col[dx].lo, col[dx].hi, owner);
        prev = dx;
    }
    free(col);
    return 0;
}

/* Evaluation points cover their whole cell, over any line. */
static void draw_points(canvas *c, const plot_series *s, int owner)
{
    for (size_t j = 0; j < s->n; j++) {
        if (!in_window(c, s->x[j]) || !usable(c, s->y[j]))
            continue;
        int cell = (dot_row(c, s->y[j]) / c->sy) * c->cols + dot_col(c, s->x[j]) / c->sx;
        c->point[cell] = true;
        c->owner[cell] = owner;
    }
}

/* ------------------------------------------------------------ cells */

static void put(plot_grid *g, int row, int col, const char *glyph, int owner)
{
    if (row < 0 || row >= g->h || col < 0 || col >= g->w)
        return;
    plot_cell *cell = &g->cells[row * g->w + col];
    snprintf(cell->glyph, sizeof cell->glyph, "%s", glyph);
    cell->owner = owner;
}

static void put_text(plot_grid *g, int row, int col, const char *s, int owner)
{
    for (char one[2] = {0}; *s; s++, col++) {
        one[0] = *s;
        put(g, row, col, one, owner);
    }
}

/* ASCII cells have three levels: top ', middle -, bottom .; two or more |. */
static void cell_glyph(const canvas *c, int i, char out[5])
{
    static const char *const ascii[8] = {" ", "'", "-", "|", ".", "|", "|", "|"};
    if (c->point[i]) {
        snprintf(out, 5, "%s", crt_glyph_as(CRT_GLYPH_POINT, c->ascii));
        return;
    }
    char mark = c->ascii && c->marks && c->owner[i] >= 0 ? c->marks[c->owner[i]] : 0;
    if (mark) {
        out[0] = mark;
        out[1] = '\0';
        return;
    }
    if (c->ascii) {
        snprintf(out, 5, "%s", ascii[c->bits[i] & 7]);
        return;
    }
    out[utf8_put(0x2800u + c->bits[i], out)] = '\0';      /* braille: one dot a bit */
}

static void blit(const canvas *c, plot_grid *g)
{
    for (int r = 0; r < c->rows; r++)
        for (int k = 0; k < c->cols; k++) {
            int i = r * c->cols + k;
            if (!c->bits[i] && !c->point[i])
                continue;
            char glyph[5];
            cell_glyph(c, i, glyph);
            put(g, r, c->left + k, glyph, c->owner[i]);
        }
    for (int dx = 0; dx < c->dw; dx++)
        if (c->mark[dx])
            put(g, c->rows - 1, c->left + dx / c->sx, crt_glyph_as(CRT_GLYPH_TIMES, c->ascii),
                PLOT_MARK);
}

/* ------------------------------------------------------------ frame */

static double from_axis(const canvas *c, double t)
{
    return c->log_y ? pow(10, t) : t;
}

/* The y labels (right-aligned in the gutter) and the axis line. */
static void y_frame(const canvas *c, plot_grid *g, const double *t, int n)
{
    for (int r = 0; r < c->rows; r++)
        put(g, r, c->left - 1, crt_glyph_as(CRT_GLYPH_SEP, c->ascii), PLOT_FRAME);
    for (int i = 0; i < n; i++) {
        double f = (c->t_hi - t[i]) / (c->t_hi - c->t_lo);
        int r = (int)lround(f * (c->dh - 1)) / c->sy;
        char label[16];
        plot_format(from_axis(c, t[i]), label, sizeof label);
        put_text(g, r, c->left - 1 - (int)strlen(label), label, PLOT_FRAME);
        put(g, r, c->left - 1, crt_glyph_as(CRT_GLYPH_TICK, c->ascii), PLOT_FRAME);
    }
}

/* X labels at 1-2-5 ticks inside the window, skipped where they would touch. */
static void x_frame(const canvas *c, plot_grid *g)
{
    int want = c->cols / 10 + 1;
    double step = nice_step((c->x_hi - c->x_lo) / (want > 1 ? want - 1 : 1));
    int free_col = 0, n = 0;
    for (double v = ceil(c->x_lo / step - 1e-9) * step; v <= c->x_hi + step * 1e-9 && n < c->cols;
         v += step, n++) {
        char label[16];
        plot_format(fabs(v) < step * 1e-9 ? 0 : v, label, sizeof label);
        int len = (int)strlen(label);
        int at = c->left + (int)lround((v - c->x_lo) / (c->x_hi - c->x_lo) * (c->dw - 1)) / c->sx;
        int start = at - len / 2;
        start = start + len > g->w ? g->w - len : start;
        if (start < free_col)
            continue;
        put_text(g, g->h - 1, start, label, PLOT_FRAME);
        free_col = start + len + 1;
    }
}

static int gutter_width(const canvas *c, const double *t, int n)
{
    int w = 1;
    for (int i = 0; i < n; i++) {
        char label[16];
        plot_format(from_axis(c, t[i]), label, sizeof label);
        w = (int)strlen(label) > w ? (int)strlen(label) : w;
    }
    return w;
}

/* ------------------------------------------------------------ render */

static int alloc_canvas(canvas *c)
{
    size_t cells = (size_t)c->rows * (size_t)c->cols;
    c->bits = calloc(cells, 1);
    c->point = calloc(cells, sizeof *c->point);
    c->owner = calloc(cells, sizeof *c->owner);
    c->mark = calloc((size_t)c->dw, sizeof *c->mark);
    return c->bits && c->point && c->owner && c->mark ? 0 : -1;
}

static void free_canvas(canvas *c)
{
    free(c->bits);
    free(c->point);
    free(c->owner);
    free(c->mark);
}

static int alloc_grid(plot_grid *g, int w, int h)
{
    g->w = w;
    g->h = h;
    g->cells = malloc((size_t)w * (size_t)h * sizeof *g->cells);
    if (!g->cells)
        return -1;
    for (int i = 0; i < w * h; i++)
        g->cells[i] = (plot_cell){" ", PLOT_EMPTY};
    return 0;
}

int plot_render(const plot_series *s, size_t ns, const plot_opts *o, int w, int h,
                plot_grid *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    if (w < PLOT_MIN_W || h < PLOT_MIN_H) {
        snprintf(err, errlen, "a plot needs %dx%d cells, got %dx%d", PLOT_MIN_W, PLOT_MIN_H, w, h);
        return -1;
    }
    canvas c = {.sx = o->ascii ? 1 : 2, .sy = o->ascii ? 3 : 4, .rows = h - 1,
                .log_y = o->log_y, .ascii = o->ascii,
                .marks = o->ascii_marks};
    fit_x(s, ns, o, &c);
    fit_y(s, ns, &c, g);
    double t[MAX_TICKS];
    int want = c.rows / 2 < 2 ? 2 : c.rows / 2 > 6 ? 6 : c.rows / 2;
    int nt = y_ticks(c.log_y, want, &c.t_lo, &c.t_hi, t);
    c.left = gutter_width(&c, t, nt) + 1;
    c.cols = w - c.left;
    c.dw = c.cols * c.sx;
    c.dh = c.rows * c.sy;
    int rc = alloc_canvas(&c) || alloc_grid(g, w, h) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < ns; i++) {
        if (s[i].style == PLOT_POINTS)
            draw_points(&c, &s[i], (int)i);
        else
            rc = draw_line(&c, &s[i], (int)i);
    }
    if (rc == 0) {
        blit(&c, g);
        y_frame(&c, g, t, nt);
        x_frame(&c, g);
        g->x_lo = c.x_lo;
        g->x_hi = c.x_hi;
        g->y_lo = from_axis(&c, c.t_lo);
        g->y_hi = from_axis(&c, c.t_hi);
    } else {
        plot_grid_free(g);
        snprintf(err, errlen, "out of memory for a %dx%d plot", w, h);
    }
    free_canvas(&c);
    return rc;
}

void plot_grid_free(plot_grid *g)
{
    free(g->cells);
    g->cells = NULL;
}

char *plot_grid_text(const plot_grid *g)
{
    size_t cap = (size_t)g->h * ((size_t)g->w * 4 + 1) + 1, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (int r = 0; r < g->h; r++) {
        for (int k = 0; k < g->w; k++) {
            const char *glyph = g->cells[r * g->w + k].glyph;
            size_t len = strlen(glyph);
            memcpy(out + n, glyph, len);
            n += len;
        }
        out[n++] = '\n';
    }
    out[n] = '\0';
    return out;
}

void plot_draw(WINDOW *win, int y, int x, const plot_grid *g, const attr_t *series_attr,
               attr_t frame, attr_t mark)
{
    for (int r = 0; r < g->h; r++)
        for (int k = 0; k < g->w; k++) {
            const plot_cell *cell = &g->cells[r * g->w + k];
            attr_t a = cell->owner >= 0 ? series_attr[cell->owner]
                       : cell->owner == PLOT_MARK ? mark : frame;
            text_put(win, y + r, x + k, 1, a, cell->glyph);
        }
}
