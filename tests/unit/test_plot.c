/* test_plot.c - the chart renderer (ui/plot.c) against golden text, and
 * TensorBoard's smoothing (ui/smooth.c) against hand-computed values and its
 * rules. LATHE_UPDATE_GOLDEN=1 rewrites the golden files (read them before
 * committing: they are the specification). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "plot.h"
#include "smooth.h"

/* ------------------------------------------------------------ smoothing */

static void test_ema_hand_computed(void **state)
{
    (void)state;
    double y[] = {1, 2, 3}, out[3];
    smooth_ema(y, 3, 0.5, out);
    assert_float_equal(out[0], 1.0, 1e-12);            /* 0.5 / 0.5 */
    assert_float_equal(out[1], 1.25 / 0.75, 1e-12);    /* (0.25 + 1) / (1 - 0.25) */
    assert_float_equal(out[2], 2.125 / 0.875, 1e-12);  /* (0.625 + 1.5) / (1 - 0.125) */
}

static void test_ema_nonfinite_passes_through(void **state)
{
    (void)state;
    double y[] = {1, NAN, 3, INFINITY}, out[4];
    smooth_ema(y, 4, 0.5, out);
    assert_float_equal(out[0], 1.0, 1e-12);
    assert_true(isnan(out[1]));
    /* the NaN was not counted: the second finite point debiases by 1 - 0.5^2 */
    assert_float_equal(out[2], (0.25 + 1.5) / 0.75, 1e-12);
    assert_true(isinf(out[3]) && out[3] > 0);
}

static void test_ema_constant_and_weights(void **state)
{
    (void)state;
    double c[] = {0.3, 0.3, 0.3}, out[3];
    smooth_ema(c, 3, 0.9, out);
    for (int i = 0; i < 3; i++)
        assert_true(out[i] == 0.3);   /* as is, not 0.3 +- rounding */
    double y[] = {4, 1, 7};
    smooth_ema(y, 3, NAN, out);       /* a non-finite weight is 0: no smoothing */
    assert_memory_equal(out, y, sizeof y);
    smooth_ema(y, 3, -3, out);        /* clamped to 0 */
    assert_memory_equal(out, y, sizeof y);
    smooth_ema(y, 3, 7, out);         /* clamped to 1: the accumulator stays 0 */
    for (int i = 0; i < 3; i++)
        assert_true(out[i] == 0);
    smooth_ema(y, 0, 0.5, out);       /* empty */
    smooth_ema(y, 3, 0.6, y);         /* in place */
    assert_float_equal(y[0], 4, 1e-12);
}

/* A series smoothed a point or a few at a time equals it smoothed at once,
 * bit for bit: constant at first then not, NaN first, NaN inside, constant
 * to the end. */
static void test_ema_incremental_is_exact(void **state)
{
    (void)state;
    const double series[][7] = {
        {2.5, 2.5, 2.5, 1.25, NAN, 0.7, 3.1},
        {NAN, 1, 2, 2, INFINITY, 0.5, 4},
        {0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3},
        {5, 4, 3, 2, 1, 0.5, 0.25},
    };
    const size_t steps[] = {1, 2, 3};
    for (size_t k = 0; k < sizeof series / sizeof series[0]; k++)
        for (size_t d = 0; d < sizeof steps / sizeof steps[0]; d++) {
            double want[7], got[7];
            smooth_state st;
            smooth_start(&st, 0.6);
            for (size_t n = 0; n <= 7; n += steps[d]) {
                smooth_more(&st, series[k], n, got);
                smooth_ema(series[k], n, 0.6, want);
                assert_memory_equal(got, want, n * sizeof want[0]);
            }
        }
}

/* ------------------------------------------------------------ golden plots */

static void golden(const char *name, const plot_series *s, size_t ns, const plot_opts *o, int w,
                   int h, plot_grid *g)
{
    char err[128];
    assert_int_equal(plot_render(s, ns, o, w, h, g, err, sizeof err), 0);
    char *text = plot_grid_text(g);
    assert_non_null(text);
    const char *src = getenv("LATHE_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/plot/%s.txt", src ? src : ".", name);
    if (getenv("LATHE_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    size_t len = 0;
    char *want = file_read_path(path, &len, err, sizeof err);
    if (!want)
        fail_msg("%s", err);
    if (strcmp(text, want) != 0)
        fail_msg("%s differs from its golden file:\n%s\nwant:\n%s", name, text, want);
    free(want);
    free(text);
}

/* True when some cell of ROW is owned by OWNER. */
static bool row_has(const plot_grid *g, int row, int owner)
{
    for (int k = 0; k < g->w; k++)
        if (g->cells[row * g->w + k].owner == owner)
            return true;
    return false;
}

static void fill_loss(double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)(i + 1);
        y[i] = 2.0 * exp(-(double)i / ((double)n / 4)) + 0.3;
    }
}

static void test_plot_linear(void **state)
{
    (void)state;
    double x[100], y[100];
    fill_loss(x, y, 100);
    plot_series s = {x, y, 100, PLOT_LINE};
    plot_grid g;
    golden("linear", &s, 1, &(plot_opts){0}, 48, 12, &g);
    assert_true(g.y_lo <= 0.3 && g.y_hi >= 2.3);
    plot_grid_free(&g);
    golden("linear-ascii", &s, 1, &(plot_opts){.ascii = true}, 48, 12, &g);
    plot_grid_free(&g);
}

static void test_plot_log(void **state)
{
    (void)state;
    double x[60], y[60];
    for (int i = 0; i < 60; i++) {
        x[i] = i;
        y[i] = 100.0 * pow(10, -i / 20.0);   /* three decades down */
    }
    y[5] = 0;                                 /* left out, counted */
    y[6] = -1;
    plot_series s = {x, y, 60, PLOT_LINE};
    plot_grid g;
    golden("log", &s, 1, &(plot_opts){.log_y = true}, 40, 10, &g);
    assert_int_equal(g.dropped, 2);
    assert_float_equal(g.y_hi, 100, 1e-9);
    assert_float_equal(g.y_lo, 0.1, 1e-9);
    plot_grid_free(&g);
}

/* A million steps with one spike: the spike's column still reaches the top. */
static void test_plot_million_points_keep_a_spike(void **state)
{
    (void)state;
    size_t n = 1000000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_true(x && y);
    fill_loss(x, y, n);
    y[654321] = 9.0;   /* the axis goes to 10: the spike reaches the second row */
    plot_series s = {x, y, n, PLOT_LINE};
    plot_grid g;
    golden("spike-1m", &s, 1, &(plot_opts){0}, 60, 12, &g);
    assert_true(row_has(&g, 1, 0));
    assert_float_equal(g.x_hi, (double)n, 0);
    plot_grid_free(&g);
    free(x);
    free(y);
}

static void test_plot_flat_and_one_point(void **state)
{
    (void)state;
    double x[20], y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i;
        y[i] = 1.5;
    }
    plot_series s = {x, y, 20, PLOT_LINE};
    plot_grid g;
    golden("flat", &s, 1, &(plot_opts){0}, 32, 6, &g);
    assert_true(g.y_lo < 1.5 && g.y_hi > 1.5);
    plot_grid_free(&g);
    s.n = 1;
    golden("one-point", &s, 1, &(plot_opts){0}, 32, 6, &g);
    plot_grid_free(&g);
    s.n = 0;
    golden("empty", &s, 1, &(plot_opts){0}, 32, 6, &g);
    plot_grid_free(&g);
}

/* Skipped steps break the line and are marked on the bottom row. */
static void test_plot_nan_gaps(void **state)
{
    (void)state;
    double x[40], y[40];
    fill_loss(x, y, 40);
    y[12] = NAN;
    y[13] = INFINITY;
    y[30] = NAN;
    plot_series s = {x, y, 40, PLOT_LINE};
    plot_grid g;
    golden("nan-gaps", &s, 1, &(plot_opts){0}, 40, 8, &g);
    assert_int_equal(g.nonfinite, 3);
    assert_true(row_has(&g, g.h - 2, PLOT_MARK));
    plot_grid_free(&g);
}

/* Raw dim under smoothed bright, evaluation points on top; a zoomed window
 * fits y to the points inside it. */
static void test_plot_layers_and_zoom(void **state)
{
    (void)state;
    enum { N = 200 };
    double x[N], raw[N], smooth[N], ex[4] = {50, 100, 150, 200}, ey[4];
    fill_loss(x, raw, N);
    for (int i = 0; i < N; i++)
        raw[i] += 0.2 * sin(i * 1.7);
    smooth_ema(raw, N, 0.8, smooth);
    for (int i = 0; i < 4; i++)
        ey[i] = smooth[(int)ex[i] - 1] + 0.1;
    plot_series s[] = {{x, raw, N, PLOT_LINE}, {x, smooth, N, PLOT_LINE}, {ex, ey, 4, PLOT_POINTS}};
    plot_grid g;
    golden("layers", s, 3, &(plot_opts){0}, 60, 14, &g);
    plot_grid_free(&g);
    golden("zoom", s, 3, &(plot_opts){.x_lo = 150, .x_hi = 200}, 60, 14, &g);
    assert_true(g.y_hi < 1.0);   /* the early, high losses are outside */
    plot_grid_free(&g);
}

/* An earlier run overlaid on this one: on an ASCII grid (no colour to tell
 * them apart) its cells carry its mark, this run's the levels. */
static void test_plot_overlay_ascii_marks(void **state)
{
    (void)state;
    enum { N = 60 };
    double x[N], now[N], before[N];
    fill_loss(x, now, N);
    for (int i = 0; i < N; i++)
        before[i] = now[i] * 1.4;
    plot_series s[] = {{x, before, N, PLOT_LINE}, {x, now, N, PLOT_LINE}};
    plot_grid g;
    golden("overlay-ascii", s, 2, &(plot_opts){.ascii = true, .ascii_marks = "1"}, 48, 12, &g);
    int marked = 0, levels = 0;
    for (int i = 0; i < g.w * g.h; i++) {
        marked += g.cells[i].owner == 0 && !strcmp(g.cells[i].glyph, "1");
        levels += g.cells[i].owner == 1 && strchr("'-.|", g.cells[i].glyph[0]);
    }
    assert_true(marked > 10 && levels > 10);
    plot_grid_free(&g);
    golden("overlay", s, 2, &(plot_opts){.ascii_marks = "1"}, 48, 12, &g);   /* braille: no marks */
    plot_grid_free(&g);
}

static void test_plot_too_small_and_format(void **state)
{
    (void)state;
    plot_grid g;
    char err[128];
    assert_int_equal(plot_render(NULL, 0, &(plot_opts){0}, 8, 3, &g, err, sizeof err), -1);
    assert_string_equal(err, "a plot needs 16x4 cells, got 8x3");
    char b[16];
    plot_format(1500, b, sizeof b);
    assert_string_equal(b, "1500");
    plot_format(25000, b, sizeof b);
    assert_string_equal(b, "25k");
    plot_format(2e6, b, sizeof b);
    assert_string_equal(b, "2M");
    plot_format(0.0123, b, sizeof b);
    assert_string_equal(b, "0.0123");
    plot_format(1e-5, b, sizeof b);
    assert_string_equal(b, "1e-05");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ema_hand_computed),
        cmocka_unit_test(test_ema_nonfinite_passes_through),
        cmocka_unit_test(test_ema_constant_and_weights),
        cmocka_unit_test(test_ema_incremental_is_exact),
        cmocka_unit_test(test_plot_linear),
        cmocka_unit_test(test_plot_log),
        cmocka_unit_test(test_plot_million_points_keep_a_spike),
        cmocka_unit_test(test_plot_flat_and_one_point),
        cmocka_unit_test(test_plot_nan_gaps),
        cmocka_unit_test(test_plot_layers_and_zoom),
        cmocka_unit_test(test_plot_overlay_ascii_marks),
        cmocka_unit_test(test_plot_too_small_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
