/* attention.c - causal GQA attention with document masking, as blocked
 * matmuls. One task per (row, kv head) owns that kv head's dK/dV and its
 * query heads' dQ, so tasks never write the same memory. A task walks its
 * query heads in blocks of QB queries: scores of a block against the keys it
 * can see are one sgemm into a [QB x T] tile, softmax runs on the tile, and
 * the tile times V is another sgemm. Only the per-query log-sum-exp is kept
 * for backward, which recomputes the tile (flash-style). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "attention.h"
#include "kernels.h"
#include "vec.h"

enum { QB = 64 };

typedef struct {
    const attn_shape *s;
    const float *q, *k, *v, *o, *lse, *dout;
    float *out, *lse_out, *dq, *dk, *dv, *scratch;
} attn_job;

/* Two tiles per task: probabilities and (backward) their gradient. */
size_t attn_scratch_floats(const attn_shape *s)
{
    return (size_t)s->B * s->n_kv_heads * 2 * QB * s->T;
}

/* One (row, query head, query block) unit of work and its pointers. */
typedef struct {
    const attn_job *j;
    size_t base;            /* first token of the row */
    int h, kvh, i0, nq, nk; /* queries i0..i0+nq-1 see keys 0..nk-1 */
    size_t qoff, koff;      /* offsets of (i0, h) in q and of (0, kvh) in k */
    int qw, kvw, hd;
} qblock;

static qblock qblock_at(const attn_job *j, size_t base, int h, int kvh, int i0)
{
    const attn_shape *s = j->s;
    qblock b = {.j = j, .base = base, .h = h, .kvh = kvh, .i0 = i0,
                .hd = s->head_dim, .qw = s->n_heads * s->head_dim,
                .kvw = s->n_kv_heads * s->head_dim};
    b.nq = s->T - i0 < QB ? s->T - i0 : QB;
    b.nk = i0 + b.nq;
    b.qoff = (base + i0) * b.qw + (size_t)h * b.hd;
    b.koff = base * b.kvw + (size_t)kvh * b.hd;
    return b;
}

/* S = scale Q K^T for the block; keys after the query or in another
 * document get -INFINITY (the tile row stride is nk). */
static void block_scores(const qblock *b, float *S)
{
    const attn_shape *s = b->j->s;
    float scale = 1.0f / sqrtf((float)b->hd);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b->nq, b->nk, b->hd, scale,
                b->j->q + b->qoff, b->qw, b->j->k + b->koff, b->kvw, 0.0f, S, b->nk);
    for (int r = 0; r < b->nq; r++) {
        int i = b->i0 + r;
        float *row = S + (size_t)r * b->nk;
        if (s->doc) {
            int32_t d = s->doc[b->base + i];
            for (int t = 0; t < i; t++)
                if (s->doc[b->base + t] != d)
                    row[t] = -INFINITY;
        }
        for (int t = i + 1; t < b->nk; t++)
            row[t] = -INFINITY;
    }
}

/* Softmax of each tile row in place, writing each row's log-sum-exp. */
static void block_softmax(const qblock *b, float *S, float *lse, int lse_stride)
{
    for (int r = 0; r < b->nq; r++) {
        float *row = S + (size_t)r * b->nk;
        int len = b->i0 + r + 1;
        float mx = vec_max(row, len);
        double sum = vec_exp_sum(row, row, mx, len);
        vec_scale(row, (float)(1.0 / sum), len);
        memset(row + len, 0, (size_t)(b->nk - len) * sizeof *row);
        lse[(size_t)r * lse_stride] = mx + (float)log(sum);
    }
}

static void fwd_task(void *arg, int task)
{
    attn_job *j = arg;
    const attn_shape *s = j->s;
    int kvh = task % s->n_kv_heads, group = s->n_heads / s->n_kv_heads;
    size_t base = (size_t)(task / s->n_kv_heads) * s->T;
    float *S = j->scratch + (size_t)task * 2 * QB * s->T;
    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
        for (int i0 = 0; i0 < s->T; i0 += QB) {
            qblock b = qblock_at(j, base, h, kvh, i0);
            block_scores(&b, S);
            block_softmax(&b, S, j->lse_out + (base + i0) * s->n_heads + h, s->n_heads);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b.nq, b.hd, b.nk, 1.0f, S,
                        b.nk, j->v + b.koff, b.kvw, 0.0f, j->out + b.qoff, b.qw);
        }
    }
}

void attn_fwd(pool *p, const attn_shape *s, const float *q, const float *k, const float *v,
              float *o, float *lse, float *scratch)
{
    attn_job j = {.s = s, .q = q, .k = k, .v = v, .out = o, .lse_out = lse, .scratch = scratch};
    k_pool_run_blas(p, s->B * s->n_kv_heads, fwd_task, &j);
}

static void zero_slices(float *x, size_t base, int T, int width, int off, int len)
{
    for (int t = 0; t < T; t++)
        memset(x + (base + t) * width + off, 0, (size_t)len * sizeof *x);
}

/* P from the saved lse, dP = dO V^T, dV += P^T dO, dS = P (dP - D) scale,
 * dQ = dS K, dK += dS^T Q. */
static void block_bwd(const qblock *b, float *P, float *dP)
{
    const attn_job *j = b->j;
    const attn_shape *s = j->s;
    float scale = 1.0f / sqrtf((float)b->hd);
    block_scores(b, P);
    for (int r = 0; r < b->nq; r++) {
        float *row = P + (size_t)r * b->nk;
        int len = b->i0 + r + 1;
        vec_exp_sum(row, row, j->lse[(b->base + b->i0 + r) * s->n_heads + b->h], len);
        memset(row + len, 0, (size_t)(b->nk - len) * sizeof *row);
    }
    const float *dO = j->dout + b->qoff;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b->nq, b->nk, b->hd, 1.0f, dO, b->qw,
                j->v + b->koff, b->kvw, 0.0f, dP, b->nk);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, b->nk, b->hd, b->nq, 1.0f, P, b->nk,
                dO, b->qw, 1.0f, j->dv + b->koff, b->kvw);
    for (int r = 0; r < b->nq; r++) {
        size_t off = b->qoff + (size_t)r * b->qw;
        float D = vec_dot(j->dout + off, j->o + off, b->hd);
        float *p = P + (size_t)r * b->nk, *dp = dP + (size_t)r * b->nk;
        for (int t = 0; t < b->nk; t++)
            dp[t] = p[t] * (dp[t] - D) * scale;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b->nq, b->hd, b->nk, 1.0f, dP, b->nk,
                j->k + b->koff, b->kvw, 0.0f, j->dq + b->qoff, b->qw);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, b->nk, b->hd, b->nq, 1.0f, dP, b->nk,
                j->q + b->qoff, b->qw, 1.0f, j->dk + b->koff, b->kvw);
}

static void bwd_task(void *arg, int task)
{
    attn_job *j = arg;
    const attn_shape *s = j->s;
    int kvh = task % s->n_kv_heads, group = s->n_heads / s->n_kv_heads, hd = s->head_dim;
    size_t base = (size_t)(task / s->n_kv_heads) * s->T;
    float *P = j->scratch + (size_t)task * 2 * QB * s->T, *dP = P + (size_t)QB * s->T;
    zero_slices(j->dk, base, s->T, s->n_kv_heads * hd, kvh * hd, hd);
    zero_slices(j->dv, base, s->T, s->n_kv_heads * hd, kvh * hd, hd);
    for (int h = kvh * group; h < (kvh + 1) * group; h++)
        for (int i0 = 0; i0 < s->T; i0 += QB) {
            qblock b = qblock_at(j, base, h, kvh, i0);
            block_bwd(&b, P, dP);
        }
}

void attn_bwd(pool *p, const attn_shape *s, const float *q, const float *k, const float *v,
              const float *o, const float *lse, const float *dout, float *dq, float *dk,
              float *dv, float *scratch)
{
    attn_job j = {.s = s, .q = q, .k = k, .v = v, .o = o, .lse = lse, .dout = dout,
                  .dq = dq, .dk = dk, .dv = dv, .scratch = scratch};
    k_pool_run_blas(p, s->B * s->n_kv_heads, bwd_task, &j);
}
