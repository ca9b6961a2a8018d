/* test_quant.c - weight element conversions: half and bfloat16 edge cases
 * (subnormals, infinities, NaN, ties), an exhaustive half round trip checked
 * against the compiler's _Float16, Q8_0/Q4_0 quantize->dequantize on blocks
 * whose values are worked out by hand, and Q4_K/Q6_K blocks packed here from
 * chosen scales and quants, expected values computed straight from those. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint32_t to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void test_f16_to_f32_edges(void **state)
{
    (void)state;
    assert_true(quant_f16_to_f32(0x0000) == 0.0f && !signbit(quant_f16_to_f32(0x0000)));
    assert_true(quant_f16_to_f32(0x8000) == 0.0f && signbit(quant_f16_to_f32(0x8000)));
    assert_true(quant_f16_to_f32(0x0001) == 0x1p-24f);
    assert_true(quant_f16_to_f32(0x8001) == -0x1p-24f);
    assert_true(quant_f16_to_f32(0x03ff) == 1023 * 0x1p-24f);
    assert_true(quant_f16_to_f32(0x0400) == 0x1p-14f);
    assert_true(quant_f16_to_f32(0x3c00) == 1.0f);
    assert_true(quant_f16_to_f32(0xc000) == -2.0f);
    assert_true(quant_f16_to_f32(0x7bff) == 65504.0f);
    assert_true(isinf(quant_f16_to_f32(0x7c00)) && quant_f16_to_f32(0x7c00) > 0);
    assert_true(isinf(quant_f16_to_f32(0xfc00)) && quant_f16_to_f32(0xfc00) < 0);
    assert_true(isnan(quant_f16_to_f32(0x7e00)));
    assert_true(isnan(quant_f16_to_f32(0x7c01)));
}

static void test_f32_to_f16_rounding(void **state)
{
    (void)state;
    assert_int_equal(quant_f32_to_f16(1.0f), 0x3c00);
    assert_int_equal(quant_f32_to_f16(-0.0f), 0x8000);
    assert_int_equal(quant_f32_to_f16(65504.0f), 0x7bff);
    assert_int_equal(quant_f32_to_f16(65519.99f), 0x7bff);
    assert_int_equal(quant_f32_to_f16(65520.0f), 0x7c00);   /* tie goes to even: inf */
    assert_int_equal(quant_f32_to_f16(1e9f), 0x7c00);
    assert_int_equal(quant_f32_to_f16(-1e9f), 0xfc00);
    assert_int_equal(quant_f32_to_f16(INFINITY), 0x7c00);
    assert_int_equal(quant_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);          /* tie, even */
    assert_int_equal(quant_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);      /* tie, up */
    assert_int_equal(quant_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    assert_int_equal(quant_f32_to_f16(0x1p-14f), 0x0400);
    assert_int_equal(quant_f32_to_f16(0x1p-24f), 0x0001);
    assert_int_equal(quant_f32_to_f16(0x1p-25f), 0x0000);                 /* tie, even */
    assert_int_equal(quant_f32_to_f16(1.5f * 0x1p-25f), 0x0001);
    assert_int_equal(quant_f32_to_f16(3 * 0x1p-25f), 0x0002);             /* tie, up */
    assert_int_equal(quant_f32_to_f16(1023.5f * 0x1p-24f), 0x0400);       /* up to normal */
    assert_int_equal(quant_f32_to_f16(from_bits(1)), 0x0000);             /* f32 subnormal */
    uint16_t n = quant_f32_to_f16(NAN);
    assert_true((n & 0x7c00) == 0x7c00 && (n & 0x3ff));
    n = quant_f32_to_f16(from_bits(0xff800001));                          /* signalling */
    assert_true((n & 0xfe00) == 0xfe00);
}

static void test_f16_exhaustive(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = quant_f16_to_f32((uint16_t)h);
        if (isnan(f))
            continue;
        assert_int_equal(quant_f32_to_f16(f), h);
#ifdef __FLT16_MAX__
        _Float16 ref;
        uint16_t hb = (uint16_t)h;
        memcpy(&ref, &hb, 2);
        assert_true(to_bits((float)ref) == to_bits(f));
#endif
    }
#ifdef __FLT16_MAX__
    /* Narrowing against the compiler's conversion on a spread of floats. */
    uint32_t u = 12345;
    for (int i = 0; i < 200000; i++) {
        u = u * 1664525u + 1013904223u;
        float f = from_bits((u & 0x8fffffffu) | 0x30000000u);
        _Float16 ref = (_Float16)f;
        uint16_t rb;
        memcpy(&rb, &ref, 2);
        if (!isnan(f))
            assert_int_equal(quant_f32_to_f16(f), rb);
    }
#endif
}

static void test_bf16(void **state)
{
    (void)state;
    assert_int_equal(quant_f32_to_bf16(1.0f), 0x3f80);
    assert_int_equal(quant_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);          /* tie, even */
    assert_int_equal(quant_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);      /* tie, up */
    assert_int_equal(quant_f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
    assert_int_equal(quant_f32_to_bf16(-2.0f), 0xc000);
    assert_int_equal(quant_f32_to_bf16(INFINITY), 0x7f80);
    assert_int_equal(quant_f32_to_bf16(from_bits(0x7f7fffff)), 0x7f80);   /* FLT_MAX -> inf */
    assert_int_equal(quant_f32_to_bf16(from_bits(0x7f800001)), 0x7fc0);   /* NaN made quiet */
    assert_int_equal(quant_f32_to_bf16(from_bits(0xffc00000)), 0xffc0);
    assert_int_equal(quant_f32_to_bf16(from_bits(0x00000001)), 0x0000);
    assert_int_equal(quant_f32_to_bf16(from_bits(0x00018000)), 0x0002);   /* subnormal tie */
    assert_true(quant_bf16_to_f32(0x3f80) == 1.0f);
    assert_true(quant_bf16_to_f32(0x0001) == from_bits(0x00010000));
    assert_true(isnan(quant_bf16_to_f32(0x7fc0)));
    for (uint32_t h = 0; h < 0x10000; h++)
        if (!isnan(quant_bf16_to_f32((uint16_t)h)))
            assert_int_equal(quant_f32_to_bf16(quant_bf16_to_f32((uint16_t)h)), h);
}

static void test_q8_0_hand_block(void **state)
{
    (void)state;
    float x[32], y[32];
    uint8_t b[34];
    for (int j = 0; j < 32; j++)
        x[j] = (j - 16) * 0.5f;                    /* -8 .. 7.5, amax 8 */
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q8_0, x, b, 32), 0);
    /* d = 8/127 = 0.0629921; as half: 2^-4 * (1 + 8/1024) = 0x2c08. */
    assert_int_equal(b[0] | b[1] << 8, 0x2c08);
    assert_int_equal((int8_t)b[2 + 0], -127);      /* -8 * 127/8 */
    assert_int_equal((int8_t)b[2 + 17], 8);        /* 0.5 * 15.875 = 7.94 */
    assert_int_equal((int8_t)b[2 + 18], 16);       /* 1.0 * 15.875 */
    assert_int_equal((int8_t)b[2 + 16], 0);
    assert_int_equal((int8_t)b[2 + 31], 119);      /* 7.5 * 15.875 = 119.06 */
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q8_0, b, y, 32), 0);
    assert_true(y[0] == -127 * 0.06298828125f);
    assert_true(y[17] == 8 * 0.06298828125f);
    assert_true(y[31] == 119 * 0.06298828125f);
    for (int j = 0; j < 32; j++)
        assert_true(fabsf(y[j] - x[j]) <= 0.5f * 8 / 127 + 1e-3f);
    float zero[32] = {0};
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q8_0, zero, b, 32), 0);
    for (int j = 0; j < 34; j++)
        assert_int_equal(b[j], 0);
}

static void test_q4_0_hand_block(void **state)
{
    (void)state;
    float x[32], y[32];
    uint8_t b[18];
    for (int j = 0; j < 32; j++)
        x[j] = (float)(j - 16);                    /* -16 .. 15: max is -16 */
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q4_0, x, b, 32), 0);
    /* d = -16/-8 = 2 (half 0x4000); q = trunc(x/2 + 8.5), capped at 15. */
    assert_int_equal(b[0] | b[1] << 8, 0x4000);
    assert_int_equal(b[2 + 0], 0x80);              /* lo: x=-16 -> 0; hi: x=0 -> 8 */
    assert_int_equal(b[2 + 1], 0x91);              /* lo: x=-15 -> 1; hi: x=1 -> trunc(9) */
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q4_0, b, y, 32), 0);
    assert_true(y[0] == -16.0f);
    assert_true(y[1] == -14.0f);                   /* (1 - 8) * 2 */
    assert_true(y[16] == 0.0f);
    assert_true(y[31] == 14.0f);                   /* 15 -> trunc(16) capped 15: (15-8)*2 */
    for (int j = 0; j < 32; j++)
        assert_true(fabsf(y[j] - x[j]) <= 2.0f);
}

/* Q4_K built from chosen 6-bit scales/mins and 4-bit quants. */
static void test_q4_k_block(void **state)
{
    (void)state;
    uint8_t b[144] = {0}, sc[8], mn[8], q[256];
    for (int j = 0; j < 8; j++) {
        sc[j] = (uint8_t)(7 * j + 5 + (j == 7 ? 14 : 0));   /* up to 68 -> 63 below */
        sc[j] &= 63;
        mn[j] = (uint8_t)(63 - 9 * j);
    }
    for (int e = 0; e < 256; e++)
        q[e] = (uint8_t)((e * 7 + e / 16) & 15);
    const uint16_t d = 0x2e66, dmin = 0x1c00;   /* 0.0999756, 0.00390625 */
    memcpy(b, &d, 2);
    memcpy(b + 2, &dmin, 2);
    uint8_t *s = b + 4;
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            s[j] = sc[j];
            s[j + 4] = mn[j];
        } else {
            s[j + 4] = (uint8_t)((sc[j] & 15) | (mn[j] & 15) << 4);
            s[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
            s[j] |= (uint8_t)((mn[j] >> 4) << 6);
        }
    }
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++)
            b[16 + 32 * c + l] = (uint8_t)(q[64 * c + l] | q[64 * c + 32 + l] << 4);
    float y[256];
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q4_K, b, y, 256), 0);
    float df = quant_f16_to_f32(d), mf = quant_f16_to_f32(dmin);
    for (int e = 0; e < 256; e++) {
        int j = e / 32;
        float want = (df * sc[j]) * q[e] - mf * mn[j];
        if (y[e] != want)
            fail_msg("element %d: %g, want %g", e, y[e], want);
    }
}

/* Q6_K built from chosen 6-bit quants and signed 8-bit scales. */
static void test_q6_k_block(void **state)
{
    (void)state;
    uint8_t b[210] = {0}, L[256];
    int8_t sc[16];
    for (int i = 0; i < 16; i++)
        sc[i] = (int8_t)(i * 17 - 128);
    for (int e = 0; e < 256; e++)
        L[e] = (uint8_t)((e * 37 + 11) & 63);
    for (int half = 0; half < 2; half++) {
        uint8_t *ql = b + 64 * half, *qh = b + 128 + 32 * half;
        const uint8_t *Lh = L + 128 * half;
        for (int l = 0; l < 32; l++) {
            ql[l] = (uint8_t)((Lh[l] & 15) | (Lh[l + 64] & 15) << 4);
            ql[l + 32] = (uint8_t)((Lh[l + 32] & 15) | (Lh[l + 96] & 15) << 4);
            qh[l] = (uint8_t)(Lh[l] >> 4 | (Lh[l + 32] >> 4) << 2 | (Lh[l + 64] >> 4) << 4 |
                              (Lh[l + 96] >> 4) << 6);
        }
    }
    memcpy(b + 192, sc, 16);
    const uint16_t d = 0x1a00;                   /* 0.0029296875 */
    memcpy(b + 208, &d, 2);
    float y[512];
    uint8_t two[420];
    memcpy(two, b, 210);
    memcpy(two + 210, b, 210);
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q6_K, two, y, 512), 0);
    float df = quant_f16_to_f32(d);
    for (int e = 0; e < 512; e++) {
        float want = df * sc[(e % 256) / 16] * (L[e % 256] - 32);
        if (y[e] != want)
            fail_msg("element %d: %g, want %g", e, y[e], want);
    }
}

static void test_rows_and_errors(void **state)
{
    (void)state;
    /* A 3 x 64 Q8_0 matrix; rows 1..2 into scratch equal per-row dequantization. */
    float x[192], rows[128], want[64];
    uint8_t q[3 * 68];
    for (int i = 0; i < 192; i++)
        x[i] = sinf((float)i);
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q8_0, x, q, 192), 0);
    assert_int_equal(quant_dequantize_rows(GGML_TYPE_Q8_0, q, 64, 1, 2, rows), 0);
    for (int r = 1; r < 3; r++) {
        assert_int_equal(quant_dequantize_row(GGML_TYPE_Q8_0, q + 68 * r, want, 64), 0);
        assert_memory_equal(rows + 64 * (r - 1), want, sizeof want);
    }
    uint16_t h[64];
    assert_int_equal(quant_quantize_row(GGML_TYPE_F16, x, h, 64), 0);
    assert_int_equal(quant_dequantize_rows(GGML_TYPE_F16, h, 32, 1, 1, rows), 0);
    assert_true(rows[0] == quant_f16_to_f32(quant_f32_to_f16(x[32])));
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q8_0, q, rows, 33), -1);
    assert_int_equal(quant_dequantize_row(GGML_TYPE_IQ2_XS, q, rows, 256), -1);
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q4_K, x, q, 32), -1);
    assert_int_equal(quant_quantize_row(GGML_TYPE_IQ4_NL, x, q, 32), -1);
    assert_int_equal(quant_dequantize_rows(GGML_TYPE_Q4_0, q, 48, 0, 1, rows), -1);
    assert_false(quant_can_dequantize(GGML_TYPE_IQ3_S));
    assert_false(quant_can_dequantize(GGML_TYPE_TQ1_0));
    assert_true(quant_can_dequantize(GGML_TYPE_Q5_K));
}

/* Every block type against tests/ref/make_quant_fixtures.py, an independent
 * Python implementation of ggml's formulas rounding as C floats do: equal
 * bit for bit. */
static void test_dequantize_matches_reference(void **state)
{
    (void)state;
    const char *src = getenv("LATHE_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/ref/fixtures/quant_blocks.bin", src ? src : ".");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    int types = 0;
    uint32_t h[4];
    while (fread(h, sizeof h, 1, f) == 1) {
        size_t bytes = (size_t)h[1] * h[2], n = (size_t)h[1] * h[3];
        uint8_t *blocks = malloc(bytes);
        float *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
        assert_true(blocks && want && got);
        assert_int_equal(fread(blocks, 1, bytes, f), bytes);
        assert_int_equal(fread(want, sizeof *want, n, f), n);
        assert_true(quant_can_dequantize((int)h[0]));
        assert_int_equal(quant_dequantize_row((int)h[0], blocks, got, (int64_t)n), 0);
        for (size_t i = 0; i < n; i++)
            if (to_bits(got[i]) != to_bits(want[i]))
                fail_msg("%s element %zu: %a, want %a", ggml_type_name((int)h[0]), i, got[i],
                         want[i]);
        free(blocks);
        free(want);
        free(got);
        types++;
    }
    fclose(f);
    assert_int_equal(types, 12);
}

/* Every quantizer round trip on Gaussian-like rows: relative RMS error
 * within what its bit width allows (ggml's reference quantizers reach about
 * these: 8 bits 0.5 %, 6 bits 2 %, 5 bits 4 %, 4 bits 8-9 %). */
static void test_quantize_round_trip(void **state)
{
    (void)state;
    enum { N = 1024 };
    static const struct { int type; double max_rel; } cases[] = {
        {GGML_TYPE_Q8_0, 0.006}, {GGML_TYPE_Q6_K, 0.03}, {GGML_TYPE_Q5_K, 0.045},
        {GGML_TYPE_Q5_0, 0.06}, {GGML_TYPE_Q5_1, 0.05}, {GGML_TYPE_Q4_K, 0.09},
        {GGML_TYPE_Q4_0, 0.12}, {GGML_TYPE_Q4_1, 0.1},
    };
    float x[N], y[N];
    uint8_t q[N * 2];
    uint32_t u = 7;
    for (int i = 0; i < N; i++) {
        float s = 0;
        for (int k = 0; k < 4; k++) {
            u = u * 1664525u + 1013904223u;
            s += (float)(u >> 8) / (1 << 24) - 0.5f;
        }
        x[i] = s * (i % 256 < 128 ? 1.0f : 3.0f) + (i % 64 == 0 ? 2.0f : 0.0f);
    }
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assert_true(quant_can_quantize(cases[c].type));
        assert_int_equal(quant_quantize_row(cases[c].type, x, q, N), 0);
        assert_int_equal(quant_dequantize_row(cases[c].type, q, y, N), 0);
        double e2 = 0, x2 = 0;
        for (int i = 0; i < N; i++) {
            e2 += (double)(y[i] - x[i]) * (y[i] - x[i]);
            x2 += (double)x[i] * x[i];
        }
        if (sqrt(e2 / x2) > cases[c].max_rel)
            fail_msg("%s: relative RMS error %.4f", ggml_type_name(cases[c].type), sqrt(e2 / x2));
    }
    float zero[256] = {0};
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q4_K, zero, q, 256), 0);
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q4_K, q, y, 256), 0);
    for (int i = 0; i < 256; i++)
        assert_true(y[i] == 0.0f);
}

static void test_nonfinite_input_is_defined(void **state)
{
    (void)state;
    float x[32], y[32];
    uint8_t b[34];
    for (int j = 0; j < 32; j++)
        x[j] = (float)j;
    x[3] = NAN;
    x[4] = INFINITY;
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q8_0, x, b, 32), 0);
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q8_0, b, y, 32), 0);
    assert_int_equal(quant_quantize_row(GGML_TYPE_Q4_0, x, b, 32), 0);
    assert_int_equal(quant_dequantize_row(GGML_TYPE_Q4_0, b, y, 32), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f16_to_f32_edges),
        cmocka_unit_test(test_f32_to_f16_rounding),
        cmocka_unit_test(test_f16_exhaustive),
        cmocka_unit_test(test_bf16),
        cmocka_unit_test(test_q8_0_hand_block),
        cmocka_unit_test(test_q4_0_hand_block),
        cmocka_unit_test(test_q4_k_block),
        cmocka_unit_test(test_q6_k_block),
        cmocka_unit_test(test_rows_and_errors),
        cmocka_unit_test(test_nonfinite_input_is_defined),
        cmocka_unit_test(test_dequantize_matches_reference),
        cmocka_unit_test(test_quantize_round_trip),
    };
    return cmocka_run_group_tests_name("quant", tests, NULL, NULL);
}
