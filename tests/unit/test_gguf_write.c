/* test_gguf_write.c - the GGUF writer against the reader: every metadata
 * value type and array kind, F32/F16/BF16/Q8_0/Q4_0 tensors written raw or
 * converted from F32, custom alignment, copying a file's pairs and tensors
 * reproducing it byte for byte, sticky errors, atomic replacement, and
 * model_config from a written qwen2 file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdir.h"
#include "gguf.h"
#include "gguf_copy.h"
#include "gguf_write.h"
#include "quant.h"


static gguf_file *reopen(const char *path)
{
    char err[256];
    gguf_file *g = gguf_open(path, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    return g;
}

static void write_ok(gguf_writer *w, const char *path)
{
    char err[256];
    if (gguf_writer_write(w, path, err, sizeof err) != 0)
        fail_msg("%s", err);
}

/* One scalar of every type, with bit patterns a lossy path would change. */
static void set_scalars(gguf_writer *w)
{
    uint8_t u8 = 0xab;
    int8_t i8 = -5;
    uint16_t u16 = 0xbeef;
    int16_t i16 = -1234;
    int32_t i32 = -123456;
    uint64_t u64 = (UINT64_C(1) << 63) + 5;
    int64_t i64 = -(INT64_C(1) << 62);
    uint32_t nan_bits = 0x7fc00123;
    float f32;
    double f64 = -0.0;
    memcpy(&f32, &nan_bits, 4);
    assert_int_equal(gguf_writer_set_scalar(w, "t.u8", GGUF_TYPE_UINT8, &u8), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.i8", GGUF_TYPE_INT8, &i8), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.u16", GGUF_TYPE_UINT16, &u16), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.i16", GGUF_TYPE_INT16, &i16), 0);
    assert_int_equal(gguf_writer_set_u32(w, "t.u32", 0xdeadbeef), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.i32", GGUF_TYPE_INT32, &i32), 0);
    assert_int_equal(gguf_writer_set_f32(w, "t.f32", f32), 0);
    assert_int_equal(gguf_writer_set_bool(w, "t.bool", true), 0);
    assert_int_equal(gguf_writer_set_str(w, "t.str", "F\xc3\xbchrer \xe2\x96\x81x", 12), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.u64", GGUF_TYPE_UINT64, &u64), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.i64", GGUF_TYPE_INT64, &i64), 0);
    assert_int_equal(gguf_writer_set_scalar(w, "t.f64", GGUF_TYPE_FLOAT64, &f64), 0);
    assert_int_equal(gguf_writer_set_u32(w, "t.replaced", 1), 0);
    assert_int_equal(gguf_writer_set_str(w, "t.replaced", "second", 6), 0);
}

static void check_scalars(const gguf_file *g)
{
    int64_t v;
    double d;
    bool b;
    const char *s;
    size_t len;
    assert_true(gguf_get_int(g, "t.u8", &v) && v == 0xab);
    assert_true(gguf_get_int(g, "t.i8", &v) && v == -5);
    assert_true(gguf_get_int(g, "t.u16", &v) && v == 0xbeef);
    assert_true(gguf_get_int(g, "t.i16", &v) && v == -1234);
    assert_true(gguf_get_int(g, "t.u32", &v) && v == 0xdeadbeef);
    assert_true(gguf_get_int(g, "t.i32", &v) && v == -123456);
    assert_true(gguf_get_int(g, "t.i64", &v) && v == -(INT64_C(1) << 62));
    assert_false(gguf_get_int(g, "t.u64", &v));            /* does not fit int64 */
    uint64_t u64;
    memcpy(&u64, gguf_find_kv(g, "t.u64")->data, 8);
    assert_true(u64 == (UINT64_C(1) << 63) + 5);
    uint32_t bits;
    memcpy(&bits, gguf_find_kv(g, "t.f32")->data, 4);
    assert_int_equal(bits, 0x7fc00123);
    assert_true(gguf_get_float(g, "t.f64", &d) && d == 0.0 && signbit(d));
    assert_true(gguf_get_bool(g, "t.bool", &b) && b);
    assert_true(gguf_get_str(g, "t.str", &s, &len) && len == 12);
    assert_memory_equal(s, "F\xc3\xbchrer \xe2\x96\x81x", 12);
    assert_true(gguf_get_str(g, "t.replaced", &s, &len) && len == 6);
    assert_int_equal(gguf_find_kv(g, "t.u8")->type, GGUF_TYPE_UINT8);
    assert_int_equal(gguf_find_kv(g, "t.f64")->type, GGUF_TYPE_FLOAT64);
}

static const char *const strs[] = {"", "a b", "\xe2\x96\x81hello", "<0x0A>"};

static void set_arrays(gguf_writer *w)
{
    uint8_t u8[3] = {1, 2, 255};
    int16_t i16[3] = {-1, 0, 32767};
    int32_t i32[3] = {1, 2, 6};
    float f32[3] = {0.5f, -1e30f, 0.0f};
    double f64[2] = {1e300, -2.5};
    uint64_t u64[2] = {0, UINT64_MAX};
    uint8_t bools[2] = {1, 0};
    assert_int_equal(gguf_writer_set_arr(w, "a.u8", GGUF_TYPE_UINT8, u8, 3), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.i16", GGUF_TYPE_INT16, i16, 3), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.i32", GGUF_TYPE_INT32, i32, 3), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.f32", GGUF_TYPE_FLOAT32, f32, 3), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.f64", GGUF_TYPE_FLOAT64, f64, 2), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.u64", GGUF_TYPE_UINT64, u64, 2), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.bool", GGUF_TYPE_BOOL, bools, 2), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.str", GGUF_TYPE_STRING, strs, 4), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.empty", GGUF_TYPE_STRING, strs, 0), 0);
    assert_int_equal(gguf_writer_set_arr(w, "a.empty_f32", GGUF_TYPE_FLOAT32, f32, 0), 0);
}

static void check_arrays(const gguf_file *g)
{
    const gguf_kv *kv = gguf_find_kv(g, "a.str");
    assert_int_equal(kv->arr_type, GGUF_TYPE_STRING);
    assert_int_equal(kv->n, 4);
    for (int i = 0; i < 4; i++) {
        const char *s;
        size_t len;
        assert_true(gguf_kv_arr_str(kv, (uint64_t)i, &s, &len));
        assert_int_equal(len, strlen(strs[i]));
        assert_memory_equal(s, strs[i], len);
    }
    int64_t v;
    double d;
    assert_true(gguf_kv_arr_int(gguf_find_kv(g, "a.u8"), 2, &v) && v == 255);
    assert_true(gguf_kv_arr_int(gguf_find_kv(g, "a.i16"), 0, &v) && v == -1);
    assert_true(gguf_kv_arr_int(gguf_find_kv(g, "a.i32"), 2, &v) && v == 6);
    assert_false(gguf_kv_arr_int(gguf_find_kv(g, "a.i32"), 3, &v));
    assert_true(gguf_kv_arr_float(gguf_find_kv(g, "a.f32"), 1, &d) && (float)d == -1e30f);
    assert_true(gguf_kv_arr_float(gguf_find_kv(g, "a.f64"), 0, &d) && d == 1e300);
    assert_false(gguf_kv_arr_int(gguf_find_kv(g, "a.u64"), 1, &v));
    assert_int_equal(gguf_find_kv(g, "a.bool")->data[0], 1);
    assert_int_equal(gguf_find_kv(g, "a.empty")->n, 0);
    assert_int_equal(gguf_find_kv(g, "a.empty_f32")->arr_type, GGUF_TYPE_FLOAT32);
    float f[3];
    assert_true(gguf_kv_arr_f32(gguf_find_kv(g, "a.i32"), f));
    assert_true(f[0] == 1.0f && f[2] == 6.0f);
}

#define NX 256
static float xs[NX];
static uint16_t halves[NX];

static void add_tensors(gguf_writer *w)
{
    for (int i = 0; i < NX; i++) {
        xs[i] = sinf((float)i * 0.37f) * 3.0f;
        halves[i] = quant_f32_to_f16(xs[i] * 0.5f);
    }
    const int64_t ne_f32[2] = {5, 3}, ne_q[2] = {64, 4}, ne_h[3] = {8, 4, 2}, ne_1[1] = {7};
    assert_int_equal(gguf_writer_add_tensor(w, "f32", GGML_TYPE_F32, 2, ne_f32, xs, GGML_TYPE_F32), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "f16.conv", GGML_TYPE_F16, 2, ne_q, xs, GGML_TYPE_F32), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "f16.raw", GGML_TYPE_F16, 3, ne_h, halves, GGML_TYPE_F16), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "q8_0", GGML_TYPE_Q8_0, 2, ne_q, xs, GGML_TYPE_F32), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "q4_0", GGML_TYPE_Q4_0, 2, ne_q, xs, GGML_TYPE_F32), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "bf16", GGML_TYPE_BF16, 2, ne_q, xs, GGML_TYPE_F32), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "norm", GGML_TYPE_F32, 1, ne_1, xs, GGML_TYPE_F32), 0);
}

static void check_tensor(const gguf_file *g, const char *name, int type, int64_t ne0,
                         int64_t rows, const void *want_src, int src_type)
{
    const gguf_tensor *t = gguf_find_tensor(g, name);
    assert_non_null(t);
    assert_int_equal(t->type, type);
    assert_int_equal(t->ne[0], ne0);
    assert_int_equal(t->offset % gguf_alignment(g), 0);
    assert_int_equal(((uintptr_t)t->data - (uintptr_t)gguf_tensor_at(g, 0)->data) %
                     gguf_alignment(g), 0);
    size_t rb = ggml_row_bytes(type, ne0);
    assert_int_equal(t->nbytes, rb * (size_t)rows);
    uint8_t *want = malloc(t->nbytes);
    assert_non_null(want);
    if (src_type == type)
        memcpy(want, want_src, t->nbytes);
    else
        assert_int_equal(quant_quantize_row(type, want_src, want, ne0 * rows), 0);
    assert_memory_equal(t->data, want, t->nbytes);
    free(want);
}

static void roundtrip(uint32_t align)
{
    gguf_writer *w = gguf_writer_new(align);
    assert_non_null(w);
    set_scalars(w);
    set_arrays(w);
    add_tensors(w);
    const char *path = testdir_path("rt.gguf");
    write_ok(w, path);
    gguf_writer_free(w);
    gguf_file *g = reopen(path);
    assert_int_equal(gguf_alignment(g), align ? align : 32);
    check_scalars(g);
    check_arrays(g);
    assert_int_equal(gguf_n_tensors(g), 7);
    assert_string_equal(gguf_tensor_at(g, 3)->name, "q8_0");
    check_tensor(g, "f32", GGML_TYPE_F32, 5, 3, xs, GGML_TYPE_F32);
    check_tensor(g, "f16.conv", GGML_TYPE_F16, 64, 4, xs, GGML_TYPE_F32);
    check_tensor(g, "f16.raw", GGML_TYPE_F16, 8, 8, halves, GGML_TYPE_F16);
    check_tensor(g, "q8_0", GGML_TYPE_Q8_0, 64, 4, xs, GGML_TYPE_F32);
    check_tensor(g, "q4_0", GGML_TYPE_Q4_0, 64, 4, xs, GGML_TYPE_F32);
    check_tensor(g, "bf16", GGML_TYPE_BF16, 64, 4, xs, GGML_TYPE_F32);
    check_tensor(g, "norm", GGML_TYPE_F32, 7, 1, xs, GGML_TYPE_F32);
    assert_int_equal(gguf_find_tensor(g, "f16.raw")->n_dims, 3);
    assert_int_equal(gguf_find_tensor(g, "f16.raw")->ne[2], 2);
    gguf_close(g);
}

static void test_roundtrip_default_alignment(void **state)
{
    (void)state;
    roundtrip(0);
}

static void test_roundtrip_alignment_64(void **state)
{
    (void)state;
    roundtrip(64);
}

static void test_copy_is_byte_identical(void **state)
{
    (void)state;
    gguf_writer *w = gguf_writer_new(64);
    set_scalars(w);
    set_arrays(w);
    add_tensors(w);
    write_ok(w, testdir_path("orig.gguf"));
    gguf_writer_free(w);
    gguf_copy_matches(testdir_path("orig.gguf"), testdir_path("copy.gguf"));
}

static int count_entries(void)
{
    DIR *d = opendir(testdir());
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_errors_and_atomicity(void **state)
{
    (void)state;
    char err[256] = "";
    const int64_t ne[2] = {48, 2};
    const char *path = testdir_path("err.gguf");
    int before = count_entries();
    gguf_writer *w = gguf_writer_new(0);
    assert_int_equal(gguf_writer_add_tensor(w, "x", GGML_TYPE_Q8_0, 2, ne, xs, GGML_TYPE_F32), -1);
    assert_int_equal(gguf_writer_add_tensor(w, "y", GGML_TYPE_F32, 2, ne, xs, GGML_TYPE_F32), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "y", GGML_TYPE_F32, 2, ne, xs, GGML_TYPE_F32), -1);
    assert_int_equal(gguf_writer_write(w, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "ne[0]=48 is not a multiple of the Q8_0 block size 32"));
    assert_int_equal(count_entries(), before);
    gguf_writer_free(w);

    w = gguf_writer_new(0);
    assert_int_equal(gguf_writer_add_tensor(w, "z", GGML_TYPE_Q8_0, 1, (int64_t[]){32}, halves,
                                            GGML_TYPE_F16), -1);
    assert_int_equal(gguf_writer_set_arr(w, "nested", GGUF_TYPE_ARRAY, xs, 1), -1);
    assert_int_equal(gguf_writer_write(w, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot convert F16 to Q8_0"));
    gguf_writer_free(w);
    assert_null(gguf_writer_new(48));

    /* A good write replaces an existing file and leaves no temporary behind. */
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    w = gguf_writer_new(0);
    assert_int_equal(gguf_writer_set_u32(w, "k", 7), 0);
    write_ok(w, path);
    gguf_writer_free(w);
    gguf_file *g = reopen(path);
    assert_int_equal(gguf_n_kv(g), 1);
    gguf_close(g);
    assert_int_equal(count_entries(), before + 1);
    w = gguf_writer_new(0);
    assert_int_equal(gguf_writer_write(w, testdir_path("no/such/dir.gguf"), err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot create a temporary file"));
    gguf_writer_free(w);
}

/* A tiny qwen2 model written here, then read back through gguf_model_config. */
static int write_qwen2(const char *path, int n_tokens, bool drop_eps)
{
    static const char *const toks[] = {"a", "b", "c", "d", "e"};
    static float embd[8 * 4];
    const int64_t ne[2] = {8, 4};
    char err[256];
    gguf_writer *w = gguf_writer_new(0);
    gguf_writer_set_str(w, "general.architecture", "qwen2", 5);
    gguf_writer_set_u32(w, "qwen2.embedding_length", 8);
    gguf_writer_set_u32(w, "qwen2.block_count", 2);
    gguf_writer_set_u32(w, "qwen2.attention.head_count", 4);
    gguf_writer_set_u32(w, "qwen2.attention.head_count_kv", 2);
    gguf_writer_set_u32(w, "qwen2.feed_forward_length", 16);
    gguf_writer_set_u32(w, "qwen2.context_length", 32);
    gguf_writer_set_f32(w, "qwen2.rope.freq_base", 1000000.0f);
    if (!drop_eps)
        gguf_writer_set_f32(w, "qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    gguf_writer_set_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, toks, (size_t)n_tokens);
    gguf_writer_add_tensor(w, "token_embd.weight", GGML_TYPE_F32, 2, ne, embd, GGML_TYPE_F32);
    gguf_writer_add_tensor(w, "output.weight", GGML_TYPE_Q8_0, 1, (int64_t[]){32}, embd,
                           GGML_TYPE_F32);
    int rc = gguf_writer_write(w, path, err, sizeof err);
    gguf_writer_free(w);
    return rc;
}

static void test_model_config_qwen2(void **state)
{
    (void)state;
    const char *path = testdir_path("qwen2.gguf");
    char err[256] = "";
    model_config cfg;
    assert_int_equal(write_qwen2(path, 4, false), 0);
    gguf_file *g = reopen(path);
    assert_int_equal(gguf_model_config(g, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.arch, "qwen2");
    assert_int_equal(cfg.n_vocab, 4);
    assert_int_equal(cfg.head_dim, 2);
    assert_int_equal(cfg.rope_dim, 2);
    assert_int_equal(cfg.n_kv_heads, 2);
    assert_true(cfg.rope_base == 1e6f && cfg.norm_eps == 1e-6f);
    assert_int_equal(cfg.rope, ROPE_NEOX);
    assert_true(cfg.qkv_bias && !cfg.tied_embeddings);
    gguf_close(g);

    assert_int_equal(write_qwen2(path, 5, false), 0);
    g = reopen(path);
    assert_int_equal(gguf_model_config(g, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "tokenizer.ggml.tokens has 5 entries but token_embd.weight has 4"));
    gguf_close(g);

    assert_int_equal(write_qwen2(path, 4, true), 0);
    g = reopen(path);
    assert_int_equal(gguf_model_config(g, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing required key qwen2.attention.layer_norm_rms_epsilon"));
    gguf_close(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_default_alignment),
        cmocka_unit_test(test_roundtrip_alignment_64),
        cmocka_unit_test(test_copy_is_byte_identical),
        cmocka_unit_test(test_errors_and_atomicity),
        cmocka_unit_test(test_model_config_qwen2),
    };
    return cmocka_run_group_tests_name("gguf_write", tests, testdir_setup, testdir_teardown);
}
