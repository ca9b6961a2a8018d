/* test_tok_vectors.c - the llama.cpp tokenizer test vectors (test-tokenizer-0):
 * every case of reference/vocab/ggml-vocab-*.gguf.inp must encode to exactly
 * the ids on the same line of the .out file (add_special=false,
 * parse_special=false), and decode back to the input; seeded random UTF-8
 * must round-trip too. The whole program reports a TAP skip when the
 * reference vocabularies are absent (cmocka's own skip prints "not ok"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "file_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tok.h"

#define SEP "\n__ggml_vocab_test__\n"

static int ref_path(char *out, size_t cap, const char *name, const char *ext)
{
    const char *dir = getenv("LATHE_REFERENCE_DIR");
    if (!dir)
        return -1;
    snprintf(out, cap, "%s/vocab/%s%s", dir, name, ext);
    return access(out, R_OK);
}

/* Parses one .out line " 1 2 3" into ids. */
static size_t parse_ids(const char *line, int32_t *ids, size_t cap)
{
    size_t n = 0;
    char *end;
    for (const char *p = line; *p && *p != '\n' && n < cap; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        ids[n++] = (int32_t)v;
    }
    return n;
}

static void print_case(const char *what, const char *inp, size_t len, const int32_t *ids,
                       size_t n)
{
    fprintf(stderr, "# %s '%.*s':", what, (int)len, inp);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %d", (int)ids[i]);
    fprintf(stderr, "\n");
}

static int check_case(tok_session *s, const tok_vocab *v, const char *inp, size_t len,
                      const char *out_line)
{
    int32_t want[512];
    size_t nwant = parse_ids(out_line, want, 512);
    tok_ids got = {0};
    char err[256];
    int bad = 0;
    assert_int_equal(tok_encode(s, inp, len, false, false, &got, err, sizeof err), 0);
    if (got.n != nwant || (nwant && memcmp(got.ids, want, nwant * sizeof *want))) {
        print_case("input", inp, len, want, nwant);
        print_case("got  ", inp, len, got.ids, got.n);
        bad = 1;
    }
    size_t dlen;
    char *dec = tok_decode(v, got.ids, got.n, false, true, &dlen, err, sizeof err);
    assert_non_null(dec);
    if (dlen != len || memcmp(dec, inp, len)) {
        fprintf(stderr, "# roundtrip of '%.*s' gave '%s'\n", (int)len, inp, dec);
        bad = 1;
    }
    free(dec);
    tok_ids_free(&got);
    return bad;
}

static void run_vectors(const char *name, size_t want_cases)
{
    char path[1024], err[512];
    size_t ilen, olen;
    ref_path(path, sizeof path, name, ".inp");
    char *inp = file_read_path(path, &ilen, NULL, 0);
    ref_path(path, sizeof path, name, ".out");
    char *out = file_read_path(path, &olen, NULL, 0);
    ref_path(path, sizeof path, name, "");
    tok_vocab *v = tok_vocab_load_gguf(path, NULL, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    assert_non_null(inp);
    assert_non_null(out);
    tok_session *s = tok_session_new(v, err, sizeof err);
    assert_non_null(s);
    size_t cases = 0, failed = 0;
    const char *p = inp, *line = out, *next;
    while ((next = strstr(p, SEP)) != NULL) {
        assert_non_null(line);
        failed += (size_t)check_case(s, v, p, (size_t)(next - p), line);
        cases++;
        p = next + strlen(SEP);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    fprintf(stderr, "# %s: %zu cases, %zu failed\n", name, cases, failed);
    assert_int_equal(cases, want_cases);
    assert_int_equal(failed, 0);
    tok_session_free(s);
    tok_vocab_free(v);
    free(inp);
    free(out);
}

/* ------------------------------------------------- reference round trip */

static size_t random_utf8(unsigned *seed, char *out, size_t max_chars)
{
    size_t n = (size_t)rand_r(seed) % max_chars, w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand_r(seed) % 100, cp;
        if (r < 60)
            cp = 0x20 + (unsigned)rand_r(seed) % 0x5F;
        else if (r < 70)
            cp = "\n\t  "[rand_r(seed) % 4];
        else if (r < 85)
            cp = 0x80 + (unsigned)rand_r(seed) % 0x780;
        else if (r < 97)
            cp = 0x800 + (unsigned)rand_r(seed) % 0xD000;   /* stays below the surrogates */
        else
            cp = 0x10000 + (unsigned)rand_r(seed) % 0x10000;
        unsigned char *o = (unsigned char *)out + w;
        if (cp < 0x80) {
            o[0] = (unsigned char)cp, w += 1;
        } else if (cp < 0x800) {
            o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3F));
            w += 2;
        } else if (cp < 0x10000) {
            o[0] = (unsigned char)(0xE0 | cp >> 12);
            o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            o[2] = (unsigned char)(0x80 | (cp & 0x3F));
            w += 3;
        } else {
            o[0] = (unsigned char)(0xF0 | cp >> 18);
            o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            o[3] = (unsigned char)(0x80 | (cp & 0x3F));
            w += 4;
        }
    }
    return w;
}

static void roundtrip(const char *name)
{
    char path[1024], err[512];
    ref_path(path, sizeof path, name, "");
    tok_vocab *v = tok_vocab_load_gguf(path, NULL, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    tok_session *s = tok_session_new(v, err, sizeof err);
    unsigned seed = 12345;
    char text[64 * 4 + 1];
    for (int it = 0; it < 300; it++) {
        size_t len = random_utf8(&seed, text, 64);
        tok_ids ids = {0};
        assert_int_equal(tok_encode(s, text, len, false, false, &ids, err, sizeof err), 0);
        size_t dlen;
        char *d = tok_decode(v, ids.ids, ids.n, false, false, &dlen, err, sizeof err);
        assert_non_null(d);
        if (dlen != len || memcmp(d, text, len))
            fail_msg("%s: round trip of '%.*s' gave '%s'", name, (int)len, text, d);
        free(d);
        tok_ids_free(&ids);
    }
    tok_session_free(s);
    tok_vocab_free(v);
}

static void test_roundtrip_llama_spm(void **state)
{
    (void)state;
    roundtrip("ggml-vocab-llama-spm.gguf");
}

static void test_roundtrip_gpt2(void **state)
{
    (void)state;
    roundtrip("ggml-vocab-gpt-2.gguf");
}

static void test_roundtrip_deepseek_llm(void **state)
{
    (void)state;
    roundtrip("ggml-vocab-deepseek-llm.gguf");
}

static void test_llama_spm(void **state)
{
    (void)state;
    run_vectors("ggml-vocab-llama-spm.gguf", 46);
}

static void test_gpt2(void **state)
{
    (void)state;
    run_vectors("ggml-vocab-gpt-2.gguf", 46);
}

static void test_deepseek_llm(void **state)
{
    (void)state;
    run_vectors("ggml-vocab-deepseek-llm.gguf", 46);
}

static const char *const vocabs[] = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf",
                                      "ggml-vocab-deepseek-llm.gguf"};

int main(void)
{
    char path[1024];
    for (size_t i = 0; i < sizeof vocabs / sizeof vocabs[0]; i++) {
        const char *ext[] = {"", ".inp", ".out"};
        for (int e = 0; e < 3; e++) {
            if (ref_path(path, sizeof path, vocabs[i], ext[e]) != 0) {
                printf("1..0 # SKIP %s not found (set LATHE_REFERENCE_DIR)\n", path);
                return 0;
            }
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_spm),
        cmocka_unit_test(test_gpt2),
        cmocka_unit_test(test_deepseek_llm),
        cmocka_unit_test(test_roundtrip_llama_spm),
        cmocka_unit_test(test_roundtrip_gpt2),
        cmocka_unit_test(test_roundtrip_deepseek_llm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
