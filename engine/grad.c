/* grad.c - the chunk plan over the trainable tensors and the gradient passes
 * run on it: zeroing and the global norm; clipping's factor. */
#include "grad.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t param, off, len;
} piece;

struct grad_plan {
    const optim_param *params;
    piece *pieces;
    size_t *first;      /* chunk c is pieces [first[c], first[c+1]) */
    size_t n_chunks;
    double *partial;    /* sum of squares per chunk, for the norm */
};

static void cut(grad_plan *pl, size_t n)
{
    size_t np = 0, fill = 0, c = 0;
    pl->first[0] = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t off = 0; off < pl->params[i].n;) {
            size_t take = pl->params[i].n - off;
            if (take > GRAD_CHUNK - fill)
                take = GRAD_CHUNK - fill;
            pl->pieces[np++] = (piece){i, off, take};
            off += take;
            fill += take;
            if (fill == GRAD_CHUNK) {
                pl->first[++c] = np;
                fill = 0;
            }
        }
    }
    if (fill)
        pl->first[++c] = np;
    pl->n_chunks = c;
}

grad_plan *grad_plan_new(const optim_param *params, size_t n, char *err, size_t errlen)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += params[i].n;
    size_t chunks = (total + GRAD_CHUNK - 1) / GRAD_CHUNK;
    if (chunks > INT_MAX) {
        snprintf(err, errlen, "%zu trainable floats are too many to plan", total);
        return NULL;
    }
    grad_plan *pl = calloc(1, sizeof *pl);
    if (pl) {
        pl->params = params;
        pl->pieces = malloc((n + chunks + 1) * sizeof *pl->pieces);
        pl->first = malloc((chunks + 1) * sizeof *pl->first);
        pl->partial = malloc((chunks + 1) * sizeof *pl->partial);
    }
    if (!pl || !pl->pieces || !pl->first || !pl->partial) {
        snprintf(err, errlen, "out of memory planning %zu gradient chunks", chunks);
        grad_plan_free(pl);
        return NULL;
    }
    cut(pl, n);
    return pl;
}

void grad_plan_free(grad_plan *pl)
{
    if (!pl)
        return;
    free(pl->pieces);
    free(pl->first);
    free(pl->partial);
    free(pl);
}

typedef struct {
    const grad_plan *pl;
    grad_piece_fn fn;
    void *arg;
} run_job;

static void run_task(void *arg, int c)
{
    const run_job *j = arg;
    const grad_plan *pl = j->pl;
    for (size_t k = pl->first[c]; k < pl->first[c + 1]; k++)
        j->fn(j->arg, pl->pieces[k].param, pl->pieces[k].off, pl->pieces[k].len);
}

void grad_plan_run(const grad_plan *pl, pool *p, grad_piece_fn fn, void *arg)
{
    run_job j = {pl, fn, arg};
    pool_run(p, (int)pl->n_chunks, run_task, &j);
}

static void zero_piece(void *arg, size_t param, size_t off, size_t len)
{
    const grad_plan *pl = arg;
    memset(pl->params[param].g + off, 0, len * sizeof(float));
}

void grad_zero(const grad_plan *pl, pool *p)
{
    grad_plan_run(pl, p, zero_piece, (void *)pl);
}

/* Four independent double lanes, so the loop vectorises without reordering
 * any lane's additions. */
static double sum_squares(const float *g, size_t n)
{
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        for (int k = 0; k < 4; k++)
            acc[k] += (double)g[j + k] * (double)g[j + k];
    for (; j < n; j++)
        acc[0] += (double)g[j] * (double)g[j];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

static void norm_task(void *arg, int c)
{
    grad_plan *pl = arg;
    double sum = 0.0;
    for (size_t k = pl->first[c]; k < pl->first[c + 1]; k++)
        sum += sum_squares(pl->params[pl->pieces[k].param].g + pl->pieces[k].off,
                           pl->pieces[k].len);
    pl->partial[c] = sum;
}

double grad_global_norm(grad_plan *pl, pool *p)
{
    pool_run(p, (int)pl->n_chunks, norm_task, pl);
    double sum = 0.0;
    for (size_t c = 0; c < pl->n_chunks; c++)
        sum += pl->partial[c];
    return sqrt(sum);
}

double grad_clip_coef(double total_norm, double max_norm)
{
    if (max_norm <= 0.0)
        return 1.0;
    double coef = max_norm / (total_norm + 1e-6);
    return coef < 1.0 ? coef : 1.0;
}
