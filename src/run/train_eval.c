/* train_eval.c - validation loss and the periodic evaluation hook (see
 * train_eval.h). */
#include "config.h"

#include "train_eval.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "clock.h"
#include "pipe_source.h"

int train_eval_loss(model *m, const pipe_set *set, size_t micro, int32_t pad, double *loss,
                    char *err, size_t errlen)
{
    pipe_source src;
    if (pipe_source_init(&src, set, micro, 1, pad, err, errlen))
        return -1;
    double sum = 0.0, weight = 0.0;
    trainer_batch tb;
    int got;
    while ((got = pipe_source_next(&src, &tb, err, errlen)) == 1) {
        model_batch mb = {.B = tb.B, .T = tb.T, .tokens = tb.tokens, .targets = tb.targets,
                          .weights = tb.weights, .doc = tb.doc};
        double l, w;
        if (model_forward_loss(m, &mb, &l, &w, err, errlen)) {
            got = -1;
            break;
        }
        sum += l * w;
        weight += w;
    }
    pipe_source_free(&src);
    if (got < 0)
        return -1;
    if (weight <= 0.0) {
        snprintf(err, errlen, "the validation set has no learned tokens");
        return -1;
    }
    *loss = sum / weight;
    return 0;
}

/* Tracks the best loss; returns true for a new best. Stops the trainer once
 * PATIENCE evaluations in a row brought none. */
static bool early_stop(train_eval *e, int64_t step, double loss)
{
    if (isnan(e->best) || loss < e->best) {
        e->best = loss;
        e->best_step = step;
        e->since_best = 0;
        return true;
    }
    if (++e->since_best != e->patience || e->patience < 1)
        return false;
    ring_record rec;
    ring_event(&rec, step, clock_s() - e->t0, "early stopping (patience %lld)",
               (long long)e->patience);
    ring_push(e->metrics, &rec);
    trainer_stop(e->t);
    return false;
}

int train_eval_step(train_eval *e, int64_t step, bool *best)
{
    *best = false;
    if (e->every < 1 || step < 1 || step % e->every)
        return 0;
    char err[256] = "";
    double l;
    ring_record rec;
    if (train_eval_loss(e->m, e->val, e->micro, e->pad, &l, err, sizeof err)) {
        ring_event(&rec, step, clock_s() - e->t0, "eval failed: %s", err);
        ring_push(e->metrics, &rec);
        return 0;
    }
    memset(&rec, 0, sizeof rec);
    rec.kind = RING_EVAL;
    rec.step = step;
    rec.eval_loss = l;
    rec.elapsed_s = clock_s() - e->t0;
    ring_push(e->metrics, &rec);
    *best = early_stop(e, step, l);
    return 1;
}
