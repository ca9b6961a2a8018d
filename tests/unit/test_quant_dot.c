/* test_quant_dot.c - the quantized products against float arithmetic: for
 * every weight type and every kernel path this CPU runs (AVX-512 VNNI, AVX2,
 * scalar), one-row and tiled (prefill) products equal the float dot of the
 * dequantized weight rows with the dequantized activations within float
 * rounding, and the quantized activations stay within Q8_0's rounding of the
 * floats. And the result for a weight row and an activation row is the same
 * bits alone (decode), in tiles of any count, at any place in a tile, and on
 * every path: the next layer requantizes it, so K/V-cached decoding equals a
 * recompute only if it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"
#include "quant_dot.h"

/* 576: two 256-blocks and a 64 tail; 21 rows: a group of 16 (the AMX
 * kernel's) and 5 more; 70 tokens: five tiles of 16, the last partly
 * full (a group of four the tile kernels take at once, and one more) */
enum { K = 576, ROWS = 21, TOKENS = 70 };

static uint32_t rng = 1;

static float uniform(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / (1 << 24) - 0.5f;
}

static const int types[] = {
    GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16,   GGML_TYPE_Q4_0,   GGML_TYPE_Q4_1,
    GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,   GGML_TYPE_Q2_K,   GGML_TYPE_Q3_K,
    GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K,   GGML_TYPE_IQ4_NL, GGML_TYPE_IQ4_XS,
};

/* Rows of floats, which the kernels read against the float activations. */
static bool is_float(int type)
{
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16;
}

/* ROWS rows of TYPE: quantized floats where lathe has the quantizer, else
 * random blocks whose f16 scales are set to ordinary values. */
static uint8_t *make_rows(int type, int k, size_t *row_bytes)
{
    int elems, bytes;
    assert_true(ggml_type_info(type, &elems, &bytes));
    *row_bytes = ggml_row_bytes(type, k);
    uint8_t *w = malloc(*row_bytes * ROWS);
    float x[K];
    assert_non_null(w);
    for (int r = 0; r < ROWS; r++) {
        uint8_t *row = w + (size_t)r * *row_bytes;
        for (int i = 0; i < k; i++)
            x[i] = uniform() * (1 + (i % 7 == 0));
        if (quant_can_quantize(type)) {
            assert_int_equal(quant_quantize_row(type, x, row, k), 0);
            continue;
        }
        for (size_t i = 0; i < *row_bytes; i++)
            row[i] = (uint8_t)(uniform() * 256 + 128);
        static const struct { int type, off[2]; } halves[] = {
            {GGML_TYPE_Q2_K, {80, 82}}, {GGML_TYPE_Q3_K, {108, -1}},
            {GGML_TYPE_IQ4_NL, {0, -1}}, {GGML_TYPE_IQ4_XS, {0, -1}}};
        for (size_t h = 0; h < 4; h++)
            for (int b = 0; halves[h].type == type && b < k / elems; b++)
                for (int f = 0; f < 2 && halves[h].off[f] >= 0; f++) {
                    uint16_t v = quant_f32_to_f16(0.01f * (1 + uniform()));
                    memcpy(row + (size_t)b * bytes + halves[h].off[f], &v, 2);
                }
    }
    return w;
}

/* The activations as the kernels see them: d * q per element (one row). */
static void dequantized_act(const float *x, int k, float *out)
{
    quant_act a;
    void *buf = malloc(quant_act_bytes(1, k));
    assert_non_null(buf);
    quant_act_init(&a, buf, x, 1, k);
    for (int i = 0; i < k; i++) {
        out[i] = a.d[i / 16] * a.q[i];
        assert_true(fabsf(out[i] - x[i]) <= a.d[i / 16] * 0.5f + 1e-6f);
    }
    free(buf);
}

/* Float reference for W_r . x_t and the scale of its terms, sum |w x|. */
static double reference(int type, const uint8_t *row, const float *xt, int k, double *mag)
{
    float w[K], xq[K];
    assert_int_equal(quant_dequantize_row(type, row, w, k), 0);
    if (is_float(type))
        memcpy(xq, xt, (size_t)k * sizeof *xq);
    else
        dequantized_act(xt, k, xq);
    double s = 0;
    *mag = 0;
    for (int i = 0; i < k; i++) {
        s += (double)w[i] * xq[i];
        *mag += fabs((double)w[i] * xq[i]);
    }
    return s;
}

/* Y[t * ROWS + r] = W_r . x_t for the N rows of X and R0 <= r < ROWS, as
 * one product. */
static void product(int type, const uint8_t *w, size_t rb, int k, const float *x, int n, int r0,
                    float *y)
{
    void *buf = malloc(quant_act_bytes(n, k));
    assert_non_null(buf);
    quant_act a;
    quant_act_init(&a, buf, x, n, k);
    quant_dot_rows(type, w, rb, r0, ROWS, &a, y, ROWS);
    free(buf);
}

/* WANT (this path's one-row result) and GOT (from WHAT) bit for bit. */
static void assert_same_bits(float got, float want, const char *what, const char *path, int type,
                             int r, int t)
{
    if (memcmp(&got, &want, sizeof got))
        fail_msg("%s %s row %d token %d: one-row %.9g, but %s %.9g", path, ggml_type_name(type),
                 r, t, (double)want, what, (double)got);
}

/* Every token alone, all TOKENS together (three tiles, the last partly full)
 * and SHIFTED of them from token 5 on (each at another place in its tile).
 * Alone, the weight rows go four at a time where a kernel can (rows 0-3,
 * then row 4 by itself), and again from row 1 on (rows 1-4 together). */
enum { SHIFT = 5, SHIFTED = 20 };

static void check_type(int type, int k, const char *path, float *scalar_y)
{
    size_t rb;
    uint8_t *w = make_rows(type, k, &rb);
    float *x = malloc(sizeof(float) * TOKENS * K);
    float *y1 = malloc(sizeof(float) * TOKENS * ROWS), *yn = malloc(sizeof(float) * TOKENS * ROWS);
    float *ys = malloc(sizeof(float) * SHIFTED * ROWS), *yr = malloc(sizeof(float) * ROWS);
    assert_true(x && y1 && yn && ys && yr);
    for (int i = 0; i < TOKENS * k; i++)
        x[i] = uniform() * 3;
    for (int t = 0; t < TOKENS; t++) {
        product(type, w, rb, k, x + (size_t)t * k, 1, 0, y1 + (size_t)t * ROWS);
        product(type, w, rb, k, x + (size_t)t * k, 1, 1, yr);
        for (int r = 1; r < ROWS; r++)
            assert_same_bits(yr[r], y1[t * ROWS + r], "from row 1 on", path, type, r, t);
    }
    /* the tile kernels take weight rows four at a time: from row R0 on, the
     * last pass has 1, 4, 3 and 2 of them */
    for (int r0 = 3; r0 >= 0; r0--) {
        product(type, w, rb, k, x, TOKENS, r0, yn);
        for (int r = r0; r0 && r < ROWS; r++)
            for (int t = 0; t < TOKENS; t++)
                assert_same_bits(yn[t * ROWS + r], y1[t * ROWS + r], "tiled from a later row",
                                 path, type, r, t);
    }
    product(type, w, rb, k, x + (size_t)SHIFT * k, SHIFTED, 0, ys);
    for (int r = 0; r < ROWS; r++)
        for (int t = 0; t < TOKENS; t++) {
            float got = y1[t * ROWS + r];
            double mag, want = reference(type, w + r * rb, x + (size_t)t * k, k, &mag);
            if (fabs(got - want) > 1e-5 * mag + 1e-30)
                fail_msg("%s %s row %d token %d: %.8g, want %.8g (sum |wx| %g)", path,
                         ggml_type_name(type), r, t, got, want, mag);
            assert_same_bits(yn[t * ROWS + r], got, "tiled", path, type, r, t);
            if (t >= SHIFT && t < SHIFT + SHIFTED)
                assert_same_bits(ys[(t - SHIFT) * ROWS + r], got, "shifted tile", path, type, r,
                                 t);
            float *s = scalar_y + (size_t)t * ROWS + r;
            if (!strcmp(path, "scalar"))
                *s = got;
            else if (!is_float(type))
                assert_same_bits(*s, got, "the scalar path", path, type, r, t);
            else if (fabsf(got - *s) > 1e-5 * mag)
                fail_msg("%s %s row %d token %d: %g, scalar path %g", path,
                         ggml_type_name(type), r, t, got, *s);
        }
    free(w);
    free(x);
    free(y1);
    free(yn);
    free(ys);
    free(yr);
}

static void test_every_type_every_path(void **state)
{
    (void)state;
    const char *names[8];
    int n = quant_dot_paths(names, 8);
    assert_true(n >= 1);
    assert_string_equal(names[n - 1], "scalar");
    float *scalar_y = malloc(sizeof(float) * TOKENS * ROWS);
    assert_non_null(scalar_y);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        int elems;
        ggml_type_info(types[t], &elems, NULL);
        /* rows of 32-element blocks ending in a chunk of each size, 2 1 3 4 5 6 7 8
         * blocks (the kernels make each a case of its own) */
        static const int ks[] = {K, 288, 352, 384, 416, 448, 480, 256};
        int nk = (int)(sizeof ks / sizeof ks[0]);
        assert_true(quant_dot_supported(types[t]));
        for (int w = 0; w < (elems == 256 ? 1 : nk); w++) {
            int k = elems == 256 ? 512 : ks[w];
            for (int p = n - 1; p >= 0; p--) {
                rng = 1000 + (uint32_t)t;
                assert_true(quant_dot_use(names[p]));
                assert_string_equal(quant_dot_path(), names[p]);
                check_type(types[t], k, names[p], scalar_y);
            }
        }
    }
    assert_true(quant_dot_use(names[0]));
    free(scalar_y);
    assert_true(quant_dot_supported(GGML_TYPE_F32));
    assert_false(quant_dot_supported(GGML_TYPE_IQ2_XXS));
    assert_false(quant_dot_use("no-such-path"));
}

/* Activations with the edge cases of the rounding, one per 32-block of a
 * row: NaN, infinities, zeros, ties (x / d exactly j + 0.5 for d = 1 and
 * d = 0.5), a subnormal maximum (1 / d overflows to infinity), values just
 * past 127 * d; the other blocks random. */
static void edge_row(float *x, int k, int row)
{
    for (int i = 0; i < k; i++)
        x[i] = uniform() * (float)(1 + row % 5) * 10;
    float *b = x + 32 * (row % 3);
    switch (row % 8) {
    case 0: b[3] = NAN; b[17] = -NAN; break;
    case 1: b[0] = INFINITY; b[31] = -INFINITY; break;
    case 2: memset(b, 0, 32 * sizeof *b); b[5] = -0.0f; break;
    case 3: for (int j = 0; j < 32; j++) b[j] = (float)(j - 16) + 0.5f; b[31] = 127; break;
    case 4: for (int j = 0; j < 32; j++) b[j] = (float)(j - 16) * 0.25f; b[0] = -63.5f; break;
    case 5: for (int j = 0; j < 32; j++) b[j] = 1e-40f * (float)(j % 3); break;
    case 6: for (int j = 0; j < 32; j++) b[j] = NAN; break;
    default: b[7] = 1e30f; b[8] = -3e-39f; break;
    }
}

/* The buffer quant_act_init fills for N rows of K on the path in use, from
 * a buffer of garbage: the padding must come out zero. */
static uint8_t *quantized(const float *x, int n, int k)
{
    size_t bytes = quant_act_bytes(n, k);
    uint8_t *buf = malloc(bytes);
    assert_non_null(buf);
    memset(buf, 0xa5, bytes);
    quant_act a;
    quant_act_init(&a, buf, x, n, k);
    return buf;
}

/* Every path's activation quantization equals the scalar path's byte for
 * byte, padding included, for one row and for tiles (full and partly full),
 * at widths that are and are not multiples of 256. */
static void test_quantization_every_path(void **state)
{
    (void)state;
    static const int shapes[][2] = {{1, 576}, {1, 288}, {16, 512}, {37, 576}, {3, 288}};
    const char *names[8];
    int paths = quant_dot_paths(names, 8);
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        int n = shapes[sh][0], k = shapes[sh][1];
        float *x = malloc(sizeof(float) * (size_t)n * (size_t)k);
        assert_non_null(x);
        for (int t = 0; t < n; t++)
            edge_row(x + (size_t)t * k, k, t + (int)sh);
        assert_true(quant_dot_use("scalar"));
        size_t bytes = quant_act_bytes(n, k);
        uint8_t *want = quantized(x, n, k), *zeroed = malloc(bytes);
        assert_non_null(zeroed);
        memset(zeroed, 0, bytes);
        quant_act a;
        quant_act_init(&a, zeroed, x, n, k);
        assert_memory_equal(want, zeroed, bytes);
        for (int p = 0; p < paths; p++) {
            assert_true(quant_dot_use(names[p]));
            uint8_t *got = quantized(x, n, k);
            for (size_t i = 0; i < bytes; i++)
                if (got[i] != want[i])
                    fail_msg("%s: %d rows of %d: byte %zu is %d, scalar %d", names[p], n, k, i,
                             got[i], want[i]);
            free(got);
        }
        free(want);
        free(zeroed);
        free(x);
    }
    assert_true(quant_dot_use(names[0]));
}

/* The scalar reference itself on the edge cases: NaN is code 0 and left
 * out of the maximum, ties round to even, a subnormal maximum saturates. */
static void test_quantization_rounding(void **state)
{
    (void)state;
    float x[64] = {0};
    for (int j = 0; j < 32; j++)
        x[j] = (float)(j - 16) + 0.5f;  /* ties at d = 1 */
    x[31] = 127;
    x[0] = NAN;
    x[32] = 1e-40f;
    x[33] = -1e-40f;
    assert_true(quant_dot_use("scalar"));
    uint8_t *buf = quantized(x, 1, 64);
    quant_act a;
    quant_act_layout(&a, buf, x, 1, 64);
    assert_true(a.d[0] == 1.0f);
    assert_int_equal(a.q[0], 0);
    assert_int_equal(a.q[1], -14);  /* -14.5 */
    assert_int_equal(a.q[2], -14);  /* -13.5 */
    assert_int_equal(a.q[16], 0);   /* 0.5 */
    assert_int_equal(a.q[17], 2);   /* 1.5 */
    assert_int_equal(a.q[31], 127);
    assert_int_equal(a.q[32], 127);
    assert_int_equal(a.q[33], -127);
    assert_int_equal(a.q[34], 0);
    int32_t s0 = 0;
    for (int j = 0; j < 16; j++)
        s0 += a.q[j];
    assert_int_equal(a.sum[0], s0);
    free(buf);
    const char *names[8];
    quant_dot_paths(names, 8);
    assert_true(quant_dot_use(names[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_every_path),
        cmocka_unit_test(test_quantization_every_path),
        cmocka_unit_test(test_quantization_rounding),
    };
    return cmocka_run_group_tests_name("quant_dot", tests, NULL, NULL);
}
