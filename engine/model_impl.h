/* model_impl.h - the decoder's internals, shared by model.c (training
 * forward and backward) and generate.c (inference with a K/V cache), which
 * must read the same weights the same way. Not for other callers. */
#ifndef LATHE_MODEL_IMPL_H
#define LATHE_MODEL_IMPL_H

#include "linear.h"
#include "model.h"

enum { LIN_Q, LIN_K, LIN_V, LIN_O, LIN_GATE, LIN_UP, LIN_DOWN, LIN_COUNT };

typedef struct {
    float *attn_norm, *ffn_norm;
    float *g_attn_norm, *g_ffn_norm;
    linear lin[LIN_COUNT];
} block;

/* Activations of one block for N tokens (x, the block input, lives in xs). */
typedef struct {
    float *r1, *h1, *q, *k, *v, *o, *lse, *xm, *r2, *h2, *a, *b, *hs;
    float *u[LIN_COUNT];
} block_acts;

/* One tensor of the model as the inventory sees it. */
typedef struct {
    char name[64];
    float **w, **g;
    size_t n;
    bool decay;
    unsigned kind;          /* MODEL_MOD_* inside a block, 0 for global tensors */
    int layer;              /* -1 for global tensors */
} tref;

struct model {
    model_config cfg;
    uint64_t seed;
    bool view;              /* base tensors belong to another model (model_view_new) */
    float *embd, *g_embd, *out_norm, *g_out_norm, *output, *g_output;
    linear head;
    block *blk;
    model_train_spec spec;
    model_param *params;
    int n_params;
    tref *refs;
    int n_refs;
    pool *pool;
    bool ckpt;
    int ce_chunk;
    uint64_t step;
    /* activation arena, sized for cap_n tokens of rows of cap_t */
    int cap_n, cap_t;
    float *arena;
    int *iarena;
    float *xs, *rf, *hf, *dx, *dh, *dq, *dout, *dk, *dv, *da, *db, *dhs;
    float *lin_scratch, *attn_scratch, *ce_scratch, *rope_cs, *rope_sn;
    block_acts *acts;
    int *pos, *ce_rows;
    int lin_wide, lin_r;    /* linear scratch is sized for these */
    size_t bytes_weights, bytes_grads, bytes_acts, bytes_peak;
};

#endif
