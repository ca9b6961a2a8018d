/* train_runs.c - the Train pane's view of the runs folder (runs/ under the
 * working directory, as `lathe train` writes it): each run with its state,
 * how far it got and when it last logged, newest first, read again at most
 * once a second so a run being written moves; from here a run is resumed
 * from its newest checkpoint, trained in this pane, and runs are overlaid
 * on the charts for comparison (train_overlay.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "grow.h"
#include "plural.h"
#include "text.h"
#include "theme.h"
#include "train_pane.h"
#include "train_pane_impl.h"

#define KEY_ESC 27
#define RESCAN_MS 1000
#define RUNS_MAX 4096

void train_runs_free(train_runs *r)
{
    free(r->list);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ scanning */

static void scan(train_runs *r)
{
    double now = clock_ms();
    if (r->scanned_ms && now - r->scanned_ms < RESCAN_MS)
        return;
    r->scanned_ms = now;
    if (!r->list) {
        r->list = calloc(RUNS_MAX, sizeof *r->list);
        if (!r->list) {
            r->n = -1;
            snprintf(r->error, sizeof r->error, "out of memory");
            return;
        }
    }
    r->n = run_list_scan(TRAIN_RUNS_DIR, r->list, RUNS_MAX, r->error, sizeof r->error);
    if (r->n > RUNS_MAX)
        r->n = RUNS_MAX;
    if (r->n > 0 && r->sel >= (size_t)r->n)
        r->sel = (size_t)r->n - 1;
}

static const run_list_entry *selected(const train_runs *r)
{
    return r->n > 0 ? &r->list[r->sel] : NULL;
}

/* ------------------------------------------------------------ drawing */

static void age_text(char *buf, size_t len, double s)
{
    if (s < 90)
        snprintf(buf, len, "%.0f s ago", s);
    else if (s < 5400)
        snprintf(buf, len, "%.0f min ago", s / 60);
    else if (s < 2 * 86400)
        snprintf(buf, len, "%.1f h ago", s / 3600);
    else
        snprintf(buf, len, "%.0f days ago", s / 86400);
}

/* The overlay that shows run NAME, or -1. */
static int overlay_of(const train_pane *tp, const char *name)
{
    for (size_t k = 0; k < tp->n_over; k++)
        if (!strcmp(tp->over[k].name, name))
            return (int)k;
    return -1;
}

/* Overlay K's digit (as in the legend) left of its run's row. */
static void draw_row(WINDOW *w, int y, int x, int width, const run_list_entry *e, bool sel,
                     int k)
{
    char step[32] = "", loss[32] = "", age[32];
    if (e->steps >= 0)
        snprintf(step, sizeof step, "step %lld", e->steps);
    if (!isnan(e->loss))
        snprintf(loss, sizeof loss, "loss %.4g", e->loss);
    age_text(age, sizeof age, e->age_s);
    theme_role role = e->state == RUN_LIST_FAILED ? THEME_ERROR : THEME_TEXT;
    attr_t a = sel ? theme_attr(THEME_SELECTION) | A_BOLD : theme_attr(role);
    if (sel)
        text_blank(w, y, x, width, a);
    text_putf(w, y, x, width, a, "  %-24s %-22s %-11s %-12s %s %s", e->name,
              run_list_state_name(e->state), step, loss,
              e->state == RUN_LIST_UNFINISHED ? "last log" : "ended", age);
    if (k >= 0)
        text_putf(w, y, x, width, train_plots_overlay_attr((size_t)k) | A_BOLD, "%d", k + 1);
}

static void draw_empty(WINDOW *w, int y, int x, int width)
{
    int used = text_put(w, y, x, width, theme_attr(THEME_TEXT), "no run yet; start one with ");
    used += text_put(w, y, x + used, width - used, theme_attr(THEME_ACCENT),
                     "lathe train CONFIG.yaml");
    used += text_put(w, y, x + used, width - used, theme_attr(THEME_TEXT), " (add ");
    used += text_put(w, y, x + used, width - used, theme_attr(THEME_ACCENT), "--tui");
    text_put(w, y, x + used, width - used, theme_attr(THEME_TEXT),
             " to watch it here), or launch one from the Config pane");
}

void train_runs_draw(train_pane *tp, WINDOW *w, int y, int x, int h, int width)
{
    train_runs *r = &tp->runs;
    scan(r);
    text_put(w, y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Runs");
    if (r->n < 0) {
        text_putf(w, y + 1, x, width, theme_attr(THEME_ERROR), "cannot list runs: %s", r->error);
        return;
    }
    if (r->n == 0) {
        draw_empty(w, y + 1, x, width);
        return;
    }
    text_putf(w, y + 1, x, width, theme_attr(THEME_TEXT), "%ld run%s in %s/, newest first:",
              r->n, plural_s((unsigned long long)r->n), TRAIN_RUNS_DIR);
    int rows = h - 4;
    if (rows < 1)
        return;
    if (r->sel < r->top)
        r->top = r->sel;
    if (r->sel >= r->top + (size_t)rows)
        r->top = r->sel - (size_t)rows + 1;
    for (int i = 0; i < rows && r->top + (size_t)i < (size_t)r->n; i++)
        draw_row(w, y + 2 + i, x, width, &r->list[r->top + i], r->top + (size_t)i == r->sel,
                 overlay_of(tp, r->list[r->top + i].name));
    int used = text_put(w, y + h - 1, x, width, theme_attr(THEME_DIM),
                        "Enter: open   r: resume here   Space: overlay on the charts   "
                        "open one with ");
    used += text_put(w, y + h - 1, x + used, width - used, theme_attr(THEME_ACCENT),
                     "lathe runs/NAME");
    if (train_pane_showing(tp))
        text_put(w, y + h - 1, x + used, width - used, theme_attr(THEME_DIM),
                 "   R or Esc: back to the run");
}

/* ------------------------------------------------------------ keys */

/* Shows run E (train_pane_open), following it while another process writes it. */
static void open_run(train_pane *tp, const run_list_entry *e)
{
    char dir[PATH_MAX], err[512];
    snprintf(dir, sizeof dir, "%s/%s", TRAIN_RUNS_DIR, e->name);
    if (train_pane_open(&tp->super, dir, err, sizeof err) != 0)
        pane_status(&tp->super, true, "cannot open %s: %s", dir, err);
}

void train_runs_resume(train_pane *tp, const char *run_dir)
{
    char dir[PATH_MAX], config[PATH_MAX + 16], err[512];
    snprintf(dir, sizeof dir, "%s", run_dir);   /* starting empties the pane's source */
    snprintf(config, sizeof config, "%s/config.yaml", dir);
    run_session_options o = {.config = config, .resume = dir};
    if (train_pane_start(tp, &o, err, sizeof err) != 0)
        pane_status(&tp->super, true, "cannot resume %s: %s", dir, err);
}

/* Resumes run E (train_runs_resume). */
static void resume(train_pane *tp, const run_list_entry *e)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", TRAIN_RUNS_DIR, e->name);
    train_runs_resume(tp, dir);
}

/* Overlays run E on the charts, or takes it off when it is overlaid. */
static void toggle_overlay(train_pane *tp, const run_list_entry *e)
{
    int k = overlay_of(tp, e->name);
    if (k >= 0) {
        train_overlay_free(&tp->over[k]);
        memmove(&tp->over[k], &tp->over[k + 1], (tp->n_over - (size_t)k - 1) * sizeof *tp->over);
        tp->n_over--;
        tp->over_version++;
        pane_status(&tp->super, false, "%s is no longer overlaid", e->name);
        return;
    }
    if (tp->n_over == TRAIN_OVERLAY_MAX) {
        pane_status(&tp->super, true, "%d runs are overlaid already: Space on one takes it off",
                    TRAIN_OVERLAY_MAX);
        return;
    }
    char err[PATH_MAX + 64];
    if (train_overlay_open(&tp->over[tp->n_over], e->name, train_plots_weight(&tp->plots), err,
                     sizeof err) != 0) {
        pane_status(&tp->super, true, "cannot overlay %s: %s", e->name, err);
        return;
    }
    tp->n_over++;
    tp->over_hidden = false;
    tp->over_version++;
    pane_status(&tp->super, false, "%s overlaid on the charts%s", e->name,
                train_pane_showing(tp) ? " (R: back to them)" : "; Enter opens a run to "
                                                                "compare it with");
}

pane_result train_runs_key(train_pane *tp, int key)
{
    train_runs *r = &tp->runs;
    scan(r);   /* a key may come before the list was first drawn */
    size_t n = r->n > 0 ? (size_t)r->n : 0, page = 10;
    switch (key) {
    case KEY_UP: r->sel -= r->sel > 0; break;
    case KEY_DOWN: r->sel += r->sel + 1 < n; break;
    case KEY_PPAGE: r->sel = r->sel > page ? r->sel - page : 0; break;
    case KEY_NPAGE: r->sel = n && r->sel + page < n ? r->sel + page : (n ? n - 1 : 0); break;
    case KEY_HOME: r->sel = 0; break;
    case KEY_END: r->sel = n ? n - 1 : 0; break;
    case '\r':
    case '\n':
    case KEY_ENTER:
        if (selected(r))
            open_run(tp, selected(r));
        break;
    case 'r':
        if (selected(r))
            resume(tp, selected(r));
        break;
    case ' ':
        if (selected(r))
            toggle_overlay(tp, selected(r));
        break;
    case 'R':
    case KEY_ESC: tp->view = TRAIN_VIEW_RUN; break;
    default: return PANE_IGNORED;
    }
    return PANE_HANDLED;
}
