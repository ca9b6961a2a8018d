/* train_fixture.c - writes the base model tests/cli/test_train.sh trains: a
 * tiny random llama (2 layers, dim 32) whose tokenizer and chat template are
 * those of a vocabulary GGUF (samples/data/vocab.gguf).
 * usage: train_fixture VOCAB.gguf OUT.gguf */
#include <stdio.h>

#include "gguf.h"
#include "model_load.h"
#include "tok.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: train_fixture VOCAB.gguf OUT.gguf\n");
        return 2;
    }
    char err[512] = "";
    gguf_file *meta = gguf_open(argv[1], err, sizeof err);
    tok_vocab *v = meta ? tok_vocab_from_gguf(meta, NULL, err, sizeof err) : NULL;
    model *m = NULL;
    int rc = -1;
    if (v) {
        model_config c = {.arch = "llama", .n_vocab = (int)tok_vocab_size(v), .dim = 32,
                          .n_layers = 2, .n_heads = 4, .n_kv_heads = 2, .head_dim = 8,
                          .ffn_dim = 64, .context_len = 256, .rope_base = 10000.0f,
                          .rope_dim = 8, .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
        m = model_create(&c, 7, err, sizeof err);
    }
    if (m)
        rc = model_save_gguf(m, meta, argv[2], GGML_TYPE_F32, err, sizeof err);
    if (rc)
        fprintf(stderr, "train_fixture: %s\n", err);
    model_free(m);
    tok_vocab_free(v);
    gguf_close(meta);
    return rc ? 1 : 0;
}
