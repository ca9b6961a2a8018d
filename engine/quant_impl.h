/* quant_impl.h - what quant.c's row API dispatches to: per-block dequantizers
 * and reference quantizers of every ggml block type the engine reads
 * (quant_block.c for the 32-element formats and the K-quant dequantizers,
 * quant_kquant.c for the K-quant quantizers, which search for scales). Not
 * for other callers: they go through quant.h. */
#ifndef LATHE_QUANT_IMPL_H
#define LATHE_QUANT_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"

typedef void (*quant_deq_fn)(const uint8_t *restrict block, float *restrict y);
typedef void (*quant_q_fn)(const float *restrict x, uint8_t *restrict block);

typedef struct {
    int type;
    int elems, bytes;       /* one block */
    quant_deq_fn deq;
    quant_q_fn quant;       /* NULL: read only */
} quant_block_type;

/* The block type TYPE, or NULL for F32/F16/BF16 and unsupported ids. */
const quant_block_type *quant_block_of(int type);

/* ggml's non-linear IQ4 codebook (kvalues_iq4nl), and the same shifted by
 * 128 to unsigned codes for the integer kernels. */
extern const int8_t quant_iq4_values[16];
extern const uint8_t quant_iq4_codes[16];

static inline uint32_t quant_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float quant_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Half to float, inline for the block loops. Branch-free (masks, not
 * selects) so that row loops vectorize: normals rebias the exponent, inf/NaN
 * move to the float's all-ones exponent, and subnormals are rebuilt as
 * (2^-14 + m*2^-24) - 2^-14 with no float subnormal arithmetic, so a
 * flush-to-zero FPU mode cannot change them. */
/* Asks for the BYTES at P ahead of use, a cache line at a time: the kernels
 * read several rows' bytes interleaved, streams the hardware prefetchers
 * follow less well than one. */
static inline void quant_prefetch(const uint8_t *p, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64)
        __builtin_prefetch(p + o);
}

static inline float quant_half(uint16_t h)
{
    uint32_t em = h & 0x7fffu, sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t inf = 0u - (uint32_t)(em >= 0x7c00u), sub = 0u - (uint32_t)(em < 0x400u);
    uint32_t bits = (em << 13) + (112u << 23) + (inf & (112u << 23));
    uint32_t sub_bits = quant_f32_bits(quant_bits_f32((113u << 23) | (em << 13)) - 0x1p-14f);
    return quant_bits_f32((bits & ~sub) | (sub_bits & sub) | sign);
}

/* Each reference quantizer stores its f16 scale with this helper. */
static inline void quant_store_f16(uint8_t *p, float f)
{
    uint16_t h = quant_f32_to_f16(f);
    memcpy(p, &h, 2);
}

static inline float quant_load_f16(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return quant_half(h);
}

/* The 6-bit scale and min of sub-block J of a Q4_K/Q5_K block's 12 bytes S. */
static inline void quant_k_scale_min(int j, const uint8_t *s, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* ggml's nearest_int: round half to even through the float mantissa;
 * beyond |v| < 2^22 it saturates and NaN gives 0, where ggml's is undefined. */
static inline int quant_nearest_int(float v)
{
    if (!(v <= 4194303.0f && v >= -4194303.0f))
        return v > 0 ? 4194303 : v < 0 ? -4194303 : 0;
    int32_t i = (int32_t)quant_f32_bits(v + 12582912.0f);
    return (i & 0x007fffff) - 0x00400000;
}

/* True where TYPE's scale and offset hold for 32 elements (the 32-element
 * blocks, and the sub-blocks of Q4_K and Q5_K): quant_sum.h's 32-element
 * order, which the kernels of quant_dot.c and quant_fused.c both follow. */
static inline bool quant_sum32(int type)
{
    switch (type) {
    case GGML_TYPE_Q4_0: case GGML_TYPE_Q4_1: case GGML_TYPE_Q5_0: case GGML_TYPE_Q5_1:
    case GGML_TYPE_Q8_0: case GGML_TYPE_IQ4_NL: case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K:
        return true;
    default:
        return false;
    }
}

/* The code offset of a 32-element TYPE (its values are d * (code - off),
 * plus the min where it has one), which that order takes out in integers. */
static inline int quant_code_offset(int type)
{
    switch (type) {
    case GGML_TYPE_Q4_0: return 8;
    case GGML_TYPE_Q5_0: return 16;
    case GGML_TYPE_Q8_0:
    case GGML_TYPE_IQ4_NL: return 128;
    default: return 0;
    }
}

/* K-quant reference quantizers (quant_kquant.c), one 256-element block. */
void quant_q4_k_block(const float *restrict x, uint8_t *restrict b);
void quant_q5_k_block(const float *restrict x, uint8_t *restrict b);
void quant_q6_k_block(const float *restrict x, uint8_t *restrict b);

#endif
