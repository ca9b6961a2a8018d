/* train_eval.c - validation loss and the bookkeeping of evaluations (see
 * train_eval.h). */
#include "config.h"

#include "train_eval.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

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

bool train_eval_due(const train_eval *e, int64_t step)
{
    return e->every > 0 && step > 0 && step % e->every == 0;
}

int train_eval_at(train_eval *e, int64_t step, bool due, double *loss, char *err,
                  size_t errlen)
{
    if (e->val->n == 0) {
        snprintf(err, errlen, "there is no validation set (val_set_size or test_datasets)");
        return -1;
    }
    if (train_eval_loss(e->m, e->val, e->micro, e->pad, loss, err, errlen))
        return -1;
    e->last_step = step;
    if (isfinite(*loss) && (isnan(e->best) || *loss < e->best)) {
        e->best = *loss;
        e->best_step = step;
        e->since_best = 0;
        return 1;
    }
    e->since_best += due;
    return 0;
}

bool train_eval_exhausted(const train_eval *e)
{
    return e->patience > 0 && e->since_best >= e->patience;
}
