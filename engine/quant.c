/* quant.c - half/bfloat16 conversions, block dequantizers and the Q8_0/Q4_0
 * reference quantizers. Blocks are read with memcpy for their f16 scales:
 * a GGUF mapping only aligns tensors, and 18- or 34-byte blocks leave every
 * other scale on an odd address. */
#include "config.h"

#include "quant.h"

#include <math.h>
#include <string.h>

#include "gguf.h"

/* ------------------------------------------------------------ scalars */

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Branch-free (masks, not selects) so that row loops vectorize: normals
 * rebias the exponent, inf/NaN move to the float's all-ones exponent, and
 * subnormals are rebuilt as (2^-14 + m*2^-24) - 2^-14 with no float
 * subnormal arithmetic, so a flush-to-zero FPU mode cannot change them. */
static inline float f16_to_f32(uint16_t h)
{
    uint32_t em = h & 0x7fffu, sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t inf = 0u - (uint32_t)(em >= 0x7c00u), sub = 0u - (uint32_t)(em < 0x400u);
    uint32_t bits = (em << 13) + (112u << 23) + (inf & (112u << 23));
    uint32_t sub_bits = f32_bits(bits_f32((113u << 23) | (em << 13)) - 0x1p-14f);
    return bits_f32((bits & ~sub) | (sub_bits & sub) | sign);
}

float quant_f16_to_f32(uint16_t h)
{
    return f16_to_f32(h);
}

/* Rounds MANT >> SHIFT to nearest, ties to even. */
static uint32_t shift_rne(uint32_t mant, unsigned shift)
{
    uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    return q + (rem > half || (rem == half && (q & 1)));
}

uint16_t quant_f32_to_f16(float f)
{
    uint32_t u = f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t exp = (u >> 23) & 0xff, mant = u & 0x7fffff;
    if (exp == 0xff)
        return sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0);
    if (exp >= 143)                     /* 2^16 and above */
        return sign | 0x7c00;
    if (exp >= 113) {                   /* normal half; a carry may round up to inf */
        uint32_t v = (exp - 112) << 23 | mant;
        return sign | (uint16_t)shift_rne(v, 13);
    }
    if (exp < 101)                      /* below 2^-26: rounds to zero */
        return sign;
    /* Subnormal half: value / 2^-24 = (mant | implicit) * 2^(exp - 126 - 23 + 24). */
    return sign | (uint16_t)shift_rne(mant | 0x800000, 126 - exp);
}

float quant_bf16_to_f32(uint16_t h)
{
    return bits_f32((uint32_t)h << 16);
}

uint16_t quant_f32_to_bf16(float f)
{
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

static float load_f16(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return f16_to_f32(h);
}

static void store_f16(uint8_t *p, float f)
{
    uint16_t h = quant_f32_to_f16(f);
    memcpy(p, &h, 2);
}

/* ------------------------------------------------------------ dequantize */

enum { Q8_0_BYTES = 34, Q4_0_BYTES = 18, Q4_K_BYTES = 144, Q6_K_BYTES = 210 };

static void deq_q8_0(const uint8_t *restrict b, float *restrict y)
{
    float d = load_f16(b);
    const int8_t *qs = (const int8_t *)(b + 2);
    for (int j = 0; j < QUANT_QK; j++)
        y[j] = qs[j] * d;
}

static void deq_q4_0(const uint8_t *restrict b, float *restrict y)
{
    float d = load_f16(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < QUANT_QK / 2; j++) {
        y[j] = ((qs[j] & 0xf) - 8) * d;
        y[j + QUANT_QK / 2] = ((qs[j] >> 4) - 8) * d;
    }
}

/* The 6-bit scale and min of sub-block J from the 12 packed bytes S. */
static void q4k_scale_min(int j, const uint8_t *s, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

static void deq_q4_k(const uint8_t *restrict b, float *restrict y)
{
    float d = load_f16(b), dmin = load_f16(b + 2);
    const uint8_t *scales = b + 4, *qs = b + 16;
    for (int c = 0; c < 4; c++, qs += 32, y += 64) {
        int sc0, m0, sc1, m1;
        q4k_scale_min(2 * c, scales, &sc0, &m0);
        q4k_scale_min(2 * c + 1, scales, &sc1, &m1);
        float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
        for (int l = 0; l < 32; l++) {
            y[l] = d0 * (qs[l] & 0xf) - min0;
            y[l + 32] = d1 * (qs[l] >> 4) - min1;
        }
    }
}

static void deq_q6_k(const uint8_t *restrict b, float *restrict y)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = load_f16(b + 208);
    for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, y += 128) {
        /* Each group of 16 shares its four scales; d * sc is ggml's order. */
        for (int g = 0; g < 2; g++) {
            float s1 = d * sc[g], s2 = d * sc[g + 2], s3 = d * sc[g + 4], s4 = d * sc[g + 6];
            for (int l = 16 * g; l < 16 * g + 16; l++) {
                int q1 = ((ql[l] & 0xf) | ((qh[l] & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = s1 * q1;
                y[l + 32] = s2 * q2;
                y[l + 64] = s3 * q3;
                y[l + 96] = s4 * q4;
            }
        }
    }
}

/* Converts K halves (K <= HALF_CHUNK) through an aligned copy, as rows need
 * not be 2-byte aligned. Full chunks take the fixed-count loops, which the
 * compiler vectorizes at -O2; the tail takes the same conversion unrolled. */
enum { HALF_CHUNK = 256 };

static void halves_chunk(const uint8_t *restrict p, float *restrict dst, int k, bool bf16)
{
    uint16_t h[HALF_CHUNK];
    memcpy(h, p, 2 * (size_t)k);
    if (k == HALF_CHUNK && bf16)
        for (int j = 0; j < HALF_CHUNK; j++)
            dst[j] = quant_bf16_to_f32(h[j]);
    else if (k == HALF_CHUNK)
        for (int j = 0; j < HALF_CHUNK; j++)
            dst[j] = f16_to_f32(h[j]);
    else
        for (int j = 0; j < k; j++)
            dst[j] = bf16 ? quant_bf16_to_f32(h[j]) : f16_to_f32(h[j]);
}

static void halves_to_f32(const uint8_t *restrict p, float *restrict dst, int64_t n, bool bf16)
{
    for (int64_t i = 0; i < n; i += HALF_CHUNK)
        halves_chunk(p + 2 * i, dst + i, n - i < HALF_CHUNK ? (int)(n - i) : HALF_CHUNK, bf16);
}

typedef void (*block_fn)(const uint8_t *restrict, float *restrict);

static bool block_dequantizer(int type, block_fn *fn, int *elems, int *bytes)
{
    switch (type) {
    case GGML_TYPE_Q8_0: *fn = deq_q8_0; *elems = QUANT_QK; *bytes = Q8_0_BYTES; return true;
    case GGML_TYPE_Q4_0: *fn = deq_q4_0; *elems = QUANT_QK; *bytes = Q4_0_BYTES; return true;
    case GGML_TYPE_Q4_K: *fn = deq_q4_k; *elems = QUANT_QK_K; *bytes = Q4_K_BYTES; return true;
    case GGML_TYPE_Q6_K: *fn = deq_q6_k; *elems = QUANT_QK_K; *bytes = Q6_K_BYTES; return true;
    default: return false;
    }
}

bool quant_can_dequantize(int type)
{
    block_fn fn;
    int e, b;
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
           block_dequantizer(type, &fn, &e, &b);
}

int quant_dequantize_row(int type, const void *src, float *dst, int64_t n)
{
    const uint8_t *p = src;
    block_fn fn;
    int elems, bytes;
    if (n < 0)
        return -1;
    if (type == GGML_TYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof *dst);
        return 0;
    }
    if (type == GGML_TYPE_F16) {
        halves_to_f32(p, dst, n, false);
        return 0;
    }
    if (type == GGML_TYPE_BF16) {
        halves_to_f32(p, dst, n, true);
        return 0;
    }
    if (!block_dequantizer(type, &fn, &elems, &bytes) || n % elems)
        return -1;
    for (int64_t i = 0; i < n / elems; i++)
        fn(p + i * bytes, dst + i * elems);
    return 0;
}

int quant_dequantize_rows(int type, const void *data, int64_t cols, int64_t row0,
                          int64_t nrows, float *scratch)
{
    size_t row_bytes = ggml_row_bytes(type, cols);
    if (!row_bytes || row0 < 0 || nrows < 0 || !quant_can_dequantize(type))
        return -1;
    const uint8_t *p = (const uint8_t *)data + (size_t)row0 * row_bytes;
    for (int64_t r = 0; r < nrows; r++)
        if (quant_dequantize_row(type, p + (size_t)r * row_bytes, scratch + r * cols, cols))
            return -1;
    return 0;
}

/* ------------------------------------------------------------ quantize */

/* ggml's float->int conversions are undefined for NaN and out-of-range
 * values; clamping and mapping NaN to zero keeps finite input bit-exact. */
static int clamp_round(float v, int lo, int hi, bool truncate)
{
    if (!(v == v))
        return 0;
    float r = truncate ? truncf(v) : roundf(v);
    return r < (float)lo ? lo : r > (float)hi ? hi : (int)r;
}

static void quantize_q8_0(const float *x, uint8_t *b)
{
    float amax = 0.0f;
    for (int j = 0; j < QUANT_QK; j++)
        amax = fmaxf(amax, fabsf(x[j]));
    float d = amax / 127;
    float id = d ? 1.0f / d : 0.0f;
    store_f16(b, d);
    for (int j = 0; j < QUANT_QK; j++)
        b[2 + j] = (uint8_t)(int8_t)clamp_round(x[j] * id, -127, 127, false);
}

static void quantize_q4_0(const float *x, uint8_t *b)
{
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < QUANT_QK; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    float d = max / -8;
    float id = d ? 1.0f / d : 0.0f;
    store_f16(b, d);
    for (int j = 0; j < QUANT_QK / 2; j++) {
        int lo = clamp_round(x[j] * id + 8.5f, 0, 15, true);
        int hi = clamp_round(x[j + QUANT_QK / 2] * id + 8.5f, 0, 15, true);
        b[2 + j] = (uint8_t)(lo | hi << 4);
    }
}

bool quant_can_quantize(int type)
{
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
           type == GGML_TYPE_Q8_0 || type == GGML_TYPE_Q4_0;
}

int quant_quantize_row(int type, const float *src, void *dst, int64_t n)
{
    uint8_t *p = dst;
    if (n < 0 || !quant_can_quantize(type))
        return -1;
    if (type == GGML_TYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof *src);
        return 0;
    }
    if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
        uint16_t (*cvt)(float) = type == GGML_TYPE_F16 ? quant_f32_to_f16 : quant_f32_to_bf16;
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = cvt(src[i]);
            memcpy(p + 2 * i, &h, 2);
        }
        return 0;
    }
    if (n % QUANT_QK)
        return -1;
    for (int64_t i = 0; i < n / QUANT_QK; i++) {
        if (type == GGML_TYPE_Q8_0)
            quantize_q8_0(src + i * QUANT_QK, p + i * Q8_0_BYTES);
        else
            quantize_q4_0(src + i * QUANT_QK, p + i * Q4_0_BYTES);
    }
    return 0;
}
