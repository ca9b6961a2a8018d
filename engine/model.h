/* model.h - the trainable Llama-family decoder: fp32 weights and gradients,
 * forward, next-token loss and backward over a [B x T] batch, training modes
 * (full, top layers, LoRA) and the parameter list the optimizer walks. */
#ifndef LATHE_MODEL_H
#define LATHE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_config.h"
#include "pool.h"

typedef struct model model;

/* Module kinds, used both for top-layers training (which kinds of a trainable
 * block get gradients) and for LoRA targets. */
enum {
    MODEL_MOD_Q = 1u << 0,
    MODEL_MOD_K = 1u << 1,
    MODEL_MOD_V = 1u << 2,
    MODEL_MOD_O = 1u << 3,
    MODEL_MOD_GATE = 1u << 4,
    MODEL_MOD_UP = 1u << 5,
    MODEL_MOD_DOWN = 1u << 6,
    MODEL_MOD_NORM = 1u << 7,     /* attn_norm, ffn_norm (top-layers only) */
    MODEL_MOD_LINEAR = 0x7fu,     /* q,k,v,o,gate,up,down */
    MODEL_MOD_ALL = 0xffu,
};

typedef enum {
    MODEL_TRAIN_FULL = 0,   /* every tensor trainable */
    MODEL_TRAIN_TOP,        /* last top_layers blocks, module kinds in modules */
    MODEL_TRAIN_LORA,       /* base frozen; LoRA A/B on the modules kinds */
} model_train_mode;

typedef struct {
    model_train_mode mode;
    /* MODEL_TRAIN_TOP: number of last blocks trained (0 or >= n_layers: all). */
    int top_layers;
    /* TOP: trainable kinds inside those blocks; LORA: target kinds (not NORM). */
    unsigned modules;
    /* TOP: also train token_embd, output_norm and output (the head). */
    bool train_head;
    /* LORA */
    int lora_r;
    float lora_alpha;
    float lora_dropout;     /* probability, 0 = off */
    bool rslora;            /* scale alpha/sqrt(r) instead of alpha/r */
    uint64_t lora_seed;     /* A init and dropout masks */
} model_train_spec;

/* One trainable tensor, for the optimizer. data and grad are fp32 of n floats;
 * name follows GGUF naming ("blk.3.attn_q.weight", "blk.3.attn_q.weight.lora_a"). */
typedef struct {
    char name[64];
    float *data;
    float *grad;
    size_t n;
    bool decay;             /* weight decay applies (matrices, not norms/biases) */
} model_param;

/* A batch. Position t of row b is index b*T+t. targets[i] is the token the
 * logits at i predict (already shifted); targets < 0 or weights == 0 masks i.
 * weights NULL means 1 for every unmasked token. doc NULL means one document
 * per row; otherwise tokens attend only to earlier tokens with the same doc id
 * in the same row, and RoPE positions restart at each document start. */
typedef struct {
    int B, T;
    const int32_t *tokens;
    const int32_t *targets;
    const float *weights;
    const int32_t *doc;
    /* Gradients and loss are divided by this instead of the batch's sum of
     * weights when > 0 (gradient accumulation over micro-batches). */
    double loss_norm;
} model_batch;

typedef struct {
    size_t weights;         /* fp32 trainable + frozen weights held */
    size_t grads;           /* gradient buffers (trainable tensors only) */
    size_t activations;     /* activations + scratch for the largest batch seen */
    size_t peak;            /* measured high-water mark of all three, bytes */
} model_memory;

/* Random init (seeded, deterministic): matrices N(0, 0.02), norms 1, biases 0.
 * Starts in MODEL_TRAIN_FULL with all gradient buffers allocated. */
model *model_create(const model_config *cfg, uint64_t seed, char *err, size_t errlen);
/* A model for a loader to fill: every tensor zero and frozen (LoRA mode, no
 * targets), no gradient buffers; the memory of a tensor the loader replaces
 * by a quantized one is never touched. */
model *model_create_blank(const model_config *cfg, char *err, size_t errlen);
void model_free(model *m);
/* A second model over BASE's tensors, holding none of its own: frozen (LoRA
 * mode, no targets), with its own thread pool and no adapter, so an adapter
 * attached to the view (LoRA only; other modes, quantizing and merging are
 * refused) leaves BASE and every other view as they were, and several views
 * can run at once on threads of their own. BASE must outlive its views and
 * keep its base weights unchanged while they live. */
model *model_view_new(const model *base, char *err, size_t errlen);
const model_config *model_get_config(const model *m);

/* fp32 storage of a base tensor by GGUF name, for loaders to fill; NULL when
 * unknown or quantized. *n receives the float count. */
float *model_weight(model *m, const char *name, size_t *n);

/* Make a frozen base matrix (attn_*, ffn_*, output, by GGUF name; with tied
 * embeddings token_embd, whose fp32 rows then stay for the lookup while the
 * head reads the blocks) read from ggml-typed data (any type quant_can_dequantize() reads; ggml type ids)
 * instead of fp32: the fp32 copy is freed; training matmuls dequantize
 * 128-row tiles on the fly, generation multiplies the blocks in place
 * (quant_dot.h). data must outlive the model (e.g. an mmap). The tensor must
 * be frozen in the current mode (call model_set_training first, e.g. LoRA);
 * a later mode that would train it is refused. LoRA on top of it is fine,
 * but model_lora_merge needs fp32. */
int model_set_quantized(model *m, const char *name, int ggml_type, const void *data,
                        char *err, size_t errlen);

/* Select the training mode: allocates grads (and LoRA tensors) for trainable
 * tensors only, frees the others. Clears any previous LoRA. */
int model_set_training(model *m, const model_train_spec *spec, char *err, size_t errlen);

/* Fold LoRA into the base (W += s*B*A, needs fp32 base) and drop the adapters;
 * the model returns to all-frozen until model_set_training is called again. */
int model_lora_merge(model *m, char *err, size_t errlen);
/* LoRA scale s in use (0 when no LoRA). */
float model_lora_scale(const model *m);

/* Trainable parameters in a fixed order (stable across runs for one spec). */
const model_param *model_params(const model *m, int *count);
size_t model_n_trainable(const model *m);
void model_zero_grad(model *m);

void model_set_checkpointing(model *m, bool on);
/* Engine pool threads and OpenBLAS threads; <= 0 keeps. With a pool of more
 * than one thread the pool also splits every matmul and OpenBLAS runs each
 * piece on one thread; OpenBLAS's own count then serves only other callers. */
int model_set_threads(model *m, int kernel_threads, int blas_threads,
                      char *err, size_t errlen);
/* The engine pool the model's kernels run on, for callers with work to share
 * it (the optimizer); valid until the next model_set_threads. */
pool *model_pool(const model *m);
#define MODEL_CE_CHUNK 512

/* Rows of logits computed at once in the loss (default 512: fewer passes
 * over the head weight and its gradient). */
void model_set_ce_chunk(model *m, int rows);
/* Training step number, mixed into the LoRA dropout RNG so masks vary per step
 * and are reproducible on resume. */
void model_set_step(model *m, uint64_t step);

/* Forward, loss and backward: ACCUMULATES (+=) gradients of the mean weighted
 * loss into the grad buffers. *loss receives the loss, *weight_sum the sum of
 * weights of unmasked tokens (either may be NULL). */
int model_forward_backward(model *m, const model_batch *batch, double *loss,
                           double *weight_sum, char *err, size_t errlen);
/* Forward and loss only (evaluation; no LoRA dropout). */
int model_forward_loss(model *m, const model_batch *batch, double *loss,
                       double *weight_sum, char *err, size_t errlen);
/* Full logits [B*T][n_vocab] (small batches: tests, scoring). */
int model_forward_logits(model *m, const model_batch *batch, float *logits,
                         char *err, size_t errlen);

model_memory model_get_memory(const model *m);

/* Sizes a training setup would allocate, from the same inventory, training
 * modes and activation layout the allocators use, without a model: what
 * the run estimate (lathe config --estimate) reports. */
typedef struct {
    size_t params;          /* elements of every base tensor */
    size_t trainable;       /* elements the optimizer updates (base tensors and LoRA) */
    size_t lora;            /* LoRA A and B elements */
    size_t linear_params;   /* elements of the matrices a frozen base may quantize */
} model_sizes;

/* The counts for config C trained as S. -1 with err for a bad config or spec. */
int model_plan_sizes(const model_config *c, const model_train_spec *s, model_sizes *out,
                     char *err, size_t errlen);
/* A batch as the activation arena sees it. */
typedef struct {
    int B, T;               /* rows of T tokens */
    int scored;             /* targets scored (the loss computes logits for these rows only) */
    bool ckpt;              /* activation checkpointing */
    bool quantized;         /* the frozen linear weights are quantized */
    bool quantized_head;    /* the output head is among them */
} model_act_shape;

typedef struct {
    size_t bytes;           /* the arena as allocated (model_memory.activations) */
    size_t written;         /* of them, the bytes a training step writes, i.e. what becomes
                               resident: the rest (logits of unscored rows, the LoRA dropout
                               area without dropout, tiles without quantized weights) stays
                               untouched */
    size_t loss;            /* of the arena, the chunked logits and loss buffers */
    size_t loss_written;
} model_act_size;

/* The activation arena (block activations, residual stream, backward
 * buffers, scratch) for config C trained as S on batches of shape A. */
model_act_size model_activation_size(const model_config *c, const model_train_spec *s,
                                     const model_act_shape *a);

#endif
