/* gguf_config.c - model_config from GGUF metadata: the {arch}.* hyperparameter
 * keys llama.cpp writes for llama and qwen2, the vocabulary size from the token
 * list, and the tied/bias flags from the tensor table. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gguf.h"

typedef struct {
    const gguf_file *g;
    const char *arch;
    char *err;
    size_t errlen;
} cfg_ctx;

static void arch_key(const cfg_ctx *c, const char *suffix, char *buf, size_t n)
{
    snprintf(buf, n, "%s.%s", c->arch, suffix);
}

/* A positive integer hyperparameter; DEF < 0 makes the key required. */
static bool get_pos_int(const cfg_ctx *c, const char *suffix, int def, int *out)
{
    char key[128];
    int64_t v;
    arch_key(c, suffix, key, sizeof key);
    const gguf_kv *kv = gguf_find_kv(c->g, key);
    if (!kv) {
        if (def < 0) {
            snprintf(c->err, c->errlen, "missing required key %s", key);
            return false;
        }
        *out = def;
        return true;
    }
    if (!gguf_kv_int(kv, &v) || v <= 0 || v > (1 << 30)) {
        snprintf(c->err, c->errlen, "key %s: expected a positive integer below 2^30", key);
        return false;
    }
    *out = (int)v;
    return true;
}

static bool get_pos_float(const cfg_ctx *c, const char *suffix, double def, float *out)
{
    char key[128];
    double v;
    arch_key(c, suffix, key, sizeof key);
    const gguf_kv *kv = gguf_find_kv(c->g, key);
    if (!kv) {
        if (def < 0) {
            snprintf(c->err, c->errlen, "missing required key %s", key);
            return false;
        }
        *out = (float)def;
        return true;
    }
    if (!gguf_kv_float(kv, &v) || !(v > 0) || v > 1e30) {
        snprintf(c->err, c->errlen, "key %s: expected a positive float", key);
        return false;
    }
    *out = (float)v;
    return true;
}

static bool vocab_size(const cfg_ctx *c, model_config *cfg)
{
    const gguf_kv *tokens = gguf_find_kv(c->g, "tokenizer.ggml.tokens");
    const gguf_tensor *embd = gguf_find_tensor(c->g, "token_embd.weight");
    if (tokens && tokens->type == GGUF_TYPE_ARRAY && tokens->n > 0 && tokens->n < (1u << 30)) {
        cfg->n_vocab = (int)tokens->n;
        return true;
    }
    if (embd && embd->ne[1] > 0 && embd->ne[1] < (1 << 30)) {
        cfg->n_vocab = (int)embd->ne[1];
        return true;
    }
    return get_pos_int(c, "vocab_size", -1, &cfg->n_vocab);
}

static bool check_shape(const cfg_ctx *c, const model_config *cfg)
{
    const char *why = NULL;
    char key[128];
    arch_key(c, "attention.key_length", key, sizeof key);
    if (cfg->head_dim <= 0)
        why = "embedding_length is smaller than attention.head_count";
    else if (cfg->n_heads % cfg->n_kv_heads)
        why = "attention.head_count_kv must divide attention.head_count";
    else if (cfg->rope_dim > cfg->head_dim || cfg->rope_dim % 2)
        why = "rope.dimension_count must be even and at most the head dimension";
    else if (!gguf_find_kv(c->g, key) && cfg->head_dim * cfg->n_heads != cfg->dim)
        why = "embedding_length is not a multiple of attention.head_count";
    if (why)
        snprintf(c->err, c->errlen, "%s: %s", c->arch, why);
    return !why;
}

int gguf_model_config(const gguf_file *g, model_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    if (!gguf_get_strz(g, "general.architecture", cfg->arch, sizeof cfg->arch)) {
        snprintf(err, errlen, "missing or bad general.architecture");
        return -1;
    }
    bool qwen2 = !strcmp(cfg->arch, "qwen2");
    if (!qwen2 && strcmp(cfg->arch, "llama")) {
        snprintf(err, errlen, "architecture '%s' is not supported (llama, qwen2)", cfg->arch);
        return -1;
    }
    cfg_ctx c = {g, cfg->arch, err, errlen};
    if (!get_pos_int(&c, "embedding_length", -1, &cfg->dim) ||
        !get_pos_int(&c, "block_count", -1, &cfg->n_layers) ||
        !get_pos_int(&c, "attention.head_count", -1, &cfg->n_heads) ||
        !get_pos_int(&c, "attention.head_count_kv", cfg->n_heads, &cfg->n_kv_heads) ||
        !get_pos_int(&c, "feed_forward_length", -1, &cfg->ffn_dim) ||
        !get_pos_int(&c, "context_length", -1, &cfg->context_len) ||
        !get_pos_int(&c, "attention.key_length", cfg->dim / cfg->n_heads, &cfg->head_dim) ||
        !get_pos_int(&c, "rope.dimension_count", cfg->head_dim, &cfg->rope_dim) ||
        !get_pos_float(&c, "rope.freq_base", 10000.0, &cfg->rope_base) ||
        !get_pos_float(&c, "attention.layer_norm_rms_epsilon", -1, &cfg->norm_eps) ||
        !vocab_size(&c, cfg) || !check_shape(&c, cfg))
        return -1;
    cfg->rope = qwen2 ? ROPE_NEOX : ROPE_NORMAL;
    cfg->qkv_bias = qwen2;
    cfg->tied_embeddings = gguf_find_tensor(g, "output.weight") == NULL;
    return 0;
}
