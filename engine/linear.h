/* linear.h - one linear layer y = x W^T (+ bias) (+ LoRA), with W fp32 or a
 * frozen ggml-typed matrix (dequantized in row blocks for sgemm, or, in
 * inference, multiplied in its own blocks), and its backward producing only
 * the gradients that are wanted. */
#ifndef LATHE_LINEAR_H
#define LATHE_LINEAR_H

#include <stdbool.h>
#include <stdint.h>

#include "lora.h"
#include "pool.h"

typedef struct {
    int in, out;
    float *w;               /* [out][in] fp32; NULL when quantized */
    const void *qdata;      /* ggml-typed rows when w == NULL */
    int qtype;
    float *gw;              /* NULL: W frozen */
    float *bias, *gbias;    /* NULL: no bias / bias frozen */
    lora_adapter *lora;     /* NULL: no adapter */
} linear;

/* Per-call context: scratch holds linear_scratch_floats(n, max_in, max_out,
 * max_r) floats for the largest layer and rank it serves. */
typedef struct {
    pool *pool;
    float *scratch;
    int max_in, max_out, max_r;
    bool train;             /* apply LoRA dropout */
    uint64_t step;
    /* Inference only: room for quant_act_bytes(n, max_in). When set, quantized
     * weights multiply in their own blocks where decode does too
     * (quant_dot_blocks) and adapters apply row by row (lora_apply_row), so
     * prefilled rows come out as decoded ones do; training leaves it NULL
     * and takes the exact dequantized path and sgemm. */
    void *act;
} linear_ctx;

size_t linear_scratch_floats(int n, int in, int out, int r);
/* Of those floats, the ones a pass writes: the dropout area only with LoRA
 * dropout, the bottleneck with LoRA, the dequantization tile only over a
 * QUANTIZED weight (memory never written is never resident). */
size_t linear_scratch_written(int n, int in, int out, int r, bool dropout, bool quantized);

/* The base product alone (fp32 or dequantized tiles): y = x W^T, and
 * dx (= or +=) dy W. */
void linear_base_fwd(const linear_ctx *c, const linear *l, const float *x, float *y, int n);
void linear_base_dx(const linear_ctx *c, const linear *l, const float *dy, float *dx, bool acc,
                    int n);

/* y[n][out] = x W^T + bias + s (drop(x) A^T) B^T; u [n][r] is saved for backward. */
void linear_fwd(const linear_ctx *c, const linear *l, const float *x, float *y, float *u, int n);
/* ys[k] = ls[k] applied to the same N rows of X (so one input width), as
 * linear_fwd does, for COUNT layers; in inference X is quantized once for
 * every product that multiplies in blocks. U is each adapter's bottleneck in
 * turn. */
void linear_fwd_group(const linear_ctx *c, const linear *const *ls, float *const *ys, int count,
                      const float *x, float *u, int n);
/* dx (= or += when acc; NULL: not needed) and the wanted weight grads from dy. */
void linear_bwd(const linear_ctx *c, const linear *l, const float *x, const float *dy,
                const float *u, float *dx, bool acc, int n);

#endif
