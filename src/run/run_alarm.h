/* run_alarm.h - the alarms that watch a training run for the failures a user
 * would otherwise find an hour late: overfitting (evaluation loss rising for
 * N evaluations in a row while the training loss falls), a loss spike (beyond
 * k standard deviations of the recent window), a gradient-norm explosion
 * (k times the recent median), a step skipped for a non-finite loss or
 * gradient (the trainer skips those), a
 * throughput drop (below a fraction of the recent median for several steps
 * running: one slow step for an evaluation or a checkpoint is not a drop),
 * and memory near the limit.
 *
 * The detector only reads figures it is fed, so it runs the same on a live
 * run, a followed run directory or a synthetic series in a test. Each alarm
 * has an action (off, warn, pause, stop and save) that the run session
 * carries out; an alarm that fired stays quiet for a cooldown of steps, so a
 * bad stretch is one alarm, not one per step. */
#ifndef LATHE_RUN_ALARM_H
#define LATHE_RUN_ALARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RUN_ALARM_OVERFIT,
    RUN_ALARM_LOSS_SPIKE,
    RUN_ALARM_GRAD_NORM,
    RUN_ALARM_NONFINITE,
    RUN_ALARM_THROUGHPUT,
    RUN_ALARM_MEMORY,
    RUN_ALARM_COUNT
} run_alarm_kind;

typedef enum {
    RUN_ALARM_OFF,
    RUN_ALARM_WARN,
    RUN_ALARM_PAUSE,
    RUN_ALARM_STOP,    /* stop the run after saving a checkpoint */
} run_alarm_action;

typedef struct {
    run_alarm_action action[RUN_ALARM_COUNT];
    int overfit_evals;        /* consecutive rising evaluations (3) */
    double spike_sigma;       /* loss above mean + sigma * std of the window (4) */
    double grad_factor;       /* grad norm above factor * window median (10) */
    double throughput_drop;   /* tokens/s below drop * window median ... (0.5) */
    int throughput_steps;     /* ... for this many steps running (5) */
    double memory_fraction;   /* used above fraction * limit (0.9) */
    int window;               /* steps in the recent window (50, at most 256) */
    int cooldown;             /* steps an alarm stays quiet after firing (50) */
} run_alarm_config;

typedef struct {
    run_alarm_kind kind;
    run_alarm_action action;
    int64_t step;
    char text[160];           /* what happened, with the figures */
} run_alarm_hit;

#define RUN_ALARM_WINDOW_MAX 256

typedef struct {
    run_alarm_config cfg;
    double loss[RUN_ALARM_WINDOW_MAX], grad[RUN_ALARM_WINDOW_MAX], tps[RUN_ALARM_WINDOW_MAX];
    size_t n, head;           /* steps in the window; next slot */
    int slow_run;             /* consecutive steps below the throughput threshold */
    double last_eval, train_at_last_eval;
    int rising;               /* consecutive evaluations above the one before */
    int64_t quiet_until[RUN_ALARM_COUNT];
} run_alarm;

run_alarm_config run_alarm_defaults(void);
const char *run_alarm_name(run_alarm_kind k);          /* "overfit", "loss_spike", ... */
const char *run_alarm_action_name(run_alarm_action a); /* "off", "warn", "pause", "stop" */
/* Parses an alarm's name; -1 when NAME is none of them. */
int run_alarm_parse(const char *name, run_alarm_kind *out);
/* Parses an action name; -1 when NAME is none of them. */
int run_alarm_action_parse(const char *name, run_alarm_action *out);

void run_alarm_init(run_alarm *a, const run_alarm_config *cfg);

/* Feed one training step (a skipped step has a non-finite loss or gradient
 * norm, and does not enter the window). Returns
 * the number of alarms written to OUT (room for RUN_ALARM_COUNT). */
int run_alarm_step(run_alarm *a, int64_t step, double loss, double grad_norm,
                   double tokens_per_s, run_alarm_hit *out);
/* Feed one evaluation. Returns 0 or 1 alarm. */
int run_alarm_eval(run_alarm *a, int64_t step, double eval_loss, run_alarm_hit *out);
/* Feed the memory in use and its limit (bytes). Returns 0 or 1 alarm. */
int run_alarm_memory(run_alarm *a, int64_t step, uint64_t used, uint64_t limit,
                     run_alarm_hit *out);

#endif
