/* model_config.h - the hyperparameters of a Llama-family decoder, as read from
 * GGUF metadata (llama, qwen2) or a Hugging Face config.json, and as used by the
 * engine to size and run the model. */
#ifndef LATHE_MODEL_CONFIG_H
#define LATHE_MODEL_CONFIG_H

#include <stdbool.h>

/* The widest dimension (hidden, heads x head_dim, ffn, vocabulary) the
 * engine takes: sizes are ints, and the largest real models stay far below. */
enum { MODEL_MAX_WIDTH = 1 << 24 };

typedef enum {
    ROPE_NORMAL = 0,   /* adjacent pairs (x0,x1),(x2,x3)...: llama.cpp's llama layout */
    ROPE_NEOX,         /* split halves (x_i, x_{i+d/2}): HF rotate_half, qwen2 */
} rope_style;

typedef struct {
    char arch[32];          /* "llama", "qwen2", ... */
    int n_vocab;
    int dim;                /* hidden size */
    int n_layers;
    int n_heads;
    int n_kv_heads;         /* divides n_heads (grouped-query attention) */
    int head_dim;           /* usually dim / n_heads */
    int ffn_dim;            /* SwiGLU intermediate size */
    int context_len;        /* trained context length (informational) */
    float rope_base;        /* theta, e.g. 10000 */
    int rope_dim;           /* rotary dimensions per head (<= head_dim) */
    rope_style rope;
    float norm_eps;         /* RMSNorm epsilon */
    bool tied_embeddings;   /* output head shares token_embd */
    bool qkv_bias;          /* q/k/v projections carry biases (qwen2) */
} model_config;

#endif
