/* train_pane.c - the Train pane: the runs found under the working
 * directory's runs/ and how far each got (until the live Train pane lands,
 * runs are launched headless) and the full system gauges. */
#include "pane.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "gauge.h"
#include "run_list.h"
#include "text.h"
#include "theme.h"
#include "plural.h"

/* Where `lathe train` puts runs by default, relative to the working directory. */
#define TRAIN_RUNS_DIR "runs"
#define TRAIN_RUNS_SHOWN 5

typedef struct {
    pane super;
    run_list_entry runs[TRAIN_RUNS_SHOWN];
    long n_runs;            /* runs found, possibly more than shown; -1 on error */
    char err[256];
    time_t scanned;         /* the runs are read again at most once a second */
} train_pane;

static void scan_runs(train_pane *tp)
{
    time_t now = time(NULL);
    if (now == tp->scanned)
        return;
    tp->scanned = now;
    tp->n_runs = run_list_scan(TRAIN_RUNS_DIR, tp->runs, TRAIN_RUNS_SHOWN, tp->err,
                               sizeof tp->err);
}

static void draw_run(WINDOW *w, int y, int x, int width, const run_list_entry *r)
{
    char step[32] = "", loss[32] = "";
    if (r->steps >= 0)
        snprintf(step, sizeof step, "step %lld", r->steps);
    if (!isnan(r->loss))
        snprintf(loss, sizeof loss, "loss %.4g", r->loss);
    theme_role role = r->state == RUN_LIST_FAILED ? THEME_ERROR : THEME_TEXT;
    text_putf(w, y, x, width, theme_attr(role), "  %-24s %-22s %-11s %-12s %s %.0f s ago",
              r->name, run_list_state_name(r->state), step, loss,
              r->state == RUN_LIST_UNFINISHED ? "last log" : "ended", r->age_s);
}

/* The runs, or how to start one; returns the rows used. */
static int draw_runs(train_pane *tp, WINDOW *w, int y, int x, int width)
{
    scan_runs(tp);
    if (tp->n_runs < 0) {
        text_putf(w, y, x, width, theme_attr(THEME_ERROR), "cannot list runs: %s", tp->err);
        return 1;
    }
    if (tp->n_runs == 0) {
        int used = text_put(w, y, x, width, theme_attr(THEME_TEXT), "no run yet; start one with ");
        text_put(w, y, x + used, width - used, theme_attr(THEME_ACCENT), "lathe train CONFIG.yaml");
        return 1;
    }
    text_putf(w, y, x, width, theme_attr(THEME_TEXT),
              "%ld run%s in %s/, newest first:",
              tp->n_runs, plural_s(tp->n_runs), TRAIN_RUNS_DIR);
    long shown = tp->n_runs < TRAIN_RUNS_SHOWN ? tp->n_runs : TRAIN_RUNS_SHOWN;
    for (long i = 0; i < shown; i++)
        draw_run(w, y + 1 + (int)i, x, width, &tp->runs[i]);
    int row = y + 1 + (int)shown;
    if (tp->n_runs > shown)
        text_putf(w, row++, x, width, theme_attr(THEME_DIM), "  and %ld more", tp->n_runs - shown);
    int used = text_put(w, row, x, width, theme_attr(THEME_TEXT), "open one with ");
    used += text_put(w, row, x + used, width - used, theme_attr(THEME_ACCENT), "lathe runs/NAME");
    text_put(w, row, x + used, width - used, theme_attr(THEME_TEXT),
             " (its config and data); its logs are metrics.jsonl and events.jsonl");
    return row - y + 1;
}

/* The header; returns the rows it used. */
static int draw_header(pane *p, WINDOW *w)
{
    int x = p->x + 1, width = p->w - 2;
    text_put(w, p->y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Training");
    return 1 + draw_runs((train_pane *)p, w, p->y + 1, x, width);
}

static void draw(pane *p, WINDOW *w, const pane_env *env)
{
    if (p->h < 1)
        return;
    int top = draw_header(p, w) + 1, x = p->x + 1, width = p->w - 2;
    text_put(w, p->y + top, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "System");
    if (env->have_snap)
        gauge_draw_full(w, p->y + top + 1, x, p->h - top - 2, width, &env->snap);
    else
        text_putf(w, p->y + top + 1, x, width, theme_attr(THEME_ERROR),
                  "system gauges unavailable: %s", env->sysmon_error);
}

const pane_class train_pane_class = {
    .name = "Train",
    .id = PANE_TRAIN,
    .size = sizeof(train_pane),
    .draw = draw,
};
