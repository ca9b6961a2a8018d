/* train_plots.c - the Train pane's charts: the training loss raw (dim) and
 * smoothed over the whole history (bright) with the evaluations as points,
 * the learning rate, the gradient norm and the throughput, each titled with
 * its newest value; earlier runs overlaid in their own colours. Each chart
 * is rendered (plot.h, which draws many points per dot column as their
 * min-max span) only when what it shows changed, so a frame between two
 * logged steps costs no rendering. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "plural.h"
#include "text.h"
#include "theme.h"
#include "train_pane_impl.h"

static const int64_t zooms[] = {0, 100, 1000, 10000, 100000};
#define N_ZOOMS (int)(sizeof zooms / sizeof zooms[0])
static const double weights[] = {0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99, 0.999};
#define N_WEIGHTS (int)(sizeof weights / sizeof weights[0])
#define DEFAULT_WEIGHT 2    /* 0.6, TensorBoard's default */

/* The most series a chart draws: the overlays, then raw, smoothed and evaluations. */
#define MAX_SERIES (TRAIN_OVERLAY_MAX + 3)

static const char *const titles[TRAIN_CHART_COUNT] = {"loss", "lr", "grad norm", "tokens/s"};
static const train_series chart_series[TRAIN_CHART_COUNT] = {TRAIN_LOSS, TRAIN_LR, TRAIN_GRAD,
                                                             TRAIN_TPS};

void train_plots_init(train_plots *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->log_loss = true;
    pl->weight = DEFAULT_WEIGHT;
}

void train_plots_free(train_plots *pl)
{
    for (int c = 0; c < TRAIN_CHART_COUNT; c++)
        plot_grid_free(&pl->grid[c]);
}

double train_plots_weight(const train_plots *pl)
{
    return weights[pl->weight];
}

/* ------------------------------------------------------------ series */

typedef struct {
    plot_series s[MAX_SERIES];
    size_t n;
} chart_series_set;

attr_t train_plots_overlay_attr(size_t k)
{
    static const theme_role roles[] = {THEME_SERIES2, THEME_SERIES3, THEME_SERIES4};
    return theme_attr(roles[k % 3]);
}

/* The overlays drawn: none while they are hidden. */
static size_t overlays(const train_pane *tp)
{
    return tp->over_hidden ? 0 : tp->n_over;
}

/* H's series S in the x window [LO, HI] (all of it when LO >= HI). */
static void add_line(chart_series_set *set, const train_history *h, train_series s, train_x xu,
                     double lo, double hi)
{
    size_t i0 = 0, i1 = h->n;
    if (lo < hi)
        train_history_span(h, xu, lo, hi, &i0, &i1);
    set->s[set->n++] = (plot_series){h->x[xu] + i0, h->y[s] + i0, i1 - i0, PLOT_LINE};
}

/* The x window: the zoomed steps of this run, or everything. */
static void x_window(const train_pane *tp, double *lo, double *hi)
{
    *lo = *hi = 0;
    const train_history *h = &tp->hist;
    if (zooms[tp->plots.zoom] <= 0 || h->n == 0)
        return;
    size_t i0, i1;
    train_history_window(h, zooms[tp->plots.zoom], &i0, &i1);
    *lo = h->x[tp->plots.x][i0];
    *hi = h->x[tp->plots.x][i1 - 1];
}

static void build(const train_pane *tp, train_chart c, chart_series_set *set)
{
    const train_history *h = &tp->hist;
    train_x xu = tp->plots.x;
    train_series s = chart_series[c];
    double lo, hi;
    x_window(tp, &lo, &hi);
    for (size_t k = 0; k < overlays(tp); k++)
        add_line(set, &tp->over[k].hist, c == TRAIN_CHART_LOSS ? TRAIN_SMOOTH : s, xu, lo, hi);
    add_line(set, h, s, xu, lo, hi);
    if (c == TRAIN_CHART_LOSS) {
        add_line(set, h, TRAIN_SMOOTH, xu, lo, hi);
        set->s[set->n++] = (plot_series){h->eval_x[xu], h->eval_loss, h->n_eval, PLOT_POINTS};
    }
}

/* ------------------------------------------------------------ rendering */

static void render(train_pane *tp, train_chart c, int w, int h)
{
    train_plots *pl = &tp->plots;
    char key[sizeof pl->key[0]];
    bool ascii = !crt_utf8();
    snprintf(key, sizeof key, "%llu %llu %d %d %d %d %d %d %d",
             (unsigned long long)tp->hist.version, (unsigned long long)tp->over_version, w, h,
             (int)pl->x, pl->log_loss, pl->zoom, pl->weight, ascii);
    if (!strcmp(key, pl->key[c]))
        return;
    snprintf(pl->key[c], sizeof pl->key[c], "%s", key);
    plot_grid_free(&pl->grid[c]);
    pl->error[c][0] = '\0';
    chart_series_set set;
    memset(&set, 0, sizeof set);
    char marks[MAX_SERIES] = {0};   /* the overlays' digits, as in the legend */
    for (size_t k = 0; k < overlays(tp); k++)
        marks[k] = (char)('1' + k);
    plot_opts o = {.log_y = c == TRAIN_CHART_LOSS && pl->log_loss, .ascii = ascii,
                   .ascii_marks = marks};
    x_window(tp, &o.x_lo, &o.x_hi);
    build(tp, c, &set);
    if (plot_render(set.s, set.n, &o, w, h, &pl->grid[c], pl->error[c], sizeof pl->error[c]))
        pl->key[c][0] = '\0';
}

/* The series' attributes in the order build adds them: the overlays, then
 * this run's (raw dim and smoothed bright for the loss), then the
 * evaluations. */
static void series_attrs(const train_pane *tp, train_chart c, attr_t *attr)
{
    size_t n = 0;
    for (size_t k = 0; k < overlays(tp); k++)
        attr[n++] = train_plots_overlay_attr(k);
    attr_t main = theme_attr(THEME_SERIES1);
    attr[n++] = c == TRAIN_CHART_LOSS ? main | A_DIM : main;
    attr[n++] = main | A_BOLD;
    attr[n++] = theme_attr(THEME_ACCENT) | A_BOLD;
}

/* ------------------------------------------------------------ titles */

static int put_value(WINDOW *w, int y, int x, int width, const char *label, double v,
                     const char *fmt)
{
    int used = text_putf(w, y, x, width, theme_attr(THEME_DIM), "%s ", label);
    if (isfinite(v))
        used += text_putf(w, y, x + used, width - used, theme_attr(THEME_TEXT), fmt, v);
    else
        used += text_put(w, y, x + used, width - used, theme_attr(THEME_DIM), "-");
    return used + (used < width);
}

static void loss_title(const train_pane *tp, WINDOW *w, int y, int x, int width)
{
    const train_history *h = &tp->hist;
    const train_plots *pl = &tp->plots;
    int used = put_value(w, y, x, width, "loss", train_history_last(h, TRAIN_LOSS), "%.4g");
    char label[48];
    snprintf(label, sizeof label, "smoothed(%.3g)", weights[pl->weight]);
    used += put_value(w, y, x + used, width - used, label, train_history_last(h, TRAIN_SMOOTH),
                      "%.4g");
    double eval = h->n_eval ? h->eval_loss[h->n_eval - 1] : NAN;
    used += put_value(w, y, x + used, width - used, "eval", eval, "%.4g");
    if (h->nonfinite)
        used += text_putf(w, y, x + used, width - used, theme_attr(THEME_ERROR), "%zu NaN ",
                          h->nonfinite);
    if (pl->log_loss)
        text_put(w, y, x + used, width - used, theme_attr(THEME_DIM), "(log)");
}

static void title(const train_pane *tp, train_chart c, WINDOW *w, int y, int x, int width)
{
    if (c == TRAIN_CHART_LOSS) {
        loss_title(tp, w, y, x, width);
        return;
    }
    double v = train_history_last(&tp->hist, chart_series[c]);
    int used = put_value(w, y, x, width, titles[c], v, c == TRAIN_CHART_TPS ? "%.4g" : "%.3g");
    if (c == TRAIN_CHART_LR && tp->st.lr_multiplier != 1)
        text_putf(w, y, x + used, width - used, theme_attr(THEME_ACCENT) | A_BOLD,
                  "(multiplier %g)", tp->st.lr_multiplier);
}

/* ------------------------------------------------------------ drawing */

static void draw_chart(train_pane *tp, train_chart c, WINDOW *w, int y, int x, int h, int width)
{
    title(tp, c, w, y, x, width);
    render(tp, c, width, h - 1);
    const train_plots *pl = &tp->plots;
    if (!pl->grid[c].cells) {
        text_put(w, y + 1, x, width, theme_attr(THEME_ERROR), pl->error[c]);
        return;
    }
    attr_t attr[MAX_SERIES];
    series_attrs(tp, c, attr);
    plot_draw(w, y + 1, x, &pl->grid[c], attr, theme_attr(THEME_DIM), theme_attr(THEME_ERROR));
}

/* The x unit and zoom, and the overlays' legend, on one row. */
static void draw_legend(const train_pane *tp, WINDOW *w, int y, int x, int width)
{
    const train_plots *pl = &tp->plots;
    int used = text_putf(w, y, x, width, theme_attr(THEME_DIM), "x: %s, ",
                         pl->x == TRAIN_X_STEPS ? "steps" : "tokens");
    if (zooms[pl->zoom])
        used += text_putf(w, y, x + used, width - used, theme_attr(THEME_DIM),
                          "the last %lld steps", (long long)zooms[pl->zoom]);
    else
        used += text_put(w, y, x + used, width - used, theme_attr(THEME_DIM), "the whole run");
    if (!tp->n_over)
        return;
    if (tp->over_hidden) {
        text_putf(w, y, x + used, width - used, theme_attr(THEME_DIM), "   %zu overlaid "
                  "run%s hidden (o shows)", tp->n_over, plural_s(tp->n_over));
        return;
    }
    const char *slash = strrchr(tp->src.dir, '/');
    used += text_putf(w, y, x + used, width - used, theme_attr(THEME_SERIES1) | A_BOLD,
                      "   %s", !tp->src.dir[0] ? "this run"
                               : slash && slash[1] ? slash + 1 : tp->src.dir);
    for (size_t k = 0; k < tp->n_over; k++) {
        const train_overlay *o = &tp->over[k];
        used += text_putf(w, y, x + used, width - used, train_plots_overlay_attr(k) | A_BOLD,
                          "  %zu %s", k + 1, o->name);
        if (o->follow)   /* another process writes it: how far it is */
            used += text_putf(w, y, x + used, width - used, train_plots_overlay_attr(k),
                              " (running, step %lld)",
                              (long long)train_history_last_step(&o->hist));
    }
}

void train_plots_draw(train_pane *tp, WINDOW *w, int y, int x, int h, int width)
{
    if (h < PLOT_MIN_H + 2 || width < PLOT_MIN_W)
        return;
    train_history_smooth(&tp->hist);
    for (size_t k = 0; k < tp->n_over; k++)
        train_history_smooth(&tp->over[k].hist);
    draw_legend(tp, w, y, x, width);
    y++;
    h--;
    bool grid = h >= 2 * (PLOT_MIN_H + 1) && width >= 2 * PLOT_MIN_W + 1;
    if (!grid) {
        draw_chart(tp, TRAIN_CHART_LOSS, w, y, x, h, width);
        return;
    }
    int top = (h + 1) / 2, left = (width - 1) / 2;
    draw_chart(tp, TRAIN_CHART_LOSS, w, y, x, top, left);
    draw_chart(tp, TRAIN_CHART_LR, w, y, x + left + 1, top, width - left - 1);
    draw_chart(tp, TRAIN_CHART_GRAD, w, y + top, x, h - top, left);
    draw_chart(tp, TRAIN_CHART_TPS, w, y + top, x + left + 1, h - top, width - left - 1);
}

/* ------------------------------------------------------------ keys */

/* The next zoom level that shows less than the whole history. */
static int next_zoom(const train_pane *tp)
{
    int64_t steps = train_history_last_step(&tp->hist) - (tp->hist.n ? tp->hist.step[0] : 0);
    for (int z = tp->plots.zoom + 1; z < N_ZOOMS; z++)
        if (zooms[z] < steps)
            return z;
    return 0;
}

/* The smoothing of this run and the overlays: weight I (clamped). */
static void set_weight(train_pane *tp, int i)
{
    tp->plots.weight = i < 0 ? 0 : i >= N_WEIGHTS ? N_WEIGHTS - 1 : i;
    train_history_set_weight(&tp->hist, weights[tp->plots.weight]);
    for (size_t k = 0; k < tp->n_over; k++)
        train_history_set_weight(&tp->over[k].hist, weights[tp->plots.weight]);
}

pane_result train_plots_key(train_pane *tp, int key)
{
    train_plots *pl = &tp->plots;
    switch (key) {
    case '+':
    case '=':
        set_weight(tp, pl->weight + 1);
        break;
    case '-':
        set_weight(tp, pl->weight - 1);
        break;
    case 'l': pl->log_loss = !pl->log_loss; break;
    case 'x': pl->x = pl->x == TRAIN_X_STEPS ? TRAIN_X_TOKENS : TRAIN_X_STEPS; break;
    case 'z': pl->zoom = next_zoom(tp); break;
    case 'o':
        if (!tp->n_over) {
            pane_status(&tp->super, true, "no run overlaid: Space on runs in the runs folder "
                        "(R) overlays them");
            break;
        }
        tp->over_hidden = !tp->over_hidden;
        tp->over_version++;
        break;
    default: return PANE_IGNORED;
    }
    return PANE_HANDLED;
}
