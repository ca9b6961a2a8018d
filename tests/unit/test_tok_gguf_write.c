/* test_tok_gguf_write.c - writing a vocabulary as GGUF tokenizer metadata.
 * Each llama.cpp reference vocabulary (LATHE_REFERENCE_DIR/vocab; skipped
 * when absent) goes GGUF -> tok_vocab -> tok_vocab_to_gguf -> GGUF: every
 * tokenizer key of the original comes back with the same GGUF type and the
 * same bytes, and all .inp test strings tokenize identically. The
 * Hugging Face fixture (tests/fixtures/hf-tiny) exported with
 * model_save_gguf_hf tokenizes like its tokenizer.json, and so do models
 * built around the byte-complete llama3-style and SentencePiece-style
 * fixtures (tests/fixtures/tokenizer/bytes-*), padded to their rows. Also: tokenizer.json
 * pre-tokenizer regexes recognised by llama.cpp name, padding to the model's
 * vocabulary size, tokens holding NUL bytes, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "file_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "model_load.h"
#include "tok.h"

#define SEP "\n__ggml_vocab_test__\n"

static char tmpdir[] = "/tmp/lathe-tokw-XXXXXX";

static const char *tmp_path(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static const char *ref_path(const char *name, const char *ext)
{
    static char p[2][1024];
    static int k;
    const char *dir = getenv("LATHE_REFERENCE_DIR");
    k = (k + 1) % 2;
    snprintf(p[k], sizeof p[k], "%s/vocab/%s%s", dir ? dir : ".", name, ext);
    return p[k];
}

/* Writes V (and TMPL) alone into a GGUF at PATH. */
static void write_vocab(const tok_vocab *v, const char *tmpl, size_t n_vocab, const char *path)
{
    char err[512];
    gguf_writer *w = gguf_writer_new(0);
    assert_non_null(w);
    if (tok_vocab_to_gguf(v, tmpl, n_vocab, w, err, sizeof err) ||
        gguf_writer_write(w, path, err, sizeof err))
        fail_msg("%s", err);
    gguf_writer_free(w);
}

/* ------------------------------------------------- comparisons */

static size_t elem_bytes(gguf_type t)
{
    static const unsigned char sizes[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return (unsigned)t < GGUF_TYPE_COUNT ? sizes[t] : 0;
}

/* Same GGUF type (and element type) and the same stored value. */
static void assert_kv_equal(const gguf_kv *a, const gguf_kv *b)
{
    const char *sa, *sb;
    size_t la, lb;
    if (a->type != b->type || a->n != b->n ||
        (a->type == GGUF_TYPE_ARRAY && a->arr_type != b->arr_type))
        fail_msg("%s: %s[%llu] written as %s[%llu]", a->key, gguf_type_name(a->type),
                 (unsigned long long)a->n, gguf_type_name(b->type), (unsigned long long)b->n);
    if (a->type == GGUF_TYPE_STRING) {
        assert_true(gguf_kv_str(a, &sa, &la) && gguf_kv_str(b, &sb, &lb));
        assert_int_equal(la, lb);
        assert_memory_equal(sa, sb, la);
    } else if (a->type == GGUF_TYPE_ARRAY && a->arr_type == GGUF_TYPE_STRING) {
        for (uint64_t i = 0; i < a->n; i++) {
            assert_true(gguf_kv_arr_str(a, i, &sa, &la) && gguf_kv_arr_str(b, i, &sb, &lb));
            if (la != lb || memcmp(sa, sb, la))
                fail_msg("%s[%llu]: '%.*s' written as '%.*s'", a->key, (unsigned long long)i,
                         (int)la, sa, (int)lb, sb);
        }
    } else {
        gguf_type t = a->type == GGUF_TYPE_ARRAY ? a->arr_type : a->type;
        assert_true(elem_bytes(t) > 0);
        if (memcmp(a->data, b->data, (size_t)a->n * elem_bytes(t)))
            fail_msg("%s: value differs", a->key);
    }
}

/* Every field a loader fills: ids, flags, each token's text, type and score. */
static void assert_vocab_equal(const tok_vocab *a, const tok_vocab *b)
{
    assert_int_equal(tok_vocab_model(a), tok_vocab_model(b));
    assert_int_equal(tok_vocab_size(a), tok_vocab_size(b));
    assert_int_equal(tok_bos(a), tok_bos(b));
    assert_int_equal(tok_eos(a), tok_eos(b));
    assert_int_equal(tok_unk(a), tok_unk(b));
    assert_int_equal(tok_pad(a), tok_pad(b));
    assert_int_equal(tok_eot(a), tok_eot(b));
    assert_int_equal(tok_add_bos(a), tok_add_bos(b));
    assert_int_equal(tok_add_eos(a), tok_add_eos(b));
    assert_int_equal(tok_add_space_prefix(a), tok_add_space_prefix(b));
    for (int32_t i = 0; (size_t)i < tok_vocab_size(a); i++) {
        size_t la, lb;
        const char *ta = tok_text(a, i, &la), *tb = tok_text(b, i, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        assert_int_equal(tok_token_type(a, i), tok_token_type(b, i));
        if (tok_vocab_model(a) == TOK_SPM)
            assert_true(tok_score(a, i) == tok_score(b, i));
    }
}

static void encode(tok_session *s, const char *text, size_t len, bool special, tok_ids *out)
{
    char err[256];
    out->n = 0;
    assert_int_equal(tok_encode(s, text, len, special, special, out, err, sizeof err), 0);
}

/* TEXT tokenizes to the same ids under A and B, with and without specials. */
static void assert_same_ids(tok_session *a, tok_session *b, const char *text, size_t len)
{
    tok_ids x = {0}, y = {0};
    for (int special = 0; special < 2; special++) {
        encode(a, text, len, special, &x);
        encode(b, text, len, special, &y);
        if (x.n != y.n || (x.n && memcmp(x.ids, y.ids, x.n * sizeof *x.ids)))
            fail_msg("'%.*s' (special %d): %zu ids, %zu after the round trip", (int)len, text,
                     special, x.n, y.n);
    }
    tok_ids_free(&x);
    tok_ids_free(&y);
}

/* ------------------------------------------------- reference vocabularies */

static bool is_flag(const char *key)
{
    return !strcmp(key, "tokenizer.ggml.add_bos_token") ||
           !strcmp(key, "tokenizer.ggml.add_eos_token") ||
           !strcmp(key, "tokenizer.ggml.add_space_prefix") ||
           !strcmp(key, "tokenizer.ggml.unknown_token_id");
}

/* Every tokenizer key of A is in B, same type and value. B may add only the
 * flags and ids A left to the loader's defaults (assert_vocab_equal then
 * shows they hold those defaults). */
static void assert_tokenizer_keys(const gguf_file *a, const gguf_file *b)
{
    size_t na = 0;
    for (size_t i = 0; i < gguf_n_kv(a); i++) {
        const gguf_kv *kv = gguf_kv_at(a, i);
        if (strncmp(kv->key, "tokenizer.", 10))
            continue;
        const gguf_kv *kb = gguf_find_kv(b, kv->key);
        if (!kb)
            fail_msg("%s: not written", kv->key);
        assert_kv_equal(kv, kb);
        na++;
    }
    assert_true(na >= 6);
    for (size_t i = 0; i < gguf_n_kv(b); i++) {
        const char *key = gguf_kv_at(b, i)->key;
        if (!gguf_find_kv(a, key) && !is_flag(key))
            fail_msg("%s: written, but not in the original", key);
    }
}

static void check_reference(const char *name, size_t want_cases)
{
    char err[512];
    if (access(ref_path(name, ""), R_OK) != 0)
        skip();
    gguf_file *g = gguf_open(ref_path(name, ""), err, sizeof err);
    assert_non_null(g);
    char *tmpl = NULL;
    tok_vocab *v0 = tok_vocab_from_gguf(g, &tmpl, err, sizeof err);
    if (!v0)
        fail_msg("%s", err);
    write_vocab(v0, tmpl, 0, tmp_path("ref.gguf"));
    gguf_file *g1 = gguf_open(tmp_path("ref.gguf"), err, sizeof err);
    assert_non_null(g1);
    assert_tokenizer_keys(g, g1);
    tok_vocab *v1 = tok_vocab_from_gguf(g1, NULL, err, sizeof err);
    if (!v1)
        fail_msg("%s", err);
    assert_vocab_equal(v0, v1);
    /* a second round trip is byte-identical */
    write_vocab(v1, tmpl, 0, tmp_path("ref2.gguf"));
    size_t l1, l2;
    char *f1 = file_read_path(tmp_path("ref.gguf"), &l1, NULL, 0);
    char *f2 = file_read_path(tmp_path("ref2.gguf"), &l2, NULL, 0);
    assert_true(f1 && f2 && l1 == l2 && !memcmp(f1, f2, l1));
    size_t len, cases = 0;
    char *inp = file_read_path(ref_path(name, ".inp"), &len, NULL, 0);
    assert_non_null(inp);
    tok_session *s0 = tok_session_new(v0, err, sizeof err), *s1 = tok_session_new(v1, err, sizeof err);
    for (const char *p = inp, *next; (next = strstr(p, SEP)); p = next + strlen(SEP), cases++)
        assert_same_ids(s0, s1, p, (size_t)(next - p));
    assert_int_equal(cases, want_cases);
    tok_session_free(s0);
    tok_session_free(s1);
    free(inp);
    free(f1);
    free(f2);
    free(tmpl);
    tok_vocab_free(v0);
    tok_vocab_free(v1);
    gguf_close(g);
    gguf_close(g1);
}

static void test_ref_llama_spm(void **state)
{
    (void)state;
    check_reference("ggml-vocab-llama-spm.gguf", 46);
}

static void test_ref_gpt2(void **state)
{
    (void)state;
    check_reference("ggml-vocab-gpt-2.gguf", 46);
}

static void test_ref_deepseek_llm(void **state)
{
    (void)state;
    check_reference("ggml-vocab-deepseek-llm.gguf", 46);
}

/* ------------------------------------------------- Hugging Face export */

static const char *hf_tiny(void)
{
    static char p[1024];
    const char *src = getenv("LATHE_SRCDIR");
    snprintf(p, sizeof p, "%s/tests/fixtures/hf-tiny", src ? src : LATHE_SRCDIR);
    return p;
}

static void test_hf_model_export(void **state)
{
    (void)state;
    char err[1024], *t0 = NULL, *t1 = NULL;
    model_file mf;
    bool has_vocab = false;
    if (model_file_load(&mf, hf_tiny(), false, err, sizeof err) ||
        model_save_gguf_hf(mf.m, hf_tiny(), tmp_path("hf.gguf"), GGML_TYPE_F32, &has_vocab, err,
                           sizeof err))
        fail_msg("%s", err);
    assert_true(has_vocab);
    tok_vocab *v0 = tok_vocab_load_hf(hf_tiny(), &t0, err, sizeof err);
    tok_vocab *v1 = tok_vocab_load_gguf(tmp_path("hf.gguf"), &t1, err, sizeof err);
    if (!v0 || !v1)
        fail_msg("%s", err);
    assert_vocab_equal(v0, v1);
    assert_non_null(t0);
    assert_non_null(t1);
    assert_string_equal(t0, t1);
    static const char *const texts[] = {"", "ab", "abc", " a b c ", "ba<|im_end|>ab",
                                        "c<|endoftext|>\n", "xyz \xC3\xA9"};
    tok_session *s0 = tok_session_new(v0, err, sizeof err), *s1 = tok_session_new(v1, err, sizeof err);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        assert_same_ids(s0, s1, texts[i], strlen(texts[i]));
    tok_session_free(s0);
    tok_session_free(s1);
    /* the file is a whole model: the engine loads it back with its tokenizer keys */
    model_file back;
    if (model_file_load(&back, tmp_path("hf.gguf"), false, err, sizeof err))
        fail_msg("%s", err);
    char s[32];
    assert_true(gguf_get_strz(back.gguf, "tokenizer.ggml.model", s, sizeof s));
    assert_string_equal(s, "llama");
    assert_true(gguf_get_strz(back.gguf, "general.architecture", s, sizeof s));
    assert_string_equal(s, "llama");
    model_file_close(&back);
    model_file_close(&mf);
    tok_vocab_free(v0);
    tok_vocab_free(v1);
    free(t0);
    free(t1);
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *buf = file_read_path(from, &len, NULL, 0);
    FILE *f = fopen(to, "wb");
    assert_non_null(buf);
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(buf);
}

/* A Hugging Face model directory in the temp dir: a tiny random llama with
 * N_VOCAB embedding rows beside the tokenizer fixture SUB. */
static void make_hf_dir(const char *sub, int n_vocab, char *dir, size_t cap)
{
    char err[512], src[1024], dst[1024];
    static const char *const files[] = {"tokenizer.json", "tokenizer_config.json"};
    model_config c = {.arch = "llama", .n_vocab = n_vocab, .dim = 16, .n_layers = 1,
                      .n_heads = 2, .n_kv_heads = 1, .head_dim = 8, .ffn_dim = 16,
                      .context_len = 64, .rope_base = 10000.0f, .rope_dim = 8,
                      .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
    snprintf(dir, cap, "%s", tmp_path(sub));
    assert_int_equal(mkdir(dir, 0755), 0);
    model *m = model_create(&c, 7, err, sizeof err);
    assert_non_null(m);
    snprintf(src, sizeof src, "%s/model.safetensors", dir);
    snprintf(dst, sizeof dst, "%s/config.json", dir);
    if (model_save_safetensors(m, src, ST_F32, dst, err, sizeof err))
        fail_msg("%s", err);
    model_free(m);
    const char *top = getenv("LATHE_SRCDIR");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(src, sizeof src, "%s/tests/fixtures/tokenizer/%s/%s", top ? top : LATHE_SRCDIR,
                 sub, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[i]);
        copy_file(src, dst);
    }
}

/* Texts for the byte-complete fixtures: their words, digits, contractions,
 * newlines, specials and characters outside the vocab. */
static const char *const hf_texts[] = {
    "hello world", " the thing", "Hello World 12345 caf\xC3\xA9", "a\n\nb  c",
    "I'm here, THE END", "<|eot_id|> the<s>", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 x",
    "  leading", "trailing  ", "",
};

/* The exported GGUF of an HF directory holds the tokenizer (padded to the
 * model's rows, pre-tokenizer named for llama.cpp) and tokenizes the same. */
static void check_hf_export(const char *sub, int n_vocab, const char *want_pre)
{
    char err[1024], dir[512], pre[32];
    make_hf_dir(sub, n_vocab, dir, sizeof dir);
    model_file mf;
    if (model_file_load(&mf, dir, false, err, sizeof err) ||
        model_save_gguf_hf(mf.m, dir, tmp_path("hfb.gguf"), GGML_TYPE_F16, NULL, err, sizeof err))
        fail_msg("%s", err);
    model_file_close(&mf);
    tok_vocab *v0 = tok_vocab_load_hf(dir, NULL, err, sizeof err);
    gguf_file *g = gguf_open(tmp_path("hfb.gguf"), err, sizeof err);
    tok_vocab *v1 = g ? tok_vocab_from_gguf(g, NULL, err, sizeof err) : NULL;
    if (!v0 || !v1)
        fail_msg("%s", err);
    assert_true(gguf_get_strz(g, "tokenizer.ggml.pre", pre, sizeof pre));
    assert_string_equal(pre, want_pre);
    assert_int_equal(tok_vocab_size(v1), n_vocab);
    assert_true(tok_vocab_size(v0) < (size_t)n_vocab);
    assert_int_equal(tok_token_type(v1, n_vocab - 1), TOK_T_UNUSED);
    assert_int_equal(tok_bos(v0), tok_bos(v1));
    assert_int_equal(tok_eos(v0), tok_eos(v1));
    assert_int_equal(tok_add_bos(v0), tok_add_bos(v1));
    assert_int_equal(tok_add_space_prefix(v0), tok_add_space_prefix(v1));
    tok_session *s0 = tok_session_new(v0, err, sizeof err), *s1 = tok_session_new(v1, err, sizeof err);
    for (size_t i = 0; i < sizeof hf_texts / sizeof hf_texts[0]; i++)
        assert_same_ids(s0, s1, hf_texts[i], strlen(hf_texts[i]));
    tok_session_free(s0);
    tok_session_free(s1);
    tok_vocab_free(v0);
    tok_vocab_free(v1);
    gguf_close(g);
}

static void test_hf_bytelevel_llama3(void **state)
{
    (void)state;
    check_hf_export("bytes-llama3", 300, "llama3");
}

static void test_hf_bytes_spm(void **state)
{
    (void)state;
    check_hf_export("bytes-spm", 320, "default");
}

static void test_hf_dir_without_tokenizer(void **state)
{
    (void)state;
    char err[1024], path[512];
    model_file mf;
    if (model_file_load(&mf, hf_tiny(), false, err, sizeof err))
        fail_msg("%s", err);
    snprintf(path, sizeof path, "%s", tmp_path("bare"));
    assert_int_equal(mkdir(path, 0755), 0);
    bool has_vocab = true;
    assert_int_equal(model_save_gguf_hf(mf.m, path, tmp_path("bare.gguf"), GGML_TYPE_F16,
                                        &has_vocab, err, sizeof err), 0);
    assert_false(has_vocab);
    gguf_file *g = gguf_open(tmp_path("bare.gguf"), err, sizeof err);
    assert_non_null(g);
    assert_null(gguf_find_kv(g, "tokenizer.ggml.model"));
    gguf_close(g);
    model_file_close(&mf);
}

/* ------------------------------------------------- tokenizer.json pre-tokenizers */

static tok_vocab *bytelevel(const char *regex, bool ignore_merges)
{
    char json[1024], err[512];
    snprintf(json, sizeof json,
             "{\"model\": {\"type\": \"BPE\", \"ignore_merges\": %s,"
             " \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
             " \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": ["
             "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"%s\"}, \"behavior\": \"Isolated\"},"
             "{\"type\": \"ByteLevel\"}]}}",
             ignore_merges ? "true" : "false", regex);
    tok_vocab *v = tok_vocab_from_hf_json(json, strlen(json), NULL, 0, NULL, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    return v;
}

/* The tokenizer.ggml.pre written for V, or the writer's error. */
static void expect_pre(const tok_vocab *v, const char *want)
{
    char err[512], got[64] = "";
    gguf_writer *w = gguf_writer_new(0);
    int rc = tok_vocab_to_gguf(v, NULL, 0, w, err, sizeof err);
    if (!rc) {
        assert_int_equal(gguf_writer_write(w, tmp_path("pre.gguf"), err, sizeof err), 0);
        gguf_file *g = gguf_open(tmp_path("pre.gguf"), err, sizeof err);
        assert_true(gguf_get_strz(g, "tokenizer.ggml.pre", got, sizeof got));
        assert_string_equal(got, want);
        gguf_close(g);
    } else {
        assert_null(want);
        assert_non_null(strstr(err, "pre-tokenizer"));
    }
    gguf_writer_free(w);
}

/* Hugging Face's spelling of the llama3 and qwen2 regexes (case-insensitive
 * group), JSON-escaped. */
#define HF_HEAD "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|"
#define HF_TAIL "| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+"
#define HF_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\\\p{L}+| ?\\\\p{N}+| ?[^\\\\s\\\\p{L}\\\\p{N}]+|\\\\s+(?!\\\\S)"

static void test_pre_tokenizer_names(void **state)
{
    (void)state;
    static const struct {
        const char *regex;
        bool ignore_merges;
        const char *want;
    } cases[] = {
        {HF_HEAD "\\\\p{N}{1,3}" HF_TAIL, true, "llama3"},
        {HF_HEAD "\\\\p{N}{1,3}" HF_TAIL, false, "dbrx"},
        {HF_HEAD "\\\\p{N}" HF_TAIL, false, "qwen2"},
        {HF_GPT2, false, "gpt-2"},
        {HF_HEAD "\\\\p{N}{1,2}" HF_TAIL, true, NULL},
        {"\\\\p{N}{1,3}| ?\\\\p{L}+|\\\\s+", false, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tok_vocab *v = bytelevel(cases[i].regex, cases[i].ignore_merges);
        expect_pre(v, cases[i].want);
        tok_vocab_free(v);
    }
}

/* ------------------------------------------------- padding, NUL bytes, errors */

static tok_vocab *spm_with_nul(void)
{
    static const char *const tokens[] = {"<unk>", "<s>", "</s>", "a\0b", "\xE2\x96\x81" "a"};
    static const size_t lens[] = {5, 3, 4, 3, 4};
    static const float scores[] = {0, 0, 0, -1, -2};
    static const int32_t types[] = {TOK_T_UNKNOWN, TOK_T_CONTROL, TOK_T_CONTROL, TOK_T_NORMAL,
                                    TOK_T_NORMAL};
    tok_spec sp;
    char err[256];
    tok_spec_defaults(&sp, TOK_SPM, NULL);
    sp.n_tokens = 5;
    sp.tokens = tokens;
    sp.token_lens = lens;
    sp.scores = scores;
    sp.types = types;
    sp.eot = 2;
    sp.add_space_prefix = false;
    tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    return v;
}

static void test_padding_and_nul(void **state)
{
    (void)state;
    char err[512];
    tok_vocab *v = spm_with_nul();
    write_vocab(v, "{{ x }}", 8, tmp_path("pad.gguf"));
    char *tmpl = NULL;
    tok_vocab *b = tok_vocab_load_gguf(tmp_path("pad.gguf"), &tmpl, err, sizeof err);
    if (!b)
        fail_msg("%s", err);
    assert_string_equal(tmpl, "{{ x }}");
    assert_int_equal(tok_vocab_size(b), 8);
    size_t len;
    const char *t = tok_text(b, 3, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(t, "a\0b", 3);
    t = tok_text(b, 7, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(t, "[PAD7]", 6);
    assert_int_equal(tok_token_type(b, 7), TOK_T_UNUSED);
    assert_int_equal(tok_eot(b), 2);
    assert_false(tok_add_space_prefix(b));
    assert_true(tok_score(b, 4) == -2.0f);
    gguf_writer *w = gguf_writer_new(0);
    assert_int_equal(tok_vocab_to_gguf(v, NULL, 4, w, err, sizeof err), -1);
    assert_non_null(strstr(err, "5 tokens, more than the model's 4"));
    gguf_writer_free(w);
    free(tmpl);
    tok_vocab_free(b);
    tok_vocab_free(v);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_llama_spm),
        cmocka_unit_test(test_ref_gpt2),
        cmocka_unit_test(test_ref_deepseek_llm),
        cmocka_unit_test(test_hf_model_export),
        cmocka_unit_test(test_hf_bytelevel_llama3),
        cmocka_unit_test(test_hf_bytes_spm),
        cmocka_unit_test(test_hf_dir_without_tokenizer),
        cmocka_unit_test(test_pre_tokenizer_names),
        cmocka_unit_test(test_padding_and_nul),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
