/* quant.c - half/bfloat16 conversions and the row API over every weight
 * type: F32/F16/BF16 here, block types through the per-block functions of
 * quant_block.c and quant_kquant.c (quant_impl.h). */
#include "config.h"

#include "quant.h"

#include <string.h>

#include "gguf.h"
#include "quant_impl.h"

/* ------------------------------------------------------------ scalars */

float quant_f16_to_f32(uint16_t h)
{
    return quant_half(h);
}

/* Rounds MANT >> SHIFT to nearest, ties to even. */
static uint32_t shift_rne(uint32_t mant, unsigned shift)
{
    uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    return q + (rem > half || (rem == half && (q & 1)));
}

uint16_t quant_f32_to_f16(float f)
{
    uint32_t u = quant_f32_bits(f);
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
    return quant_bits_f32((uint32_t)h << 16);
}

uint16_t quant_f32_to_bf16(float f)
{
    uint32_t u = quant_f32_bits(f);
    if ((u & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
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
            dst[j] = quant_half(h[j]);
    else
        for (int j = 0; j < k; j++)
            dst[j] = bf16 ? quant_bf16_to_f32(h[j]) : quant_half(h[j]);
}

static void halves_to_f32(const uint8_t *restrict p, float *restrict dst, int64_t n, bool bf16)
{
    for (int64_t i = 0; i < n; i += HALF_CHUNK)
        halves_chunk(p + 2 * i, dst + i, n - i < HALF_CHUNK ? (int)(n - i) : HALF_CHUNK, bf16);
}

bool quant_can_dequantize(int type)
{
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
           quant_block_of(type);
}

int quant_dequantize_row(int type, const void *src, float *dst, int64_t n)
{
    const uint8_t *p = src;
    const quant_block_type *bt = quant_block_of(type);
    if (n < 0)
        return -1;
    if (type == GGML_TYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof *dst);
        return 0;
    }
    if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
        halves_to_f32(p, dst, n, type == GGML_TYPE_BF16);
        return 0;
    }
    if (!bt || n % bt->elems)
        return -1;
    for (int64_t i = 0; i < n / bt->elems; i++)
        bt->deq(p + i * bt->bytes, dst + i * bt->elems);
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

bool quant_can_quantize(int type)
{
    const quant_block_type *bt = quant_block_of(type);
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
           (bt && bt->quant);
}

int quant_quantize_row(int type, const float *src, void *dst, int64_t n)
{
    uint8_t *p = dst;
    const quant_block_type *bt = quant_block_of(type);
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
    if (n % bt->elems)
        return -1;
    for (int64_t i = 0; i < n / bt->elems; i++)
        bt->quant(src + i * bt->elems, p + i * bt->bytes);
    return 0;
}
