/* plot.h - line charts of training metrics in a terminal: series of (x, y)
 * points rendered to a grid of cells, braille (2x4 dots a cell) or, without
 * UTF-8, ASCII (1x3 levels a cell). Rendering is separate from drawing so the
 * grid can be compared as text in tests.
 *
 * What a reader of a loss curve needs to trust it:
 *   - many points per dot column are drawn as the column's min-max span, so a
 *     spike stays visible however long the run;
 *   - consecutive columns are joined, so a steep drop stays one line;
 *   - a non-finite point (a skipped step) breaks the line and is marked on
 *     the bottom row instead of being drawn;
 *   - y axes get 1/2/5 x 10^k ticks (decades on a log axis, where points <= 0
 *     are left out and counted), fitted to the points inside the x window.
 * Later series draw over earlier ones: pass the raw curve before the
 * smoothed one. */
#ifndef LATHE_PLOT_H
#define LATHE_PLOT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    PLOT_LINE,     /* joined dots */
    PLOT_POINTS,   /* one whole-cell marker per point (evaluations) */
} plot_style;

typedef struct {
    const double *x, *y;   /* n points, x not decreasing */
    size_t n;
    plot_style style;
} plot_series;

typedef struct {
    double x_lo, x_hi;     /* the x window; x_lo >= x_hi fits all points */
    bool log_y;
    bool ascii;
    /* NULL, or one character a series: on an ASCII grid, series i's line
     * cells show ascii_marks[i] instead of the levels (0: the levels), so
     * series stay apart without colour */
    const char *ascii_marks;
} plot_opts;

/* Who owns a cell: a series index >= 0, or one of these. */
#define PLOT_EMPTY (-1)
#define PLOT_FRAME (-2)    /* axis lines and labels */
#define PLOT_MARK (-3)     /* a non-finite point */

typedef struct {
    char glyph[5];         /* UTF-8, NUL-terminated */
    int owner;
} plot_cell;

typedef struct {
    int w, h;
    plot_cell *cells;      /* h rows of w cells */
    double x_lo, x_hi;     /* the window drawn */
    double y_lo, y_hi;     /* the y range drawn, in values (not logs) */
    size_t dropped;        /* points <= 0 left out of a log axis */
    size_t nonfinite;      /* non-finite points in the window */
} plot_grid;

#define PLOT_MIN_W 16
#define PLOT_MIN_H 4

/* Renders NS series into a W x H grid: y labels and axis on the left, x
 * labels on the bottom row. -1 with err when the size is below the minimum
 * or memory is short. Free with plot_grid_free. */
int plot_render(const plot_series *s, size_t ns, const plot_opts *o, int w, int h,
                plot_grid *g, char *err, size_t errlen);
void plot_grid_free(plot_grid *g);

/* The grid as text, one line per row (for tests); malloc'd, or NULL. */
char *plot_grid_text(const plot_grid *g);

/* Draws the grid at (y, x): series cells in SERIES_ATTR[owner], the frame in
 * FRAME, marks in MARK. */
void plot_draw(WINDOW *win, int y, int x, const plot_grid *g, const attr_t *series_attr,
               attr_t frame, attr_t mark);

/* A short label for V: "0.012", "3.5", "1.5k", "2M", "1e-05". */
void plot_format(double v, char *buf, size_t len);

#endif
