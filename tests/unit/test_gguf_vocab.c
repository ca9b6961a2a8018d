/* test_gguf_vocab.c - the GGUF reader and writer on llama.cpp's reference
 * vocabularies (LATHE_REFERENCE_DIR/vocab): metadata of every shape the
 * tokenizers read, model_config from their hyperparameters, and a copy through
 * the writer that reproduces a llama.cpp-written file byte for byte. Without
 * the reference files the whole program reports a TAP skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_copy.h"

static const char *const vocab_files[] = {
    "ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf",
};

static const char *vocab_path(const char *name)
{
    static char path[1024];
    const char *dir = getenv("LATHE_REFERENCE_DIR");
    snprintf(path, sizeof path, "%s/vocab/%s", dir ? dir : ".", name);
    return path;
}


static gguf_file *open_vocab(const char *name)
{
    char err[512];
    gguf_file *g = gguf_open(vocab_path(name), err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    return g;
}

static void assert_arr_str(const gguf_kv *kv, uint64_t i, const char *want)
{
    const char *s;
    size_t len;
    assert_true(gguf_kv_arr_str(kv, i, &s, &len));
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s, want, len);
}

static void assert_str(const gguf_file *g, const char *key, const char *want)
{
    char buf[256];
    assert_true(gguf_get_strz(g, key, buf, sizeof buf));
    assert_string_equal(buf, want);
}

static void test_vocab_llama_spm(void **state)
{
    (void)state;
    gguf_file *g = open_vocab("ggml-vocab-llama-spm.gguf");
    assert_non_null(g);
    assert_int_equal(gguf_version(g), 3);
    assert_int_equal(gguf_n_tensors(g), 0);
    assert_int_equal(gguf_n_kv(g), 22);
    assert_int_equal(gguf_alignment(g), 32);
    assert_str(g, "general.architecture", "llama");
    assert_str(g, "tokenizer.ggml.model", "llama");
    assert_str(g, "tokenizer.ggml.pre", "default");
    const gguf_kv *tok = gguf_find_kv(g, "tokenizer.ggml.tokens");
    assert_non_null(tok);
    assert_int_equal(tok->type, GGUF_TYPE_ARRAY);
    assert_int_equal(tok->arr_type, GGUF_TYPE_STRING);
    assert_int_equal(tok->n, 32000);
    assert_arr_str(tok, 0, "<unk>");
    assert_arr_str(tok, 1, "<s>");
    assert_arr_str(tok, 29871, "\xe2\x96\x81");
    assert_arr_str(tok, 31999, "\xe7\xbb\x99");
    assert_false(gguf_kv_arr_str(tok, 32000, &(const char *){0}, &(size_t){0}));
    const gguf_kv *scores = gguf_find_kv(g, "tokenizer.ggml.scores");
    float *f = malloc(32000 * sizeof *f);
    assert_non_null(f);
    assert_true(gguf_kv_arr_f32(scores, f));
    assert_true(f[0] == 0.0f && f[31999] == -31740.0f);
    free(f);
    int64_t v;
    assert_true(gguf_kv_arr_int(gguf_find_kv(g, "tokenizer.ggml.token_type"), 0, &v));
    assert_int_equal(v, 2);
    assert_true(gguf_kv_arr_int(gguf_find_kv(g, "tokenizer.ggml.token_type"), 1, &v));
    assert_int_equal(v, 3);
    assert_true(gguf_get_int(g, "tokenizer.ggml.bos_token_id", &v));
    assert_int_equal(v, 1);
    bool b;
    assert_true(gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b) && b);
    assert_true(gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &b) && !b);
    assert_false(gguf_get_bool(g, "tokenizer.ggml.bos_token_id", &b));
    assert_false(gguf_get_int(g, "no.such.key", &v));
    gguf_close(g);
}

static void test_vocab_gpt2_merges(void **state)
{
    (void)state;
    gguf_file *g = open_vocab("ggml-vocab-gpt-2.gguf");
    assert_non_null(g);
    assert_int_equal(gguf_n_kv(g), 16);
    assert_str(g, "general.architecture", "gpt2");
    const gguf_kv *tok = gguf_find_kv(g, "tokenizer.ggml.tokens");
    assert_int_equal(tok->n, 50257);
    assert_arr_str(tok, 0, "!");
    assert_arr_str(tok, 50256, "<|endoftext|>");
    const gguf_kv *merges = gguf_find_kv(g, "tokenizer.ggml.merges");
    assert_int_equal(merges->n, 50000);
    assert_arr_str(merges, 0, "\xc4\xa0 t");
    assert_arr_str(merges, 49999, "\xc4\xa0g azed");
    model_config cfg;
    char err[256];
    assert_int_equal(gguf_model_config(g, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "'gpt2' is not supported"));
    gguf_close(g);
}

static void test_vocab_deepseek_config(void **state)
{
    (void)state;
    gguf_file *g = open_vocab("ggml-vocab-deepseek-llm.gguf");
    assert_non_null(g);
    model_config cfg;
    char err[256] = "";
    assert_int_equal(gguf_model_config(g, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.arch, "llama");
    assert_int_equal(cfg.n_vocab, 102400);
    assert_int_equal(cfg.dim, 4096);
    assert_int_equal(cfg.n_layers, 30);
    assert_int_equal(cfg.n_heads, 32);
    assert_int_equal(cfg.n_kv_heads, 32);
    assert_int_equal(cfg.head_dim, 128);
    assert_int_equal(cfg.rope_dim, 128);
    assert_int_equal(cfg.ffn_dim, 11008);
    assert_int_equal(cfg.context_len, 4096);
    assert_true(cfg.rope_base == 10000.0f);
    assert_true(cfg.norm_eps == 1e-6f);
    assert_int_equal(cfg.rope, ROPE_NORMAL);
    assert_true(cfg.tied_embeddings);
    assert_false(cfg.qkv_bias);
    const gguf_kv *m = gguf_find_kv(g, "tokenizer.ggml.merges");
    assert_int_equal(m->n, 99757);
    assert_arr_str(m, 0, "\xc4\xa0 \xc4\xa0");
    gguf_close(g);
}

static void test_copy_reproduces_llama_cpp_file(void **state)
{
    (void)state;
    char dir[256], dst[300];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/lathe-vocab-XXXXXX", base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(dst, sizeof dst, "%s/copy.gguf", dir);
    for (size_t i = 0; i < sizeof vocab_files / sizeof vocab_files[0]; i++)
        gguf_copy_matches(vocab_path(vocab_files[i]), dst);
    unlink(dst);
    rmdir(dir);
}

int main(void)
{
    for (size_t i = 0; i < sizeof vocab_files / sizeof vocab_files[0]; i++) {
        if (access(vocab_path(vocab_files[i]), R_OK) != 0) {
            printf("1..0 # SKIP %s not readable (set LATHE_REFERENCE_DIR)\n",
                   vocab_path(vocab_files[i]));
            return 0;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_llama_spm),
        cmocka_unit_test(test_vocab_gpt2_merges),
        cmocka_unit_test(test_vocab_deepseek_config),
        cmocka_unit_test(test_copy_reproduces_llama_cpp_file),
    };
    return cmocka_run_group_tests_name("gguf_vocab", tests, NULL, NULL);
}
