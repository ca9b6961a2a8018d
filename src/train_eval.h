/* train_eval.h - validation loss during training: the mean token loss over a
 * validation set (perplexity = exp of it), and a hook that runs it on the
 * trainer thread every eval_steps optimizer steps, between steps, so the
 * model is never read while it is being updated. Results go into the metrics
 * ring as RING_EVAL records (the trainer thread stays its only producer). */
#ifndef LATHE_TRAIN_EVAL_H
#define LATHE_TRAIN_EVAL_H

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
    trainer_model inner;     /* the bound model the hook forwards to */
    model *m;
    const pipe_set *val;
    size_t micro;
    int32_t pad;
    int64_t every;           /* eval_steps */
    ring *metrics;
    double t0;               /* start of the run (monotonic seconds) */
    /* The best loss is tracked always. Early stopping: after PATIENCE evaluations (0: never) without a lower
     * loss than the best, the hook stops T, so the run ends after the step
     * it is about to begin, the same step on every run. */
    int64_t patience;
    trainer *t;
    double best;             /* set to NAN before the run */
    int64_t best_step;       /* the step of the best evaluation (checkpoints keep it) */
    int64_t since_best;
} train_eval;

/* Makes *TM run E's evaluation before each step whose number of completed
 * steps is a positive multiple of E->every, then do what E->inner does.
 * E must outlive the trainer. */
void train_eval_hook(train_eval *e, trainer_model *tm);

/* Monotonic seconds. */
double train_eval_now(void);

#endif
