/* train_eval.h - validation loss during training: the mean token loss over a
 * validation set (perplexity = exp of it), and the bookkeeping of a run's
 * evaluations: which steps are due (every eval_steps), the best loss and its
 * step (checkpoints keep it), and early stopping's count of evaluations
 * without a new best. The run session calls it from the trainer thread's
 * step hook, right after a step and before that step's checkpoint (so
 * pruning knows the newest best), outside the step's timing. */
#ifndef LATHE_TRAIN_EVAL_H
#define LATHE_TRAIN_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pipeline.h"

/* Mean loss over every learned token of SET in batches of MICRO sequences
 * (each sequence scored once; no dropout). -1 with err. */
int train_eval_loss(model *m, const pipe_set *set, size_t micro, int32_t pad, double *loss,
                    char *err, size_t errlen);

typedef struct {
    model *m;
    const pipe_set *val;     /* may be empty: then every evaluation fails */
    size_t micro;
    int32_t pad;
    int64_t every;           /* eval_steps; 0: none due (only asked for, or at the end) */
    int64_t patience;        /* early_stopping_patience; 0: never */
    double best;             /* NAN until an evaluation */
    int64_t best_step;       /* the step of the best evaluation */
    int64_t since_best;      /* due evaluations since the best */
    int64_t last_step;       /* the step of the newest evaluation, or -1 */
} train_eval;

/* Whether an evaluation is due after STEP steps (a positive multiple of
 * every). */
bool train_eval_due(const train_eval *e, int64_t step);

/* Evaluates the weights after STEP steps into *LOSS and tracks the best;
 * DUE says whether it is a due evaluation, the ones early stopping counts.
 * Returns 1 for a new best, 0 otherwise, -1 with err. */
int train_eval_at(train_eval *e, int64_t step, bool due, double *loss, char *err,
                  size_t errlen);

/* Early stopping: PATIENCE due evaluations in a row brought no new best. */
bool train_eval_exhausted(const train_eval *e);

#endif
