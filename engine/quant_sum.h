/* quant_sum.h - the one order in which every quant_dot kernel adds up a
 * weight row against an activation row. A row's result must be the same bits
 * whether it is multiplied alone (decode), in a 16-row tile (prefill, at any
 * place in the tile) or on another instruction set: the next layer quantizes
 * that result to int8, and a last-bit difference can move a value across a
 * rounding step, which shows in the logits as about 1e-2. So a K/V-cached
 * decode equals a recompute only if the float work is fixed, not just close.
 *
 * The row goes in 16-element blocks with the exact integer dot I of the
 * weight codes and the activation codes, the weight block's scale dw and
 * offset mw (w = dw * code + mw) and the activations' scale dx and scaled
 * code sum sx = dx * sum(q). Block p of every 256-element chunk (past the
 * row's end: zero scales and codes) goes to accumulator A_p, which starts
 * at 0 and takes the chunks in order:
 *     A_p = fma((float)I, dw * dx, fma(mw, sx, A_p))
 * and the row's result is a fixed tree over the sixteen, lane p with lane
 * p + 8, then p + 4, p + 2 and p + 1, as a 16-lane vector halves itself:
 *     ((A0+A8)+(A4+A12)) + ((A2+A10)+(A6+A14))  +  ((A1+A9)+(A5+A13)) + ((A3+A11)+(A7+A15))
 * A one-row kernel keeps A as one vector, a tile kernel as sixteen vectors
 * of 16 activation rows.
 *
 * Types whose scale and offset hold for 32 elements (the 32-element blocks
 * Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, and the sub-blocks of Q4_K and
 * Q5_K) step once per 32 elements instead:
 * block j of every chunk goes to accumulator A_j (eight per chunk) with
 *     A_j = fma((float)I, dw * dx, fma(mw, sx, A_j))
 * where I = sum(u * q) - off * sum(q) over the block, exact in integers (u
 * the unsigned codes, off the type's code offset: 8, 16 or 128, or 0 where
 * the block has a min), mw the block's min (else 0), dx the activations'
 * scale of the 32 and sx = dx * (float)sum(q); A_8 .. A_15 stay 0, so the
 * same tree gives ((A0+A4)+(A2+A6)) + ((A1+A5)+(A3+A7)) (an accumulator
 * that starts at +0 is never -0, and x + 0 is x). Half the float steps of
 * the 16-element order, which bound the prefill kernels.
 *
 * Only explicit fused multiply-adds appear, so a compiler contracting
 * a * b + c (GNU C's default) cannot make one path round differently. */
#ifndef LATHE_QUANT_SUM_H
#define LATHE_QUANT_SUM_H

#include <math.h>
#include <stdint.h>

enum { QUANT_SUM_CHUNK = 256, QUANT_SUM_LANES = QUANT_SUM_CHUNK / 16 };

/* One block's step of its accumulator. */
static inline float quant_sum_step(float acc, int32_t dot, float dw, float mw, float dx, float sx)
{
    return fmaf((float)dot, dw * dx, fmaf(mw, sx, acc));
}

/* The row's result from its accumulators A[0..15], of any type that adds:
 * floats, or GNU C vectors holding the accumulators of 16 rows. */
#define QUANT_SUM_TREE(a)                                                                  \
    (((((a)[0] + (a)[8]) + ((a)[4] + (a)[12])) + (((a)[2] + (a)[10]) + ((a)[6] + (a)[14]))) + \
     ((((a)[1] + (a)[9]) + ((a)[5] + (a)[13])) + (((a)[3] + (a)[11]) + ((a)[7] + (a)[15]))))

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define QUANT_SUM_X86 1
#define QUANT_AVX2 __attribute__((target("avx2,fma,f16c")))
#define QUANT_AVX512 \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define QUANT_INLINE static inline __attribute__((always_inline))

/* The tree over accumulators 0-7 in LO and 8-15 in HI. */
QUANT_AVX2 QUANT_INLINE float quant_sum_tree256(__m256 lo, __m256 hi)
{
    __m256 w = _mm256_add_ps(lo, hi);
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(w), _mm256_extractf128_ps(w, 1));
    __m128 y = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(y, _mm_shuffle_ps(y, y, 1)));
}

/* The tree over accumulator p in lane p. */
QUANT_AVX512 QUANT_INLINE float quant_sum_tree512(__m512 acc)
{
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1));
    return quant_sum_tree256(_mm512_castps512_ps256(acc), hi);
}

/* The 16 block dots of a chunk from the vpdpbusd sums of its four
 * 64-element pieces (lanes 4j..4j+3 of piece k: block 4k + j), pairs of
 * pieces folded lane by lane: lane 4j + k holds block 4k + j. */
QUANT_AVX512 QUANT_INLINE __m512i quant_sum_folded512(__m512i a, __m512i b, __m512i c, __m512i d)
{
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}

/* The same, block p in lane p. */
QUANT_AVX512 QUANT_INLINE __m512i quant_sum_blocks512(__m512i a, __m512i b, __m512i c,
                                                      __m512i d)
{
    const __m512i order = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    return _mm512_permutexvar_epi32(order, quant_sum_folded512(a, b, c, d));
}

/* A chunk's step of all 16 accumulators: S = dw * dx already formed. */
QUANT_AVX512 QUANT_INLINE __m512 quant_sum_step512(__m512 acc, __m512i dots, __m512 s,
                                                   __m512 mw, __m512 sx)
{
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), s, _mm512_fmadd_ps(mw, sx, acc));
}
#endif

#endif
