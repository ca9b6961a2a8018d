/* vocab_fixtures.c - writes the files tests/interop/llama_cpp_vocab.sh hands
 * to real llama.cpp: each reference vocabulary (VOCAB_DIR/ggml-vocab-*.gguf)
 * with its tokenizer keys rewritten by tok_vocab_to_gguf, and, for each
 * byte-complete tokenizer.json fixture, a tiny random llama in Hugging Face
 * form (OUT/NAME/) and its GGUF export by model_save_gguf_hf (OUT/NAME.gguf).
 * Usage: vocab_fixtures VOCAB_DIR OUT_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gguf_write.h"
#include "model_load.h"
#include "tok.h"

static int fail(const char *what, const char *err)
{
    fprintf(stderr, "vocab_fixtures: %s: %s\n", what, err);
    return 1;
}

/* SRC's keys with its tokenizer.* keys written anew from its vocab. */
static int rewrite_vocab(const char *src, const char *dst, char *err, size_t errlen)
{
    gguf_file *g = gguf_open(src, err, errlen);
    tok_vocab *v = g ? tok_vocab_from_gguf(g, NULL, err, errlen) : NULL;
    gguf_writer *w = v ? gguf_writer_new(0) : NULL;
    int rc = w ? 0 : -1;
    for (size_t i = 0; w && i < gguf_n_kv(g); i++)
        if (strncmp(gguf_kv_at(g, i)->key, "tokenizer.", 10))
            gguf_writer_copy_kv(w, gguf_kv_at(g, i));
    rc = rc ? rc : tok_vocab_to_gguf(v, NULL, 0, w, err, errlen);
    rc = rc ? rc : gguf_writer_write(w, dst, err, errlen);
    gguf_writer_free(w);
    tok_vocab_free(v);
    gguf_close(g);
    return rc;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[8192];
    size_t n;
    int rc = out ? 0 : -1;
    while (out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = -1;
    return rc;
}

/* OUT/NAME/: a random llama with N_VOCAB rows and the tokenizer fixture NAME;
 * OUT/NAME.gguf: its export. */
static int hf_model(const char *name, int n_vocab, const char *out, char *err, size_t errlen)
{
    model_config c = {.arch = "llama", .n_vocab = n_vocab, .dim = 32, .n_layers = 1,
                      .n_heads = 4, .n_kv_heads = 2, .head_dim = 8, .ffn_dim = 32,
                      .context_len = 64, .rope_base = 10000.0f, .rope_dim = 8,
                      .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
    static const char *const files[] = {"tokenizer.json", "tokenizer_config.json"};
    char dir[4096], p[4200], q[4200];
    snprintf(dir, sizeof dir, "%s/%s", out, name);
    mkdir(dir, 0777);
    model *m = model_create(&c, 11, err, errlen);
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    snprintf(q, sizeof q, "%s/config.json", dir);
    int rc = m ? model_save_safetensors(m, p, ST_F32, q, err, errlen) : -1;
    for (size_t i = 0; !rc && i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/tests/fixtures/tokenizer/%s/%s", LATHE_SRCDIR, name, files[i]);
        snprintf(q, sizeof q, "%s/%s", dir, files[i]);
        if ((rc = copy_file(p, q)))
            snprintf(err, errlen, "cannot copy %.900s", p);
    }
    snprintf(p, sizeof p, "%s/%s.gguf", out, name);
    rc = rc ? rc : model_save_gguf_hf(m, dir, p, GGML_TYPE_F16, NULL, err, errlen);
    model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    static const char *const refs[] = {"llama-spm", "gpt-2", "deepseek-llm"};
    char err[1024], src[4096], dst[4096];
    if (argc != 3) {
        fprintf(stderr, "usage: vocab_fixtures VOCAB_DIR OUT_DIR\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        snprintf(src, sizeof src, "%s/ggml-vocab-%s.gguf", argv[1], refs[i]);
        snprintf(dst, sizeof dst, "%s/%s.gguf", argv[2], refs[i]);
        if (rewrite_vocab(src, dst, err, sizeof err))
            return fail(src, err);
    }
    if (hf_model("bytes-llama3", 300, argv[2], err, sizeof err))
        return fail("bytes-llama3", err);
    if (hf_model("bytes-spm", 320, argv[2], err, sizeof err))
        return fail("bytes-spm", err);
    return 0;
}
