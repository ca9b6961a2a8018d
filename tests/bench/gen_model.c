/* gen_model.c - writes a randomly initialised Llama decoder of any shape as
 * an F32 GGUF with a given vocabulary's tokenizer, so benchmarks can run
 * `lathe train` and `lathe config --estimate` on the engine's benchmark
 * shapes (lathe bench train builds the same shapes in memory):
 *   tests/bench/gen_model --dim D --layers L --heads H --kv-heads K --ffn F
 *       --vocab N [--tied] --tokenizer VOCAB.gguf -o OUT.gguf
 * N may exceed the tokenizer's size (the extra embedding rows are unused). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "gguf_write.h"
#include "model.h"
#include "model_load.h"
#include "tok.h"

/* The tokenizer of PATH padded to N_VOCAB tokens, as a vocabulary-only GGUF
 * whose keys model_save_gguf copies. */
static int write_vocab(const char *path, size_t n_vocab, const char *out, char *err,
                       size_t errlen)
{
    char *tmpl = NULL;
    tok_vocab *v = tok_vocab_load(path, &tmpl, err, errlen);
    gguf_writer *w = v ? gguf_writer_new(0) : NULL;
    int rc = w ? tok_vocab_to_gguf(v, tmpl, n_vocab, w, err, errlen) : -1;
    if (rc == 0)
        rc = gguf_writer_write(w, out, err, errlen);
    gguf_writer_free(w);
    tok_vocab_free(v);
    free(tmpl);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: gen_model --dim D --layers L --heads H --kv-heads K --ffn F "
            "--vocab N [--tied] --tokenizer VOCAB.gguf -o OUT.gguf\n");
    return 2;
}

int main(int argc, char **argv)
{
    model_config c = {.arch = "llama", .rope_base = 10000.0f, .rope = ROPE_NEOX,
                      .norm_eps = 1e-5f, .context_len = 2048};
    const char *tok = NULL, *out = NULL;
    struct {
        const char *flag;
        int *v;
    } ints[] = {{"--dim", &c.dim}, {"--layers", &c.n_layers}, {"--heads", &c.n_heads},
                {"--kv-heads", &c.n_kv_heads}, {"--ffn", &c.ffn_dim}, {"--vocab", &c.n_vocab}};
    for (int i = 1; i < argc; i++) {
        bool known = false;
        if (!strcmp(argv[i], "--tied")) {
            c.tied_embeddings = known = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
            if (!strcmp(argv[i], ints[k].flag))
                *ints[k].v = atoi(argv[++i]), known = true;
        if (!strcmp(argv[i], "--tokenizer"))
            tok = argv[++i], known = true;
        else if (!strcmp(argv[i], "-o"))
            out = argv[++i], known = true;
        if (!known)
            return usage();
    }
    if (!tok || !out || c.n_heads <= 0 || c.dim % c.n_heads)
        return usage();
    c.head_dim = c.rope_dim = c.dim / c.n_heads;
    char err[512], meta[4096];
    snprintf(meta, sizeof meta, "%s.vocab.gguf", out);
    int rc = write_vocab(tok, (size_t)c.n_vocab, meta, err, sizeof err);
    gguf_file *g = rc ? NULL : gguf_open(meta, err, sizeof err);
    model *m = g ? model_create(&c, 42, err, sizeof err) : NULL;
    rc = m ? model_save_gguf(m, g, out, GGML_TYPE_F32, err, sizeof err) : -1;
    if (rc)
        fprintf(stderr, "gen_model: %s\n", err);
    model_free(m);
    gguf_close(g);
    remove(meta);
    return rc ? 1 : 0;
}
