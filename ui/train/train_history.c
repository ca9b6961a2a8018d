/* train_history.c - the Train pane's store of a run's steps and evaluations
 * (train_history.h). */
#include "train_history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

void train_history_init(train_history *h, double weight)
{
    memset(h, 0, sizeof *h);
    h->weight = weight;
    smooth_start(&h->smooth, weight);
    h->best_eval = NAN;
    h->best_eval_step = -1;
}

void train_history_free(train_history *h)
{
    free(h->step);
    free(h->elapsed);
    for (int k = 0; k < TRAIN_X_COUNT; k++) {
        free(h->x[k]);
        free(h->eval_x[k]);
    }
    for (int s = 0; s < TRAIN_SERIES_COUNT; s++)
        free(h->y[s]);
    free(h->eval_loss);
    free(h->eval_step);
    train_history_init(h, h->weight);
}

void train_history_clear(train_history *h)
{
    double weight = h->weight;
    uint64_t version = h->version;
    train_history_free(h);
    train_history_init(h, weight);
    h->version = version + 1;
}

/* ------------------------------------------------------------ growing */

/* Grows every array of ARRAYS (elements of SIZES bytes) to hold NEED; the
 * new capacity in *CAP only when all succeeded. */
static int grow_all(void **arrays[], const size_t *sizes, size_t count, size_t *cap, size_t need)
{
    size_t got = *cap;
    for (size_t i = 0; i < count; i++) {
        size_t c = *cap;
        void *p = grow_array(*arrays[i], &c, need, sizes[i], 256);
        if (!p)
            return -1;
        *arrays[i] = p;
        got = c;
    }
    *cap = got;
    return 0;
}

static int grow_steps(train_history *h)
{
    void **arrays[] = {(void **)&h->step, (void **)&h->elapsed, (void **)&h->x[TRAIN_X_STEPS],
                       (void **)&h->x[TRAIN_X_TOKENS], (void **)&h->y[TRAIN_LOSS],
                       (void **)&h->y[TRAIN_SMOOTH], (void **)&h->y[TRAIN_LR],
                       (void **)&h->y[TRAIN_GRAD], (void **)&h->y[TRAIN_TPS]};
    const size_t sizes[] = {sizeof(int64_t), sizeof(double), sizeof(double), sizeof(double),
                            sizeof(double), sizeof(double), sizeof(double), sizeof(double),
                            sizeof(double)};
    return grow_all(arrays, sizes, sizeof sizes / sizeof sizes[0], &h->cap, h->n + 1);
}

static int grow_evals(train_history *h)
{
    void **arrays[] = {(void **)&h->eval_step, (void **)&h->eval_x[TRAIN_X_STEPS],
                       (void **)&h->eval_x[TRAIN_X_TOKENS], (void **)&h->eval_loss};
    const size_t sizes[] = {sizeof(int64_t), sizeof(double), sizeof(double), sizeof(double)};
    return grow_all(arrays, sizes, sizeof sizes / sizeof sizes[0], &h->cap_eval,
                    h->n_eval + 1);
}

/* ------------------------------------------------------------ rewinding */

/* The first point whose step is above STEP (binary search). */
static size_t first_after(const int64_t *steps, size_t n, int64_t step)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (steps[mid] > step)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void best_again(train_history *h)
{
    h->best_eval = NAN;
    h->best_eval_step = -1;
    for (size_t i = 0; i < h->n_eval; i++)
        if (isfinite(h->eval_loss[i]) && !(h->eval_loss[i] >= h->best_eval)) {
            h->best_eval = h->eval_loss[i];
            h->best_eval_step = h->eval_step[i];
        }
}

/* Drops the steps and evaluations from STEP on. */
static void rewind_to(train_history *h, int64_t step)
{
    h->n = first_after(h->step, h->n, step - 1);
    h->n_eval = first_after(h->eval_step, h->n_eval, step - 1);
    h->nonfinite = 0;
    for (size_t i = 0; i < h->n; i++)
        h->nonfinite += !isfinite(h->y[TRAIN_LOSS][i]);
    smooth_start(&h->smooth, h->weight);
    best_again(h);
}

/* ------------------------------------------------------------ adding */

static double tokens_at(const train_history *h, const train_step *s)
{
    double tps = isfinite(s->tokens_per_s) && s->tokens_per_s > 0 ? s->tokens_per_s : 0;
    if (h->n == 0)
        return tps * s->elapsed_s;
    double dt = s->elapsed_s - h->elapsed[h->n - 1];
    if (!(dt >= 0))   /* the clock started again (a resumed run) */
        dt = s->elapsed_s;
    return h->x[TRAIN_X_TOKENS][h->n - 1] + tps * dt;
}

int train_history_add_step(train_history *h, const train_step *s)
{
    if (h->n > 0 && s->step <= h->step[h->n - 1])
        rewind_to(h, s->step);
    if (grow_steps(h))
        return -1;
    size_t i = h->n;
    h->x[TRAIN_X_TOKENS][i] = tokens_at(h, s);
    h->step[i] = s->step;
    h->x[TRAIN_X_STEPS][i] = (double)s->step;
    h->elapsed[i] = s->elapsed_s;
    h->y[TRAIN_LOSS][i] = s->loss;
    h->y[TRAIN_LR][i] = s->lr;
    h->y[TRAIN_GRAD][i] = s->grad_norm;
    h->y[TRAIN_TPS][i] = s->tokens_per_s;
    h->nonfinite += !isfinite(s->loss);
    h->y[TRAIN_SMOOTH][i] = s->loss;
    h->n++;
    h->version++;
    return 0;
}

int train_history_add_eval(train_history *h, int64_t step, double eval_loss)
{
    if (h->n_eval > 0 && step < h->eval_step[h->n_eval - 1])
        h->n_eval = first_after(h->eval_step, h->n_eval, step - 1);
    if (grow_evals(h))
        return -1;
    size_t i = h->n_eval++;
    size_t at = first_after(h->step, h->n, step);
    h->eval_step[i] = step;
    h->eval_x[TRAIN_X_STEPS][i] = (double)step;
    h->eval_x[TRAIN_X_TOKENS][i] = at > 0 ? h->x[TRAIN_X_TOKENS][at - 1] : 0;
    h->eval_loss[i] = eval_loss;
    best_again(h);
    h->version++;
    return 0;
}

int train_history_add_record(train_history *h, const run_record *r)
{
    if (r->kind == RUN_RECORD_EVAL)
        return train_history_add_eval(h, r->step, r->eval_loss);
    if (r->kind != RUN_RECORD_STEP)
        return 0;
    train_step s = {r->step, r->elapsed_s, r->loss, r->lr, r->grad_norm, r->tokens_per_s};
    return train_history_add_step(h, &s);
}

void train_history_set_weight(train_history *h, double weight)
{
    h->weight = weight;
    smooth_start(&h->smooth, weight);
    h->version++;
}

void train_history_smooth(train_history *h)
{
    smooth_more(&h->smooth, h->y[TRAIN_LOSS], h->n, h->y[TRAIN_SMOOTH]);
}

/* ------------------------------------------------------------ reading */

double train_history_last(const train_history *h, train_series s)
{
    for (size_t i = h->n; i > 0; i--)
        if (isfinite(h->y[s][i - 1]))
            return h->y[s][i - 1];
    return NAN;
}

int64_t train_history_last_step(const train_history *h)
{
    return h->n ? h->step[h->n - 1] : 0;
}

void train_history_window(const train_history *h, int64_t last_steps, size_t *i0, size_t *i1)
{
    *i1 = h->n;
    *i0 = last_steps > 0 && h->n ? first_after(h->step, h->n, h->step[h->n - 1] - last_steps)
                                 : 0;
}

/* The first of X[0..n) (not decreasing) above V, or at or above it when AT. */
static size_t bound(const double *x, size_t n, double v, bool at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x[mid] > v || (at && x[mid] == v))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void train_history_span(const train_history *h, train_x xu, double lo, double hi, size_t *i0,
                        size_t *i1)
{
    *i0 = bound(h->x[xu], h->n, lo, true);
    *i1 = bound(h->x[xu], h->n, hi, false);
    if (*i1 < *i0)
        *i1 = *i0;
}

double train_history_eta(const train_history *h, int64_t total, size_t window)
{
    if (h->n == 0)
        return NAN;
    int64_t now = h->step[h->n - 1];
    if (now >= total)
        return 0;
    size_t j = h->n - 1 > window ? h->n - 1 - window : 0;
    double steps = (double)(now - h->step[j]), dt = h->elapsed[h->n - 1] - h->elapsed[j];
    if (!(steps > 0 && dt > 0))
        return NAN;
    return (double)(total - now) * dt / steps;
}
