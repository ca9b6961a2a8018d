/* train_fixture_model.c - the tiny model of the training tests (see
 * train_fixture_model.h). */
#include "train_fixture_model.h"

#include "gguf.h"
#include "model_load.h"
#include "tok.h"

int train_fixture_write(const char *vocab_gguf, const char *out, char *err, size_t errlen)
{
    gguf_file *meta = gguf_open(vocab_gguf, err, errlen);
    tok_vocab *v = meta ? tok_vocab_from_gguf(meta, NULL, err, errlen) : NULL;
    model *m = NULL;
    int rc = -1;
    if (v) {
        model_config c = {.arch = "llama", .n_vocab = (int)tok_vocab_size(v), .dim = 32,
                          .n_layers = 2, .n_heads = 4, .n_kv_heads = 2, .head_dim = 8,
                          .ffn_dim = 64, .context_len = 256, .rope_base = 10000.0f,
                          .rope_dim = 8, .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
        m = model_create(&c, 7, err, errlen);
    }
    if (m)
        rc = model_save_gguf(m, meta, out, GGML_TYPE_F32, err, errlen);
    model_free(m);
    tok_vocab_free(v);
    gguf_close(meta);
    return rc;
}
