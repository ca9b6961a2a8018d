/* quant_fused_blocks.h - how both fused kernel files (quant_fused.c on
 * AVX-512, quant_fused_avx2.c on AVX2) read blocks: the 32-element
 * formats' layout, the bytes per 256-element chunk, and the f16 and scale
 * unpacking that is the same on either instruction set. The functions are
 * compiled for AVX2, so the AVX-512 kernels inline them as well. Private to
 * those two files. */
#ifndef LATHE_QUANT_FUSED_BLOCKS_H
#define LATHE_QUANT_FUSED_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gguf.h"
#include "quant_impl.h"
#include "quant_sum.h"

/* A 32-element format: block bytes and where the codes (and Q5's fifth
 * bits, and Q4_1/Q5_1's min) sit; their code offsets are
 * quant_code_offset's. */
typedef struct {
    int bytes, qs, qh, min;     /* qh, min: -1 when absent */
    bool whole_bytes, iq4;      /* Q8_0's bytes; IQ4_NL's codebook */
} quant_fused_fmt;

static inline quant_fused_fmt quant_fused_legacy(int type)
{
    switch (type) {
    case GGML_TYPE_Q8_0: return (quant_fused_fmt){34, 2, -1, -1, true, false};
    case GGML_TYPE_Q4_0: return (quant_fused_fmt){18, 2, -1, -1, false, false};
    case GGML_TYPE_Q4_1: return (quant_fused_fmt){20, 4, -1, 2, false, false};
    case GGML_TYPE_Q5_0: return (quant_fused_fmt){22, 6, 2, -1, false, false};
    case GGML_TYPE_Q5_1: return (quant_fused_fmt){24, 8, 4, 2, false, false};
    default: return (quant_fused_fmt){18, 2, -1, -1, false, true};  /* IQ4_NL */
    }
}

/* Every block type with fused kernels, as X(TYPE) each: the kernel files
 * dispatch on it, TYPE a constant in each case. */
#define QUANT_FUSED_TYPES(X)                                                                \
    X(GGML_TYPE_Q8_0) X(GGML_TYPE_Q4_0) X(GGML_TYPE_Q4_1) X(GGML_TYPE_Q5_0) X(GGML_TYPE_Q5_1) \
    X(GGML_TYPE_IQ4_NL) X(GGML_TYPE_Q4_K) X(GGML_TYPE_Q5_K) X(GGML_TYPE_Q6_K)                \
    X(GGML_TYPE_Q3_K) X(GGML_TYPE_Q2_K) X(GGML_TYPE_IQ4_XS)

/* The types that step per 16 elements (quant_sum.h); the others per 32. */
static inline bool quant_fused_steps16(int type)
{
    return type == GGML_TYPE_Q6_K || type == GGML_TYPE_Q3_K || type == GGML_TYPE_Q2_K ||
           type == GGML_TYPE_IQ4_XS;
}

/* Bytes of TYPE per 256 elements. */
static inline int quant_fused_chunk_bytes(int type)
{
    switch (type) {
    case GGML_TYPE_Q4_K: return 144;
    case GGML_TYPE_Q5_K: return 176;
    case GGML_TYPE_Q6_K: return 210;
    case GGML_TYPE_Q3_K: return 110;
    case GGML_TYPE_Q2_K: return 84;
    case GGML_TYPE_IQ4_XS: return 136;
    default: return 8 * quant_fused_legacy(type).bytes;
    }
}

#ifdef QUANT_SUM_X86
/* The f16 at P as a float, by F16C. */
QUANT_AVX2 QUANT_INLINE float quant_fused_half(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* Q3_K's sixteen 6-bit scales (less 32) from its 12 bytes S: low nibbles
 * of S[0..8) then their high nibbles, and bits 2(i / 4)..+1 of S[8 + i % 4]
 * above them. */
QUANT_AVX2 QUANT_INLINE __m128i quant_fused_q3k_scales(const uint8_t *s)
{
    uint64_t lo;
    uint32_t hi;
    memcpy(&lo, s, 8);
    memcpy(&hi, s + 8, 4);
    __m128i v = _mm_cvtsi64_si128((long long)lo);
    __m128i low = _mm_and_si128(_mm_unpacklo_epi64(v, _mm_srli_epi16(v, 4)), _mm_set1_epi8(0xf));
    __m128i high = _mm_and_si128(
        _mm_srlv_epi32(_mm_set1_epi32((int)hi), _mm_setr_epi32(0, 2, 4, 6)), _mm_set1_epi8(3));
    return _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi8(32));
}

/* IQ4_XS's sub-block scales d * (ls - 32) of block B (d, scales_h: 2 bits
 * per sub-block, scales_l[4]: 4 bits per sub-block), sub-block i in lane i. */
QUANT_AVX2 QUANT_INLINE __m256 quant_fused_iq4xs_scales(const uint8_t *b)
{
    uint16_t sh;
    uint32_t sl;
    memcpy(&sh, b + 2, 2);
    memcpy(&sl, b + 4, 4);
    __m128i v = _mm_cvtsi32_si128((int)sl);
    __m128i low = _mm_unpacklo_epi8(_mm_and_si128(v, _mm_set1_epi8(0xf)),
                                    _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0xf)));
    __m256i high = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(sh),
                                                      _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14)),
                                    _mm256_set1_epi32(3));
    __m256i ls = _mm256_or_si256(_mm256_cvtepu8_epi32(low), _mm256_slli_epi32(high, 4));
    return _mm256_mul_ps(_mm256_set1_ps(quant_fused_half(b)),
                         _mm256_cvtepi32_ps(_mm256_sub_epi32(ls, _mm256_set1_epi32(32))));
}
#endif

#endif
