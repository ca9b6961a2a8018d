/* quant_fused.c - AVX-512 VNNI one-row kernels (quant_fused.h). Each takes a
 * 256-element chunk as four pieces of 64 weights straight from their blocks
 * into unsigned byte codes (nibbles masked, high ones shifted down or their
 * sums scaled back; Q8_0 shifted by 128),
 * multiplies each piece with the int8 activations in one vpdpbusd, folds the
 * pieces into the chunk's block dots (16 of 16 elements, or 8 of 32 for the
 * 32-element types, whose rows go in pairs) and steps the row's
 * accumulators as quant_sum.h fixes:
 * scales and offsets (the code offsets and the K-quant mins) are formed
 * exactly as quant_dot.c's unpacking forms them, so these kernels give the
 * same bits as every other path. */
#include "config.h"

#include <string.h>

#include "gguf.h"
#include "quant_fused.h"
#include "quant_fused_blocks.h"
#include "quant_impl.h"
#include "quant_sum.h"

const int32_t quant_fused_sigma[8] = {0, 2, 4, 6, 1, 3, 5, 7};

size_t quant_fused_pair_bytes(int kp)
{
    return (size_t)(kp / 256) * sizeof(quant_fused_act);
}

void quant_fused_prepare(const quant_act *a)
{
    quant_fused_act *c = a->pairs;
    for (int i = 0; i < a->kp / 256; i++)
        for (int l = 0; l < 16; l++) {
            int b = 16 * i + 2 * quant_fused_sigma[l % 8];  /* a block's two 16-element halves */
            int32_t qs = a->sum[b] + a->sum[b + 1];
            c[i].qs[l] = qs;
            c[i].dx[l] = a->d[b];
            c[i].sx[l] = a->d[b] * (float)qs;
        }
}

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

/* A chunk's step of the accumulators ACC from the vpdpbusd sums of its four
 * pieces and the per-block weight scales D and offsets M against the
 * activations' DX and SX. */
QUANT_AVX512 QUANT_INLINE __m512 chunk(__m512 acc, const __m512i *piece, __m512 d, __m512 m,
                                       const float *dx, const float *sx)
{
    return quant_sum_step512(acc, quant_sum_blocks512(piece[0], piece[1], piece[2], piece[3]),
                             _mm512_mul_ps(d, _mm512_loadu_ps(dx)), m, _mm512_loadu_ps(sx));
}

/* vpdpbusd of 64 codes W and activations X from zero. The zero is made
 * by a zeroing idiom in each call, which the renamer takes without a port,
 * where the compiler copied one zero register to a fresh one per product
 * (one more instruction on the ports vpdpbusd uses; Q4_K decode 3 %). */
QUANT_AVX512 QUANT_INLINE __m512i dot64(__m512i w, const int8_t *x)
{
    __m512i z;
    __asm__("vpxord %0, %0, %0" : "=v"(z));
    return _mm512_dpbusd_epi32(z, w, _mm512_loadu_si512(x));
}

/* Q4_0 and Q4_1 keep their high nibbles in place (nibbles16). */
static inline bool in_place(quant_fused_fmt f)
{
    return !f.whole_bytes && !f.iq4 && f.qh < 0;
}

/* The low nibbles of V's bytes, and the high ones in the 16-bit lanes set
 * in HIGH: one masked shift and a mask, where unpacking a 256-bit half of
 * each and joining them took two more instructions on the shuffle port. */
QUANT_AVX512 QUANT_INLINE __m512i nibbles(__m512i v, __mmask32 high)
{
    return _mm512_and_si512(_mm512_mask_srli_epi16(v, high, v, 4), _mm512_set1_epi8(0xf));
}

/* Where a code needs its high nibble as a value of its own to add a fifth
 * bit to or look up, nibbles() shifts it down; where it does not (Q4_0,
 * Q4_1, Q4_K), the high nibble is only masked, in place: its products
 * come out 16 times too large, and the folded sums of those lanes (HIGH)
 * are shifted back, exactly, one shift per row and chunk where there were
 * four (the shifts and vpdpbusd share a port): Q4_K and Q4_0 row kernels
 * 5-7 % faster. */
QUANT_AVX512 QUANT_INLINE __m512i nibbles16(__m512i v, __mmask8 high)
{
    return _mm512_and_si512(v, _mm512_mask_set1_epi64(_mm512_set1_epi8(0xf), high,
                                                      (long long)0xf0f0f0f0f0f0f0f0ULL));
}

QUANT_AVX512 QUANT_INLINE __m512i unscale16(__m512i folded, __mmask16 high)
{
    return _mm512_mask_srai_epi32(folded, high, folded, 4);
}

/* Codes of blocks PA and PB (PB NULL: none) as 64 unsigned bytes. */
QUANT_AVX512 QUANT_INLINE __m512i legacy_codes(const uint8_t *pa, const uint8_t *pb,
                                               quant_fused_fmt f)
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
    __m512i w = in_place(f) ? nibbles16(v, 0xcc) : nibbles(v, 0xff00ff00u);
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

/* ---------------------------------------------------- the 32-element order
 * Rows go in pairs: one register holds the eight accumulators of each of
 * two rows, in the lane order SIGMA = blocks 0 2 4 6 1 3 5 7 (the order in
 * which a chunk's four pieces fold down), so a pair shares one fold, one
 * float step and one formation of scales where a row alone took each. A
 * lone row is a pair without its second. sigma_lanes() gives each lane's
 * block. */
QUANT_AVX512 QUANT_INLINE __m512i sigma_lanes(void)
{
    return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)quant_fused_sigma));
}

/* Chunk I of the activations as the pair registers read it (from
 * quant_fused_prepare): per block, the code sum times the weights' code
 * offset OFF, the scale and the scaled sum. */
typedef struct {
    __m512i qs_off;
    __m512 dx, sx;
} act32;

QUANT_AVX512 QUANT_INLINE act32 act32_of(const quant_act *a, int i, int off)
{
    const quant_fused_act *c = (const quant_fused_act *)a->pairs + i;
    __m512i qs = _mm512_loadu_si512(c->qs);
    __m512i qs_off = off ? _mm512_mullo_epi32(qs, _mm512_set1_epi32(off)) : _mm512_setzero_si512();
    return (act32){qs_off, _mm512_loadu_ps(c->dx), _mm512_loadu_ps(c->sx)};
}

/* A chunk's step of a pair's accumulators ACC (quant_sum.h's 32-element
 * order, in SIGMA) from the folded piece sums S0 and S1 of its rows
 * (quant_sum_folded512: 128-bit lanes 0-1 of a piece are its first block,
 * 2-3 its second), the blocks' scales D and, WITH_MIN, mins M, the code
 * offset OFF taken out of the integers, against the activations X. Without
 * a min the term fma(0, sx, A) is A itself (A is never -0), left out. */
QUANT_AVX512 QUANT_INLINE __m512 step32(__m512 acc, __m512i s0, __m512i s1, int off, __m512 d,
                                        bool with_min, __m512 m, act32 x)
{
    __m512i dots = _mm512_add_epi32(_mm512_shuffle_i32x4(s0, s1, _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm512_shuffle_i32x4(s0, s1, _MM_SHUFFLE(3, 1, 3, 1)));
    if (off)
        dots = _mm512_sub_epi32(dots, x.qs_off);
    if (with_min)
        acc = _mm512_fmadd_ps(m, x.sx, acc);
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), _mm512_mul_ps(d, x.dx), acc);
}

/* quant_sum.h's tree over a pair's accumulators (lanes A0 A2 A4 A6 A1 A3
 * A5 A7 per row): ((A0+A4)+(A2+A6)) + ((A1+A5)+(A3+A7)); NR rows to OUT. */
QUANT_AVX512 QUANT_INLINE void tree32(__m512 acc, int nr, float *out)
{
    __m512 u = _mm512_add_ps(acc, _mm512_permute_ps(acc, _MM_SHUFFLE(1, 0, 3, 2)));
    __m512 v = _mm512_add_ps(u, _mm512_permute_ps(u, _MM_SHUFFLE(2, 3, 0, 1)));
    __m512 w = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    float lanes[16];
    _mm512_storeu_ps(lanes, w);
    out[0] = lanes[0];
    if (nr > 1)
        out[1] = lanes[8];
}

/* ------------------------------------------ a row's last one or two blocks
 * A row of 288 or 576 elements (9 or 18 blocks) ends in a chunk of one or
 * two blocks, which the whole-chunk path took at most of a whole chunk's
 * cost: four pieces folded where one holds anything, and a gather for two
 * or four scales. These give the same sums and scales for less. */

/* quant_sum_folded512(A, 0, 0, 0): each 128-bit lane's sum in its first. */
QUANT_AVX512 QUANT_INLINE __m512i fold_one(__m512i a)
{
    __m512i t = _mm512_add_epi32(a, _mm512_shuffle_epi32(a, _MM_PERM_BADC));
    t = _mm512_add_epi32(t, _mm512_shuffle_epi32(t, _MM_PERM_CDAB));
    return _mm512_maskz_mov_epi32(0x1111, t);
}

/* Bytes 64J to 64J + 63 of a row's N <= 8 blocks of BYTES from P, zeros
 * past the blocks: a masked load where the row may end sooner, none where
 * the words wanted (up to NEED bytes) end before. */
QUANT_AVX512 QUANT_INLINE __m512i window(const uint8_t *p, int bytes, int n, int need, int j)
{
    int left = n * bytes - 64 * j;
    if (64 * j >= need)
        return _mm512_setzero_si512();
    if (left >= 64)
        return _mm512_loadu_si512(p + 64 * j);
    return _mm512_maskz_loadu_epi8(((__mmask64)1 << left) - 1, p + 64 * j);
}

/* The f16 words at byte OFF of a row's N <= 8 blocks of BYTES from P, in
 * SIGMA order in the low eight words (zeros past N): word permutes over
 * the blocks' first 256 bytes, two registers each, where a gather of a
 * pair's sixteen took twice the time of all the rest of a Q8_0 chunk on
 * AMD's Zen 5 (its row kernels 1.3x faster without). */
QUANT_AVX512 QUANT_INLINE __m128i row_halves(const uint8_t *p, int bytes, int n, int off)
{
    __m512i word = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_mullo_epi32(sigma_lanes(), _mm512_set1_epi32(bytes)),
                         _mm512_set1_epi32(off)), 1);
    __m512i idx = _mm512_castsi256_si512(_mm512_cvtepi32_epi16(word));
    __mmask32 high = _mm512_cmpge_epi16_mask(idx, _mm512_set1_epi16(64)) & 0xff;
    int need = (n - 1) * bytes + off + 2;
    __m512i h = _mm512_permutex2var_epi16(window(p, bytes, n, need, 0), idx,
                                          window(p, bytes, n, need, 1));
    if (need <= 128)     /* the high lanes' words are past N */
        return _mm512_castsi512_si128(_mm512_maskz_mov_epi16(~high, h));
    __m512i h2 = _mm512_permutex2var_epi16(window(p, bytes, n, need, 2), idx,
                                           window(p, bytes, n, need, 3));
    return _mm512_castsi512_si128(_mm512_mask_mov_epi16(h, high, h2));
}

/* The f16 values at byte OFF of a pair of rows' N blocks from P0 (the
 * second RB bytes on, zeros where not TWO), row 0's in lanes 0-7 and row
 * 1's in 8-15. */
QUANT_AVX512 QUANT_INLINE __m512 pair_halves(const uint8_t *p0, size_t rb, bool two, int bytes,
                                             int n, int off)
{
    __m128i h1 = two ? row_halves(p0 + rb, bytes, n, off) : _mm_setzero_si128();
    return _mm512_cvtph_ps(_mm256_inserti128_si256(
        _mm256_castsi128_si256(row_halves(p0, bytes, n, off)), h1, 1));
}

/* The folded piece sums of eight 32-element blocks from P, N of them in
 * the row, two per vpdpbusd, against the activations' codes Q (N <= 2:
 * one piece, fold_one). */
QUANT_AVX512 QUANT_INLINE __m512i legacy_folded(const uint8_t *p, int n, const int8_t *q,
                                                quant_fused_fmt f)
{
    __m512i piece[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        const uint8_t *pa = p + (size_t)(2 * j) * f.bytes;
        piece[j] = 2 * j < n ? dot64(legacy_codes(pa, 2 * j + 1 < n ? pa + f.bytes : NULL, f),
                                     q + 64 * j)
                             : _mm512_setzero_si512();
    }
    __m512i s = n <= 2 ? fold_one(piece[0])
                       : quant_sum_folded512(piece[0], piece[1], piece[2], piece[3]);
    return in_place(f) ? unscale16(s, 0xf0f0) : s;
}

/* A chunk of a pair of legacy rows from P0 (the second RB bytes on, where
 * TWO), N blocks each. */
QUANT_AVX512 QUANT_INLINE __m512 legacy_pair(__m512 acc, const uint8_t *p0, size_t rb, bool two,
                                             int n, const int8_t *q, act32 x, quant_fused_fmt f,
                                             int off)
{
    __m512i s0 = legacy_folded(p0, n, q, f);
    __m512i s1 = two ? legacy_folded(p0 + rb, n, q, f) : _mm512_setzero_si512();
    __m512 m = f.min >= 0 ? pair_halves(p0, rb, two, f.bytes, n, f.min) : _mm512_setzero_ps();
    return step32(acc, s0, s1, off, pair_halves(p0, rb, two, f.bytes, n, 0), f.min >= 0, m, x);
}

/* Q4_K's and Q5_K's 6-bit scales and mins of the super-blocks B0 and B1,
 * unpacked as ggml does four to a 32-bit word (u0, u1, u2 the words):
 * scales 0-3 u0 & 63, 4-7 (u2 & 15) | (u0 >> 6) << 4; mins 0-3 u1 & 63,
 * 4-7 (u2 >> 4) | (u1 >> 6) << 4; then D = d * scale and M = -(dmin * min)
 * in SIGMA order, B0's in lanes 0-7 and B1's in 8-15. */
QUANT_AVX512 QUANT_INLINE void k45_scales(const uint8_t *b0, const uint8_t *b1, __m512 *d,
                                          __m512 *m)
{
    __m256i v = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(b0 + 4))),
        _mm_loadu_si128((const __m128i *)(b1 + 4)), 1);
    __m256i lo = _mm256_srlv_epi32(_mm256_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)),
                                   _mm256_set_epi32(4, 0, 0, 0, 4, 0, 0, 0));  /* u0 u2 u1 u2>>4 */
    lo = _mm256_and_si256(lo, _mm256_set_epi32(0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f,
                                               0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f));
    __m256i hi = _mm256_srli_epi32(_mm256_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)), 2);
    hi = _mm256_and_si256(hi, _mm256_set_epi32(0x30303030, 0, 0x30303030, 0, 0x30303030, 0,
                                               0x30303030, 0));
    /* per row: scales then mins, each in SIGMA; then both rows' scales, both mins */
    __m256i u = _mm256_shuffle_epi8(_mm256_or_si256(lo, hi),
                                    _mm256_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11,
                                                     13, 15, 0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12,
                                                     14, 9, 11, 13, 15));
    u = _mm256_permute4x64_epi64(u, _MM_SHUFFLE(3, 1, 2, 0));
    int32_t h0, h1;     /* d and dmin of each */
    memcpy(&h0, b0, 4);
    memcpy(&h1, b1, 4);
    __m512 dd = _mm512_castps128_ps512(_mm_cvtph_ps(_mm_set_epi32(0, 0, h1, h0)));
    *d = _mm512_mul_ps(_mm512_permutexvar_ps(_mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0,
                                                              0, 0, 0, 0), dd),
                       _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_castsi256_si128(u))));
    *m = _mm512_mul_ps(_mm512_permutexvar_ps(_mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1,
                                                              1, 1, 1, 1), dd),
                       _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_extracti128_si256(u, 1))));
    *m = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(*m), _mm512_set1_epi32(INT32_MIN)));
}

/* The folded piece sums of a Q4_K or Q5_K super-block B against the
 * activations' codes Q: chunk c's low nibbles are elements 64c..64c+31,
 * its high nibbles the next 32; Q5_K's fifth bits are bits 2c and 2c+1 of
 * qh. */
QUANT_AVX512 QUANT_INLINE __m512i k45_folded(const uint8_t *b, const int8_t *q, bool five)
{
    const uint8_t *qs = b + (five ? 48 : 16);
    __m512i qh = five ? _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(b + 16)))
                      : _mm512_setzero_si512();
    __m512i piece[4];
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * c)));
        __m512i w = five ? nibbles(v, 0xffff0000u) : nibbles16(v, 0xf0);
        if (five) {     /* bit 2c of qh in the low half, 2c + 1 in the high */
            __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8((char)(1 << 2 * c)),
                                             _mm256_set1_epi8((char)(1 << (2 * c + 1))), 1);
            w = _mm512_mask_add_epi8(w, _mm512_test_epi8_mask(qh, bit), w, _mm512_set1_epi8(16));
        }
        piece[c] = dot64(w, q + 64 * c);
    }
    __m512i s = quant_sum_folded512(piece[0], piece[1], piece[2], piece[3]);
    return five ? s : unscale16(s, 0xff00);
}

/* Q4_K and Q5_K: 8 sub-blocks of 32 with scales d * sc and offsets
 * -(dmin * m), one per sub-block: the 32-element order. A pair from B0
 * (the second RB bytes on, where TWO). */
QUANT_AVX512 QUANT_INLINE __m512 k45_pair(__m512 acc, const uint8_t *b0, size_t rb, bool two,
                                          const int8_t *q, act32 x, bool five)
{
    __m512 d, m;
    k45_scales(b0, two ? b0 + rb : b0, &d, &m);
    __m512i s0 = k45_folded(b0, q, five);
    __m512i s1 = two ? k45_folded(b0 + rb, q, five) : _mm512_setzero_si512();
    return step32(acc, s0, s1, 0, d, true, m, x);
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
        _mm512_set1_ps(quant_fused_half(b + 208)),
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

/* Q2_K and Q3_K: per half of 128 (32 bytes of qs, q), the 2-bit codes at
 * shifts 0, 2, 4 and 6 of q[0..32) are elements 0-31, 32-63, 64-95 and
 * 96-127 of the half; Q3_K's third bit of element 32j + l of half n is bit
 * 4n + j of hmask[l], worth 4. Piece P (elements 64P on) is half P / 2 at
 * shift 4(P % 2) in its low 256 bits, 2 more in its high ones. */
QUANT_AVX512 QUANT_INLINE __m512i q23_codes(const uint8_t *qs, const uint8_t *hmask, int p)
{
    __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * (p / 2))));
    v = _mm512_srli_epi16(v, 4 * (p % 2));
    __m512i w = _mm512_and_si512(_mm512_mask_srli_epi16(v, 0xffff0000u, v, 2),
                                 _mm512_set1_epi8(3));
    if (hmask) {
        int bit = 4 * (p / 2) + 2 * (p % 2);
        __m512i h = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)hmask));
        __m512i sel = _mm512_inserti64x4(_mm512_set1_epi8((char)(1 << bit)),
                                         _mm256_set1_epi8((char)(1 << (bit + 1))), 1);
        w = _mm512_mask_add_epi8(w, _mm512_test_epi8_mask(h, sel), w, _mm512_set1_epi8(4));
    }
    return w;
}

/* Q3_K: hmask[32], qs[64], scales[12], d; values d * sc * (code - 4). */
QUANT_AVX512 QUANT_INLINE __m512 q3k_block(__m512 acc, const uint8_t *b, const quant_act *a, int i)
{
    __m512 d = _mm512_mul_ps(_mm512_set1_ps(quant_fused_half(b + 108)),
                             _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(quant_fused_q3k_scales(b + 96))));
    __m512 m = _mm512_mul_ps(_mm512_set1_ps(-4.0f), d);
    __m512i piece[4];
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++)
        piece[p] = dot64(q23_codes(b + 32, b, p), a->q + (size_t)i * 256 + 64 * p);
    return chunk(acc, piece, d, m, a->d + 16 * i, a->s + 16 * i);
}

/* Q2_K: scales[16] (a 4-bit scale and a 4-bit min each), qs[64], d, dmin;
 * values d * sc * code - dmin * min. */
QUANT_AVX512 QUANT_INLINE __m512 q2k_block(__m512 acc, const uint8_t *b, const quant_act *a, int i)
{
    __m128i sc = _mm_loadu_si128((const __m128i *)b);
    __m128i low = _mm_and_si128(sc, _mm_set1_epi8(0xf));
    __m128i high = _mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0xf));
    __m512 d = _mm512_mul_ps(_mm512_set1_ps(quant_fused_half(b + 80)),
                             _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(low)));
    __m512 m = _mm512_mul_ps(_mm512_set1_ps(quant_fused_half(b + 82)),
                             _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(high)));
    m = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(m), _mm512_set1_epi32(INT32_MIN)));
    __m512i piece[4];
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++)
        piece[p] = dot64(q23_codes(b + 16, NULL, p), a->q + (size_t)i * 256 + 64 * p);
    return chunk(acc, piece, d, m, a->d + 16 * i, a->s + 16 * i);
}

/* IQ4_XS: d, scales_h (2 bits per sub-block), scales_l[4] (4 bits per
 * sub-block), then eight IQ4_NL blocks of 32 without their scales; each
 * sub-block's d * (ls - 32) serves both of its 16s. */
QUANT_AVX512 QUANT_INLINE __m512 iq4xs_block(__m512 acc, const uint8_t *b, const quant_act *a,
                                             int i)
{
    __m256 dl = quant_fused_iq4xs_scales(b);
    __m512 d = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
                                     _mm512_castps256_ps512(dl));
    __m512 m = _mm512_mul_ps(_mm512_set1_ps(-128.0f), d);
    quant_fused_fmt nl = quant_fused_legacy(GGML_TYPE_IQ4_NL);
    const uint8_t *qs = b + 8 - nl.qs;     /* as IQ4_NL blocks 16 bytes apart */
    __m512i piece[4];
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++)
        piece[p] = dot64(legacy_codes(qs + 32 * p, qs + 32 * p + 16, nl),
                         a->q + (size_t)i * 256 + 64 * p);
    return chunk(acc, piece, d, m, a->d + 16 * i, a->s + 16 * i);
}

QUANT_AVX512 QUANT_INLINE __m512 block16(int type, __m512 acc, const uint8_t *b,
                                         const quant_act *a, int i)
{
    switch (type) {
    case GGML_TYPE_Q6_K: return q6k_block(acc, b, a, i);
    case GGML_TYPE_Q3_K: return q3k_block(acc, b, a, i);
    case GGML_TYPE_Q2_K: return q2k_block(acc, b, a, i);
    default: return iq4xs_block(acc, b, a, i);
    }
}

static bool is_superblock(int type)
{
    return type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K || type == GGML_TYPE_Q6_K;
}

/* Chunk I (elements 256i on, at P) of a pair of rows of a 32-element
 * TYPE (the second RB bytes on, where TWO): a super-block, or N blocks
 * (8 but at the row's end). */
QUANT_AVX512 QUANT_INLINE __m512 pair_chunk(int type, __m512 acc, const uint8_t *p, size_t rb,
                                            bool two, const quant_act *a, int i, act32 x, int n)
{
    const int8_t *q = a->q + (size_t)i * 256;
    if (is_superblock(type))
        return k45_pair(acc, p, rb, two, q, x, type == GGML_TYPE_Q5_K);
    return legacy_pair(acc, p, rb, two, n, q, x, quant_fused_legacy(type),
                       quant_code_offset(type));
}

/* pair_chunk() for the N < 8 blocks that end a row of a legacy TYPE, N
 * made a constant in each case: masks and permutes formed from a
 * variable N took more than the blocks (Q8_0 rows of 288 8 %, Q4_1 28 %
 * faster as constants). */
QUANT_AVX512 QUANT_INLINE __m512 tail_pair(int type, __m512 acc, const uint8_t *p, size_t rb,
                                           bool two, const quant_act *a, int i, act32 x, int n)
{
#define TAIL(c) \
    case c: return pair_chunk(type, acc, p, rb, two, a, i, x, c);
    switch (n) {
        TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5) TAIL(6)
    default: return pair_chunk(type, acc, p, rb, two, a, i, x, 7);
    }
#undef TAIL
}

/* NR rows (1 or FUSED_ROWS; NR and TYPE constants after inlining) RB bytes
 * apart, in pairs of a 32-element TYPE: each row's accumulators are its
 * own, so its result is what it would be alone. The whole chunks in a
 * loop of constant shape, then the blocks of a last one (one loop for
 * both branched and formed masks in every chunk: Q8_0 rows of 512 13 %
 * slower). */
QUANT_AVX512 QUANT_INLINE void pair_chunks(int type, const uint8_t *row, size_t rb, size_t ahead,
                                           int nr, const quant_act *a, float *out)
{
    int bytes = quant_fused_chunk_bytes(type), whole = a->k / 256, left = a->k / 32 % 8;
    __m512 acc[FUSED_ROWS / 2];
#pragma GCC unroll 2
    for (int r = 0; r < (nr + 1) / 2; r++)
        acc[r] = _mm512_setzero_ps();
    for (int i = 0; i < whole; i++) {
        act32 x = act32_of(a, i, quant_code_offset(type));
#pragma GCC unroll 2
        for (int r = 0; r < nr; r += 2) {
            const uint8_t *p = row + r * rb + (size_t)i * bytes;
            if (ahead) {
                quant_prefetch(p + ahead, (size_t)bytes);
                quant_prefetch(p + rb + ahead, (size_t)bytes);
            }
            acc[r / 2] = pair_chunk(type, acc[r / 2], p, rb, r + 1 < nr, a, i, x, 8);
        }
    }
    if (left && !is_superblock(type)) {     /* super-block rows are whole chunks */
        act32 x = act32_of(a, whole, quant_code_offset(type));
#pragma GCC unroll 2
        for (int r = 0; r < nr; r += 2)
            acc[r / 2] = tail_pair(type, acc[r / 2], row + r * rb + (size_t)whole * bytes, rb,
                                   r + 1 < nr, a, whole, x, left);
    }
#pragma GCC unroll 2
    for (int r = 0; r < nr; r += 2)
        tree32(acc[r / 2], nr - r < 2 ? nr - r : 2, out + r);
}

/* NR rows of a 16-element order TYPE, sharing the activation loads. */
QUANT_AVX512 QUANT_INLINE void rows16(int type, const uint8_t *row, size_t rb, size_t ahead,
                                      int nr, const quant_act *a, float *out)
{
    size_t bytes = (size_t)quant_fused_chunk_bytes(type);
    __m512 acc[FUSED_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        acc[r] = _mm512_setzero_ps();
    for (int i = 0; i < a->k / 256; i++)
#pragma GCC unroll 4
        for (int r = 0; r < nr; r++) {
            if (ahead)
                quant_prefetch(row + r * rb + ahead + i * bytes, bytes);
            acc[r] = block16(type, acc[r], row + r * rb + i * bytes, a, i);
        }
    trees(acc, nr, out);
}

QUANT_AVX512 QUANT_INLINE void row_chunks(int type, const uint8_t *row, size_t rb, size_t ahead,
                                          int nr, const quant_act *a, float *out)
{
    if (quant_fused_steps16(type))
        rows16(type, row, rb, ahead, nr, a, out);
    else
        pair_chunks(type, row, rb, ahead, nr, a, out);
}

/* NR rows, NR a constant after inlining. */
QUANT_AVX512 QUANT_INLINE bool fused(int type, const uint8_t *row, size_t rb, size_t ahead,
                                     int nr, const quant_act *a, float *out)
{
#define ROWS_OF(t)                                  \
    case t:                                         \
        row_chunks(t, row, rb, ahead, nr, a, out);  \
        return true;
    switch (type) {
        QUANT_FUSED_TYPES(ROWS_OF)
    default: return false;
    }
#undef ROWS_OF
}

/* Each NR (1 or FUSED_ROWS) its own specialization of fused(). */
QUANT_AVX512 bool quant_fused_rows(int type, const uint8_t *row, size_t rb, size_t ahead, int n,
                                    const quant_act *a, float *out)
{
    return n == FUSED_ROWS ? fused(type, row, rb, ahead, FUSED_ROWS, a, out)
                           : n == 1 && fused(type, row, 0, ahead, 1, a, out);
}
#endif
