/* model_save.c - writing an engine model as GGUF (architecture keys with the
 * types llama.cpp's loader insists on, source metadata or the tokenizer of a
 * Hugging Face directory carried over) or as a
 * Hugging Face safetensors file plus config.json. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "gguf_write.h"
#include "hf_model.h"
#include "model_load.h"
#include "quant.h"
#include "tok.h"

/* llama.cpp's general.file_type for the matrix type written (the K-quants
 * as their _S mixes, the closest it names). */
static uint32_t file_type_of(int type)
{
    static const struct { int type; uint32_t ftype; } map[] = {
        {GGML_TYPE_F16, 1}, {GGML_TYPE_Q4_0, 2}, {GGML_TYPE_Q8_0, 7}, {GGML_TYPE_Q4_K, 14},
        {MODEL_SAVE_Q4_K_M, 15}, {GGML_TYPE_Q5_K, 16}, {GGML_TYPE_Q6_K, 18},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].type == type)
            return map[i].ftype;
    return 0;
}

static void set_arch_u32(gguf_writer *w, const char *arch, const char *key, int v)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    gguf_writer_set_u32(w, k, (uint32_t)v);
}

static void set_arch_f32(gguf_writer *w, const char *arch, const char *key, float v)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    gguf_writer_set_f32(w, k, v);
}

static void set_config_keys(gguf_writer *w, const model_config *c, int type)
{
    const char *a = c->arch;
    gguf_writer_set_str(w, "general.architecture", a, strlen(a));
    gguf_writer_set_u32(w, "general.file_type", file_type_of(type));
    set_arch_u32(w, a, "vocab_size", c->n_vocab);
    set_arch_u32(w, a, "context_length", c->context_len);
    set_arch_u32(w, a, "embedding_length", c->dim);
    set_arch_u32(w, a, "block_count", c->n_layers);
    set_arch_u32(w, a, "feed_forward_length", c->ffn_dim);
    set_arch_u32(w, a, "attention.head_count", c->n_heads);
    set_arch_u32(w, a, "attention.head_count_kv", c->n_kv_heads);
    set_arch_f32(w, a, "attention.layer_norm_rms_epsilon", c->norm_eps);
    set_arch_f32(w, a, "rope.freq_base", c->rope_base);
    set_arch_u32(w, a, "rope.dimension_count", c->rope_dim);
    if (c->head_dim * c->n_heads != c->dim) {
        set_arch_u32(w, a, "attention.key_length", c->head_dim);
        set_arch_u32(w, a, "attention.value_length", c->head_dim);
    }
}

/* Q4_K_M: attn_v and ffn_down get more bits in the layers llama.cpp's
 * use_more_bits picks; the head always. */
static int q4_k_m_type(const char *name, int n_layers)
{
    int l = -1;
    if (!strcmp(name, "output.weight"))
        return GGML_TYPE_Q6_K;
    if (sscanf(name, "blk.%d.", &l) != 1 || (!strstr(name, "attn_v.") && !strstr(name, "ffn_down.")))
        return GGML_TYPE_Q4_K;
    bool more = l < n_layers / 8 || l >= 7 * n_layers / 8 || (l - n_layers / 8) % 3 == 2;
    return more ? GGML_TYPE_Q6_K : GGML_TYPE_Q4_K;
}

static int tensor_type(const model_tensor_info *e, int type, int n_layers)
{
    if (e->n_dims == 1 || type == GGML_TYPE_F32)
        return GGML_TYPE_F32;
    if (type == MODEL_SAVE_Q4_K_M)
        type = q4_k_m_type(e->name, n_layers);
    if (e->ne[0] % QUANT_QK_K && (type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K ||
                                  type == GGML_TYPE_Q6_K))
        type = type == GGML_TYPE_Q4_K ? GGML_TYPE_Q5_0 : type == GGML_TYPE_Q5_K ? GGML_TYPE_Q5_1
                                                                                : GGML_TYPE_Q8_0;
    if (type != GGML_TYPE_F16 && e->ne[0] % QUANT_QK)
        return GGML_TYPE_F16;
    return type;
}

static int add_tensors(gguf_writer *w, model *m, int type, char *err, size_t errlen)
{
    const model_config *c = model_get_config(m);
    model_tensor_info *tab = calloc((size_t)model_tensor_count(c), sizeof *tab);
    if (!tab) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = model_tensor_table(c, tab), rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        const float *data = model_weight(m, tab[i].name, NULL);
        if (!data) {
            snprintf(err, errlen, "%s is held quantized; load the model in fp32 to save it",
                     tab[i].name);
            rc = -1;
        } else {
            /* ggml_n_dims: trailing 1s are not stored */
            uint32_t nd = tab[i].n_dims == 2 && tab[i].ne[1] == 1 ? 1u : (uint32_t)tab[i].n_dims;
            gguf_writer_add_tensor(w, tab[i].name, tensor_type(&tab[i], type, c->n_layers), nd,
                                   tab[i].ne, data, GGML_TYPE_F32);
        }
    }
    free(tab);
    return rc;
}

static bool gguf_type_ok(int type, const char *path, char *err, size_t errlen)
{
    if (type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_Q8_0 ||
        type == GGML_TYPE_Q4_0 || type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K ||
        type == GGML_TYPE_Q6_K || type == MODEL_SAVE_Q4_K_M)
        return true;
    snprintf(err, errlen, "%s: type %s cannot be written (f32, f16, q8_0, q4_0, q4_k, q5_k, "
             "q6_k, q4_k_m)", path, ggml_type_name(type));
    return false;
}

/* Adds the architecture keys and tensors of M to W and writes it; frees W. */
static int write_model(gguf_writer *w, model *m, const char *path, int type, char *err,
                       size_t errlen)
{
    set_config_keys(w, model_get_config(m), type);
    char why[512];
    int rc = add_tensors(w, m, type, why, sizeof why);
    if (rc)
        snprintf(err, errlen, "%s: %s", path, why);
    else
        rc = gguf_writer_write(w, path, err, errlen);
    gguf_writer_free(w);
    return rc;
}

int model_save_gguf(model *m, const gguf_file *meta, const char *path, int type, char *err,
                    size_t errlen)
{
    if (!gguf_type_ok(type, path, err, errlen))
        return -1;
    gguf_writer *w = gguf_writer_new(0);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; meta && i < gguf_n_kv(meta); i++) {
        const gguf_kv *kv = gguf_kv_at(meta, i);
        if (strcmp(kv->key, "general.alignment"))
            gguf_writer_copy_kv(w, kv);
    }
    return write_model(w, m, path, type, err, errlen);
}

int model_save_gguf_hf(model *m, const char *hf_dir, const char *path, int type,
                       bool *has_vocab, char *err, size_t errlen)
{
    char tj[4096], why[512];
    snprintf(tj, sizeof tj, "%s/tokenizer.json", hf_dir);
    bool vocab = access(tj, F_OK) == 0;
    if (has_vocab)
        *has_vocab = vocab;
    if (!gguf_type_ok(type, path, err, errlen))
        return -1;
    char *tmpl = NULL;
    tok_vocab *v = vocab ? tok_vocab_load_hf(hf_dir, &tmpl, err, errlen) : NULL;
    if (vocab && !v)
        return -1;
    gguf_writer *w = gguf_writer_new(0);
    int rc = w ? 0 : -1;
    if (!w)
        snprintf(err, errlen, "out of memory");
    const char *arch = model_get_config(m)->arch;
    if (w && v) {
        gguf_writer_set_str(w, "general.architecture", arch, strlen(arch));
        rc = tok_vocab_to_gguf(v, tmpl, (size_t)model_get_config(m)->n_vocab, w, why, sizeof why);
        if (rc)
            snprintf(err, errlen, "%s: %s", tj, why);
    }
    tok_vocab_free(v);
    free(tmpl);
    if (rc) {
        gguf_writer_free(w);
        return -1;
    }
    return write_model(w, m, path, type, err, errlen);
}

/* ------------------------------------------------------------ safetensors */

static json_t *config_json(const model_config *c, st_dtype dtype)
{
    bool qwen2 = !strcmp(c->arch, "qwen2");
    json_t *j = json_object();
    json_object_set_new(j, "architectures",
                        json_pack("[s]", qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"));
    json_object_set_new(j, "model_type", json_string(c->arch));
    json_object_set_new(j, "hidden_size", json_integer(c->dim));
    json_object_set_new(j, "intermediate_size", json_integer(c->ffn_dim));
    json_object_set_new(j, "num_hidden_layers", json_integer(c->n_layers));
    json_object_set_new(j, "num_attention_heads", json_integer(c->n_heads));
    json_object_set_new(j, "num_key_value_heads", json_integer(c->n_kv_heads));
    json_object_set_new(j, "head_dim", json_integer(c->head_dim));
    json_object_set_new(j, "vocab_size", json_integer(c->n_vocab));
    json_object_set_new(j, "max_position_embeddings", json_integer(c->context_len));
    json_object_set_new(j, "rms_norm_eps", json_real(c->norm_eps));
    json_object_set_new(j, "rope_theta", json_real(c->rope_base));
    json_object_set_new(j, "tie_word_embeddings", json_boolean(c->tied_embeddings));
    json_object_set_new(j, "attention_bias", json_boolean(c->qkv_bias));
    json_object_set_new(j, "hidden_act", json_string("silu"));
    json_object_set_new(j, "torch_dtype", json_string(dtype == ST_F16 ? "float16" :
                                                      dtype == ST_BF16 ? "bfloat16" : "float32"));
    return j;
}

static int write_config(const model_config *c, st_dtype dtype, const char *path, char *err,
                        size_t errlen)
{
    json_t *j = config_json(c, dtype);
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = atomic_file_write_text(path, text, err, errlen);
    free(text);
    return rc;
}

/* The HF form of one tensor: q/k rows back in HF order for a NORMAL-rope
 * model (into a buffer appended to *KEEP, freed by the caller). */
static const float *hf_data(const model_config *c, const model_tensor_info *e, const float *w,
                            float ***keep, int *n_keep)
{
    int heads = hf_qk_permute_heads(c, e->name);
    if (!heads)
        return w;
    float *t = malloc((size_t)(e->ne[0] * e->ne[1]) * sizeof *t);
    if (!t)
        return NULL;
    (*keep)[(*n_keep)++] = t;
    size_t row = (size_t)(e->ne[0] * e->ne[1] / ((int64_t)heads * c->head_dim)) * sizeof *t;
    hf_permute_qk_rows(w, t, heads, c->head_dim, row, false);
    return t;
}

static int add_st_tensors(st_writer *w, model *m, st_dtype dtype, float **keep, char *err,
                          size_t errlen)
{
    const model_config *c = model_get_config(m);
    int n_keep = 0, n = model_tensor_count(c), rc = 0;
    model_tensor_info *tab = calloc((size_t)n, sizeof *tab);
    if (!tab) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    model_tensor_table(c, tab);
    for (int i = 0; i < n && !rc; i++) {
        char hf[128];
        const float *w32 = model_weight(m, tab[i].name, NULL);
        const float *data = w32 ? hf_data(c, &tab[i], w32, &keep, &n_keep) : NULL;
        int64_t shape[2] = {tab[i].n_dims == 1 ? tab[i].ne[0] : tab[i].ne[1], tab[i].ne[0]};
        if (!data || !hf_name_from_gguf(tab[i].name, hf, sizeof hf)) {
            snprintf(err, errlen, "%s: %s", tab[i].name,
                     w32 ? "out of memory" : "held quantized; load the model in fp32 to save it");
            rc = -1;
        } else {
            st_writer_add(w, hf, dtype, tab[i].n_dims, shape, data, ST_F32);
        }
    }
    free(tab);
    return rc;
}

int model_save_safetensors(model *m, const char *path, st_dtype dtype, const char *config_path,
                           char *err, size_t errlen)
{
    const model_config *c = model_get_config(m);
    if (dtype != ST_F32 && dtype != ST_F16 && dtype != ST_BF16) {
        snprintf(err, errlen, "%s: dtype %s cannot be written (F32, F16, BF16)", path,
                 st_dtype_name(dtype));
        return -1;
    }
    st_writer *w = st_writer_new();
    float **keep = calloc((size_t)c->n_layers * 4 + 1, sizeof *keep);
    char why[512];
    int rc = -1;
    if (!w || !keep)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (st_writer_set_metadata(w, "format", "pt"), add_st_tensors(w, m, dtype, keep, why,
                                                                         sizeof why))
        snprintf(err, errlen, "%s: %s", path, why);
    else
        rc = st_writer_write(w, path, err, errlen);
    if (!rc && config_path)
        rc = write_config(c, dtype, config_path, err, errlen);
    for (int i = 0; keep && keep[i]; i++)
        free(keep[i]);
    free(keep);
    st_writer_free(w);
    return rc;
}
