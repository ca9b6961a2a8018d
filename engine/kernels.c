/* kernels.c - RMSNorm, RoPE and SwiGLU forward/backward, parallel over row
 * blocks on the engine pool, and thin cblas_sgemm wrappers for the three
 * matmul shapes of a linear layer (forward, input grad, weight grad). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "kernels.h"

enum { ROW_BLOCK = 16, ELEM_BLOCK = 16384 };

static int blocks(size_t n, size_t per)
{
    return (int)((n + per - 1) / per);
}

/* ---------------------------------------------------------------- RMSNorm */
typedef struct {
    const float *x, *g, *r, *dy;
    float *y, *rr, *dx, *dg;
    int n, d;
    float eps;
} norm_job;

static void norm_fwd_task(void *arg, int blk)
{
    norm_job *j = arg;
    int end = (blk + 1) * ROW_BLOCK < j->n ? (blk + 1) * ROW_BLOCK : j->n;
    for (int t = blk * ROW_BLOCK; t < end; t++) {
        const float *x = j->x + (size_t)t * j->d;
        float *y = j->y + (size_t)t * j->d;
        double ss = 0;
        for (int i = 0; i < j->d; i++)
            ss += (double)x[i] * x[i];
        float r = (float)(1.0 / sqrt(ss / j->d + j->eps));
        j->rr[t] = r;
        for (int i = 0; i < j->d; i++)
            y[i] = j->g[i] * x[i] * r;
    }
}

void k_rmsnorm_fwd(pool *p, const float *x, const float *g, float *y, float *r,
                   int n, int d, float eps)
{
    norm_job j = {.x = x, .g = g, .y = y, .rr = r, .n = n, .d = d, .eps = eps};
    pool_run(p, blocks((size_t)n, ROW_BLOCK), norm_fwd_task, &j);
}

static void norm_bwd_task(void *arg, int blk)
{
    norm_job *j = arg;
    int end = (blk + 1) * ROW_BLOCK < j->n ? (blk + 1) * ROW_BLOCK : j->n;
    for (int t = blk * ROW_BLOCK; t < end; t++) {
        const float *x = j->x + (size_t)t * j->d;
        const float *dy = j->dy + (size_t)t * j->d;
        float *dx = j->dx + (size_t)t * j->d;
        float r = j->r[t];
        double ux = 0;
        for (int i = 0; i < j->d; i++)
            ux += (double)dy[i] * j->g[i] * x[i];
        float c = (float)(ux / j->d) * r * r * r;
        for (int i = 0; i < j->d; i++)
            dx[i] += r * dy[i] * j->g[i] - c * x[i];
    }
}

/* dg is a sum over rows: split by columns so tasks never share an output. */
static void norm_dg_task(void *arg, int blk)
{
    norm_job *j = arg;
    int c0 = blk * 64, c1 = c0 + 64 < j->d ? c0 + 64 : j->d;
    for (int t = 0; t < j->n; t++) {
        const float *x = j->x + (size_t)t * j->d;
        const float *dy = j->dy + (size_t)t * j->d;
        float r = j->r[t];
        for (int i = c0; i < c1; i++)
            j->dg[i] += dy[i] * x[i] * r;
    }
}

void k_rmsnorm_bwd(pool *p, const float *x, const float *g, const float *r, const float *dy,
                   float *dx, float *dg, int n, int d)
{
    norm_job j = {.x = x, .g = g, .r = r, .dy = dy, .dx = dx, .dg = dg, .n = n, .d = d};
    if (dx)
        pool_run(p, blocks((size_t)n, ROW_BLOCK), norm_bwd_task, &j);
    if (dg)
        pool_run(p, blocks((size_t)d, 64), norm_dg_task, &j);
}

/* ---------------------------------------------------------------- RoPE */
void k_rope_table(float *cs, float *sn, int npos, int rope_dim, float base)
{
    int half = rope_dim / 2;
    for (int i = 0; i < half; i++) {
        double freq = pow((double)base, -2.0 * i / rope_dim);
        for (int pos = 0; pos < npos; pos++) {
            double th = pos * freq;
            cs[(size_t)pos * half + i] = (float)cos(th);
            sn[(size_t)pos * half + i] = (float)sin(th);
        }
    }
}

typedef struct {
    float *x;
    const int *pos;
    const float *cs, *sn;
    int n, heads, hd, rd;
    rope_style style;
    float sign;
} rope_job;

static void rope_task(void *arg, int blk)
{
    rope_job *j = arg;
    int half = j->rd / 2;
    int end = (blk + 1) * ROW_BLOCK < j->n ? (blk + 1) * ROW_BLOCK : j->n;
    for (int t = blk * ROW_BLOCK; t < end; t++) {
        const float *cs = j->cs + (size_t)j->pos[t] * half;
        const float *sn = j->sn + (size_t)j->pos[t] * half;
        for (int h = 0; h < j->heads; h++) {
            float *v = j->x + ((size_t)t * j->heads + h) * j->hd;
            for (int i = 0; i < half; i++) {
                int ia = j->style == ROPE_NORMAL ? 2 * i : i;
                int ib = j->style == ROPE_NORMAL ? 2 * i + 1 : i + half;
                float c = cs[i], s = j->sign * sn[i];
                float a = v[ia], b = v[ib];
                v[ia] = a * c - b * s;
                v[ib] = a * s + b * c;
            }
        }
    }
}

void k_rope(pool *p, float *x, const int *pos, const float *cs, const float *sn, int n,
            int heads, int head_dim, int rope_dim, rope_style style, bool inverse)
{
    rope_job j = {.x = x, .pos = pos, .cs = cs, .sn = sn, .n = n, .heads = heads,
                  .hd = head_dim, .rd = rope_dim, .style = style, .sign = inverse ? -1.0f : 1.0f};
    pool_run(p, blocks((size_t)n, ROW_BLOCK), rope_task, &j);
}

/* ---------------------------------------------------------------- SwiGLU */
typedef struct {
    const float *a, *b, *dh;
    float *h, *da, *db;
    size_t count;
} swiglu_job;

static void swiglu_fwd_task(void *arg, int blk)
{
    swiglu_job *j = arg;
    size_t end = (size_t)(blk + 1) * ELEM_BLOCK < j->count ? (size_t)(blk + 1) * ELEM_BLOCK : j->count;
    for (size_t i = (size_t)blk * ELEM_BLOCK; i < end; i++) {
        float a = j->a[i];
        j->h[i] = a / (1.0f + expf(-a)) * j->b[i];
    }
}

static void swiglu_bwd_task(void *arg, int blk)
{
    swiglu_job *j = arg;
    size_t end = (size_t)(blk + 1) * ELEM_BLOCK < j->count ? (size_t)(blk + 1) * ELEM_BLOCK : j->count;
    for (size_t i = (size_t)blk * ELEM_BLOCK; i < end; i++) {
        float a = j->a[i], b = j->b[i], dh = j->dh[i];
        float sg = 1.0f / (1.0f + expf(-a));
        j->db[i] = dh * a * sg;
        j->da[i] = dh * b * sg * (1.0f + a * (1.0f - sg));
    }
}

void k_swiglu_fwd(pool *p, const float *a, const float *b, float *h, size_t count)
{
    swiglu_job j = {.a = a, .b = b, .h = h, .count = count};
    pool_run(p, blocks(count, ELEM_BLOCK), swiglu_fwd_task, &j);
}

void k_swiglu_bwd(pool *p, const float *a, const float *b, const float *dh, float *da,
                  float *db, size_t count)
{
    swiglu_job j = {.a = a, .b = b, .dh = dh, .da = da, .db = db, .count = count};
    pool_run(p, blocks(count, ELEM_BLOCK), swiglu_bwd_task, &j);
}

/* ---------------------------------------------------------------- matmuls */
void k_mm_xwt(const float *x, const float *w, float *y, int n, int in, int out, bool acc)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, w, in,
                acc ? 1.0f : 0.0f, y, out);
}

void k_mm_dyw(const float *dy, const float *w, float *dx, int n, int in, int out, bool acc)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, w, in,
                acc ? 1.0f : 0.0f, dx, in);
}

void k_mm_dwt(const float *dy, const float *x, float *dw, int n, int in, int out)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x, in,
                1.0f, dw, in);
}

void k_colsum(const float *dy, float *db, int n, int out)
{
    for (int t = 0; t < n; t++)
        for (int i = 0; i < out; i++)
            db[i] += dy[(size_t)t * out + i];
}
