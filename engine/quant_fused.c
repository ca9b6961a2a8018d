/* quant_fused.c - AVX-512 VNNI one-row kernels (quant_fused.h). Each takes a
 * 256-element chunk as four pieces of 64 weights straight from their blocks
 * into unsigned byte codes (nibbles masked and shifted, Q8_0 shifted by 128),
 * multiplies each piece with the int8 activations in one vpdpbusd, folds the
 * pieces into the chunk's block dots (16 of 16 elements, or 8 of 32 for the
 * 32-element types) and steps the row's accumulators as quant_sum.h fixes:
 * scales and offsets (the code offsets and the K-quant mins) are formed
 * exactly as quant_dot.c's unpacking forms them, so these kernels give the
 * same bits as every other path. */
#include "config.h"

#include <string.h>

#include "gguf.h"
#include "quant_fused.h"
#include "quant_impl.h"
#include "quant_sum.h"

#ifdef QUANT_SUM_X86

/* quant_sum.h's tree for NR <= FUSED_ROWS rows at once, row r's result in
 * OUT[r]: each add pairs the same two accumulators of a row as
 * quant_sum_tree512 does, four rows to a register. */
QUANT_AVX512 QUANT_INLINE void trees(const __m512 *acc, int nr, float *out)
{
    __m512 r[FUSED_ROWS];
#pragma GCC unroll 4
    for (int i = 0; i < FUSED_ROWS; i++)
        r[i] = i < nr ? acc[i] : _mm512_setzero_ps();
    /* accumulator p plus p + 8: rows 0 and 1 in one register, 2 and 3 in another */
    __m512 w01 = _mm512_add_ps(_mm512_shuffle_f32x4(r[0], r[1], _MM_SHUFFLE(1, 0, 1, 0)),
                               _mm512_shuffle_f32x4(r[0], r[1], _MM_SHUFFLE(3, 2, 3, 2)));
    __m512 w23 = _mm512_add_ps(_mm512_shuffle_f32x4(r[2], r[3], _MM_SHUFFLE(1, 0, 1, 0)),
                               _mm512_shuffle_f32x4(r[2], r[3], _MM_SHUFFLE(3, 2, 3, 2)));
    /* p plus p + 4: row i in 128-bit lane i */
    __m512 x = _mm512_add_ps(_mm512_shuffle_f32x4(w01, w23, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(w01, w23, _MM_SHUFFLE(3, 1, 3, 1)));
    __m512 y = _mm512_add_ps(x, _mm512_permute_ps(x, _MM_SHUFFLE(1, 0, 3, 2)));
    __m512 z = _mm512_add_ps(y, _mm512_permute_ps(y, _MM_SHUFFLE(2, 3, 0, 1)));
    float lanes[16];
    _mm512_storeu_ps(lanes, z);
    for (int i = 0; i < nr; i++)
        out[i] = lanes[4 * i];
}

/* The f16 at P as a float, by F16C. */
QUANT_AVX512 QUANT_INLINE float half_at(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* The f16 values of N <= 8 blocks BYTES apart from P (the rest zero). */
QUANT_AVX512 QUANT_INLINE __m256 block_halves(const uint8_t *p, int bytes, int n)
{
    const __m256i lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    __m256i g = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), (__mmask8)((1u << n) - 1),
                                             _mm256_mullo_epi32(lane, _mm256_set1_epi32(bytes)),
                                             p, 1);
    return _mm256_cvtph_ps(_mm256_cvtepi32_epi16(g));
}

/* A chunk's step of the accumulators ACC from the vpdpbusd sums of its four
 * pieces and the per-block weight scales D and offsets M against the
 * activations' DX and SX. */
QUANT_AVX512 QUANT_INLINE __m512 chunk(__m512 acc, const __m512i *piece, __m512 d, __m512 m,
                                       const float *dx, const float *sx)
{
    return quant_sum_step512(acc, quant_sum_blocks512(piece[0], piece[1], piece[2], piece[3]),
                             _mm512_mul_ps(d, _mm512_loadu_ps(dx)), m, _mm512_loadu_ps(sx));
}

QUANT_AVX512 QUANT_INLINE __m512i dot64(__m512i w, const int8_t *x)
{
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, _mm512_loadu_si512(x));
}

/* The 32-element formats: block bytes and where the codes (and Q5's fifth
 * bits, and Q4_1/Q5_1's min) sit; their code offsets are
 * quant_code_offset's. */
typedef struct {
    int bytes, qs, qh, min;     /* qh, min: -1 when absent */
    bool whole_bytes, iq4;      /* Q8_0's bytes; IQ4_NL's codebook */
} legacy_fmt;

static const legacy_fmt q8_0_fmt = {34, 2, -1, -1, true, false};
static const legacy_fmt q4_0_fmt = {18, 2, -1, -1, false, false};
static const legacy_fmt q4_1_fmt = {20, 4, -1, 2, false, false};
static const legacy_fmt q5_0_fmt = {22, 6, 2, -1, false, false};
static const legacy_fmt q5_1_fmt = {24, 8, 4, 2, false, false};
static const legacy_fmt iq4_nl_fmt = {18, 2, -1, -1, false, true};

/* The low nibbles of V's bytes, and the high ones in the 16-bit lanes set
 * in HIGH: one masked shift and a mask, where unpacking a 256-bit half of
 * each and joining them took two more instructions on the shuffle port. */
QUANT_AVX512 QUANT_INLINE __m512i nibbles(__m512i v, __mmask32 high)
{
    return _mm512_and_si512(_mm512_mask_srli_epi16(v, high, v, 4), _mm512_set1_epi8(0xf));
}

/* Codes of blocks PA and PB (PB NULL: none) as 64 unsigned bytes. */
QUANT_AVX512 QUANT_INLINE __m512i legacy_codes(const uint8_t *pa, const uint8_t *pb, legacy_fmt f)
{
    if (f.whole_bytes) {
        __m256i hi = pb ? _mm256_loadu_si256((const __m256i *)(pb + f.qs)) : _mm256_set1_epi8(-128);
        __m512i w = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(pa + f.qs))), hi, 1);
        return _mm512_xor_si512(w, _mm512_set1_epi8(-128));
    }
    /* block A's 16 bytes in 128-bit lanes 0 and 1, B's in 2 and 3 */
    __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(pa + f.qs)));
    v = pb ? _mm512_mask_broadcast_i32x4(v, 0xff00, _mm_loadu_si128((const __m128i *)(pb + f.qs)))
           : _mm512_maskz_mov_epi32(0x00ff, v);
    __m512i w = nibbles(v, 0xff00ff00u);
    if (f.iq4)
        w = _mm512_shuffle_epi8(
            _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)quant_iq4_codes)), w);
    if (f.qh >= 0) {
        uint32_t ha, hb = 0;
        memcpy(&ha, pa + f.qh, 4);
        if (pb)
            memcpy(&hb, pb + f.qh, 4);
        __mmask64 bits = (__mmask64)ha | (__mmask64)hb << 32;
        w = _mm512_mask_add_epi8(w, bits, w, _mm512_set1_epi8(0x10));
    }
    return w;
}

/* Lanes 0-7: the sums of lanes 2j and 2j + 1 of V, a 32-element block's
 * value from its halves'. */
QUANT_AVX512 QUANT_INLINE __m256i pairs(__m512i v)
{
    const __m512i even = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 15, 13, 11, 9, 7, 5, 3, 1);
    return _mm512_castsi512_si256(
        _mm512_add_epi32(_mm512_permutexvar_epi32(even, v), _mm512_permutexvar_epi32(odd, v)));
}

/* The eight 32-element block dots of a chunk from its four pieces' sums:
 * quant_sum_folded512's lanes, each block's two halves added (the permute
 * that puts 16-element blocks in order and pairs() composed). */
QUANT_AVX512 QUANT_INLINE __m256i block32_dots(const __m512i *piece)
{
    const __m512i even = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 11, 3, 10, 2, 9, 1, 8, 0);
    const __m512i odd = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 15, 7, 14, 6, 13, 5, 12, 4);
    __m512i s = quant_sum_folded512(piece[0], piece[1], piece[2], piece[3]);
    return _mm512_castsi512_si256(
        _mm512_add_epi32(_mm512_permutexvar_epi32(even, s), _mm512_permutexvar_epi32(odd, s)));
}

/* A chunk of the activations as the 32-element order reads it, formed once
 * for all the rows of a call: per block, the code sum times the weights'
 * code offset OFF, the scale and the scaled sum. */
typedef struct {
    __m256i qs_off;
    __m256 dx, sx;
} act32;

QUANT_AVX512 QUANT_INLINE act32 act32_of(const quant_act *a, int i, int off)
{
    const __m512i even = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 14, 12, 10, 8, 6, 4, 2, 0);
    __m256 dx = _mm512_castps512_ps256(_mm512_permutexvar_ps(even, _mm512_loadu_ps(a->d + 16 * i)));
    __m256i qs = pairs(_mm512_loadu_si512(a->sum + 16 * i));
    __m256i qs_off = off ? _mm256_mullo_epi32(qs, _mm256_set1_epi32(off)) : _mm256_setzero_si256();
    return (act32){qs_off, dx, _mm256_mul_ps(dx, _mm256_cvtepi32_ps(qs))};
}

/* A chunk's step of accumulators 0-7 of ACC in quant_sum.h's 32-element
 * order (8-15 stay 0) from the vpdpbusd sums of its four pieces (two blocks
 * each), the blocks' scales D and, WITH_MIN, mins M, the code offset OFF
 * taken out of the integers, against the activations' blocks X. Without a
 * min the term fma(0, sx, A) is A itself (A is never -0) and is left out. */
QUANT_AVX512 QUANT_INLINE __m512 chunk32(__m512 acc, const __m512i *piece, int off, __m256 d,
                                         bool with_min, __m256 m, act32 x)
{
    __m256i dots = block32_dots(piece);
    __m256i i = off ? _mm256_sub_epi32(dots, x.qs_off) : dots;
    __m256 a8 = _mm512_castps512_ps256(acc);
    if (with_min)
        a8 = _mm256_fmadd_ps(m, x.sx, a8);
    a8 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(d, x.dx), a8);
    return _mm512_zextps256_ps512(a8);
}

/* Eight 32-element blocks from P, N of them in the row, two per vpdpbusd,
 * against the activations' codes Q and blocks X; code offset OFF. */
QUANT_AVX512 QUANT_INLINE __m512 legacy_chunk(__m512 acc, const uint8_t *p, int n,
                                              const int8_t *q, act32 x, legacy_fmt f, int off)
{
    __m512i piece[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        const uint8_t *pa = p + (size_t)(2 * j) * f.bytes;
        piece[j] = 2 * j < n ? dot64(legacy_codes(pa, 2 * j + 1 < n ? pa + f.bytes : NULL, f),
                                     q + 64 * j)
                             : _mm512_setzero_si512();
    }
    __m256 m = f.min >= 0 ? block_halves(p + f.min, f.bytes, n) : _mm256_setzero_ps();
    return chunk32(acc, piece, off, block_halves(p, f.bytes, n), f.min >= 0, m, x);
}

/* Q4_K's and Q5_K's 6-bit scales and mins from their 12 bytes at P, as
 * ggml unpacks them four to a 32-bit word (u0, u1, u2 the words): scales
 * 0-3 u0 & 63, 4-7 (u2 & 15) | (u0 >> 6) << 4; mins 0-3 u1 & 63, 4-7
 * (u2 >> 4) | (u1 >> 6) << 4; as floats [scales 0-7, mins 0-7]. */
QUANT_AVX512 QUANT_INLINE __m512 k45_scales(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i lo = _mm_srlv_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)),
                                _mm_set_epi32(4, 0, 0, 0));     /* u0, u2, u1, u2 >> 4 */
    lo = _mm_and_si128(lo, _mm_set_epi32(0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f));
    __m128i hi = _mm_srli_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)), 2);
    hi = _mm_and_si128(hi, _mm_set_epi32(0x30303030, 0, 0x30303030, 0));
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_or_si128(lo, hi)));
}

/* Q4_K and Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins (unpacked
 * as ggml does, four at a time in 32-bit words); chunk c's low nibbles are
 * elements 64c..64c+31, its high nibbles the next 32; Q5_K's fifth bits
 * are bits 2c and 2c+1 of qh. Scales d * sc and offsets -(dmin * m), one
 * per sub-block: the 32-element order. */
QUANT_AVX512 QUANT_INLINE __m512 k45_block(__m512 acc, const uint8_t *b, const quant_act *a, int i,
                                           act32 x, bool five)
{
    const uint8_t *qs = b + (five ? 48 : 16);
    int32_t halves;     /* d and dmin */
    memcpy(&halves, b, 4);
    __m512 dm = _mm512_mul_ps(k45_scales(b + 4), _mm512_permutexvar_ps(
        _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
        _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128(halves)))));
    __m256 d = _mm512_castps512_ps256(dm);
    __m256 m = _mm256_xor_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(dm), 1)),
                             _mm256_set1_ps(-0.0f));
    __m512i qh = five ? _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(b + 16)))
                      : _mm512_setzero_si512();
    __m512i piece[4];
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m512i w = nibbles(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * c))),
                            0xffff0000u);
        if (five) {     /* bit 2c of qh in the low half, 2c + 1 in the high */
            __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8((char)(1 << 2 * c)),
                                             _mm256_set1_epi8((char)(1 << (2 * c + 1))), 1);
            w = _mm512_mask_add_epi8(w, _mm512_test_epi8_mask(qh, bit), w, _mm512_set1_epi8(16));
        }
        piece[c] = dot64(w, a->q + (size_t)i * 256 + 64 * c);
    }
    return chunk32(acc, piece, 0, d, true, m, x);
}

/* Q6_K: two halves of 128; per 32 positions l the four outputs l, l+32,
 * l+64, l+96 take ql's low and high nibbles and two bits of qh each;
 * sixteen signed 8-bit scales, values d * sc * (code - 32). A half's 64
 * bytes of ql give piece 2h by their low nibbles and 2h + 1 by their high
 * ones; qh, in both 256-bit halves, is shifted per half to put bits 0-1,
 * 2-3 (piece 2h) or 4-5, 6-7 (2h + 1) at bits 4-5. */
QUANT_AVX512 QUANT_INLINE __m512i q6k_codes(__m512i low, __m512i high)
{
    /* low | (high & 0x30) */
    return _mm512_ternarylogic_epi32(_mm512_and_si512(low, _mm512_set1_epi8(0xf)), high,
                                     _mm512_set1_epi8(0x30), 0xf8);
}

QUANT_AVX512 QUANT_INLINE __m512 q6k_block(__m512 acc, const uint8_t *b, const quant_act *a, int i)
{
    const __m512i to_bit4 = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    __m512 d = _mm512_mul_ps(
        _mm512_set1_ps(half_at(b + 208)),
        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 192)))));
    __m512 m = _mm512_mul_ps(_mm512_set1_ps(-32.0f), d);
    __m512i piece[4];
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        __m512i ql = _mm512_loadu_si512(b + 64 * h);
        __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h)));
        const int8_t *x = a->q + (size_t)i * 256 + 128 * h;
        piece[2 * h] = dot64(q6k_codes(ql, _mm512_sllv_epi16(qh, to_bit4)), x);
        piece[2 * h + 1] = dot64(q6k_codes(_mm512_srli_epi16(ql, 4),
                                           _mm512_mask_srli_epi16(qh, 0xffff0000u, qh, 2)),
                                 x + 64);
    }
    return chunk(acc, piece, d, m, a->d + 16 * i, a->s + 16 * i);
}

/* The legacy format of a 32-element TYPE. */
static inline legacy_fmt legacy_of(int type)
{
    switch (type) {
    case GGML_TYPE_Q8_0: return q8_0_fmt;
    case GGML_TYPE_Q4_0: return q4_0_fmt;
    case GGML_TYPE_Q4_1: return q4_1_fmt;
    case GGML_TYPE_Q5_0: return q5_0_fmt;
    case GGML_TYPE_Q5_1: return q5_1_fmt;
    default: return iq4_nl_fmt;
    }
}

static bool is_superblock(int type)
{
    return type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K || type == GGML_TYPE_Q6_K;
}

/* Bytes of TYPE per 256 elements. */
static int chunk_bytes(int type)
{
    switch (type) {
    case GGML_TYPE_Q4_K: return 144;
    case GGML_TYPE_Q5_K: return 176;
    case GGML_TYPE_Q6_K: return 210;
    default: return 8 * legacy_of(type).bytes;
    }
}

/* Chunk I (elements 256i on, at P) of a row of TYPE: a super-block, or
 * eight 32-element blocks (fewer at the row's end). */
QUANT_AVX512 QUANT_INLINE __m512 chunk_of(int type, __m512 acc, const uint8_t *p,
                                          const quant_act *a, int i, act32 x)
{
    if (type == GGML_TYPE_Q6_K)
        return q6k_block(acc, p, a, i);
    if (is_superblock(type))
        return k45_block(acc, p, a, i, x, type == GGML_TYPE_Q5_K);
    int left = a->k / 32 - 8 * i;   /* a whole chunk (the common case) as a constant */
    return left >= 8 ? legacy_chunk(acc, p, 8, a->q + (size_t)i * 256, x, legacy_of(type),
                                    quant_code_offset(type))
                     : legacy_chunk(acc, p, left, a->q + (size_t)i * 256, x, legacy_of(type),
                                    quant_code_offset(type));
}

/* NR rows (1 or FUSED_ROWS; NR and TYPE constants after inlining) RB bytes
 * apart: each row keeps its own accumulators, so its result is what it
 * would be alone, while the rows share the activation loads. */
QUANT_AVX512 QUANT_INLINE void row_chunks(int type, const uint8_t *row, size_t rb, int nr,
                                          const quant_act *a, float *out)
{
    int bytes = chunk_bytes(type);
    __m512 acc[FUSED_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        acc[r] = _mm512_setzero_ps();
    for (int i = 0; i < (a->k + 255) / 256; i++) {
        act32 x = quant_sum32(type) ? act32_of(a, i, quant_code_offset(type)) : (act32){0};
#pragma GCC unroll 4
        for (int r = 0; r < nr; r++) {
            if (nr > 1)
                quant_prefetch(row + (r + nr) * rb + (size_t)i * bytes, (size_t)bytes);
            acc[r] = chunk_of(type, acc[r], row + r * rb + (size_t)i * bytes, a, i, x);
        }
    }
    trees(acc, nr, out);
}

/* NR rows, NR a constant after inlining. */
QUANT_AVX512 QUANT_INLINE bool fused(int type, const uint8_t *row, size_t rb, int nr,
                                     const quant_act *a, float *out)
{
    switch (type) {
    case GGML_TYPE_Q8_0: row_chunks(GGML_TYPE_Q8_0, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q4_0: row_chunks(GGML_TYPE_Q4_0, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q4_1: row_chunks(GGML_TYPE_Q4_1, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q5_0: row_chunks(GGML_TYPE_Q5_0, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q5_1: row_chunks(GGML_TYPE_Q5_1, row, rb, nr, a, out); return true;
    case GGML_TYPE_IQ4_NL: row_chunks(GGML_TYPE_IQ4_NL, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q4_K: row_chunks(GGML_TYPE_Q4_K, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q5_K: row_chunks(GGML_TYPE_Q5_K, row, rb, nr, a, out); return true;
    case GGML_TYPE_Q6_K: row_chunks(GGML_TYPE_Q6_K, row, rb, nr, a, out); return true;
    default: return false;
    }
}

QUANT_AVX512 static bool fused_one(int type, const uint8_t *row, const quant_act *a, float *out)
{
    return fused(type, row, 0, 1, a, out);
}

QUANT_AVX512 static bool fused_many(int type, const uint8_t *row, size_t rb, const quant_act *a,
                                    float *out)
{
    return fused(type, row, rb, FUSED_ROWS, a, out);
}

bool quant_fused_rows(int type, const uint8_t *row, size_t row_bytes, int n, const quant_act *a,
                      float *out)
{
    return n == FUSED_ROWS ? fused_many(type, row, row_bytes, a, out)
                           : n == 1 && fused_one(type, row, a, out);
}
#else
bool quant_fused_rows(int type, const uint8_t *row, size_t row_bytes, int n, const quant_act *a,
                      float *out)
{
    (void)type, (void)row, (void)row_bytes, (void)n, (void)a, (void)out;
    return false;
}
#endif
