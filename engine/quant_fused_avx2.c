/* quant_fused_avx2.c - quant_fused.h's one-row kernels for CPUs with AVX2
 * but not AVX-512 VNNI (most laptops and desktops: AMD before Zen 4, Intel
 * client cores), where quant_dot.c had unpacked each row into a staging
 * buffer and read it back: one core read Q8_0 rows at about 7 GB/s, Q4_K
 * at 5, Q6_K 9, IQ4_XS 5, Q3_K 2 (here 30, 18, 23, 13, 8). Here each block
 * becomes codes in registers and meets the activations in vpmaddubsw (u8 x
 * s8 pairs to 16 bits) and vpmaddwd (to 32), 32 codes per register; the
 * block dots then fold with horizontal adds into the lanes the float steps
 * take.
 *
 * The integers are exact and the float steps are quant_sum.h's, in its
 * order, with the scales formed as quant_dot.c's unpacking forms them, so
 * every row gives the bits of every other path. The 32-element order keeps
 * a chunk's eight accumulators in quant_fused_sigma's lane order (the one
 * quant_fused_prepare lays the activations out in), the 16-element order
 * (Q6_K, Q3_K, Q2_K, IQ4_XS) its sixteen in two registers, blocks 0-7 and
 * 8-15. */
#include "config.h"

#include <string.h>

#include "gguf.h"
#include "quant_fused.h"
#include "quant_fused_blocks.h"

#ifdef QUANT_SUM_X86

QUANT_AVX2 QUANT_INLINE __m256i dot_of_pairs(__m256i p16)
{
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

/* Four-product sums of 32 codes U below 128 (no pair can saturate 16
 * bits: 127 * 127 * 2) with the activation codes at Q. */
QUANT_AVX2 QUANT_INLINE __m256i dot_u(__m256i u, const int8_t *q)
{
    return dot_of_pairs(_mm256_maddubs_epi16(u, _mm256_loadu_si256((const __m256i *)q)));
}

/* The same for signed codes W (Q8_0's bytes, the IQ4 codebook's values):
 * |w| against q with w's sign (128 * 127 * 2 fits). The integer is the
 * code-offset one of quant_sum.h, sum((w + 128) q) - 128 sum(q), with
 * nothing to take out. */
QUANT_AVX2 QUANT_INLINE __m256i dot_s(__m256i w, const int8_t *q)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)q);
    return dot_of_pairs(_mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w)));
}

QUANT_AVX2 QUANT_INLINE __m256 negated(__m256 v)
{
    return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f));
}

/* ---------------------------------------------------- the 32-element order */

/* A chunk's eight block dots from their four-product sums V[b] (block b),
 * in quant_fused_sigma's order: two rounds of horizontal adds leave each
 * block's 128-bit halves side by side, and one add joins them. (Shifts
 * and blends in place of the horizontal adds spare the shuffle port but
 * cost more instructions: rows 5-8 % slower.) */
QUANT_AVX2 QUANT_INLINE __m256i fold8(const __m256i *v)
{
    __m256i even = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[2]), _mm256_hadd_epi32(v[4], v[6]));
    __m256i odd = _mm256_hadd_epi32(_mm256_hadd_epi32(v[1], v[3]), _mm256_hadd_epi32(v[5], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(even, odd, 0x20),
                            _mm256_permute2x128_si256(even, odd, 0x31));
}

/* Chunk I of the activations in quant_fused_sigma's order: the code sums
 * times the code offset OFF, the scales, the scaled sums. */
typedef struct {
    __m256i qs_off;
    __m256 dx, sx;
} act8;

QUANT_AVX2 QUANT_INLINE act8 act8_of(const quant_act *a, int i, int off)
{
    const quant_fused_act *c = (const quant_fused_act *)a->pairs + i;
    __m256i qs = _mm256_loadu_si256((const __m256i *)c->qs);
    __m256i qs_off = off ? _mm256_mullo_epi32(qs, _mm256_set1_epi32(off)) : _mm256_setzero_si256();
    return (act8){qs_off, _mm256_loadu_ps(c->dx), _mm256_loadu_ps(c->sx)};
}

/* A chunk's step of a row's accumulators from its block dots, scales D and
 * (WITH_MIN) mins M. Without a min, fma(0, sx, A) is A (A is never -0). */
QUANT_AVX2 QUANT_INLINE __m256 step8(__m256 acc, __m256i dots, __m256 d, bool with_min, __m256 m,
                                     act8 x)
{
    if (with_min)
        acc = _mm256_fmadd_ps(m, x.sx, acc);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(dots, x.qs_off)),
                           _mm256_mul_ps(d, x.dx), acc);
}

/* quant_sum.h's tree over accumulators A0 A2 A4 A6 A1 A3 A5 A7 (lanes 0-7):
 * ((A0+A4)+(A2+A6)) + ((A1+A5)+(A3+A7)). */
QUANT_AVX2 QUANT_INLINE float tree8(__m256 acc)
{
    __m256 u = _mm256_add_ps(acc, _mm256_permute_ps(acc, _MM_SHUFFLE(1, 0, 3, 2)));
    __m256 v = _mm256_add_ps(u, _mm256_permute_ps(u, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128 w = _mm_add_ss(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    return _mm_cvtss_f32(w);
}

/* Byte j of 32 all ones where bit j of H is set: each byte takes H's byte
 * j / 8 and every bit but j % 8 set. */
QUANT_AVX2 QUANT_INLINE __m256i bit_bytes(uint32_t h)
{
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
                                            2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h), spread);
    v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfeLL));
    return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(-1));
}

/* VALUE in each byte of H that has BIT (one set bit, in every byte) set,
 * 0 in the others: a K-quant's high bits as code values. */
QUANT_AVX2 QUANT_INLINE __m256i bit_value(__m256i h, __m256i bit, char value)
{
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, bit), bit),
                            _mm256_set1_epi8(value));
}

/* The four-product sums of block P against the activation codes Q. */
QUANT_AVX2 QUANT_INLINE __m256i legacy_dot(const uint8_t *p, const int8_t *q, quant_fused_fmt f)
{
    if (f.whole_bytes)
        return dot_s(_mm256_loadu_si256((const __m256i *)(p + f.qs)), q);
    /* low nibbles in the low 128 bits, high ones shifted down in the high
     * 128 (a broadcast load and a variable shift keep the shuffle port free) */
    __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(p + f.qs)));
    __m256i u = _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)),
                                 _mm256_set1_epi8(0xf));
    if (f.iq4)
        return dot_s(_mm256_shuffle_epi8(
                         _mm256_broadcastsi128_si256(
                             _mm_loadu_si128((const __m128i *)quant_iq4_values)),
                         u),
                     q);
    if (f.qh >= 0) {
        uint32_t h;
        memcpy(&h, p + f.qh, 4);
        u = _mm256_or_si256(u, _mm256_and_si256(bit_bytes(h), _mm256_set1_epi8(0x10)));
    }
    return dot_u(u, q);
}

/* The f16 values at byte OFF of the N <= 8 blocks BYTES apart from P in
 * quant_fused_sigma's order (blocks 0 2 4 6 in one 64-bit word, 1 3 5 7 in
 * the other), 0 past the N. Joined in general registers: eight 2-byte
 * stores read back as one vector wait, unforwarded, and eight inserts
 * take the shuffle port the block dots fold on. */
QUANT_AVX2 QUANT_INLINE __m256 halves8(const uint8_t *p, int bytes, int n, int off)
{
    uint64_t w[2] = {0, 0};
#pragma GCC unroll 8
    for (int b = 0; b < n && b < 8; b++) {
        uint16_t h;
        memcpy(&h, p + b * bytes + off, 2);
        w[b % 2] |= (uint64_t)h << 16 * (b / 2);
    }
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)w[1], (long long)w[0]));
}

/* N <= 8 blocks of a 32-element TYPE from P: a chunk's step. */
QUANT_AVX2 QUANT_INLINE __m256 legacy_chunk(__m256 acc, const uint8_t *p, int n, const int8_t *q,
                                            act8 x, quant_fused_fmt f)
{
    __m256i v[8];
#pragma GCC unroll 8
    for (int b = 0; b < 8; b++)
        v[b] = b < n ? legacy_dot(p + b * f.bytes, q + 32 * b, f) : _mm256_setzero_si256();
    __m256 m = f.min >= 0 ? halves8(p, f.bytes, n, f.min) : _mm256_setzero_ps();
    return step8(acc, fold8(v), halves8(p, f.bytes, n, 0), f.min >= 0, m, x);
}

/* Q4_K's and Q5_K's eight 6-bit scales and mins from the 12 bytes at
 * B + 4, unpacked as ggml does four to a 32-bit word: D = d * scale and
 * M = -(dmin * min), in quant_fused_sigma's order. */
QUANT_AVX2 QUANT_INLINE void k45_scales(const uint8_t *b, __m256 *d, __m256 *m)
{
    uint32_t u[3];
    memcpy(u, b + 4, 12);
    uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | ((u[0] >> 2) & 0x30303030u);
    uint32_t m_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | ((u[1] >> 2) & 0x30303030u);
    __m128i v = _mm_setr_epi32((int)(u[0] & 0x3f3f3f3fu), (int)sc_hi,
                               (int)(u[1] & 0x3f3f3f3fu), (int)m_hi);
    v = _mm_shuffle_epi8(v, _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15));
    *d = _mm256_mul_ps(_mm256_set1_ps(quant_fused_half(b)),
                       _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)));
    *m = negated(_mm256_mul_ps(_mm256_set1_ps(quant_fused_half(b + 2)),
                               _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)))));
}

/* A Q4_K or Q5_K super-block B: chunk c's low nibbles are sub-block 2c,
 * its high ones 2c + 1; Q5_K's fifth bits are bits 2c and 2c + 1 of qh. */
QUANT_AVX2 QUANT_INLINE __m256 k45_chunk(__m256 acc, const uint8_t *b, const int8_t *q, act8 x,
                                         bool five)
{
    const uint8_t *qs = b + (five ? 48 : 16);
    __m256i qh = five ? _mm256_loadu_si256((const __m256i *)(b + 16)) : _mm256_setzero_si256();
    __m256i v[8];
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m256i w = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
        __m256i lo = _mm256_and_si256(w, _mm256_set1_epi8(0xf));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), _mm256_set1_epi8(0xf));
        if (five) {
            __m256i b0 = _mm256_set1_epi8((char)(1 << 2 * c)), b1 = _mm256_add_epi8(b0, b0);
            lo = _mm256_or_si256(lo, bit_value(qh, b0, 0x10));
            hi = _mm256_or_si256(hi, bit_value(qh, b1, 0x10));
        }
        v[2 * c] = dot_u(lo, q + 64 * c);
        v[2 * c + 1] = dot_u(hi, q + 64 * c + 32);
    }
    __m256 d, m;
    k45_scales(b, &d, &m);
    return step8(acc, fold8(v), d, true, m, x);
}

static bool is_k45(int type)
{
    return type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K;
}

/* The code offset the integers take out: none where dot_s() reads the codes
 * signed (Q8_0, IQ4_NL), else quant_code_offset's. */
static int integer_offset(int type)
{
    return type == GGML_TYPE_Q8_0 || type == GGML_TYPE_IQ4_NL ? 0 : quant_code_offset(type);
}

/* NR rows (1 or FUSED_ROWS, a constant after inlining) RB bytes apart. */
QUANT_AVX2 QUANT_INLINE void rows32(int type, const uint8_t *row, size_t rb, size_t ahead, int nr,
                                    const quant_act *a, float *out)
{
    size_t bytes = (size_t)quant_fused_chunk_bytes(type);
    __m256 acc[FUSED_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        acc[r] = _mm256_setzero_ps();
    for (int i = 0; i < (a->k + 255) / 256; i++) {
        act8 x = act8_of(a, i, integer_offset(type));
        const int8_t *q = a->q + (size_t)i * 256;
        int left = a->k / 32 - 8 * i;
#pragma GCC unroll 4
        for (int r = 0; r < nr; r++) {
            const uint8_t *p = row + r * rb + i * bytes;
            if (ahead)
                quant_prefetch(p + ahead, bytes);
            if (is_k45(type))
                acc[r] = k45_chunk(acc[r], p, q, x, type == GGML_TYPE_Q5_K);
            else if (left >= 8)
                acc[r] = legacy_chunk(acc[r], p, 8, q, x, quant_fused_legacy(type));
            else
                acc[r] = legacy_chunk(acc[r], p, left, q, x, quant_fused_legacy(type));
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        out[r] = tree8(acc[r]);
}

/* ---------------------------------------------------- the 16-element order */

/* Blocks 0-7 of 16 elements from the four-product sums V[0..3] (two
 * blocks each, in lanes 0-3 and 4-7), in order. */
QUANT_AVX2 QUANT_INLINE __m256i fold16(const __m256i *v)
{
    __m256i g = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    return _mm256_permutevar8x32_epi32(g, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* A super-block of the 16-element order: the four-product sums V[k] of
 * its 32-element runs (blocks 2k and 2k + 1), the blocks' scales D and
 * offsets M (blocks 0-7 in [0], 8-15 in [1]); SHIFTED where the codes went
 * in as u - 128 (the IQ4 codebook's signed values), whose block dots take
 * 128 times the activation code sums back. */
typedef struct {
    __m256i v[8];
    __m256 d[2], m[2];
    bool shifted;
} sb16;

/* Q6_K's codes of a half (ql's 64 bytes L0 and L1, qh's 32 H): elements
 * 0-31 take L0's low nibbles and H's bits 0-1 above them, 32-63 L1's and
 * bits 2-3, 64-95 L0's high nibbles and bits 4-5, 96-127 L1's and 6-7. */
QUANT_AVX2 QUANT_INLINE __m256i q6k_codes(__m256i low, __m256i high_at_4)
{
    return _mm256_or_si256(_mm256_and_si256(low, _mm256_set1_epi8(0xf)),
                           _mm256_and_si256(high_at_4, _mm256_set1_epi8(0x30)));
}

/* The sixteen scales D * SC[i] (int8) and offsets OFF times each. */
QUANT_AVX2 QUANT_INLINE void scales16(sb16 *s, float d, __m128i sc, float off)
{
    for (int g = 0; g < 2; g++) {
        s->d[g] = _mm256_mul_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                                                       g ? _mm_srli_si128(sc, 8) : sc)));
        s->m[g] = _mm256_mul_ps(_mm256_set1_ps(off), s->d[g]);
    }
}

/* Q6_K: ql[128], qh[64], scales[16], d; values d * sc * (code - 32). */
QUANT_AVX2 QUANT_INLINE sb16 q6k_sb(const uint8_t *b, const int8_t *q)
{
    sb16 s = {.shifted = false};
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++, q += 128) {
        __m256i l0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
        __m256i l1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
        s.v[4 * h] = dot_u(q6k_codes(l0, _mm256_slli_epi16(qh, 4)), q);
        s.v[4 * h + 1] = dot_u(q6k_codes(l1, _mm256_slli_epi16(qh, 2)), q + 32);
        s.v[4 * h + 2] = dot_u(q6k_codes(_mm256_srli_epi16(l0, 4), qh), q + 64);
        s.v[4 * h + 3] = dot_u(q6k_codes(_mm256_srli_epi16(l1, 4), _mm256_srli_epi16(qh, 2)),
                               q + 96);
    }
    scales16(&s, quant_fused_half(b + 208), _mm_loadu_si128((const __m128i *)(b + 192)), -32.0f);
    return s;
}

/* Q2_K's and Q3_K's codes: run k is half k / 4 (32 bytes of QS) at shift
 * 2(k % 4); Q3_K's third bit of element l of run k is bit k of HMASK[l],
 * worth 4. */
QUANT_AVX2 QUANT_INLINE void q23_runs(sb16 *s, const uint8_t *qs, const uint8_t *hmask,
                                      const int8_t *q)
{
    __m256i hm = hmask ? _mm256_loadu_si256((const __m256i *)hmask) : _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(qs + 32 * (k / 4)));
        __m256i u = _mm256_and_si256(_mm256_srli_epi16(v, 2 * (k % 4)), _mm256_set1_epi8(3));
        if (hmask)
            u = _mm256_or_si256(u, bit_value(hm, _mm256_set1_epi8((char)(1 << k)), 4));
        s->v[k] = dot_u(u, q + 32 * k);
    }
}

/* Q3_K: hmask[32], qs[64], scales[12], d; values d * sc * (code - 4). */
QUANT_AVX2 QUANT_INLINE sb16 q3k_sb(const uint8_t *b, const int8_t *q)
{
    sb16 s = {.shifted = false};
    q23_runs(&s, b + 32, b, q);
    scales16(&s, quant_fused_half(b + 108), quant_fused_q3k_scales(b + 96), -4.0f);
    return s;
}

/* Q2_K: scales[16] (a 4-bit scale and a 4-bit min each), qs[64], d, dmin;
 * values d * sc * code - dmin * min. */
QUANT_AVX2 QUANT_INLINE sb16 q2k_sb(const uint8_t *b, const int8_t *q)
{
    sb16 s = {.shifted = false};
    q23_runs(&s, b + 16, NULL, q);
    __m128i sc = _mm_loadu_si128((const __m128i *)b);
    __m128i low = _mm_and_si128(sc, _mm_set1_epi8(0xf));
    __m128i high = _mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0xf));
    __m256 d = _mm256_set1_ps(quant_fused_half(b + 80));
    __m256 dmin = _mm256_set1_ps(quant_fused_half(b + 82));
    for (int g = 0; g < 2; g++) {
        s.d[g] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                                      g ? _mm_srli_si128(low, 8) : low)));
        s.m[g] = negated(_mm256_mul_ps(dmin, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                                                  g ? _mm_srli_si128(high, 8) : high))));
    }
    return s;
}

/* IQ4_XS: d, scales_h, scales_l[4], then eight runs of 16 bytes whose low
 * nibbles are elements 0-15 of the run, high ones 16-31, codebook indices;
 * values d * (ls - 32) * (code - 128), code the value shifted by 128. */
QUANT_AVX2 QUANT_INLINE sb16 iq4xs_sb(const uint8_t *b, const int8_t *q)
{
    sb16 s = {.shifted = true};
    quant_fused_fmt nl = quant_fused_legacy(GGML_TYPE_IQ4_NL);
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++)     /* as IQ4_NL blocks 16 bytes apart */
        s.v[k] = legacy_dot(b + 8 - nl.qs + 16 * k, q + 32 * k, nl);
    __m256 dl = quant_fused_iq4xs_scales(b);
    s.d[0] = _mm256_permutevar8x32_ps(dl, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
    s.d[1] = _mm256_permutevar8x32_ps(dl, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7));
    for (int g = 0; g < 2; g++)
        s.m[g] = _mm256_mul_ps(_mm256_set1_ps(-128.0f), s.d[g]);
    return s;
}

QUANT_AVX2 QUANT_INLINE sb16 superblock16(int type, const uint8_t *b, const int8_t *q)
{
    switch (type) {
    case GGML_TYPE_Q6_K: return q6k_sb(b, q);
    case GGML_TYPE_Q3_K: return q3k_sb(b, q);
    case GGML_TYPE_Q2_K: return q2k_sb(b, q);
    default: return iq4xs_sb(b, q);
    }
}

/* Super-block B (chunk I) of TYPE: a step of accumulators 0-7 (LO) and
 * 8-15 (HI). */
QUANT_AVX2 QUANT_INLINE void chunk16(int type, __m256 *lo, __m256 *hi, const uint8_t *b,
                                     const quant_act *a, int i)
{
    sb16 s = superblock16(type, b, a->q + (size_t)i * 256);
    const float *dx = a->d + 16 * (size_t)i, *sx = a->s + 16 * (size_t)i;
    const int32_t *sum = a->sum + 16 * (size_t)i;
    __m256 *acc[2] = {lo, hi};
#pragma GCC unroll 2
    for (int g = 0; g < 2; g++) {
        __m256i dots = fold16(s.v + 4 * g);
        if (s.shifted)
            dots = _mm256_add_epi32(
                dots, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(sum + 8 * g)), 7));
        __m256 inner = _mm256_fmadd_ps(s.m[g], _mm256_loadu_ps(sx + 8 * g), *acc[g]);
        *acc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots),
                                  _mm256_mul_ps(s.d[g], _mm256_loadu_ps(dx + 8 * g)), inner);
    }
}

QUANT_AVX2 QUANT_INLINE void rows16(int type, const uint8_t *row, size_t rb, size_t ahead,
                                    int nr, const quant_act *a, float *out)
{
    size_t bytes = (size_t)quant_fused_chunk_bytes(type);
    __m256 lo[FUSED_ROWS], hi[FUSED_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        lo[r] = hi[r] = _mm256_setzero_ps();
    for (int i = 0; i < a->k / 256; i++)
#pragma GCC unroll 4
        for (int r = 0; r < nr; r++) {
            const uint8_t *p = row + r * rb + (size_t)i * bytes;
            if (ahead)
                quant_prefetch(p + ahead, bytes);
            chunk16(type, &lo[r], &hi[r], p, a, i);
        }
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        out[r] = quant_sum_tree256(lo[r], hi[r]);
}

/* NR rows, NR a constant after inlining. */
QUANT_AVX2 QUANT_INLINE bool fused(int type, const uint8_t *row, size_t rb, size_t ahead, int nr,
                                   const quant_act *a, float *out)
{
#define ROWS_OF(t)                                      \
    case t:                                             \
        if (quant_fused_steps16(t))                     \
            rows16(t, row, rb, ahead, nr, a, out);      \
        else                                            \
            rows32(t, row, rb, ahead, nr, a, out);      \
        return true;
    switch (type) {
        QUANT_FUSED_TYPES(ROWS_OF)
    default: return false;
    }
#undef ROWS_OF
}

/* Each NR (1 or FUSED_ROWS) its own specialization of fused(). */
QUANT_AVX2 bool quant_fused_avx2_rows(int type, const uint8_t *row, size_t rb, size_t ahead,
                                       int n, const quant_act *a, float *out)
{
    return n == FUSED_ROWS ? fused(type, row, rb, ahead, FUSED_ROWS, a, out)
                           : n == 1 && fused(type, row, 0, ahead, 1, a, out);
}
#endif
