/* train_history.h - everything a run has logged, as the Train pane plots it:
 * per step its x (the step, or the tokens seen so far), the training loss,
 * its smoothing, the learning rate, the gradient norm and the throughput;
 * the evaluations; the best evaluation. One store serves a run trained in
 * this process, a run followed from its files and a run overlaid for
 * comparison, so they all draw the same.
 *
 * The smoothing (smooth.h) runs over the whole loss series, so it never
 * depends on what the screen shows, but a step that came costs one more
 * point of it, not a pass over the history (train_history_smooth, at most
 * once a frame); a new weight or a rewind starts it again. A step at or before the newest one (the run was resumed
 * from an earlier checkpoint and logs those steps again) first drops what
 * the history holds from that step on. */
#ifndef LATHE_TRAIN_HISTORY_H
#define LATHE_TRAIN_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run_session.h"
#include "smooth.h"

typedef enum {
    TRAIN_LOSS,          /* the training loss as logged */
    TRAIN_SMOOTH,        /* the same, smoothed: valid after train_history_smooth */
    TRAIN_LR,
    TRAIN_GRAD,          /* the gradient norm before clipping */
    TRAIN_TPS,           /* tokens per second */
    TRAIN_SERIES_COUNT
} train_series;

typedef enum {
    TRAIN_X_STEPS,
    TRAIN_X_TOKENS,      /* tokens processed (padding included): each step's
                          * tokens/s times the training time since the row before */
    TRAIN_X_COUNT
} train_x;

/* One step as the history takes it. */
typedef struct {
    int64_t step;
    double elapsed_s, loss, lr, grad_norm, tokens_per_s;
} train_step;

typedef struct {
    size_t n, cap;
    int64_t *step;
    double *x[TRAIN_X_COUNT];
    double *elapsed;
    double *y[TRAIN_SERIES_COUNT];
    double weight;              /* of the smoothing */
    smooth_state smooth;        /* how far TRAIN_SMOOTH is smoothed */
    size_t n_eval, cap_eval;
    double *eval_x[TRAIN_X_COUNT], *eval_loss;
    int64_t *eval_step;
    double best_eval;           /* NAN before the first finite evaluation */
    int64_t best_eval_step;     /* -1 before it */
    size_t nonfinite;           /* steps with a non-finite loss */
    uint64_t version;           /* changes whenever anything drawn changes */
} train_history;

/* An empty history smoothing with WEIGHT. */
void train_history_init(train_history *h, double weight);
void train_history_free(train_history *h);
/* Empties it, keeping the weight. */
void train_history_clear(train_history *h);

/* -1 when out of memory (the step is not kept). */
int train_history_add_step(train_history *h, const train_step *s);
/* An evaluation after STEP steps; -1 when out of memory. */
int train_history_add_eval(train_history *h, int64_t step, double eval_loss);

/* A run's record R (run_session_poll, run_follow_poll): a step or an
 * evaluation is added, anything else left to the caller (0). -1 when out of
 * memory (the record is not kept). */
int train_history_add_record(train_history *h, const run_record *r);

/* Smooths with WEIGHT from now on. */
void train_history_set_weight(train_history *h, double weight);
/* Brings TRAIN_SMOOTH up to date: smooth_ema over the whole loss series,
 * smoothing only the steps that came since the last call unless the
 * weight changed or the history was rewound. */
void train_history_smooth(train_history *h);

/* The newest finite value of series S, NAN when none. */
double train_history_last(const train_history *h, train_series s);
/* The newest step, 0 when none. */
int64_t train_history_last_step(const train_history *h);

/* The points [*I0, *I1) whose step is among the last LAST_STEPS steps
 * logged (all of them when LAST_STEPS <= 0). */
void train_history_window(const train_history *h, int64_t last_steps, size_t *i0, size_t *i1);

/* The points [*I0, *I1) whose x in unit XU lies in [LO, HI] (binary search). */
void train_history_span(const train_history *h, train_x xu, double lo, double hi, size_t *i0,
                        size_t *i1);

/* Seconds until step TOTAL at the pace of the last WINDOW steps logged
 * (training time, pauses left out); NAN when there is no pace yet, 0 once
 * TOTAL is reached. */
double train_history_eta(const train_history *h, int64_t total, size_t window);

#endif
