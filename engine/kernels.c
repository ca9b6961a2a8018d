/* kernels.c - RMSNorm, RoPE and SwiGLU forward/backward, parallel over row
 * blocks on the engine pool, and thin cblas_sgemm wrappers for the three
 * matmul shapes of a linear layer (forward, input grad, weight grad). */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "vec.h"

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

/* sigmoid(a) per lane */
static vf4 sigmoid4(vf4 a)
{
    return vf4_splat(1.0f) / (vf4_splat(1.0f) + vf4_exp(-a));
}

static void swiglu_fwd_task(void *arg, int blk)
{
    swiglu_job *j = arg;
    size_t end = (size_t)(blk + 1) * ELEM_BLOCK < j->count ? (size_t)(blk + 1) * ELEM_BLOCK : j->count;
    size_t i = (size_t)blk * ELEM_BLOCK;
    for (; i + 4 <= end; i += 4) {
        vf4 a = vf4_load(j->a + i);
        vf4_store(j->h + i, a * sigmoid4(a) * vf4_load(j->b + i));
    }
    for (; i < end; i++) {
        float a = j->a[i];
        j->h[i] = a * sigmoid4(vf4_splat(a))[0] * j->b[i];
    }
}

static void swiglu_bwd_lanes(swiglu_job *j, size_t i, vf4 a, vf4 b, vf4 dh, int lanes)
{
    vf4 sg = sigmoid4(a);
    vf4 db = dh * a * sg;
    vf4 da = dh * b * sg * (vf4_splat(1.0f) + a * (vf4_splat(1.0f) - sg));
    if (lanes == 4) {
        vf4_store(j->db + i, db);
        vf4_store(j->da + i, da);
        return;
    }
    j->db[i] = db[0];
    j->da[i] = da[0];
}

static void swiglu_bwd_task(void *arg, int blk)
{
    swiglu_job *j = arg;
    size_t end = (size_t)(blk + 1) * ELEM_BLOCK < j->count ? (size_t)(blk + 1) * ELEM_BLOCK : j->count;
    size_t i = (size_t)blk * ELEM_BLOCK;
    for (; i + 4 <= end; i += 4)
        swiglu_bwd_lanes(j, i, vf4_load(j->a + i), vf4_load(j->b + i), vf4_load(j->dh + i), 4);
    for (; i < end; i++)
        swiglu_bwd_lanes(j, i, vf4_splat(j->a[i]), vf4_splat(j->b[i]), vf4_splat(j->dh[i]), 1);
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
/* While the pool splits a matmul, each piece runs OpenBLAS on one thread so
 * OpenBLAS's workers never spin against the pool's for the same cores. The
 * count of pieces in flight (any model, any thread) decides when OpenBLAS's
 * own thread count is lowered and restored. */
static pthread_mutex_t solo_mu = PTHREAD_MUTEX_INITIALIZER;
static int solo_depth, solo_saved;

static void solo_enter(void)
{
    pthread_mutex_lock(&solo_mu);
    if (solo_depth++ == 0) {
        solo_saved = openblas_get_num_threads();
        if (solo_saved != 1)
            openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&solo_mu);
}

static void solo_leave(void)
{
    pthread_mutex_lock(&solo_mu);
    if (--solo_depth == 0 && solo_saved != 1)
        openblas_set_num_threads(solo_saved);
    pthread_mutex_unlock(&solo_mu);
}

/* A user's OPENBLAS_NUM_THREADS caps what lathe asks OpenBLAS for: it is
 * also how the ThreadSanitizer runs keep OpenBLAS's own (uninstrumented)
 * worker threads out of the picture. */
static int blas_cap(int n)
{
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    int cap = env ? atoi(env) : 0;
    return cap > 0 && cap < n ? cap : n;
}

void k_blas_set_threads(int n)
{
    n = blas_cap(n);
    pthread_mutex_lock(&solo_mu);
    if (solo_depth > 0)
        solo_saved = n;
    else
        openblas_set_num_threads(n);
    pthread_mutex_unlock(&solo_mu);
}

void k_pool_run_blas(pool *p, int n, pool_fn fn, void *arg)
{
    if (pool_threads(p) <= 1) {
        pool_run(p, n, fn, arg);
        return;
    }
    solo_enter();
    pool_run(p, n, fn, arg);
    solo_leave();
}

typedef struct {
    bool ta, tb, split_m;
    int M, N, K, lda, ldb, ldc, per;
    float alpha, beta;
    const float *A, *B;
    float *C;
} gemm_job;

static void gemm_task(void *arg, int i)
{
    const gemm_job *j = arg;
    int dim = j->split_m ? j->M : j->N, lo = i * j->per;
    int len = dim - lo < j->per ? dim - lo : j->per;
    const float *A = j->A, *B = j->B;
    float *C = j->C;
    int M = j->M, N = j->N;
    if (j->split_m) {
        A += j->ta ? (size_t)lo : (size_t)lo * j->lda;
        C += (size_t)lo * j->ldc;
        M = len;
    } else {
        B += j->tb ? (size_t)lo * j->ldb : (size_t)lo;
        C += lo;
        N = len;
    }
    cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans,
                M, N, j->K, j->alpha, A, j->lda, B, j->ldb, j->beta, C, j->ldc);
}

/* One piece per pool thread, split along the longer of M and N: every piece
 * packs the other operand whole, so more pieces would repack it more often
 * (measured: two per thread cost about 15% more CPU time per step). */
enum { GEMM_MIN_SPLIT = 32 };

void k_sgemm(pool *p, bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc)
{
    int threads = pool_threads(p);
    bool split_m = M >= N;
    int dim = split_m ? M : N;
    if (threads <= 1 || dim < 2 * GEMM_MIN_SPLIT || (double)M * N * K < 1e6) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    int per = (dim + threads - 1) / threads;
    per = per < GEMM_MIN_SPLIT ? GEMM_MIN_SPLIT : (per + 15) / 16 * 16;
    gemm_job j = {.ta = ta, .tb = tb, .split_m = split_m, .M = M, .N = N, .K = K, .lda = lda,
                  .ldb = ldb, .ldc = ldc, .per = per, .alpha = alpha, .beta = beta, .A = A,
                  .B = B, .C = C};
    k_pool_run_blas(p, (dim + per - 1) / per, gemm_task, &j);
}

void k_mm_xwt(pool *p, const float *x, const float *w, float *y, int n, int in, int out, bool acc)
{
    k_sgemm(p, false, true, n, out, in, 1.0f, x, in, w, in, acc ? 1.0f : 0.0f, y, out);
}

void k_mm_dyw(pool *p, const float *dy, const float *w, float *dx, int n, int in, int out,
              bool acc)
{
    k_sgemm(p, false, false, n, in, out, 1.0f, dy, out, w, in, acc ? 1.0f : 0.0f, dx, in);
}

void k_mm_dwt(pool *p, const float *dy, const float *x, float *dw, int n, int in, int out)
{
    k_sgemm(p, true, false, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
}

void k_colsum(const float *dy, float *db, int n, int out)
{
    for (int t = 0; t < n; t++)
        for (int i = 0; i < out; i++)
            db[i] += dy[(size_t)t * out + i];
}
