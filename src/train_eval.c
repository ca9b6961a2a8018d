/* train_eval.c - validation loss and the periodic evaluation hook (see
 * train_eval.h). */
#include "config.h"

#include "train_eval.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "pipeline_source.h"

double train_eval_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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

static int hook_accumulate(void *ctx, const trainer_batch *b, double loss_norm, double *loss,
                           char *err, size_t errlen)
{
    train_eval *e = ctx;
    return e->inner.accumulate(e->inner.ctx, b, loss_norm, loss, err, errlen);
}

static void early_stop(train_eval *e, int64_t step, double loss)
{
    if (isnan(e->best) || loss < e->best) {
        e->best = loss;
        e->best_step = step;
        e->since_best = 0;
        return;
    }
    if (++e->since_best != e->patience || e->patience < 1)
        return;
    ring_record rec;
    ring_event(&rec, step, train_eval_now() - e->t0, "early stopping (patience %lld)",
               (long long)e->patience);
    ring_push(e->metrics, &rec);
    trainer_stop(e->t);
}

static void hook_begin_step(void *ctx, int64_t step)
{
    train_eval *e = ctx;
    if (step > 0 && step % e->every == 0) {
        char err[256] = "";
        double l;
        ring_record rec;
        if (train_eval_loss(e->m, e->val, e->micro, e->pad, &l, err, sizeof err) == 0) {
            memset(&rec, 0, sizeof rec);
            rec.kind = RING_EVAL;
            rec.step = step;
            rec.eval_loss = l;
            rec.elapsed_s = train_eval_now() - e->t0;
            ring_push(e->metrics, &rec);
            early_stop(e, step, l);
        } else {
            ring_event(&rec, step, train_eval_now() - e->t0, "eval failed: %s", err);
            ring_push(e->metrics, &rec);
        }
    }
    if (e->inner.begin_step)
        e->inner.begin_step(e->inner.ctx, step);
}

void train_eval_hook(train_eval *e, trainer_model *tm)
{
    e->inner = *tm;
    tm->ctx = e;
    tm->accumulate = hook_accumulate;
    tm->begin_step = hook_begin_step;
}
