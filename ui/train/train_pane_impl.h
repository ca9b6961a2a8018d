/* train_pane_impl.h - the Train pane's state, shared by its files:
 * train_pane.c (the class: records in, layout, keys, messages, the run
 * handed over when the terminal goes), train_plots.c (the charts),
 * train_status.c (the run's figures, alarms, the event log, memory and
 * gauges), train_controls.c (pause, stop, save, evaluate, the learning
 * rate, chat with this), train_runs.c (the runs folder, comparison,
 * resume) and train_overlay.c (the runs overlaid, followed while written). */
#ifndef LATHE_TRAIN_PANE_IMPL_H
#define LATHE_TRAIN_PANE_IMPL_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "line_edit.h"
#include "pane.h"
#include "plot.h"
#include "run_follow.h"
#include "run_list.h"
#include "run_session.h"
#include "train_history.h"
#include "train_log.h"
#include "train_source.h"

/* Where `lathe train` puts runs by default, relative to the working directory. */
#define TRAIN_RUNS_DIR "runs"
/* Runs overlaid on the charts at most. */
#define TRAIN_OVERLAY_MAX 3
/* A run's records show within this (10 Hz): the session's wake-up makes a
 * turn at once, and the pane takes the ring at most this often; a run read
 * from its files is read this often. */
#define TRAIN_FRAME_MS 100
/* With no wake-up the pane still polls a live run this often, for what
 * comes without one (the trainer pausing). */
#define TRAIN_IDLE_MS 1000

typedef enum { TRAIN_CHART_LOSS, TRAIN_CHART_LR, TRAIN_CHART_GRAD, TRAIN_CHART_TPS,
               TRAIN_CHART_COUNT } train_chart;

typedef struct {
    train_x x;
    bool log_loss;
    int zoom, weight;               /* indexes into the zoom levels and the weights */
    plot_grid grid[TRAIN_CHART_COUNT];
    char key[TRAIN_CHART_COUNT][160];  /* what each grid was rendered from */
    char error[TRAIN_CHART_COUNT][96];
} train_plots;

/* An earlier run drawn beside this one. */
typedef struct {
    char name[256];
    train_history hist;
    run_follow *follow;             /* its reader while another process writes it, else NULL */
} train_overlay;

typedef struct {
    run_list_entry *list;
    long n;                         /* found; -1 when the folder cannot be read */
    size_t cap;
    char error[256];
    double scanned_ms;
    size_t sel, top;
} train_runs;

typedef enum { TRAIN_VIEW_RUN, TRAIN_VIEW_RUNS } train_view;
typedef enum { TRAIN_ASK_NONE, TRAIN_ASK_STOP, TRAIN_ASK_LR } train_ask;

typedef struct {
    pane super;
    train_source src;
    run_session_status st;          /* the run's figures as of the last tick */
    double epoch;                   /* of the newest step */
    train_history hist;
    train_log log;
    size_t log_back;                /* lines the log is scrolled back from the newest */
    char alarm[512];                /* the newest alarm, shown until dismissed; "" none */
    train_plots plots;
    train_overlay over[TRAIN_OVERLAY_MAX];
    size_t n_over;
    bool over_hidden;               /* the overlays are kept but not drawn */
    uint64_t over_version;          /* changes when an overlay comes, goes, grows, shows
                                     * or hides */
    double over_polled_ms;          /* when the overlays still written were last read */
    train_runs runs;
    train_view view;
    train_ask ask;
    line_edit edit;
    line_edit_history lr_history;
    bool gauges_below;              /* a narrow pane shows the gauges where the log is */
    /* The session woke the loop and the pane has not polled since: later
     * wake-ups write nothing, the poll to come takes their records too. */
    atomic_bool woken;
    double polled_ms;               /* when the pane last polled its source */
} train_pane;

static inline train_pane *train_of(pane *p)
{
    return (train_pane *)p;
}

/* train_pane.c: a line in the event log (and, for an error, the status line). */
void train_pane_note(train_pane *tp, int64_t step, train_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* True when the pane has a run to show (else it shows the runs folder). */
bool train_pane_showing(const train_pane *tp);
/* Starts a run of O in the pane; -1 with err when one is live here already
 * or it cannot start. */
int train_pane_start(train_pane *tp, const run_session_options *o, char *err, size_t errlen);

/* train_plots.c */
void train_plots_init(train_plots *pl);
void train_plots_free(train_plots *pl);
double train_plots_weight(const train_plots *pl);
void train_plots_draw(train_pane *tp, WINDOW *w, int y, int x, int h, int width);
pane_result train_plots_key(train_pane *tp, int key);
/* Overlay K's colour (its legend, its row in the runs folder). */
attr_t train_plots_overlay_attr(size_t k);

/* train_status.c */
/* The header (what runs, how far, the figures, an alarm); returns the rows used. */
int train_status_draw_header(train_pane *tp, WINDOW *w, int y, int x, int width);
void train_status_draw_log(train_pane *tp, WINDOW *w, int y, int x, int h, int width);
/* The run's memory by part, then the system gauges. */
void train_status_draw_memory(train_pane *tp, WINDOW *w, const pane_env *env, int y, int x,
                              int h, int width);
/* A record of the run's event kind K with TEXT, into the log (an alarm also
 * into the banner). */
void train_status_event(train_pane *tp, int64_t step, run_event_kind k, const char *text);
pane_result train_status_key(train_pane *tp, int key);

/* train_controls.c */
pane_result train_controls_key(train_pane *tp, int key);
/* The open question or prompt, on one row; false when none is open. */
bool train_controls_draw_ask(train_pane *tp, WINDOW *w, int y, int x, int width);

/* train_runs.c */
void train_runs_free(train_runs *r);
void train_runs_draw(train_pane *tp, WINDOW *w, int y, int x, int h, int width);
pane_result train_runs_key(train_pane *tp, int key);
/* Trains the run in RUN_DIR on from its newest checkpoint, with the config
 * it ran with (its config.yaml), in this pane. */
void train_runs_resume(train_pane *tp, const char *run_dir);

/* train_overlay.c */
/* Reads run NAME of the runs folder into O, smoothed with WEIGHT, keeping
 * its reader while another process writes it; -1 with err when it cannot
 * be read or holds no step yet. */
int train_overlay_open(train_overlay *o, const char *name, double weight, char *err,
                       size_t errlen);
void train_overlay_free(train_overlay *o);
void train_overlays_free(train_pane *tp);
/* Reads what the overlays still being written gained, at most every
 * TRAIN_IDLE_MS; the milliseconds within which it wants the next call, 0
 * when none is written any more. */
int train_overlays_poll(train_pane *tp);

#endif
