/* test_gguf.c - the GGUF reader on hand-built files: a valid one read back
 * field by field, then files that break one rule each, checked for the exact
 * byte offset and reason in the error; the fuzzing seeds must all open.
 * (The llama.cpp reference vocabularies are read by test_gguf_vocab.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"

/* ------------------------------------------------------------ hand-built files */

typedef struct {
    uint8_t b[1024];
    size_t n;
} bytes;

static void put(bytes *x, const void *p, size_t n)
{
    assert_true(x->n + n <= sizeof x->b);
    memcpy(x->b + x->n, p, n);
    x->n += n;
}

static void put_u32(bytes *x, uint32_t v) { put(x, &v, 4); }
static void put_u64(bytes *x, uint64_t v) { put(x, &v, 8); }

static void put_str(bytes *x, const char *s)
{
    put_u64(x, strlen(s));
    put(x, s, strlen(s));
}

/* A valid file: 2 pairs, 2 F32 tensors "a" [8] and "b" [4,2] at 0 and 32. The
 * fields let each test break one thing; the *_at members record where. */
typedef struct {
    uint32_t version, n_dims_b, align;
    int32_t type_b, kv2_type;
    int64_t ne_b[2];
    uint64_t off_b;
    const char *name_b, *key2;
    size_t kv2_at, tensor_b_at, off_b_at, data_at;
} spec;

static spec base_spec(void)
{
    return (spec){.version = 3, .n_dims_b = 2, .align = 32, .type_b = 0,
                  .kv2_type = GGUF_TYPE_UINT32, .ne_b = {4, 2}, .off_b = 32,
                  .name_b = "b", .key2 = "general.alignment"};
}

static void build(bytes *x, spec *s)
{
    x->n = 0;
    put(x, "GGUF", 4);
    put_u32(x, s->version);
    put_u64(x, 2);
    put_u64(x, 2);
    put_str(x, "general.architecture");
    put_u32(x, GGUF_TYPE_STRING);
    put_str(x, "llama");
    s->kv2_at = x->n;
    put_str(x, s->key2);
    put_u32(x, (uint32_t)s->kv2_type);
    put_u32(x, s->align);
    put_str(x, "a");
    put_u32(x, 1);
    put_u64(x, 8);
    put_u32(x, GGML_TYPE_F32);
    put_u64(x, 0);
    s->tensor_b_at = x->n;
    put_str(x, s->name_b);
    put_u32(x, s->n_dims_b);
    for (uint32_t d = 0; d < s->n_dims_b && d < 2; d++)
        put_u64(x, (uint64_t)s->ne_b[d]);
    put_u32(x, (uint32_t)s->type_b);
    s->off_b_at = x->n;
    put_u64(x, s->off_b);
    while (x->n % 32)
        put(x, "", 1);
    s->data_at = x->n;
    for (int i = 0; i < 16; i++) {
        float v = (float)i;
        put(x, &v, 4);
    }
}

static void test_built_file_reads(void **state)
{
    (void)state;
    bytes x;
    spec s = base_spec();
    build(&x, &s);
    char err[256] = "";
    gguf_file *g = gguf_open_mem(x.b, x.n, "t.gguf", err, sizeof err);
    assert_non_null(g);
    assert_int_equal(gguf_data_offset(g), s.data_at);
    const gguf_tensor *b = gguf_find_tensor(g, "b");
    assert_non_null(b);
    assert_int_equal(b->n_dims, 2);
    assert_int_equal(b->ne[0], 4);
    assert_int_equal(b->ne[1], 2);
    assert_int_equal(b->ne[2], 1);
    assert_int_equal(b->nbytes, 32);
    assert_int_equal(b->n_elems, 8);
    assert_ptr_equal(b->data, x.b + s.data_at + 32);
    assert_true(((const float *)b->data)[7] == 15.0f);
    assert_null(gguf_find_tensor(g, "c"));
    assert_ptr_equal(gguf_tensor_at(g, 0), gguf_find_tensor(g, "a"));
    gguf_close(g);
}

/* Opens X and expects failure with "offset OFF: " and REASON in the message. */
static void expect_error(const bytes *x, size_t off, const char *reason)
{
    char err[256] = "", want[64];
    gguf_file *g = gguf_open_mem(x->b, x->n, "bad.gguf", err, sizeof err);
    if (g) {
        gguf_close(g);
        fail_msg("accepted a file that should fail with '%s'", reason);
    }
    snprintf(want, sizeof want, "bad.gguf: offset %zu: ", off);
    if (strncmp(err, want, strlen(want)) || !strstr(err, reason))
        fail_msg("got '%s', want '%s...%s'", err, want, reason);
}

static void test_bad_magic_version_truncation(void **state)
{
    (void)state;
    bytes x;
    spec s = base_spec();
    build(&x, &s);
    x.b[0] = 'X';
    expect_error(&x, 0, "bad magic");
    s.version = 2;
    build(&x, &s);
    expect_error(&x, 4, "unsupported GGUF version 2");
    s = base_spec();
    build(&x, &s);
    x.n = 10;
    expect_error(&x, 8, "truncated header: tensor count needs 8 bytes, 2 left");
    for (size_t cut = 0; cut < s.data_at; cut++) {
        char err[256];
        gguf_file *g = gguf_open_mem(x.b, cut, "cut", err, sizeof err);
        assert_null(g);
    }
    x.n = 0;
    expect_error(&x, 0, "truncated header: magic");
}

static void test_bad_lengths(void **state)
{
    (void)state;
    bytes x;
    spec s = base_spec();
    build(&x, &s);
    uint64_t huge = 1ull << 62;
    memcpy(x.b + s.kv2_at, &huge, 8);
    expect_error(&x, s.kv2_at, "string length 4611686018427387904 past the end");
    /* Turn the second pair into an array of u32 whose count runs off the end. */
    s.kv2_type = GGUF_TYPE_ARRAY;
    s.align = GGUF_TYPE_UINT32;
    build(&x, &s);
    size_t count_at = s.kv2_at + 8 + strlen(s.key2) + 4 + 4;
    memcpy(x.b + count_at, &huge, 8);
    expect_error(&x, count_at, "array of 4611686018427387904 x 4 bytes past the end");
    s.align = GGUF_TYPE_STRING;
    build(&x, &s);
    memcpy(x.b + count_at, &huge, 8);
    expect_error(&x, count_at, "strings past the end");
    s.align = GGUF_TYPE_ARRAY;
    build(&x, &s);
    expect_error(&x, count_at - 4, "nested arrays");
    s = base_spec();
    s.kv2_type = 13;
    build(&x, &s);
    expect_error(&x, s.kv2_at + 8 + strlen(s.key2), "unknown value type 13");
}

static void test_bad_tensor_data(void **state)
{
    (void)state;
    bytes x;
    spec s = base_spec();
    s.off_b = 64;
    build(&x, &s);
    expect_error(&x, s.off_b_at, "tensor 'b': data [64, +32) outside the file");
    s.off_b = 16;
    build(&x, &s);
    expect_error(&x, s.off_b_at, "data offset 16 is misaligned (alignment 32)");
    s.off_b = 0;
    build(&x, &s);
    expect_error(&x, s.off_b_at, "tensor 'b': data overlaps tensor 'a'");
    s = base_spec();
    s.align = 16;
    s.off_b = 16;
    build(&x, &s);
    expect_error(&x, s.off_b_at, "tensor 'b': data overlaps tensor 'a'");
    s.align = 24;
    build(&x, &s);
    expect_error(&x, s.kv2_at + 8 + strlen(s.key2) + 4, "alignment 24 is not a power of two");
}

static void test_bad_tensor_info(void **state)
{
    (void)state;
    bytes x;
    spec s = base_spec();
    s.type_b = 4;
    build(&x, &s);
    expect_error(&x, s.off_b_at - 4, "tensor 'b': unknown type 4");
    s = base_spec();
    s.name_b = "a";
    build(&x, &s);
    expect_error(&x, s.tensor_b_at, "duplicate tensor name 'a'");
    s = base_spec();
    s.key2 = "general.architecture";
    s.kv2_type = GGUF_TYPE_UINT32;
    build(&x, &s);
    expect_error(&x, s.kv2_at, "duplicate key 'general.architecture'");
    s = base_spec();
    s.ne_b[0] = INT64_C(1) << 40;
    s.ne_b[1] = INT64_C(1) << 40;
    build(&x, &s);
    size_t ne_at = s.tensor_b_at + 8 + 1 + 4;
    expect_error(&x, ne_at, "dimension overflow");
    s.ne_b[0] = -4;
    build(&x, &s);
    expect_error(&x, ne_at, "negative dimension ne[0]=-4");
    s = base_spec();
    s.type_b = GGML_TYPE_Q8_0;
    build(&x, &s);
    expect_error(&x, ne_at, "ne[0]=4 is not a multiple of the Q8_0 block size 32");
    s.type_b = GGML_TYPE_Q5_K;
    build(&x, &s);
    expect_error(&x, ne_at, "ne[0]=4 is not a multiple of the Q5_K block size 256");
    s.type_b = GGML_TYPE_IQ4_NL;
    build(&x, &s);
    expect_error(&x, ne_at, "ne[0]=4 is not a multiple of the IQ4_NL block size 32");
    s = base_spec();
    s.n_dims_b = 5;
    build(&x, &s);
    expect_error(&x, ne_at - 4, "n_dims 5 not in 1..4");
    s = base_spec();
    s.name_b = "0123456789012345678901234567890123456789012345678901234567890123";
    build(&x, &s);
    expect_error(&x, s.tensor_b_at, "tensor name of 64 bytes is too long");
}

static void test_bad_counts(void **state)
{
    (void)state;
    bytes x;
    spec s = base_spec();
    build(&x, &s);
    int64_t n = -1;
    memcpy(x.b + 8, &n, 8);
    expect_error(&x, 8, "tensor count 18446744073709551615 impossible");   /* 2^64-1, unsigned */
    build(&x, &s);
    n = INT64_C(1) << 40;
    memcpy(x.b + 16, &n, 8);
    expect_error(&x, 16, "metadata count 1099511627776 impossible");
}

/* Opens every file in tests/fuzz/DIR; returns how many opened. */
static int open_all(const char *dir, int *total)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/tests/fuzz/%s", getenv("LATHE_SRCDIR"), dir);
    DIR *d = opendir(path);
    struct dirent *e;
    int ok = 0;
    *total = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/tests/fuzz/%s/%s", getenv("LATHE_SRCDIR"), dir, e->d_name);
        gguf_file *g = gguf_open(path, err, sizeof err);
        if (g) {
            model_config cfg;
            gguf_model_config(g, &cfg, err, sizeof err);
            ok++;
        }
        gguf_close(g);
        ++*total;
    }
    if (d)
        closedir(d);
    return ok;
}

/* The fuzzing seeds are valid files; past fuzzer findings must fail cleanly. */
static void test_fuzz_corpus_and_regressions(void **state)
{
    (void)state;
    int total;
    assert_non_null(getenv("LATHE_SRCDIR"));
    int opened = open_all("corpus/gguf", &total);
    assert_int_equal(opened, total);
    assert_true(total >= 4);
    open_all("regress/gguf", &total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_built_file_reads),
        cmocka_unit_test(test_bad_magic_version_truncation),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_bad_tensor_data),
        cmocka_unit_test(test_bad_tensor_info),
        cmocka_unit_test(test_bad_counts),
        cmocka_unit_test(test_fuzz_corpus_and_regressions),
    };
    return cmocka_run_group_tests_name("gguf", tests, NULL, NULL);
}
