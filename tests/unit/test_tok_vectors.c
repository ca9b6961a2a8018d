/* test_tok_vectors.c - the llama.cpp tokenizer test vectors (test-tokenizer-0):
 * every case of reference/vocab/ggml-vocab-*.gguf.inp must encode to exactly
 * the ids on the same line of the .out file (add_special=false,
 * parse_special=false), and decode back to the input. Skipped when the
 * reference directory is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tok.h"

#define SEP "\n__ggml_vocab_test__\n"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

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
    if (ref_path(path, sizeof path, name, ".inp") != 0)
        skip();
    char *inp = slurp(path, &ilen);
    ref_path(path, sizeof path, name, ".out");
    char *out = slurp(path, &olen);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_spm),
        cmocka_unit_test(test_gpt2),
        cmocka_unit_test(test_deepseek_llm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
