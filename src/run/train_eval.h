/* train_eval.h - validation loss during training: the mean token loss over a
 * validation set (perplexity = exp of it), and the periodic evaluation that
 * the trainer thread's step hook runs right after every eval_steps-th step,
 * before that step's checkpoint is saved (so pruning knows the newest best)
 * and outside the step's timing. Results go into the metrics ring as
 * RING_EVAL records (the trainer thread stays its only producer). */
#ifndef LATHE_TRAIN_EVAL_H
#define LATHE_TRAIN_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pipeline.h"
#include "ring.h"
#include "trainer.h"

/* Mean loss over every learned token of SET in batches of MICRO sequences
 * (each sequence scored once; no dropout). -1 with err. */
int train_eval_loss(model *m, const pipe_set *set, size_t micro, int32_t pad, double *loss,
                    char *err, size_t errlen);

typedef struct {
    model *m;
    const pipe_set *val;
    size_t micro;
    int32_t pad;
    int64_t every;           /* eval_steps */
    ring *metrics;
    double t0;               /* start of the run (monotonic seconds) */
    /* The best loss is tracked always. Early stopping: after PATIENCE
     * evaluations (0: never) without a lower loss than the best, T is
     * stopped, so the evaluated step is the run's last. */
    int64_t patience;
    trainer *t;
    double best;             /* set to NAN before the run */
    int64_t best_step;       /* the step of the best evaluation (checkpoints keep it) */
    int64_t since_best;
} train_eval;

/* After STEP steps: when STEP is a positive multiple of E->every, evaluates,
 * publishes the result and returns 1, with *BEST telling whether it is a new
 * best; otherwise (none due, or it failed: an event says why) returns 0. */
int train_eval_step(train_eval *e, int64_t step, bool *best);

#endif
