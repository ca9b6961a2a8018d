/* kernels.h - forward and backward of the decoder's row-wise ops (RMSNorm,
 * RoPE, SwiGLU) and the fp32 matmul shapes used by every linear layer. Row
 * loops run on the engine pool; matmuls go to OpenBLAS. */
#ifndef LATHE_KERNELS_H
#define LATHE_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

#include "model_config.h"
#include "pool.h"

/* y[n][d] = g * x * r, r[t] = 1/sqrt(mean(x_t^2) + eps) (r saved for backward). */
void k_rmsnorm_fwd(pool *p, const float *x, const float *g, float *y, float *r,
                   int n, int d, float eps);
/* dx (+=) and dg (+=, NULL when frozen) from dy. */
void k_rmsnorm_bwd(pool *p, const float *x, const float *g, const float *r, const float *dy,
                   float *dx, float *dg, int n, int d);

/* cos/sin table [npos][rope_dim/2]: theta_i = pos * base^(-2i/rope_dim). */
void k_rope_table(float *cs, float *sn, int npos, int rope_dim, float base);
/* Rotate each head (heads of head_dim in a row of width heads*head_dim) of
 * n rows in place; pos[t] indexes the table; inverse undoes it (backward). */
void k_rope(pool *p, float *x, const int *pos, const float *cs, const float *sn, int n,
            int heads, int head_dim, int rope_dim, rope_style style, bool inverse);

/* h = silu(a) * b over n*f elements. */
void k_swiglu_fwd(pool *p, const float *a, const float *b, float *h, size_t count);
/* da, db (overwritten) from dh. */
void k_swiglu_bwd(pool *p, const float *a, const float *b, const float *dh, float *da,
                  float *db, size_t count);

/* C = alpha op(A) op(B) + beta C (row-major), split into row or column
 * blocks across the pool; with a pool of one thread OpenBLAS threads it. */
void k_sgemm(pool *p, bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc);
/* pool_run for tasks that call cblas themselves: OpenBLAS runs them on one
 * thread each while the pool has more than one. */
void k_pool_run_blas(pool *p, int n, pool_fn fn, void *arg);
/* OpenBLAS's own thread count, for sgemm calls not split by a pool; safe
 * while split matmuls run elsewhere (applied when they finish). */
void k_blas_set_threads(int n);
/* y[n][out] (= or +=) x[n][in] W[out][in]^T */
void k_mm_xwt(pool *p, const float *x, const float *w, float *y, int n, int in, int out, bool acc);
/* dx[n][in] (= or +=) dy[n][out] W[out][in] */
void k_mm_dyw(pool *p, const float *dy, const float *w, float *dx, int n, int in, int out,
              bool acc);
/* dW[out][in] += dy[n][out]^T x[n][in] */
void k_mm_dwt(pool *p, const float *dy, const float *x, float *dw, int n, int in, int out);
/* db[out] += sum over rows of dy[n][out] */
void k_colsum(const float *dy, float *db, int n, int out);

#endif
