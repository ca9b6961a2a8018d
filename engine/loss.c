/* loss.c - chunked weighted cross-entropy. Masked rows are skipped entirely
 * (no logits computed): active rows are gathered into a dense chunk, the head
 * matmul runs on the chunk, and each logits row becomes its own gradient. */
#include <math.h>
#include <string.h>

#include "kernels.h"
#include "loss.h"
#include "vec.h"

size_t ce_scratch_floats(int chunk, int d, int v)
{
    return (size_t)chunk * v + 2 * (size_t)chunk * d + (size_t)chunk +
           linear_scratch_floats(chunk, d, 0, 0);
}

size_t ce_scratch_written(int chunk, int rows, int d, int v, bool quantized)
{
    size_t c = (size_t)(rows < chunk ? rows : chunk);
    return c * (size_t)v + 2 * c * (size_t)d + c +
           linear_scratch_written((int)c, d, 0, 0, false, quantized);
}

size_t ce_scratch_ints(int n)
{
    return (size_t)n;
}

typedef struct {
    const ce_args *a;
    float *logits, *nll;
    const int *rows;
    int backward;
} ce_job;

static float row_weight(const ce_args *a, int row)
{
    return a->weights ? a->weights[row] : 1.0f;
}

static void ce_row(void *arg, int i)
{
    ce_job *j = arg;
    const ce_args *a = j->a;
    float *z = j->logits + (size_t)i * a->v;
    int row = j->rows[i], y = a->targets[row];
    float mx = vec_max(z, a->v);
    /* exponentials are kept in z so the gradient needs no second exp pass */
    float zy = z[y];
    double sum = vec_exp_sum(z, z, mx, a->v);
    float w = row_weight(a, row);
    j->nll[i] = (float)(w * (mx + log(sum) - zy));
    if (!j->backward)
        return;
    vec_scale(z, (float)(w / a->norm / sum), a->v);
    z[y] -= (float)(w / a->norm);
}

double ce_run(pool *p, const ce_args *a, float *scratch, int *rows)
{
    int nrows = 0;
    for (int t = 0; t < a->n; t++)
        if (a->targets[t] >= 0 && row_weight(a, t) != 0.0f)
            rows[nrows++] = t;
    if (a->dh)
        memset(a->dh, 0, (size_t)a->n * a->d * sizeof *a->dh);
    float *logits = scratch;
    float *hb = logits + (size_t)a->chunk * a->v;
    float *dhb = hb + (size_t)a->chunk * a->d;
    float *nll = dhb + (size_t)a->chunk * a->d;
    linear_ctx lc = {.pool = p, .scratch = nll + a->chunk, .max_in = a->d};
    double total = 0;
    for (int r0 = 0; r0 < nrows; r0 += a->chunk) {
        int c = nrows - r0 < a->chunk ? nrows - r0 : a->chunk;
        for (int i = 0; i < c; i++)
            memcpy(hb + (size_t)i * a->d, a->h + (size_t)rows[r0 + i] * a->d,
                   (size_t)a->d * sizeof *hb);
        linear_base_fwd(&lc, a->head, hb, logits, c);
        ce_job j = {.a = a, .logits = logits, .nll = nll, .rows = rows + r0, .backward = a->dh != NULL};
        pool_run(p, c, ce_row, &j);
        for (int i = 0; i < c; i++)
            total += nll[i];
        if (!a->dh)
            continue;
        linear_base_dx(&lc, a->head, logits, dhb, false, c);
        for (int i = 0; i < c; i++)
            memcpy(a->dh + (size_t)rows[r0 + i] * a->d, dhb + (size_t)i * a->d,
                   (size_t)a->d * sizeof *dhb);
        if (a->gw)
            k_mm_dwt(p, logits, hb, a->gw, c, a->d, a->v);
    }
    return total;
}
