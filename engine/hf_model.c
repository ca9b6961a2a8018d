/* hf_model.c - HF config.json, HF <-> GGUF tensor names, q/k permutation. */
#include "config.h"

#include "hf_model.h"
#include "json_file.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ names */

typedef struct { const char *hf, *gguf; } name_pair;

static const name_pair global_names[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
};

static const name_pair layer_names[] = {
    {"input_layernorm.weight", "attn_norm.weight"},
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.q_proj.bias", "attn_q.bias"},
    {"self_attn.k_proj.weight", "attn_k.weight"},
    {"self_attn.k_proj.bias", "attn_k.bias"},
    {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.v_proj.bias", "attn_v.bias"},
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
};

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

/* Parses PREFIX N "." REST with N a plain decimal layer number. */
static bool split_layer(const char *name, const char *prefix, long *layer, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) || name[n] < '0' || name[n] > '9' ||
        (name[n] == '0' && name[n + 1] != '.'))
        return false;
    char *end;
    *layer = strtol(name + n, &end, 10);
    if (*end != '.' || *layer > 1000000)
        return false;
    *rest = end + 1;
    return true;
}

static bool map_name(const char *in, char *out, size_t outlen, bool to_gguf)
{
    for (size_t i = 0; i < N_OF(global_names); i++) {
        const name_pair *p = &global_names[i];
        if (!strcmp(in, to_gguf ? p->hf : p->gguf)) {
            int n = snprintf(out, outlen, "%s", to_gguf ? p->gguf : p->hf);
            return n >= 0 && (size_t)n < outlen;
        }
    }
    long layer;
    const char *rest;
    if (!split_layer(in, to_gguf ? "model.layers." : "blk.", &layer, &rest))
        return false;
    for (size_t i = 0; i < N_OF(layer_names); i++) {
        const name_pair *p = &layer_names[i];
        if (!strcmp(rest, to_gguf ? p->hf : p->gguf)) {
            int n = snprintf(out, outlen, to_gguf ? "blk.%ld.%s" : "model.layers.%ld.%s",
                             layer, to_gguf ? p->gguf : p->hf);
            return n >= 0 && (size_t)n < outlen;
        }
    }
    return false;
}

bool hf_name_to_gguf(const char *hf, char *out, size_t outlen)
{
    return map_name(hf, out, outlen, true);
}

bool hf_name_from_gguf(const char *gguf, char *out, size_t outlen)
{
    return map_name(gguf, out, outlen, false);
}

/* ------------------------------------------------------------ permutation */

int hf_qk_permute_heads(const model_config *cfg, const char *gguf_name)
{
    long layer;
    const char *rest;
    if (cfg->rope != ROPE_NORMAL || !split_layer(gguf_name, "blk.", &layer, &rest))
        return 0;
    if (!strcmp(rest, "attn_q.weight") || !strcmp(rest, "attn_q.bias"))
        return cfg->n_heads;
    if (!strcmp(rest, "attn_k.weight") || !strcmp(rest, "attn_k.bias"))
        return cfg->n_kv_heads;
    return 0;
}

int hf_permute_qk_rows(const void *src, void *dst, int n_head, int head_dim, size_t row_bytes,
                       bool to_gguf)
{
    if (head_dim <= 0 || head_dim % 2 || n_head <= 0)
        return -1;
    const uint8_t *s = src;
    uint8_t *d = dst;
    int half = head_dim / 2;
    for (int h = 0; h < n_head; h++) {
        for (int p = 0; p < half; p++) {
            for (int j = 0; j < 2; j++) {
                size_t g = (size_t)h * head_dim + 2 * p + j;
                size_t f = (size_t)h * head_dim + j * half + p;
                size_t to = to_gguf ? g : f, from = to_gguf ? f : g;
                memcpy(d + to * row_bytes, s + from * row_bytes, row_bytes);
            }
        }
    }
    return 0;
}

int hf_read_tensor_f32(const st_model *m, const model_config *cfg, const char *gguf_name,
                       float *out, char *err, size_t errlen)
{
    char hf[256];
    const st_tensor *t = hf_name_from_gguf(gguf_name, hf, sizeof hf) ? st_model_find(m, hf) : NULL;
    if (!t) {
        snprintf(err, errlen, "%s: no such tensor in the checkpoint", gguf_name);
        return -1;
    }
    int heads = hf_qk_permute_heads(cfg, gguf_name);
    if (heads && t->n_elems % ((int64_t)heads * cfg->head_dim)) {
        snprintf(err, errlen, "%s: %lld elements do not split into %d heads of %d rows",
                 hf, (long long)t->n_elems, heads, cfg->head_dim);
        return -1;
    }
    float *tmp = heads ? malloc((size_t)t->n_elems * sizeof *tmp) : out;
    if (!tmp || st_to_f32(t, tmp) != 0) {
        snprintf(err, errlen, "%s: %s", hf, tmp ? "dtype is not F32, F16 or BF16" : "out of memory");
        if (tmp != out)
            free(tmp);
        return -1;
    }
    int rc = 0;
    if (heads) {
        size_t row = (size_t)(t->n_elems / ((int64_t)heads * cfg->head_dim)) * sizeof *out;
        rc = hf_permute_qk_rows(tmp, out, heads, cfg->head_dim, row, true);
        if (rc)
            snprintf(err, errlen, "%s: head_dim %d is odd", hf, cfg->head_dim);
        free(tmp);
    }
    return rc;
}

/* ------------------------------------------------------------ config.json */

typedef struct {
    json_t *root;
    const char *path;
    char *err;
    size_t errlen;
} cfg_ctx;

/* A positive integer; DEF < 0 makes the key required. null counts as absent. */
static bool cfg_int(const cfg_ctx *c, const char *key, int def, int *out)
{
    json_t *v = json_object_get(c->root, key);
    if (!v || json_is_null(v)) {
        if (def < 0)
            snprintf(c->err, c->errlen, "%s: missing required key \"%s\"", c->path, key);
        *out = def;
        return def >= 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > (1 << 30)) {
        snprintf(c->err, c->errlen, "%s: \"%s\" must be a positive integer", c->path, key);
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

static bool cfg_float(const cfg_ctx *c, const char *key, double def, float *out)
{
    json_t *v = json_object_get(c->root, key);
    if (!v || json_is_null(v)) {
        *out = (float)def;
        return true;
    }
    if (!json_is_number(v) || !(json_number_value(v) > 0)) {
        snprintf(c->err, c->errlen, "%s: \"%s\" must be a positive number", c->path, key);
        return false;
    }
    *out = (float)json_number_value(v);
    return true;
}

static bool cfg_bool(const cfg_ctx *c, const char *key, bool def)
{
    json_t *v = json_object_get(c->root, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

/* "a number", "an object", ... for messages about a value of the wrong type. */
static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static bool cfg_arch(const cfg_ctx *c, model_config *cfg)
{
    json_t *v = json_object_get(c->root, "model_type");
    const char *type = json_string_value(v);
    if (!type) {
        if (v)
            snprintf(c->err, c->errlen, "%s: \"model_type\" must be a string (\"llama\", "
                     "\"mistral\", \"qwen2\"), not %s", c->path, json_kind(v));
        else
            snprintf(c->err, c->errlen, "%s: missing \"model_type\"", c->path);
        return false;
    }
    if (!strcmp(type, "llama") || !strcmp(type, "mistral")) {
        strcpy(cfg->arch, "llama");
        cfg->rope = ROPE_NORMAL;
        cfg->qkv_bias = cfg_bool(c, "attention_bias", false);
    } else if (!strcmp(type, "qwen2")) {
        strcpy(cfg->arch, "qwen2");
        cfg->rope = ROPE_NEOX;
        cfg->qkv_bias = true;
    } else {
        snprintf(c->err, c->errlen, "%s: model_type \"%s\" is not supported (llama, mistral, "
                 "qwen2)", c->path, type);
        return false;
    }
    return true;
}

int hf_config_load(const char *dir, model_config *cfg, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    memset(cfg, 0, sizeof *cfg);
    cfg_ctx c = {json_file_load(path, JSON_REJECT_DUPLICATES, err, errlen), path, err, errlen};
    if (!json_is_object(c.root)) {
        if (c.root)
            snprintf(err, errlen, "%s: not a JSON object", path);
        json_decref(c.root);
        return -1;
    }
    bool ok = cfg_arch(&c, cfg) && cfg_int(&c, "hidden_size", -1, &cfg->dim) &&
              cfg_int(&c, "intermediate_size", -1, &cfg->ffn_dim) &&
              cfg_int(&c, "num_hidden_layers", -1, &cfg->n_layers) &&
              cfg_int(&c, "num_attention_heads", -1, &cfg->n_heads) &&
              cfg_int(&c, "num_key_value_heads", cfg->n_heads, &cfg->n_kv_heads) &&
              cfg_int(&c, "head_dim", cfg->dim / cfg->n_heads, &cfg->head_dim) &&
              cfg_int(&c, "vocab_size", -1, &cfg->n_vocab) &&
              cfg_int(&c, "max_position_embeddings", 2048, &cfg->context_len) &&
              cfg_float(&c, "rms_norm_eps", 1e-6, &cfg->norm_eps) &&
              cfg_float(&c, "rope_theta", 10000.0, &cfg->rope_base);
    if (ok && (cfg->head_dim <= 0 || cfg->n_heads % cfg->n_kv_heads || cfg->head_dim % 2)) {
        snprintf(err, errlen, "%s: inconsistent heads (num_attention_heads %d, "
                 "num_key_value_heads %d, head_dim %d)", path, cfg->n_heads, cfg->n_kv_heads,
                 cfg->head_dim);
        ok = false;
    }
    cfg->rope_dim = cfg->head_dim;
    cfg->tied_embeddings = cfg_bool(&c, "tie_word_embeddings", false);
    json_decref(c.root);
    return ok ? 0 : -1;
}
