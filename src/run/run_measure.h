/* run_measure.h - timing a training config on this machine before the run:
 * a few real optimizer steps of exactly that config (its model, training
 * mode, quantization, threads and data) through the engine's trainer,
 * starting with the micro-batch of the longest sequences, so that running
 * out of memory or a non-finite loss shows up now rather than an hour in;
 * the measured time per token then extrapolates the whole run's duration
 * over the run's own batches (run_estimate.h).
 *
 * It runs in the background: start it, poll its progress from any thread,
 * cancel it, and collect the result. */
#ifndef LATHE_RUN_MEASURE_H
#define LATHE_RUN_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run_estimate.h"

typedef enum {
    RUN_MEASURE_LOADING,     /* reading the model */
    RUN_MEASURE_STEPPING,    /* taking the steps */
    RUN_MEASURE_DONE,
    RUN_MEASURE_FAILED,
    RUN_MEASURE_CANCELLED,
} run_measure_state;

typedef struct {
    run_measure_state state;
    int steps_done, steps;   /* optimizer steps taken of those planned */
    char message[512];       /* the phase, or why it failed */
} run_measure_progress;

typedef struct {
    int steps;               /* optimizer steps taken */
    double load_s;           /* reading the model and preparing it to train */
    double first_step_s;     /* the first step, on the longest sequences (allocations too) */
    double step_s;           /* seconds per step over the steps after it */
    double token_s;          /* seconds per batch position (padding included) over those */
    double eval_s;           /* one evaluation over the validation set (0 without one) */
    double train_s;          /* the run's steps and evaluations, extrapolated */
    double first_loss;
    int64_t nonfinite;       /* steps whose loss or gradient was not finite */
} run_measure_result;

typedef struct run_measure run_measure;

/* Starts measuring STEPS optimizer steps (at least 2) of the run E
 * describes, on a thread of its own; E must outlive the measurement.
 * NULL with err when the thread cannot start. */
run_measure *run_measure_start(const run_estimate *e, int steps, char *err, size_t errlen);
/* Where it stands; safe from any thread. */
void run_measure_get_progress(run_measure *m, run_measure_progress *out);
/* Asks it to stop as soon as it can (between phases, or after the current
 * step); returns at once. */
void run_measure_cancel(run_measure *m);
/* Waits for the end and frees M: 0 with *out, or -1 with err when it failed
 * or was cancelled. */
int run_measure_finish(run_measure *m, run_measure_result *out, char *err, size_t errlen);

/* S seconds as a run's duration: "47 s", "2 min 47 s", "3.5 h". */
void run_measure_duration(char *buf, size_t len, double s);

#endif
