/* sample_model.c - the sample's untrained base model (see sample_model.h).
 * The vocabulary GGUF's keys (tokenizer, chat template) are copied over by
 * model_save_gguf, so the model reads its own tokenizer like any other. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gguf.h"
#include "model.h"
#include "model_load.h"
#include "sample_model.h"

/* The number of tokens the vocabulary GGUF lists, or -1. */
static int vocab_size(const gguf_file *g)
{
    const gguf_kv *kv = gguf_find_kv(g, "tokenizer.ggml.tokens");
    return kv && kv->type == GGUF_TYPE_ARRAY && kv->n < (1u << 30) ? (int)kv->n : -1;
}

static model_config config_of(const sample_model_shape *s, int n_vocab)
{
    model_config c = {
        .n_vocab = n_vocab,
        .dim = s->dim,
        .n_layers = s->n_layers,
        .n_heads = s->n_heads,
        .n_kv_heads = s->n_heads,
        .head_dim = s->dim / s->n_heads,
        .ffn_dim = s->ffn_dim,
        .context_len = s->context_len,
        .rope_base = 10000.0f,
        .rope_dim = s->dim / s->n_heads,
        .rope = ROPE_NORMAL,
        .norm_eps = 1e-5f,
        .tied_embeddings = true,
    };
    snprintf(c.arch, sizeof c.arch, "llama");
    return c;
}

int sample_model_write(const sample_model_shape *shape, uint64_t seed, const char *vocab_path,
                       const char *out_path, char *err, size_t errlen)
{
    if (shape->n_heads <= 0 || shape->dim % shape->n_heads) {
        snprintf(err, errlen, "dim %d is not a multiple of the head count %d", shape->dim,
                 shape->n_heads);
        return -1;
    }
    gguf_file *g = gguf_open(vocab_path, err, errlen);
    if (!g)
        return -1;
    int n_vocab = vocab_size(g);
    if (n_vocab <= 0) {
        snprintf(err, errlen, "%s: no tokenizer.ggml.tokens array", vocab_path);
        gguf_close(g);
        return -1;
    }
    model_config c = config_of(shape, n_vocab);
    model *m = model_create(&c, seed, err, errlen);
    int rc = m ? model_save_gguf(m, g, out_path, GGML_TYPE_F32, err, errlen) : -1;
    model_free(m);
    gguf_close(g);
    return rc;
}

int sample_model_store_f16(const char *in_path, const char *out_path, char *err, size_t errlen)
{
    model_file mf;
    if (model_file_load(&mf, in_path, false, err, errlen) != 0)
        return -1;
    int rc = model_save_gguf(mf.m, mf.gguf, out_path, GGML_TYPE_F16, err, errlen);
    model_file_close(&mf);
    return rc;
}
