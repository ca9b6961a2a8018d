/* attention.h - causal grouped-query self-attention over packed rows, forward
 * and backward, one block of query rows' scores at a time per task
 * (flash-style: only the per-row log-sum-exp is kept for backward, scores are
 * recomputed). */
#ifndef LATHE_ATTENTION_H
#define LATHE_ATTENTION_H

#include <stdint.h>

#include "pool.h"

typedef struct {
    int B, T;               /* rows of T tokens; token index b*T+t */
    int n_heads, n_kv_heads, head_dim;
    const int32_t *doc;     /* [B*T] document ids, NULL = one document per row */
} attn_shape;

/* Scratch floats attn_fwd/attn_bwd need. */
size_t attn_scratch_floats(const attn_shape *s);

/* q [N][H*hd], k,v [N][KV*hd] -> o [N][H*hd], lse [N][H]. */
void attn_fwd(pool *p, const attn_shape *s, const float *q, const float *k, const float *v,
              float *o, float *lse, float *scratch);
/* dq, dk, dv (overwritten) from do. */
void attn_bwd(pool *p, const attn_shape *s, const float *q, const float *k, const float *v,
              const float *o, const float *lse, const float *dout, float *dq, float *dk,
              float *dv, float *scratch);

#endif
