/* model_load.c - the base tensor table and loading GGUF files and Hugging Face
 * directories into an engine model.
 *
 * Every tensor the config implies is looked up and its shape and type
 * checked before the model is allocated: the config comes from the file's
 * header, and a header that declares more than the file holds (100000 layers,
 * or a width of 2^20, in an 11 MB file) must be refused at once, not after
 * allocating and initialising everything it declares. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_read.h"
#include "hf_model.h"
#include "model_load.h"
#include "quant.h"

/* Tensors per layer: 2 norms and 7 matrices, plus 3 biases with qkv_bias. */
enum { LAYER_TENSORS = 9, LAYER_BIASES = 3 };

int model_tensor_count(const model_config *c)
{
    return 2 + c->n_layers * (LAYER_TENSORS + (c->qkv_bias ? LAYER_BIASES : 0))
         + (c->tied_embeddings ? 0 : 1);
}

static void put(model_tensor_info *t, int *i, const char *name, int64_t ne0, int64_t ne1)
{
    model_tensor_info *e = &t[(*i)++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->n_dims = ne1 ? 2 : 1;
    e->ne[0] = ne0;
    e->ne[1] = ne1 ? ne1 : 1;
}

static void put_layer(model_tensor_info *t, int *i, int l, const char *what, int64_t ne0,
                      int64_t ne1)
{
    char name[64];
    snprintf(name, sizeof name, "blk.%d.%s", l, what);
    put(t, i, name, ne0, ne1);
}

int model_tensor_table(const model_config *c, model_tensor_info *t)
{
    int i = 0;
    int64_t D = c->dim, F = c->ffn_dim, V = c->n_vocab;
    int64_t Q = (int64_t)c->n_heads * c->head_dim, KV = (int64_t)c->n_kv_heads * c->head_dim;
    put(t, &i, "token_embd.weight", D, V);
    for (int l = 0; l < c->n_layers; l++) {
        put_layer(t, &i, l, "attn_norm.weight", D, 0);
        put_layer(t, &i, l, "attn_q.weight", D, Q);
        put_layer(t, &i, l, "attn_k.weight", D, KV);
        put_layer(t, &i, l, "attn_v.weight", D, KV);
        if (c->qkv_bias) {
            put_layer(t, &i, l, "attn_q.bias", Q, 0);
            put_layer(t, &i, l, "attn_k.bias", KV, 0);
            put_layer(t, &i, l, "attn_v.bias", KV, 0);
        }
        put_layer(t, &i, l, "attn_output.weight", Q, D);
        put_layer(t, &i, l, "ffn_norm.weight", D, 0);
        put_layer(t, &i, l, "ffn_gate.weight", D, F);
        put_layer(t, &i, l, "ffn_up.weight", D, F);
        put_layer(t, &i, l, "ffn_down.weight", F, D);
    }
    put(t, &i, "output_norm.weight", D, 0);
    if (!c->tied_embeddings)
        put(t, &i, "output.weight", D, V);
    return i;
}

bool model_tensor_is_linear(const char *name)
{
    size_t n = strlen(name);
    return n > 7 && !strcmp(name + n - 7, ".weight") && !strstr(name, "_norm.") &&
           strcmp(name, "token_embd.weight");
}

/* The table of CFG, once the file's HAVE tensors can be enough for its
 * layers (so the table's size is bounded by the file, and its count cannot
 * overflow). */
static model_tensor_info *table_of(const model_config *cfg, size_t have, int *n, char *err,
                                   size_t errlen)
{
    if ((uint64_t)cfg->n_layers * LAYER_TENSORS > have) {
        snprintf(err, errlen, "the header declares %d layers (at least %llu tensors) but the "
                 "file holds %zu tensors", cfg->n_layers,
                 (unsigned long long)cfg->n_layers * LAYER_TENSORS, have);
        return NULL;
    }
    model_tensor_info *t = calloc((size_t)model_tensor_count(cfg), sizeof *t);
    if (!t)
        snprintf(err, errlen, "out of memory");
    else
        *n = model_tensor_table(cfg, t);
    return t;
}

static int check_gguf_tensor(const gguf_tensor *t, const model_tensor_info *e, char *err,
                             size_t errlen)
{
    if (!t) {
        snprintf(err, errlen, "tensor %s is missing", e->name);
        return -1;
    }
    if (t->ne[0] != e->ne[0] || t->ne[1] != e->ne[1] || t->ne[2] != 1 || t->ne[3] != 1) {
        snprintf(err, errlen, "tensor %s: shape [%lld, %lld, %lld, %lld], expected [%lld, %lld] "
                 "from the header", e->name, (long long)t->ne[0], (long long)t->ne[1],
                 (long long)t->ne[2], (long long)t->ne[3], (long long)e->ne[0],
                 (long long)e->ne[1]);
        return -1;
    }
    if (!quant_can_dequantize(t->type)) {
        snprintf(err, errlen, "tensor %s: type %s is not supported (lathe reads F32, F16, BF16, "
                 "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS)",
                 e->name, ggml_type_name(t->type));
        return -1;
    }
    return 0;
}

static int load_gguf_tensor(model *m, const gguf_tensor *t, const model_tensor_info *e,
                            bool quantized_base, char *err, size_t errlen)
{
    if (quantized_base && t->type != GGML_TYPE_F32 && model_tensor_is_linear(e->name))
        return model_set_quantized(m, e->name, t->type, t->data, err, errlen);
    size_t n;
    float *dst = model_weight(m, e->name, &n);
    if (!dst || quant_dequantize_row(t->type, t->data, dst, (int64_t)n)) {
        snprintf(err, errlen, "tensor %s: cannot convert %s data", e->name,
                 ggml_type_name(t->type));
        return -1;
    }
    /* A tied head reads the file's blocks, as an untied quantized one does. */
    if (quantized_base && t->type != GGML_TYPE_F32 && model_get_config(m)->tied_embeddings &&
        !strcmp(e->name, "token_embd.weight"))
        return model_set_quantized(m, e->name, t->type, t->data, err, errlen);
    return 0;
}

static int load_gguf(model_file *mf, const char *path, bool quantized_base, char *err,
                     size_t errlen)
{
    char why[512];
    model_config cfg;
    mf->src = MODEL_SRC_GGUF;
    mf->gguf = gguf_open(path, err, errlen);
    if (!mf->gguf)
        return -1;
    if (gguf_model_config(mf->gguf, &cfg, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    if (gguf_find_tensor(mf->gguf, "rope_freqs.weight")) {
        snprintf(err, errlen, "%s: rope_freqs.weight (llama3-style rope scaling) is not "
                 "supported", path);
        return -1;
    }
    int n = 0, rc = 0;
    model_tensor_info *tab = table_of(&cfg, gguf_n_tensors(mf->gguf), &n, why, sizeof why);
    for (int i = 0; i < n && !rc; i++)
        rc = check_gguf_tensor(gguf_find_tensor(mf->gguf, tab[i].name), &tab[i], why, sizeof why);
    if (tab && !rc && !(mf->m = model_create_blank(&cfg, why, sizeof why)))
        rc = -1;
    for (int i = 0; i < n && !rc; i++)
        rc = load_gguf_tensor(mf->m, gguf_find_tensor(mf->gguf, tab[i].name), &tab[i],
                              quantized_base, why, sizeof why);
    if (!tab || rc)
        snprintf(err, errlen, "%s: %s", path, why);
    free(tab);
    return tab && !rc ? 0 : -1;
}

static int check_hf_tensor(const st_model *st, const model_tensor_info *e, char *err,
                           size_t errlen)
{
    char hf[128];
    const st_tensor *t = hf_name_from_gguf(e->name, hf, sizeof hf) ? st_model_find(st, hf) : NULL;
    if (!t) {
        snprintf(err, errlen, "tensor %s is missing", hf);
        return -1;
    }
    bool ok = e->n_dims == 1 ? t->n_dims == 1 && t->shape[0] == e->ne[0]
                             : t->n_dims == 2 && t->shape[0] == e->ne[1] && t->shape[1] == e->ne[0];
    if (!ok) {
        snprintf(err, errlen, "tensor %s: shape does not match config.json (expected %lld x %lld)",
                 hf, (long long)e->ne[1], (long long)e->ne[0]);
        return -1;
    }
    return 0;
}

static int load_hf(model_file *mf, const char *dir, char *err, size_t errlen)
{
    char why[512];
    model_config cfg;
    mf->src = MODEL_SRC_HF;
    if (hf_config_load(dir, &cfg, err, errlen))
        return -1;
    st_model *st = st_model_open(dir, err, errlen);
    if (!st)
        return -1;
    if (!cfg.tied_embeddings && !st_model_find(st, "lm_head.weight"))
        cfg.tied_embeddings = true;   /* some checkpoints omit both the flag and the head */
    int n = 0, rc = 0;
    model_tensor_info *tab = table_of(&cfg, st_model_n_tensors(st), &n, why, sizeof why);
    for (int i = 0; i < n && !rc; i++)
        rc = check_hf_tensor(st, &tab[i], why, sizeof why);
    if (tab && !rc && !(mf->m = model_create_blank(&cfg, why, sizeof why)))
        rc = -1;
    for (int i = 0; i < n && !rc; i++)
        rc = hf_read_tensor_f32(st, &cfg, tab[i].name, model_weight(mf->m, tab[i].name, NULL),
                                why, sizeof why);
    if (!tab || rc)
        snprintf(err, errlen, "%s: %s", dir, why);
    free(tab);
    st_model_close(st);
    return tab && !rc ? 0 : -1;
}

int model_file_load(model_file *mf, const char *path, bool quantized_base, char *err,
                    size_t errlen)
{
    struct stat sb;
    memset(mf, 0, sizeof *mf);
    if (stat(path, &sb)) {
        snprintf(err, errlen, "%s: no such file or directory", path);
        return -1;
    }
    int rc = S_ISDIR(sb.st_mode) ? load_hf(mf, path, err, errlen)
                                 : load_gguf(mf, path, quantized_base, err, errlen);
    if (rc)
        model_file_close(mf);
    return rc;
}

int model_file_config(const char *path, model_config *cfg, char *err, size_t errlen)
{
    struct stat sb;
    char why[512];
    if (stat(path, &sb)) {
        snprintf(err, errlen, "%s: no such file or directory", path);
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        gguf_file *g = gguf_open(path, err, errlen);
        int rc = g ? gguf_model_config(g, cfg, why, sizeof why) : -1;
        if (g && rc)
            snprintf(err, errlen, "%s: %s", path, why);
        gguf_close(g);
        return rc;
    }
    if (hf_config_load(path, cfg, err, errlen))
        return -1;
    st_model *st = st_model_open(path, err, errlen);
    if (!st)
        return -1;
    st_model_close(st);
    char tok[4096];
    snprintf(tok, sizeof tok, "%s/tokenizer.json", path);
    if (stat(tok, &sb) == 0 && file_read_check(tok, why, sizeof why)) {
        snprintf(err, errlen, "%s: cannot open: %s", tok, why);
        return -1;
    }
    return 0;
}

void model_file_close(model_file *mf)
{
    model_free(mf->m);
    gguf_close(mf->gguf);
    memset(mf, 0, sizeof *mf);
}
