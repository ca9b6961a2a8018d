/* linear.c - forward/backward of a linear layer with optional bias and LoRA.
 * The base product never forms W + dW: the adapter runs as two thin matmuls
 * through the [n][r] bottleneck. */
#include <string.h>

#include "kernels.h"
#include "linear.h"
#include "gguf.h"
#include "quant.h"
#include "quant_dot.h"

/* Rows of a quantized weight dequantized per sgemm tile: each tile's sgemm
 * packs all of x again, so a tile of 512 rows prefilled the 134M F16 model
 * 7 % faster than one of 128 (x 192 x 1024, 2 threads). */
enum { QROWS = 512 };

static size_t wide(int in, int out)
{
    return (size_t)(in > out ? in : out);
}

size_t linear_scratch_floats(int n, int in, int out, int r)
{
    return (size_t)n * wide(in, out) + (size_t)n * r + (size_t)QROWS * wide(in, out);
}

size_t linear_scratch_written(int n, int in, int out, int r, bool dropout, bool quantized)
{
    return (dropout ? (size_t)n * wide(in, out) : 0) + (size_t)n * r +
           (quantized ? (size_t)QROWS * wide(in, out) : 0);
}

/* The tile area follows the dropout and du areas (see linear_scratch_floats). */
static float *tile_of(const linear_ctx *c, int n)
{
    return c->scratch + (size_t)n * wide(c->max_in, c->max_out) + (size_t)n * c->max_r;
}

/* Rows of W per pool task of a quantized product, or of its dequantization
 * into a tile. */
enum { QDOT_ROWS = 16 };

typedef struct {
    const linear *l;
    int r0, nb;
    float *tile;
} deq_job;

static void deq_task(void *arg, int i)
{
    const deq_job *j = arg;
    int r = i * QDOT_ROWS, n = j->nb - r < QDOT_ROWS ? j->nb - r : QDOT_ROWS;
    quant_dequantize_rows(j->l->qtype, j->l->qdata, j->l->in, j->r0 + r, n,
                          j->tile + (size_t)r * (size_t)j->l->in);
}

/* Rows R0 .. R0+NB of L's quantized weight as floats in TILE, spread over
 * the pool: on one thread, an F16 prefill spent a seventh of its time here
 * while the other threads waited for the product. */
static void dequantize_tile(const linear_ctx *c, const linear *l, int r0, int nb, float *tile)
{
    deq_job j = {l, r0, nb, tile};
    pool_run(c->pool, (nb + QDOT_ROWS - 1) / QDOT_ROWS, deq_task, &j);
}

typedef struct {
    const linear *l;
    const quant_act *act;
    float *y;
} qdot_job;

/* Activation rows per pool task: one row is too little work to be worth
 * the pool's lock. */
enum { QACT_ROWS = 16 };

static void qact_task(void *arg, int i)
{
    const qdot_job *j = arg;
    for (int t = i * QACT_ROWS; t < j->act->n && t < (i + 1) * QACT_ROWS; t++)
        quant_act_row(j->act, t);
}

static void qdot_task(void *arg, int i)
{
    const qdot_job *j = arg;
    int r0 = i * QDOT_ROWS, r1 = r0 + QDOT_ROWS < j->l->out ? r0 + QDOT_ROWS : j->l->out;
    quant_dot_rows(j->l->qtype, j->l->qdata, ggml_row_bytes(j->l->qtype, j->l->in), r0, r1,
                   j->act, j->y, (size_t)j->l->out);
}

/* Integer products in inference wherever decode multiplies in blocks too. */
static bool use_qdot(const linear_ctx *c, const linear *l)
{
    return c->act && quant_dot_blocks(l->qtype);
}

/* The N rows of X quantized into c->act, a row per pool task. */
static void quantize_rows(const linear_ctx *c, const linear *l, const float *x, int n,
                          quant_act *act)
{
    quant_act_layout(act, c->act, x, n, l->in);
    qdot_job j = {l, act, NULL};
    pool_run(c->pool, (n + QACT_ROWS - 1) / QACT_ROWS, qact_task, &j);
}

/* The base product; ACT: X already quantized, where L multiplies in blocks
 * (NULL: quantized here if it does). */
static void base_fwd(const linear_ctx *c, const linear *l, const float *x, float *y, int n,
                     const quant_act *act)
{
    if (l->w) {
        k_mm_xwt(c->pool, x, l->w, y, n, l->in, l->out, false);
        return;
    }
    if (use_qdot(c, l)) {
        quant_act own;
        if (!act) {
            quantize_rows(c, l, x, n, &own);
            act = &own;
        }
        qdot_job j = {l, act, y};
        pool_run(c->pool, (l->out + QDOT_ROWS - 1) / QDOT_ROWS, qdot_task, &j);
        return;
    }
    float *tile = tile_of(c, n);
    for (int r0 = 0; r0 < l->out; r0 += QROWS) {
        int nb = l->out - r0 < QROWS ? l->out - r0 : QROWS;
        dequantize_tile(c, l, r0, nb, tile);
        k_sgemm(c->pool, false, true, n, nb, l->in, 1.0f, x, l->in, tile, l->in, 0.0f, y + r0,
                l->out);
    }
}

void linear_base_fwd(const linear_ctx *c, const linear *l, const float *x, float *y, int n)
{
    base_fwd(c, l, x, y, n, NULL);
}

void linear_base_dx(const linear_ctx *c, const linear *l, const float *dy, float *dx, bool acc,
                    int n)
{
    if (l->w) {
        k_mm_dyw(c->pool, dy, l->w, dx, n, l->in, l->out, acc);
        return;
    }
    float *tile = tile_of(c, n);
    for (int r0 = 0; r0 < l->out; r0 += QROWS) {
        int nb = l->out - r0 < QROWS ? l->out - r0 : QROWS;
        dequantize_tile(c, l, r0, nb, tile);
        k_sgemm(c->pool, false, false, n, l->in, nb, 1.0f, dy + r0, l->out, tile, l->in,
                (acc || r0 > 0) ? 1.0f : 0.0f, dx, l->in);
    }
}

typedef struct {
    const lora_adapter *a;
    const float *x;
    float *y, *u;
} lora_rows_job;

static void lora_row_task(void *arg, int t)
{
    const lora_rows_job *j = arg;
    const lora_adapter *a = j->a;
    lora_apply_row(a, j->x + (size_t)t * a->in, j->u + (size_t)t * a->r,
                   j->y + (size_t)t * a->out);
}

/* Adds the bias and the adapter to the base product Y of X. */
static void bias_lora(const linear_ctx *c, const linear *l, const float *x, float *y, float *u,
                      int n)
{
    if (l->bias)
        for (int t = 0; t < n; t++)
            for (int i = 0; i < l->out; i++)
                y[(size_t)t * l->out + i] += l->bias[i];
    const lora_adapter *a = l->lora;
    if (!a)
        return;
    if (c->act) { /* inference: row by row, as a decoded row is */
        lora_rows_job j = {a, x, y, u};
        pool_run(c->pool, n, lora_row_task, &j);
        return;
    }
    const float *xd = x;
    if (c->train && a->dropout > 0.0f) {
        lora_dropout(a, c->step, x, c->scratch, n);
        xd = c->scratch;
    }
    k_mm_xwt(c->pool, xd, a->a, u, n, a->in, a->r, false);
    k_sgemm(c->pool, false, true, n, a->out, a->r, a->scale, u, a->r, a->b, a->r, 1.0f, y, a->out);
}

void linear_fwd_group(const linear_ctx *c, const linear *const *ls, float *const *ys, int count,
                      const float *x, float *u, int n)
{
    quant_act act;
    bool quantized = false;
    for (int k = 0; k < count; k++) {
        if (use_qdot(c, ls[k]) && !quantized) {
            quantize_rows(c, ls[k], x, n, &act);
            quantized = true;
        }
        base_fwd(c, ls[k], x, ys[k], n, quantized ? &act : NULL);
        bias_lora(c, ls[k], x, ys[k], u, n);
    }
}

void linear_fwd(const linear_ctx *c, const linear *l, const float *x, float *y, float *u, int n)
{
    linear_fwd_group(c, &l, &y, 1, x, u, n);
}

/* LoRA backward: gB += s dy^T u; du = s dy B; gA += du^T drop(x); dx += drop(du A). */
static void lora_bwd(const linear_ctx *c, const lora_adapter *a, const float *x, const float *dy,
                     const float *u, float *dx, int n, float *du)
{
    k_sgemm(c->pool, true, false, a->out, a->r, n, a->scale, dy, a->out, u, a->r, 1.0f, a->gb,
            a->r);
    k_sgemm(c->pool, false, false, n, a->r, a->out, a->scale, dy, a->out, a->b, a->r, 0.0f, du,
            a->r);
    bool drop = c->train && a->dropout > 0.0f;
    const float *xd = x;
    if (drop) {
        lora_dropout(a, c->step, x, c->scratch, n);
        xd = c->scratch;
    }
    k_mm_dwt(c->pool, du, xd, a->ga, n, a->in, a->r);
    if (!dx)
        return;
    if (!drop) {
        k_mm_dyw(c->pool, du, a->a, dx, n, a->in, a->r, true);
        return;
    }
    k_mm_dyw(c->pool, du, a->a, c->scratch, n, a->in, a->r, false);
    lora_dropout(a, c->step, c->scratch, c->scratch, n);
    size_t count = (size_t)n * a->in;
    for (size_t i = 0; i < count; i++)
        dx[i] += c->scratch[i];
}

void linear_bwd(const linear_ctx *c, const linear *l, const float *x, const float *dy,
                const float *u, float *dx, bool acc, int n)
{
    if (l->gw)
        k_mm_dwt(c->pool, dy, x, l->gw, n, l->in, l->out);
    if (l->gbias)
        k_colsum(dy, l->gbias, n, l->out);
    if (dx)
        linear_base_dx(c, l, dy, dx, acc, n);
    if (l->lora) {
        /* du [n][r] sits after the n*max(in,out) dropout area */
        float *du = c->scratch + (size_t)n * wide(c->max_in, c->max_out);
        lora_bwd(c, l->lora, x, dy, u, dx, n, du);
    }
}
