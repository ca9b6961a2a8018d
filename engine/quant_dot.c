/* quant_dot.c - integer dot products of quantized weights (quant_dot.h).
 *
 * Every block type can be unpacked, into an L1 buffer, to unsigned 8-bit
 * codes u with a float scale d and offset m per 16 elements (w = d * u + m:
 * Q8_0 and the IQ4 codebook values are shifted by 128, 4-bit types keep
 * their nibbles, ...; the 32-element types keep their code offset apart,
 * w = d * (u - off) + m). Against activations x ~ dx * q (q int8, dx per
 * 32, sx = dx * sum(q) per 16) a dot product is then the sum over blocks i
 * of d_i dx_i (u . q - off sum(q))_i + m_i sx_i, the integer part being one
 * VNNI instruction per 64 codes (vpdpbusd: u8 times s8, summed by 4). How
 * the block terms are rounded and added is fixed by quant_sum.h for every
 * path and shape (per 16 elements, or per 32 for the types with a scale per
 * 32), so one row's result never depends on which kernel computed it.
 * Unpacking and the block sums are plain C shared by all the paths and
 * compiled for each path's instruction set (inlined into the
 * target-attributed loops); activation quantization has a vector version
 * per path that gives the scalar one's bytes.
 *
 * Decode reads weight rows once against one activation row; on AVX-512
 * and on AVX2 every type skips the buffer and takes four rows per call
 * (quant_fused.c, quant_fused_avx2.c), one from each quarter of the rows
 * asked for, so the reads are four sequential streams.
 * Prefill takes the activation rows as tiles of 16, interleaved 4 bytes per
 * row, so one vpdpbusd multiplies 4 codes of a weight row (broadcast) with
 * 16 rows at once, and a weight block is unpacked once for up to 64 rows. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "quant_amx.h"
#include "quant_dot.h"
#include "quant_fused.h"
#include "quant_impl.h"
#include "quant_sum.h"

#ifdef QUANT_SUM_X86
#include <cpuid.h>
#endif

enum { CHUNK = QUANT_SUM_CHUNK, LANES = QUANT_SUM_LANES, TILE = QUANT_ACT_TILE, MAX_TILES = 4 };

/* Tile accumulators, 16 rows each. They go by pointer: passing 64-byte
 * vectors by value would tie the ABI to AVX-512 in functions without it. */
typedef float v16f __attribute__((vector_size(64)));
#define INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------ unpacking */

/* Writes the same scale and offset to the two 16-blocks of a 32-element
 * sub-block. */
INLINE void put_dm(float *d16, float *m16, float d, float m)
{
    d16[0] = d16[1] = d;
    m16[0] = m16[1] = m;
}

INLINE void nibbles(const uint8_t *restrict qs, uint8_t *restrict u)
{
    for (int j = 0; j < 16; j++) {
        u[j] = qs[j] & 0xf;
        u[j + 16] = qs[j] >> 4;
    }
}

INLINE void fives(const uint8_t *restrict qh4, const uint8_t *restrict qs, uint8_t *restrict u)
{
    uint32_t qh;
    memcpy(&qh, qh4, 4);
    for (int j = 0; j < 16; j++) {
        u[j] = (uint8_t)((qs[j] & 0xf) | (((qh >> j) & 1) << 4));
        u[j + 16] = (uint8_t)((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
    }
}

/* The codebook's codes of 16 bytes' low then high nibbles: where the
 * compiler has GCC's variable vector shuffle, a byte shuffle (pshufb on the
 * paths with SSSE3), where a lookup per element stayed scalar (IQ4 rows on
 * the AVX2 path 1.2 GB/s against 3.5-3.9); clang (the fuzz build) lacks it. */
#ifdef __has_builtin
#if __has_builtin(__builtin_shuffle)
#define HAVE_BYTE_SHUFFLE 1
#endif
#endif
INLINE void iq4_codes(const uint8_t *restrict qs, uint8_t *restrict u)
{
#ifdef HAVE_BYTE_SHUFFLE
    typedef uint8_t bytes16 __attribute__((vector_size(16)));
    bytes16 q, book;
    memcpy(&q, qs, 16);
    memcpy(&book, quant_iq4_codes, 16);
    bytes16 lo = __builtin_shuffle(book, q & 0xf), hi = __builtin_shuffle(book, q >> 4);
    memcpy(u, &lo, 16);
    memcpy(u + 16, &hi, 16);
#else
    for (int j = 0; j < 16; j++) {
        u[j] = quant_iq4_codes[qs[j] & 0xf];
        u[j + 16] = quant_iq4_codes[qs[j] >> 4];
    }
#endif
}

/* How a type steps its accumulators (quant_sum.h): W16 16-element blocks
 * at a time (2 for the types with a scale per 32 elements), with the code
 * offset OFF taken out of each step's integer. */
typedef struct {
    int w16, off;
} step_mode;

static step_mode mode_of(const quant_block_type *bt)
{
    return quant_sum32(bt->type) ? (step_mode){2, quant_code_offset(bt->type)}
                                 : (step_mode){1, 0};
}

/* True where TYPE's codes stay below 128 (all but Q8_0's and the IQ4
 * codebook's, shifted by 128): their u8 x s8 pairs fit vpmaddubsw's
 * saturating 16 bits (127 * 127 * 2). */
static bool small_codes(int type)
{
    return type != GGML_TYPE_Q8_0 && type != GGML_TYPE_IQ4_NL && type != GGML_TYPE_IQ4_XS;
}

/* NB 32-element blocks of TYPE from B. Codes block by block with the type
 * chosen once, then each block's scale d and min (0 without): the code
 * offset stays out (quant_code_offset). (Gathering the f16 scales into an array
 * for one vector conversion made the vector load wait for eight 2-byte
 * stores it could not forward.) */
INLINE void unpack32(int type, const uint8_t *restrict b, int nb, int bytes,
                     uint8_t *restrict u, float *restrict d16, float *restrict m16)
{
    switch (type) {
    case GGML_TYPE_Q4_0:
        for (int i = 0; i < nb; i++)
            nibbles(b + i * bytes + 2, u + 32 * i);
        break;
    case GGML_TYPE_Q4_1:
        for (int i = 0; i < nb; i++)
            nibbles(b + i * bytes + 4, u + 32 * i);
        break;
    case GGML_TYPE_Q5_0:
        for (int i = 0; i < nb; i++)
            fives(b + i * bytes + 2, b + i * bytes + 6, u + 32 * i);
        break;
    case GGML_TYPE_Q5_1:
        for (int i = 0; i < nb; i++)
            fives(b + i * bytes + 4, b + i * bytes + 8, u + 32 * i);
        break;
    case GGML_TYPE_Q8_0:
        for (int i = 0; i < nb; i++)
            for (int j = 0; j < 32; j++)
                u[32 * i + j] = b[i * bytes + 2 + j] ^ 0x80;
        break;
    default:    /* IQ4_NL */
        for (int i = 0; i < nb; i++)
            iq4_codes(b + i * bytes + 2, u + 32 * i);
        break;
    }
    bool has_min = type == GGML_TYPE_Q4_1 || type == GGML_TYPE_Q5_1;
    for (int i = 0; i < nb; i++)
        put_dm(d16 + 2 * i, m16 + 2 * i, quant_load_f16(b + i * bytes),
               has_min ? quant_load_f16(b + i * bytes + 2) : 0.0f);
}

/* Q2_K and Q3_K: two halves, four 2-bit shifts, 32 codes from q[0..32)
 * each; Q3_K adds its high bit (bit 4 * half + shift / 2 of hmask[l]) as
 * 4. Straight loops of 32 without a test inside, which the compiler
 * vectorizes (a test of hm per element kept them scalar: Q3_K rows 1 GB/s). */
INLINE void unpack_q2_q3(const uint8_t *restrict q, const uint8_t *restrict hm,
                         uint8_t *restrict u)
{
    for (int half = 0, bit = 0; half < 2; half++, q += 32)
        for (int shift = 0; shift < 8; shift += 2, bit++, u += 32) {
            for (int l = 0; l < 32; l++)
                u[l] = (uint8_t)((q[l] >> shift) & 3);
            if (hm)
                for (int l = 0; l < 32; l++)
                    u[l] |= (uint8_t)(((hm[l] >> bit) & 1) << 2);
        }
}

INLINE void unpack_q2_k(const uint8_t *restrict b, uint8_t *restrict u, float *restrict d16,
                        float *restrict m16)
{
    float d = quant_load_f16(b + 80), dmin = quant_load_f16(b + 82);
    unpack_q2_q3(b + 16, NULL, u);
    for (int i = 0; i < 16; i++) {
        d16[i] = d * (b[i] & 0xf);
        m16[i] = -(dmin * (b[i] >> 4));
    }
}

INLINE void unpack_q3_k(const uint8_t *restrict b, uint8_t *restrict u, float *restrict d16,
                        float *restrict m16)
{
    uint32_t a[3];
    memcpy(a, b + 96, 12);
    float d = quant_load_f16(b + 108);
    unpack_q2_q3(b + 32, b, u);
    for (int i = 0; i < 16; i++) {
        int low = i < 8 ? b[96 + i] & 0xf : b[96 + i - 8] >> 4;
        int high = (b[96 + 8 + i % 4] >> (2 * (i / 4))) & 3;
        d16[i] = d * ((low | high << 4) - 32);
        m16[i] = -4 * d16[i];
    }
}

/* Q4_K / Q5_K: chunks of 64 with a low-nibble and a high-nibble sub-block
 * of 32; Q5_K's fifth bits come from qh. */
INLINE void unpack_q45_k(const uint8_t *restrict b, const uint8_t *restrict qh,
                         const uint8_t *restrict qs, uint8_t *restrict u, float *restrict d16,
                         float *restrict m16)
{
    float d = quant_load_f16(b), dmin = quant_load_f16(b + 2);
    for (int c = 0; c < 4; c++, qs += 32, u += 64) {
        for (int l = 0; l < 32; l++) {
            int h0 = qh ? ((qh[l] >> (2 * c)) & 1) << 4 : 0;
            int h1 = qh ? ((qh[l] >> (2 * c + 1)) & 1) << 4 : 0;
            u[l] = (uint8_t)((qs[l] & 0xf) | h0);
            u[l + 32] = (uint8_t)((qs[l] >> 4) | h1);
        }
        for (int k = 0; k < 2; k++) {
            int sc, m;
            quant_k_scale_min(2 * c + k, b + 4, &sc, &m);
            put_dm(d16 + 4 * c + 2 * k, m16 + 4 * c + 2 * k, d * sc, -(dmin * m));
        }
    }
}

INLINE void unpack_q6_k(const uint8_t *restrict b, uint8_t *restrict u, float *restrict d16,
                        float *restrict m16)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = quant_load_f16(b + 208);
    for (int n = 0; n < 2; n++, ql += 64, qh += 32, u += 128)
        for (int l = 0; l < 32; l++) {
            u[l] = (uint8_t)((ql[l] & 0xf) | ((qh[l] & 3) << 4));
            u[l + 32] = (uint8_t)((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4));
            u[l + 64] = (uint8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
            u[l + 96] = (uint8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
        }
    for (int i = 0; i < 16; i++) {
        d16[i] = d * sc[i];
        m16[i] = -32 * d16[i];
    }
}

INLINE void unpack_iq4_xs(const uint8_t *restrict b, uint8_t *restrict u, float *restrict d16,
                          float *restrict m16)
{
    float d = quant_load_f16(b);
    uint16_t sh;
    memcpy(&sh, b + 2, 2);
    for (int ib = 0; ib < 8; ib++, u += 32) {
        int ls = ((b[4 + ib / 2] >> 4 * (ib % 2)) & 0xf) | (((sh >> 2 * ib) & 3) << 4);
        float dl = d * (ls - 32);
        iq4_codes(b + 8 + 16 * ib, u);
        put_dm(d16 + 2 * ib, m16 + 2 * ib, dl, -128 * dl);
    }
}

/* Unpacks elements K0 .. K0+LEN of ROW (LEN a multiple of the block size,
 * at most CHUNK) into a chunk. Past LEN the chunk is left as it was: the
 * kernels step only the blocks a row has, which gives the same bits as
 * stepping zero blocks too, as an accumulator that starts at +0 never
 * becomes -0 (x + 0 = x for every other x). */
INLINE void unpack(const quant_block_type *bt, const uint8_t *row, int k0, int len, uint8_t *u,
                   float *d16, float *m16)
{
    int type = bt->type;
    const uint8_t *b = row + (size_t)(k0 / bt->elems) * bt->bytes;
    switch (type) {
    case GGML_TYPE_Q2_K: unpack_q2_k(b, u, d16, m16); break;
    case GGML_TYPE_Q3_K: unpack_q3_k(b, u, d16, m16); break;
    case GGML_TYPE_Q4_K: unpack_q45_k(b, NULL, b + 16, u, d16, m16); break;
    case GGML_TYPE_Q5_K: unpack_q45_k(b, b + 16, b + 48, u, d16, m16); break;
    case GGML_TYPE_Q6_K: unpack_q6_k(b, u, d16, m16); break;
    case GGML_TYPE_IQ4_XS: unpack_iq4_xs(b, u, d16, m16); break;
    default:
        unpack32(type, b, len / 32, bt->bytes, u, d16, m16);
        break;
    }
}

/* ------------------------------------------------------------ activations */

static int padded(int k)
{
    return (k + CHUNK - 1) / CHUNK * CHUNK;
}

static int tiles_of(int n)
{
    return n == 1 ? 0 : (n + TILE - 1) / TILE;
}

size_t quant_act_bytes(int n, int k)
{
    size_t kp = (size_t)padded(k), rows = n == 1 ? 1 : (size_t)tiles_of(n) * TILE;
    size_t pairs = n == 1 ? quant_fused_pair_bytes((int)kp) : 0;
    return rows * (kp + (kp / 16) * (2 * sizeof(float) + sizeof(int32_t))) + pairs;
}

/* Element E of row T: its byte in q and its 16-block's slot in d, s and sum. */
static size_t q_at(const quant_act *a, int t, int e)
{
    if (a->n == 1)
        return (size_t)e;
    size_t tile = (size_t)(t / TILE), g = (size_t)(e / 4);
    return ((tile * (size_t)(a->kp / 4) + g) * TILE + (size_t)(t % TILE)) * 4 + (size_t)(e % 4);
}

static size_t ds_at(const quant_act *a, int t, int e)
{
    if (a->n == 1)
        return (size_t)(e / 16);
    size_t tile = (size_t)(t / TILE);
    return (tile * (size_t)(a->kp / 16) + (size_t)(e / 16)) * TILE + (size_t)(t % TILE);
}

/* Stores a 32-element block of row T at element E0: its codes Q, value j
 * at q[at + (j / 4) * step + j % 4] (consecutive for one row, 4-byte groups
 * STEP apart in a tile), its scale D and the code sums of its two halves. */
INLINE void put32(const quant_act *a, int t, int e0, const int8_t *q, float d,
                  const int32_t *sum)
{
    size_t at = q_at(a, t, e0), step = a->n == 1 ? 4 : 4 * TILE;
    for (int g = 0; g < 8; g++)
        memcpy(a->q + at + (size_t)g * step, q + 4 * g, 4);
    for (int half = 0; half < 2; half++) {
        size_t i = ds_at(a, t, e0 + 16 * half);
        a->d[i] = d;
        a->s[i] = d * (float)sum[half];
        a->sum[i] = sum[half];
    }
}

/* Q8_0's rounding of 32 values: d = amax / 127 (NaN ignored), q =
 * nearest(x / d) within +-127 (NaN to 0). The reference for the vector
 * paths, which must give the same bytes. */
static void quantize32(const quant_act *a, int t, int e0)
{
    const float *x = a->x + (size_t)t * a->k + e0;
    float amax = 0;
    for (int j = 0; j < 32; j++)
        amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
    float d = amax / 127, id = d ? 1 / d : 0;
    int32_t sum[2] = {0, 0};
    int8_t q[32];
    for (int j = 0; j < 32; j++) {
        int v = quant_nearest_int(x[j] * id);
        q[j] = (int8_t)(v < -127 ? -127 : v > 127 ? 127 : v);
        sum[j / 16] += q[j];
    }
    put32(a, t, e0, q, d, sum);
}

static void quantize_scalar(const quant_act *a, int t)
{
    for (int e = 0; e < a->k; e += 32)
        quantize32(a, t, e);
}

#ifdef QUANT_SUM_X86
/* The vector paths round as quant_nearest_int does: NaN to 0, the rest
 * clamped to +-127 (an integer, so clamping before rounding is the same)
 * and rounded by adding 1.5 * 2^23, whose mantissa then holds the integer.
 * The clamp between the product and the add keeps a compiler from fusing
 * them into one rounding. */
#define QUANT_MAGIC 12582912.0f

QUANT_AVX512 INLINE __m512i codes_avx512(__m512 x, float id)
{
    __m512 v = _mm512_mul_ps(x, _mm512_set1_ps(id));
    __mmask16 num = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-127)), _mm512_set1_ps(127));
    __m512i bits = _mm512_castps_si512(_mm512_add_ps(v, _mm512_set1_ps(QUANT_MAGIC)));
    return _mm512_maskz_sub_epi32(num, _mm512_and_si512(bits, _mm512_set1_epi32(0x7fffff)),
                                  _mm512_set1_epi32(0x400000));
}

QUANT_AVX512 static void quantize_avx512(const quant_act *a, int t)
{
    const float *x = a->x + (size_t)t * a->k;
    for (int e = 0; e < a->k; e += 32) {
        __m512 lo = _mm512_loadu_ps(x + e), hi = _mm512_loadu_ps(x + e + 16);
        /* max_ps returns its second operand when either is NaN */
        __m512 m = _mm512_max_ps(_mm512_abs_ps(lo), _mm512_setzero_ps());
        float d = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(hi), m)) / 127;
        float id = d ? 1 / d : 0;
        __m512i c0 = codes_avx512(lo, id), c1 = codes_avx512(hi, id);
        int32_t sum[2] = {_mm512_reduce_add_epi32(c0), _mm512_reduce_add_epi32(c1)};
        int8_t q[32];
        _mm_storeu_si128((__m128i *)q, _mm512_cvtepi32_epi8(c0));
        _mm_storeu_si128((__m128i *)(q + 16), _mm512_cvtepi32_epi8(c1));
        put32(a, t, e, q, d, sum);
    }
}

QUANT_AVX2 INLINE __m256i codes_avx2(__m256 x, float id)
{
    __m256 v = _mm256_mul_ps(x, _mm256_set1_ps(id));
    __m256i num = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_ORD_Q));
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127)), _mm256_set1_ps(127));
    __m256i bits = _mm256_castps_si256(_mm256_add_ps(v, _mm256_set1_ps(QUANT_MAGIC)));
    __m256i c = _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)),
                                 _mm256_set1_epi32(0x400000));
    return _mm256_and_si256(c, num);
}

QUANT_AVX2 INLINE int32_t hsum_avx2(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1)));
}

QUANT_AVX2 static void quantize_avx2(const quant_act *a, int t)
{
    const float *x = a->x + (size_t)t * a->k;
    for (int e = 0; e < a->k; e += 32) {
        __m256 v[4];
        __m256 m = _mm256_setzero_ps();
        const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
        for (int i = 0; i < 4; i++) {
            v[i] = _mm256_loadu_ps(x + e + 8 * i);
            m = _mm256_max_ps(_mm256_and_ps(v[i], abs), m);  /* NaN: keeps m */
        }
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        float d = _mm_cvtss_f32(_mm_max_ss(h, _mm_shuffle_ps(h, h, 1))) / 127;
        float id = d ? 1 / d : 0;
        __m256i c[4];
        for (int i = 0; i < 4; i++)
            c[i] = codes_avx2(v[i], id);
        int32_t sum[2] = {hsum_avx2(_mm256_add_epi32(c[0], c[1])),
                          hsum_avx2(_mm256_add_epi32(c[2], c[3]))};
        /* the packs leave dword i holding codes 4 * (2 * (i % 4) + i / 4) on */
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]),
                                       _mm256_packs_epi32(c[2], c[3]));
        int8_t q[32];
        _mm256_storeu_si256((__m256i *)q, _mm256_permutevar8x32_epi32(
                                              p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
        put32(a, t, e, q, d, sum);
    }
}
#endif

/* ------------------------------------------------------------ one row */

/* One activation row as the scalar code reads it: code e at
 * q[(e / 4) * step + e % 4], 16-block p's scale, scaled sum and code sum at
 * dx, sx and sum [p * ds]. A lone row has step 4 and ds 1, a tile's row
 * 4 * TILE and TILE. */
typedef struct {
    const int8_t *q;
    const float *dx, *sx;
    const int32_t *sum;
    size_t step, ds;
} act_row;

/* A chunk's step (quant_sum.h) of one row's accumulators ACC[j * AS] in
 * scalar code: the first BLOCKS 16-blocks of unpacked codes U with scales
 * D16 and offsets M16 against X, M.w16 of them per step. */
static void chunk_scalar(const uint8_t *u, const float *d16, const float *m16, int blocks,
                         step_mode m, act_row x, float *acc, size_t as)
{
    for (int p = 0; p < blocks; p += m.w16) {
        int32_t dot = 0, qsum = 0;
        for (int e = 16 * p; e < 16 * (p + m.w16); e++)
            dot += u[e] * x.q[(size_t)(e / 4) * x.step + (size_t)(e % 4)];
        for (int h = p; h < p + m.w16; h++)
            qsum += x.sum[(size_t)h * x.ds];
        float dx = x.dx[(size_t)p * x.ds];
        float sx = m.w16 == 1 ? x.sx[(size_t)p * x.ds] : dx * (float)qsum;
        float *A = acc + (size_t)(p / m.w16) * as;
        *A = quant_sum_step(*A, dot - m.off * qsum, d16[p], m16[p], dx, sx);
    }
}

static float dot_scalar(const quant_block_type *bt, const uint8_t *row, const quant_act *a)
{
    uint8_t u[CHUNK];
    float d16[LANES], m16[LANES], acc[LANES] = {0};
    for (int k0 = 0; k0 < a->k; k0 += CHUNK) {
        int len = a->k - k0 < CHUNK ? a->k - k0 : CHUNK;
        unpack(bt, row, k0, len, u, d16, m16);
        chunk_scalar(u, d16, m16, len / 16, mode_of(bt),
                     (act_row){a->q + k0, a->d + k0 / 16, a->s + k0 / 16, a->sum + k0 / 16, 4, 1},
                     acc, 1);
    }
    return QUANT_SUM_TREE(acc);
}

#ifdef QUANT_SUM_X86
/* Every block type has a fused kernel on AVX2 (quant_fused_avx2.c); a
 * type added without one takes the scalar loop, which gives the same bits. */
QUANT_AVX2 static float dot_avx2(const quant_block_type *bt, const uint8_t *row,
                                 const quant_act *a)
{
    float fast;
    if (quant_fused_avx2_rows(bt->type, row, 0, 0, 1, a, &fast))
        return fast;
    return dot_scalar(bt, row, a);
}

/* And on AVX-512 (quant_fused.c); a type added without one takes the AVX2
 * kernels. */
QUANT_AVX512 static float dot_avx512(const quant_block_type *bt, const uint8_t *row,
                                     const quant_act *a)
{
    float fast;
    if (quant_fused_rows(bt->type, row, 0, 0, 1, a, &fast))
        return fast;
    return dot_avx2(bt, row, a);
}
#endif

/* ------------------------------------------------------------ 16-row tiles */

/* A tile pass multiplies PASS_ROWS weight rows at once, so each load of
 * activation codes feeds as many vpdpbusd (four where two left AMD Zen 5's
 * loads, not its vpdpbusd, the limit). */
enum { PASS_ROWS = 4 };

/* One unpacked chunk of each of the pass's weight rows. */
typedef struct {
    uint8_t u[PASS_ROWS][CHUNK];
    float d16[PASS_ROWS][LANES], m16[PASS_ROWS][LANES];
    int k0, blocks;         /* blocks: the 16-blocks of the chunk in the row */
    int c0, tiles, rows;    /* tiles c0 .. c0 + tiles of the activations */
    step_mode mode;
    bool small;             /* small_codes() */
} tile_chunk;

/* Tile c's accumulators for one weight row: lane t of acc[c][j] is row t's
 * A_j. */
typedef v16f tile_acc[LANES];

/* The chunk's step of the accumulators ACC[w][c] of weight row w, tile c;
 * on the first chunk (k0 0), from zero. */
typedef void (*tiles_fn)(const quant_act *a, const tile_chunk *ch, tile_acc (*acc)[MAX_TILES]);

/* Y[t * LDY + w] for the first N (at most TILE) rows t of tile C and the
 * ROWS weight rows w of a pass: a row's outputs side by side in one store
 * where the pass is whole (four scalar stores to lines a row apart took a
 * tenth of a Q8_0 prefill). */
INLINE void store_tile(tile_acc (*acc)[MAX_TILES], int c, int rows, int n, float *y, size_t ldy)
{
    v16f sum[PASS_ROWS] = {0};
    for (int w = 0; w < rows; w++)
        sum[w] = QUANT_SUM_TREE(acc[w][c]);
    n = n < TILE ? n : TILE;
    for (int t = 0; t < n; t++) {
        float out[PASS_ROWS];
        for (int w = 0; w < PASS_ROWS; w++)
            out[w] = sum[w][t];
        if (rows == PASS_ROWS)
            memcpy(y + (size_t)t * ldy, out, sizeof out);
        else
            memcpy(y + (size_t)t * ldy, out, (size_t)rows * sizeof *out);
    }
}

/* ROWS (1 to PASS_ROWS) weight rows ROW_BYTES apart against the activation
 * tiles C0 .. C0 + MAX_TILES (fewer at the end): unpacked a chunk at a time
 * (compiled into each path's row function, so for its instruction set), the
 * chunk multiplied with the tiles by TILES, which starts the accumulators
 * at zero on the first chunk (clearing them beforehand, 8 KiB when a pass
 * had two weight rows, cost a fifth of a short row's time). */
INLINE void row_tile_group(tiles_fn tiles, const quant_block_type *bt, const uint8_t *row,
                           size_t row_bytes, int rows, const quant_act *a, int c0, float *y,
                           size_t ldy)
{
    tile_acc acc[PASS_ROWS][MAX_TILES];
    int left = tiles_of(a->n) - c0;
    tile_chunk ch;      /* no initializer: zeroing its buffers cost 5 % */
    ch.c0 = c0;
    ch.tiles = left < MAX_TILES ? left : MAX_TILES;
    ch.rows = rows;
    ch.mode = mode_of(bt);
    ch.small = small_codes(bt->type);
    for (ch.k0 = 0; ch.k0 < a->k; ch.k0 += CHUNK) {
        int len = a->k - ch.k0 < CHUNK ? a->k - ch.k0 : CHUNK;
        ch.blocks = len / 16;
        for (int w = 0; w < rows; w++) {
            const uint8_t *r = row + (size_t)w * row_bytes;
            /* the next chunk's bytes (past the row's end: the next rows') come
             * in while this one is multiplied */
            size_t chunk_bytes = (size_t)CHUNK / (size_t)bt->elems * (size_t)bt->bytes;
            quant_prefetch(r + (size_t)(ch.k0 + CHUNK) / CHUNK * chunk_bytes, chunk_bytes);
            unpack(bt, r, ch.k0, len, ch.u[w], ch.d16[w], ch.m16[w]);
        }
        tiles(a, &ch, acc);
    }
    for (int c = 0; c < ch.tiles; c++)
        store_tile(acc, c, rows, a->n - (c0 + c) * TILE, y + (size_t)(c0 + c) * TILE * ldy, ldy);
}

/* The same against every activation row. */
INLINE void row_tiles(tiles_fn tiles, const quant_block_type *bt, const uint8_t *row,
                      size_t row_bytes, int rows, const quant_act *a, float *y, size_t ldy)
{
    for (int c0 = 0; c0 < tiles_of(a->n); c0 += MAX_TILES)
        row_tile_group(tiles, bt, row, row_bytes, rows, a, c0, y, ldy);
}

/* Zeroes ACC[w][c] on the first chunk, for the paths that step it in place. */
static void acc_start(const tile_chunk *ch, tile_acc (*acc)[MAX_TILES], int w, int c)
{
    if (ch->k0 == 0)
        memset(acc[w][c], 0, sizeof acc[w][c]);
}

static void tiles_scalar(const quant_act *a, const tile_chunk *ch, tile_acc (*acc)[MAX_TILES])
{
    for (int w = 0; w < ch->rows; w++)
        for (int c = 0; c < ch->tiles; c++) {
            acc_start(ch, acc, w, c);
            const int8_t *x = quant_act_tile_q(a, ch->c0 + c, ch->k0);
            size_t ds = quant_act_tile_ds(a, ch->c0 + c, ch->k0);
            for (int t = 0; t < TILE; t++)
                chunk_scalar(ch->u[w], ch->d16[w], ch->m16[w], ch->blocks, ch->mode,
                             (act_row){x + 4 * t, a->d + ds + t, a->s + ds + t, a->sum + ds + t,
                                       4 * TILE, TILE},
                             (float *)acc[w][c] + t, TILE);
        }
}

static void rows_scalar(const quant_block_type *bt, const uint8_t *row, size_t row_bytes,
                        int rows, const quant_act *a, float *y, size_t ldy)
{
    row_tiles(tiles_scalar, bt, row, row_bytes, rows, a, y, ldy);
}

#ifdef QUANT_SUM_X86
/* The code sums of the 32-element step from 16-block P of the CT tiles at
 * SUM (tiles DS apart), and the step's starting integers: -off times them. */
QUANT_AVX512 INLINE void tile_sums(const int32_t *sum, size_t ds, int ct, int p, int off,
                                   __m512i *qs, __m512i *start)
{
#pragma GCC unroll 4
    for (int c = 0; c < ct; c++) {
        const int32_t *at = sum + c * ds + (size_t)(TILE * p);
        qs[c] = _mm512_add_epi32(_mm512_loadu_si512(at), _mm512_loadu_si512(at + TILE));
        start[c] = _mm512_mullo_epi32(qs[c], _mm512_set1_epi32(-off));
    }
}

/* NW weight rows and CT tiles at once, W16 16-blocks per step (constants
 * after inlining): for each step, 4 * W16 vpdpbusd per weight row and tile,
 * each 4 codes of the weight row (broadcast) against 4 codes of 16 rows;
 * the dots are independent, so their latencies overlap. Tiles lie KP * TILE
 * codes and KP / 16 * TILE scales apart. */
QUANT_AVX512 INLINE void tiles_avx512_n(const quant_act *a, const tile_chunk *ch,
                                        tile_acc (*acc)[MAX_TILES], int nw, int ct, int w16)
{
    const int8_t *x = quant_act_tile_q(a, ch->c0, ch->k0);
    size_t d0 = quant_act_tile_ds(a, ch->c0, ch->k0);
    const float *dx = a->d + d0, *sx = a->s + d0;
    size_t xs = (size_t)a->kp * TILE, ds = (size_t)(a->kp / 16) * TILE;
    for (int p = 0; p < ch->blocks; p += w16) {
        __m512i I[PASS_ROWS][MAX_TILES], qs[MAX_TILES] = {0}, start[MAX_TILES] = {0};
        if (w16 == 2)
            tile_sums(a->sum + d0, ds, ct, p, ch->mode.off, qs, start);
#pragma GCC unroll 16
        for (int i = 0; i < nw * ct; i++)
            I[i / ct][i % ct] = w16 == 2 ? start[i % ct] : _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int g = 0; g < 4 * w16; g++) {
            __m512i wc[PASS_ROWS];
#pragma GCC unroll 4
            for (int w = 0; w < nw; w++) {
                int32_t v;
                memcpy(&v, ch->u[w] + 16 * p + 4 * g, 4);
                wc[w] = _mm512_set1_epi32(v);
            }
#pragma GCC unroll 4
            for (int c = 0; c < ct; c++) {
                __m512i q = _mm512_loadu_si512(x + c * xs + (size_t)(4 * p + g) * 4 * TILE);
#pragma GCC unroll 4
                for (int w = 0; w < nw; w++)
                    I[w][c] = _mm512_dpbusd_epi32(I[w][c], wc[w], q);
            }
        }
#pragma GCC unroll 4
        for (int c = 0; c < ct; c++) {
            size_t at = c * ds + (size_t)(TILE * p);
            __m512 dxv = _mm512_loadu_ps(dx + at);
            __m512 sxv = w16 == 2 ? _mm512_mul_ps(dxv, _mm512_cvtepi32_ps(qs[c]))
                                  : _mm512_loadu_ps(sx + at);
#pragma GCC unroll 4
            for (int w = 0; w < nw; w++) {
                int j = p / w16;
                __m512 prev = ch->k0 ? (__m512)acc[w][c][j] : _mm512_setzero_ps();
                __m512 inner = _mm512_fmadd_ps(_mm512_set1_ps(ch->m16[w][p]), sxv, prev);
                __m512 s = _mm512_mul_ps(_mm512_set1_ps(ch->d16[w][p]), dxv);
                acc[w][c][j] = (v16f)_mm512_fmadd_ps(_mm512_cvtepi32_ps(I[w][c]), s, inner);
            }
        }
    }
}

/* The shapes (weight rows NW, tiles CT), with W16 a constant. */
QUANT_AVX512 INLINE void tiles_avx512_w(const quant_act *a, const tile_chunk *ch,
                                        tile_acc (*acc)[MAX_TILES], int w16)
{
#define SHAPE(nw, ct) \
    case (ct - 1) * PASS_ROWS + nw - 1: tiles_avx512_n(a, ch, acc, nw, ct, w16); break;
    switch ((ch->tiles - 1) * PASS_ROWS + ch->rows - 1) {
        SHAPE(1, 1) SHAPE(2, 1) SHAPE(3, 1) SHAPE(4, 1) SHAPE(1, 2) SHAPE(2, 2) SHAPE(3, 2)
        SHAPE(4, 2) SHAPE(1, 3) SHAPE(2, 3) SHAPE(3, 3) SHAPE(4, 3) SHAPE(1, 4) SHAPE(2, 4)
        SHAPE(3, 4)
    default: tiles_avx512_n(a, ch, acc, 4, 4, w16); break;
    }
#undef SHAPE
}

QUANT_AVX512 static void tiles_avx512(const quant_act *a, const tile_chunk *ch,
                                      tile_acc (*acc)[MAX_TILES])
{
    if (ch->mode.w16 == 2)
        tiles_avx512_w(a, ch, acc, 2);
    else
        tiles_avx512_w(a, ch, acc, 1);
    /* a row shorter than a chunk leaves lanes that no step reached */
    for (int w = 0; ch->k0 == 0 && w < ch->rows; w++)
        for (int c = 0; c < ch->tiles; c++)
            for (int j = ch->blocks / ch->mode.w16; j < LANES; j++)
                acc[w][c][j] = (v16f){0};
}

QUANT_AVX512 static void rows_avx512(const quant_block_type *bt, const uint8_t *row,
                                     size_t row_bytes, int rows, const quant_act *a, float *y,
                                     size_t ldy)
{
    row_tiles(tiles_avx512, bt, row, row_bytes, rows, a, y, ldy);
}

/* Q8_0's codes (block BT) go to the tile unit in place, signed, a block's
 * 32 bytes after its f16 scale per step; only the scales are unpacked. */
QUANT_AVX512 static void rows_amx_q8_0(const quant_block_type *bt, const uint8_t *row,
                                       size_t row_bytes, const quant_act *a, float *y,
                                       size_t ldy, float *d16)
{
    size_t blocks = (size_t)a->k / 16, bytes = (size_t)bt->bytes;
    for (size_t r = 0; r < AMX_ROWS; r++)
        for (size_t b = 0; b < blocks; b += 2) {
            uint16_t h;
            memcpy(&h, row + r * row_bytes + b / 2 * bytes, 2);
            d16[r * blocks + b] = d16[r * blocks + b + 1] = _cvtsh_ss(h);
        }
    quant_amx_rows(&(amx_rows){row + 2, d16, NULL, row_bytes, blocks, bytes, 2, 0, true}, a, y,
                   ldy);
}

/* AMX_ROWS weight rows ROW_BYTES apart, unpacked whole into a buffer (so
 * once for all the activation tiles; Q8_0 only its scales), against every
 * activation row on the tile unit; false when the buffer cannot be had. */
QUANT_AVX512 static bool rows_amx(int type, const uint8_t *row, size_t row_bytes,
                                  const quant_act *a, float *y, size_t ldy)
{
    const quant_block_type *bt = quant_block_of(type);
    bool q8_0 = type == GGML_TYPE_Q8_0;
    size_t kp = (size_t)a->kp, blocks = kp / 16, codes = q8_0 ? 0 : AMX_ROWS * kp;
    uint8_t *buf = malloc(codes + AMX_ROWS * 2 * blocks * sizeof(float));
    if (!buf)
        return false;
    float *d16 = (float *)(buf + codes), *m16 = d16 + AMX_ROWS * blocks;
    if (q8_0) {
        rows_amx_q8_0(bt, row, row_bytes, a, y, ldy, d16);
        free(buf);
        return true;
    }
    for (size_t r = 0; r < AMX_ROWS; r++)
        for (int k0 = 0; k0 < a->k; k0 += CHUNK)
            unpack(bt, row + r * row_bytes, k0, a->k - k0 < CHUNK ? a->k - k0 : CHUNK,
                   buf + r * kp + (size_t)k0, d16 + r * blocks + (size_t)k0 / 16,
                   m16 + r * blocks + (size_t)k0 / 16);
    step_mode md = mode_of(bt);
    bool no_min = md.w16 == 2 && md.off != 0;   /* a code offset stands for the min */
    quant_amx_rows(&(amx_rows){buf, d16, no_min ? NULL : m16, kp, blocks, (size_t)16 * md.w16,
                               md.w16, md.off, false},
                   a, y, ldy);
    free(buf);
    return true;
}

/* Without VNNI, per tile and step (CH's w16 16-blocks), NW weight rows at
 * once (a constant after inlining) sharing the activation loads, rows 0-7
 * and 8-15 of the tile in two registers. SMALL codes (below 128) go into
 * vpmaddubsw as they are; others become signed, w = u - 128, so that
 * vpmaddubsw (|w| times q with w's sign, pairs summed to 16 bits) cannot
 * saturate: 2 * 128 * 127 < 2^15. The step's integer is then u . q - off *
 * sum(q), or w . q + (128 - off) * sum(q), exactly, from the activations'
 * code sums. */
QUANT_AVX2 INLINE void block_avx2(const quant_act *a, const tile_chunk *ch,
                                  tile_acc (*acc)[MAX_TILES], int c, int nw, int p,
                                  const int8_t *x, size_t ds)
{
    const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8(-128);
    step_mode md = ch->mode;
    bool small = ch->small;
    __m256i I[PASS_ROWS][2], qs[2];
    for (int h = 0; h < 2; h++) {
        qs[h] = _mm256_loadu_si256((const __m256i *)(a->sum + ds + 8 * h));
        if (md.w16 == 2)
            qs[h] = _mm256_add_epi32(
                qs[h], _mm256_loadu_si256((const __m256i *)(a->sum + ds + TILE + 8 * h)));
        __m256i start = _mm256_mullo_epi32(qs[h], _mm256_set1_epi32((small ? 0 : 128) - md.off));
#pragma GCC unroll 4
        for (int w = 0; w < nw; w++)
            I[w][h] = start;
    }
    for (int g = 0; g < 4 * md.w16; g++) {
        __m256i q[2];
        for (int h = 0; h < 2; h++)
            q[h] = _mm256_loadu_si256((const __m256i *)(x + (size_t)g * 4 * TILE + 32 * h));
#pragma GCC unroll 4
        for (int w = 0; w < nw; w++) {
            int32_t v;
            memcpy(&v, ch->u[w] + 16 * p + 4 * g, 4);
            __m256i wv = _mm256_set1_epi32(v);
            wv = small ? wv : _mm256_xor_si256(wv, flip);
            __m256i aw = small ? wv : _mm256_abs_epi8(wv);
            for (int h = 0; h < 2; h++) {
                __m256i prod = _mm256_maddubs_epi16(aw, small ? q[h] : _mm256_sign_epi8(q[h], wv));
                I[w][h] = _mm256_add_epi32(I[w][h], _mm256_madd_epi16(prod, ones));
            }
        }
    }
#pragma GCC unroll 4
    for (int w = 0; w < nw; w++) {
        __m256 d = _mm256_set1_ps(ch->d16[w][p]), m = _mm256_set1_ps(ch->m16[w][p]);
        float *at = (float *)&acc[w][c][p / md.w16];
        for (int h = 0; h < 2; h++) {
            __m256 dx = _mm256_loadu_ps(a->d + ds + 8 * h);
            __m256 sx = md.w16 == 2 ? _mm256_mul_ps(dx, _mm256_cvtepi32_ps(qs[h]))
                                    : _mm256_loadu_ps(a->s + ds + 8 * h);
            __m256 inner = _mm256_fmadd_ps(m, sx, _mm256_loadu_ps(at + 8 * h));
            __m256 s = _mm256_mul_ps(d, dx);
            _mm256_storeu_ps(at + 8 * h, _mm256_fmadd_ps(_mm256_cvtepi32_ps(I[w][h]), s, inner));
        }
    }
}

/* The chunk's tiles for NW weight rows, a constant after inlining. */
QUANT_AVX2 INLINE void tiles_avx2_n(const quant_act *a, const tile_chunk *ch,
                                    tile_acc (*acc)[MAX_TILES], int nw)
{
    for (int c = 0; c < ch->tiles; c++) {
        const int8_t *x = quant_act_tile_q(a, ch->c0 + c, ch->k0);
        size_t ds = quant_act_tile_ds(a, ch->c0 + c, ch->k0);
        for (int w = 0; w < nw; w++)
            acc_start(ch, acc, w, c);
        for (int p = 0; p < ch->blocks; p += ch->mode.w16)
            block_avx2(a, ch, acc, c, nw, p, x + (size_t)p * 16 * TILE, ds + (size_t)(TILE * p));
    }
}

QUANT_AVX2 static void tiles_avx2(const quant_act *a, const tile_chunk *ch,
                                  tile_acc (*acc)[MAX_TILES])
{
    switch (ch->rows) {
    case 1: tiles_avx2_n(a, ch, acc, 1); break;
    case 2: tiles_avx2_n(a, ch, acc, 2); break;
    case 3: tiles_avx2_n(a, ch, acc, 3); break;
    default: tiles_avx2_n(a, ch, acc, 4); break;
    }
}

QUANT_AVX2 static void rows_avx2(const quant_block_type *bt, const uint8_t *row,
                                 size_t row_bytes, int rows, const quant_act *a, float *y,
                                 size_t ldy)
{
    row_tiles(tiles_avx2, bt, row, row_bytes, rows, a, y, ldy);
}
#endif

/* ------------------------------------------------------------ F32 / F16 / BF16 */

/* Rows of floats: TYPE is GGML_TYPE_F32, F16 or BF16 (a constant in the
 * vector loops after inlining). */
static size_t float_bytes(int type)
{
    return type == GGML_TYPE_F32 ? 4 : 2;
}

static float floats_scalar(const uint8_t *p, const float *x, int n, int type)
{
    float s = 0;
    for (int i = 0; i < n; i++) {
        uint16_t h;
        float f;
        if (type == GGML_TYPE_F32) {
            memcpy(&f, p + 4 * i, 4);
        } else {
            memcpy(&h, p + 2 * i, 2);
            f = type == GGML_TYPE_BF16 ? quant_bf16_to_f32(h) : quant_half(h);
        }
        s += f * x[i];
    }
    return s;
}

#ifdef QUANT_SUM_X86
/* Elements I .. I + 16 of the row at P as floats. */
QUANT_AVX512 INLINE __m512 floats16(const uint8_t *p, int i, int type)
{
    if (type == GGML_TYPE_F32)
        return _mm512_loadu_ps(p + 4 * (size_t)i);
    __m256i h = _mm256_loadu_si256((const __m256i *)(p + 2 * (size_t)i));
    return type == GGML_TYPE_BF16
               ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16))
               : _mm512_cvtph_ps(h);
}

/* NR rows RB bytes apart (NR and TYPE constants after inlining), sharing the
 * loads of X; each row adds up as it does alone. The rows read next lie
 * AHEAD bytes past these (0: none). */
QUANT_AVX512 INLINE void floats_n_avx512(const uint8_t *p, size_t rb, size_t ahead, int nr,
                                         const float *x, int n, int type, float *out)
{
    __m512 acc[FUSED_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        acc[r] = _mm512_setzero_ps();
    int i = 0;
    size_t eb = float_bytes(type);
    for (; i + 16 <= n; i += 16) {
        __m512 xv = _mm512_loadu_ps(x + i);
#pragma GCC unroll 4
        for (int r = 0; r < nr; r++) {
            /* the rows read next, a line at a time */
            if (ahead && (eb * (size_t)i) % 64 == 0)
                __builtin_prefetch(p + (size_t)r * rb + ahead + eb * (size_t)i);
            acc[r] = _mm512_fmadd_ps(floats16(p + r * rb, i, type), xv, acc[r]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        out[r] = _mm512_reduce_add_ps(acc[r]) +
                 floats_scalar(p + r * rb + float_bytes(type) * (size_t)i, x + i, n - i, type);
}

/* NR (1 or FUSED_ROWS) rows, with NR and TYPE made constants. */
QUANT_AVX512 INLINE void floats_rows_avx512(const uint8_t *p, size_t rb, size_t ahead, int nr,
                                            const float *x, int n, int type, float *out)
{
    if (type == GGML_TYPE_F32)
        floats_n_avx512(p, rb, ahead, nr, x, n, GGML_TYPE_F32, out);
    else if (type == GGML_TYPE_BF16)
        floats_n_avx512(p, rb, ahead, nr, x, n, GGML_TYPE_BF16, out);
    else
        floats_n_avx512(p, rb, ahead, nr, x, n, GGML_TYPE_F16, out);
}

QUANT_AVX512 static float floats_avx512(const uint8_t *p, const float *x, int n, int type)
{
    float out;
    floats_rows_avx512(p, 0, 0, 1, x, n, type, &out);
    return out;
}

QUANT_AVX512 static void floats4_avx512(const uint8_t *p, size_t rb, size_t ahead, const float *x,
                                        int n, int type, float *out)
{
    floats_rows_avx512(p, rb, ahead, FUSED_ROWS, x, n, type, out);
}

/* Elements I .. I + 8 of the row at P as floats. */
QUANT_AVX2 INLINE __m256 floats8(const uint8_t *p, int i, int type)
{
    if (type == GGML_TYPE_F32)
        return _mm256_loadu_ps((const float *)(const void *)(p + 4 * (size_t)i));
    __m128i h = _mm_loadu_si128((const __m128i *)(p + 2 * (size_t)i));
    return type == GGML_TYPE_BF16
               ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16))
               : _mm256_cvtph_ps(h);
}

/* floats_n_avx512() on AVX2: NR rows sharing the loads of X, each adding
 * up as it does alone. One row is one chain of fused multiply-adds, bound
 * by their latency; four rows at once are four chains, where one row at a
 * time read F16 rows at about half the AVX-512 path's rate. */
QUANT_AVX2 INLINE void floats_n_avx2(const uint8_t *p, size_t rb, size_t ahead, int nr,
                                     const float *x, int n, int type, float *out)
{
    __m256 acc[FUSED_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++)
        acc[r] = _mm256_setzero_ps();
    int i = 0;
    size_t eb = float_bytes(type);
    for (; i + 8 <= n; i += 8) {
        __m256 xv = _mm256_loadu_ps(x + i);
#pragma GCC unroll 4
        for (int r = 0; r < nr; r++) {
            if (ahead && (eb * (size_t)i) % 64 == 0)
                __builtin_prefetch(p + (size_t)r * rb + ahead + eb * (size_t)i);
            acc[r] = _mm256_fmadd_ps(floats8(p + r * rb, i, type), xv, acc[r]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < nr; r++) {
        float lanes[8], s = floats_scalar(p + r * rb + eb * (size_t)i, x + i, n - i, type);
        _mm256_storeu_ps(lanes, acc[r]);
        for (int l = 0; l < 8; l++)
            s += lanes[l];
        out[r] = s;
    }
}

/* NR (1 or FUSED_ROWS) rows, with NR and TYPE made constants. */
QUANT_AVX2 INLINE void floats_rows_avx2(const uint8_t *p, size_t rb, size_t ahead, int nr,
                                        const float *x, int n, int type, float *out)
{
    if (type == GGML_TYPE_F32)
        floats_n_avx2(p, rb, ahead, nr, x, n, GGML_TYPE_F32, out);
    else if (type == GGML_TYPE_BF16)
        floats_n_avx2(p, rb, ahead, nr, x, n, GGML_TYPE_BF16, out);
    else
        floats_n_avx2(p, rb, ahead, nr, x, n, GGML_TYPE_F16, out);
}

QUANT_AVX2 static float floats_avx2(const uint8_t *p, const float *x, int n, int type)
{
    float out;
    floats_rows_avx2(p, 0, 0, 1, x, n, type, &out);
    return out;
}

QUANT_AVX2 static void floats4_avx2(const uint8_t *p, size_t rb, size_t ahead, const float *x,
                                    int n, int type, float *out)
{
    floats_rows_avx2(p, rb, ahead, FUSED_ROWS, x, n, type, out);
}
#endif

/* ------------------------------------------------------------ paths */

typedef struct {
    const char *name;
    bool (*available)(void);
    float (*dot)(const quant_block_type *bt, const uint8_t *row, const quant_act *a);
    void (*tiles)(const quant_block_type *bt, const uint8_t *row, size_t row_bytes, int rows,
                  const quant_act *a, float *y, size_t ldy);
    float (*floats)(const uint8_t *row, const float *x, int n, int type);
    /* FUSED_ROWS rows RB bytes apart at once, each the same bits as alone,
     * the rows read next AHEAD bytes on; NULL: none */
    void (*floats4)(const uint8_t *row, size_t rb, size_t ahead, const float *x, int n, int type,
                    float *out);
    /* one-row block products of FUSED_ROWS rows at once (quant_fused.h);
     * NULL: none */
    bool (*fused)(int type, const uint8_t *row, size_t rb, size_t ahead, int n,
                  const quant_act *a, float *out);
    void (*quantize)(const quant_act *a, int t);
    /* AMX_ROWS rows against several activation rows; NULL: none */
    bool (*wide)(int type, const uint8_t *row, size_t row_bytes, const quant_act *a, float *y,
                 size_t ldy);
} path;

static bool always(void)
{
    return true;
}


#ifdef QUANT_SUM_X86
/* The CPU's features from cpuid, and the OS's from xgetbv (it must save the
 * AVX and AVX-512 registers): a plain branch, not ifunc, as resolvers run
 * before the sanitizer runtimes are up; cpuid rather than
 * __builtin_cpu_supports, whose feature names differ between compilers. */
typedef struct {
    bool avx2, avx512;
} cpu_features;

static cpu_features cpu(void)
{
    unsigned a, b, c, d, b7 = 0, c7 = 0;
    cpu_features f = {false, false};
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return f;
    bool fma_f16c = (c & bit_FMA) && (c & bit_F16C);
    uint32_t lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if (__get_cpuid_count(7, 0, &a, &b7, &c7, &d) == 0)
        return f;
    f.avx2 = fma_f16c && (lo & 0x6) == 0x6 && (b7 & bit_AVX2);
    f.avx512 = f.avx2 && (lo & 0xe6) == 0xe6 && (b7 & bit_AVX512F) && (b7 & bit_AVX512BW) &&
               (b7 & bit_AVX512VL) && (c7 & bit_AVX512VNNI);
    return f;
}

static bool have_avx512(void)
{
    return cpu().avx512;
}

static bool have_avx2(void)
{
    return cpu().avx2;
}

static bool have_amx(void)
{
    return cpu().avx512 && quant_amx_available();
}
#endif

static const path paths[] = {
#ifdef QUANT_SUM_X86
    {"amx", have_amx, dot_avx512, rows_avx512, floats_avx512, floats4_avx512,
     quant_fused_rows, quantize_avx512, rows_amx},
    {"avx512vnni", have_avx512, dot_avx512, rows_avx512, floats_avx512, floats4_avx512,
     quant_fused_rows, quantize_avx512, NULL},
    {"avx2", have_avx2, dot_avx2, rows_avx2, floats_avx2, floats4_avx2, quant_fused_avx2_rows,
     quantize_avx2, NULL},
#endif
    {"scalar", always, dot_scalar, rows_scalar, floats_scalar, NULL, NULL, quantize_scalar,
     NULL},
};
enum { N_PATHS = sizeof paths / sizeof paths[0] };

static int chosen = -1;     /* index into paths; -1: the best available */

static const path *current(void)
{
    int c = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (c >= 0)
        return &paths[c];
    for (c = 0; !paths[c].available(); c++)
        ;
    __atomic_store_n(&chosen, c, __ATOMIC_RELAXED);
    return &paths[c];
}

int quant_dot_paths(const char **names, int max)
{
    int n = 0;
    for (int i = 0; i < N_PATHS; i++)
        if (paths[i].available() && n < max)
            names[n++] = paths[i].name;
    return n;
}

bool quant_dot_use(const char *name)
{
    for (int i = 0; i < N_PATHS; i++)
        if (!strcmp(paths[i].name, name) && paths[i].available()) {
            __atomic_store_n(&chosen, i, __ATOMIC_RELAXED);
            return true;
        }
    return false;
}

const char *quant_dot_path(void)
{
    return current()->name;
}

bool quant_dot_supported(int type)
{
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
           quant_block_of(type);
}

bool quant_dot_blocks(int type)
{
    return quant_block_of(type) && current()->tiles != rows_scalar;
}

/* ------------------------------------------------------------ activations */

/* Zeroes COUNT scale slots from I. */
static void clear_ds(const quant_act *a, size_t i, size_t count)
{
    memset(a->d + i, 0, count * sizeof *a->d);
    memset(a->s + i, 0, count * sizeof *a->s);
    memset(a->sum + i, 0, count * sizeof *a->sum);
}

/* Zeroes what the kernels read but no row writes: each row past K up to KP,
 * and in a last tile that is not full, the rows past N. A tile (or the lone
 * row) keeps elements below K in the first K * ROWS codes and K / 16 * ROWS
 * scale slots of its part. */
static void clear_padding(const quant_act *a)
{
    size_t rows = a->n == 1 ? 1 : TILE, tiles = a->n == 1 ? 1 : (size_t)tiles_of(a->n);
    size_t qt = (size_t)a->kp * rows, qk = (size_t)a->k * rows;
    size_t dt = (size_t)(a->kp / 16) * rows, dk = (size_t)(a->k / 16) * rows;
    for (size_t c = 0; c < tiles; c++) {
        memset(a->q + c * qt + qk, 0, qt - qk);
        clear_ds(a, c * dt + dk, dt - dk);
    }
    size_t live = (size_t)a->n % TILE, c = tiles - 1;
    if (a->n == 1 || live == 0)
        return;
    for (size_t g = 0; g < (size_t)a->k / 4; g++)
        memset(a->q + c * qt + (g * TILE + live) * 4, 0, (TILE - live) * 4);
    for (size_t b = 0; b < (size_t)a->k / 16; b++)
        clear_ds(a, c * dt + b * TILE + live, TILE - live);
}

void quant_act_layout(quant_act *a, void *buf, const float *x, int n, int k)
{
    int kp = padded(k), rows = n == 1 ? 1 : tiles_of(n) * TILE;
    size_t blocks = (size_t)rows * (size_t)(kp / 16);
    *a = (quant_act){.n = n, .k = k, .kp = kp, .x = x};
    a->d = buf;
    a->s = a->d + blocks;
    a->sum = (int32_t *)(a->s + blocks);
    a->q = (int8_t *)(a->sum + blocks);
    a->pairs = n == 1 ? a->q + kp : NULL;
    clear_padding(a);
}

void quant_act_row(const quant_act *a, int t)
{
    current()->quantize(a, t);
    if (a->n == 1)
        quant_fused_prepare(a);
}

void quant_act_init(quant_act *a, void *buf, const float *x, int n, int k)
{
    quant_act_layout(a, buf, x, n, k);
    for (int t = 0; t < n; t++)
        quant_act_row(a, t);
}

/* ------------------------------------------------------------ products */

/* F32/F16/BF16 rows from ROW (at most N of them) against every row of A;
 * returns how many. */
static int float_rows(const path *p, int type, const uint8_t *row, size_t row_bytes, int n,
                      const quant_act *a, float *y, size_t ldy)
{
    int nr = p->floats4 && n >= FUSED_ROWS ? FUSED_ROWS : 1;
    for (int t = 0; t < a->n; t++) {
        const float *x = a->x + (size_t)t * a->k;
        float *yt = y + (size_t)t * ldy;
        if (nr == FUSED_ROWS)
            p->floats4(row, row_bytes, FUSED_ROWS * row_bytes, x, a->k, type, yt);
        else
            *yt = p->floats(row, x, a->k, type);
    }
    return nr;
}

/* Rows R0..R1 of W against a one-row A as FUSED_ROWS streams, a quarter of
 * the rows each, read side by side (the rest after them): the hardware
 * prefetchers follow four sequential streams across pages, where four
 * adjacent rows sat in one or two pages at a time (decode of a 134M-
 * parameter GGUF 1.2-1.5x faster). False, having done nothing, where the
 * path has no FUSED_ROWS-row kernel for TYPE. */
static bool stream_rows(const path *p, const quant_block_type *bt, int type, const uint8_t *w,
                        size_t row_bytes, int r0, int r1, const quant_act *a, float *y)
{
    int q = (r1 - r0) / FUSED_ROWS;
    size_t rb = (size_t)q * row_bytes;
    for (int i = 0; i < q; i++) {
        float out[FUSED_ROWS];
        const uint8_t *row = w + (size_t)(r0 + i) * row_bytes;
        if (bt && !p->fused(bt->type, row, rb, row_bytes, FUSED_ROWS, a, out))
            return false;
        if (!bt)
            p->floats4(row, rb, row_bytes, a->x, a->k, type, out);
        for (int k = 0; k < FUSED_ROWS; k++)
            y[r0 + i + k * q] = out[k];
    }
    for (int r = r0 + FUSED_ROWS * q; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * row_bytes;
        y[r] = bt ? p->dot(bt, row, a) : p->floats(row, a->x, a->k, type);
    }
    return true;
}

void quant_dot_rows(int type, const void *w, size_t row_bytes, int r0, int r1,
                    const quant_act *a, float *y, size_t ldy)
{
    const path *p = current();
    const quant_block_type *bt = quant_block_of(type);
    const uint8_t *base = w;
    bool floats = !bt;
    bool four = floats ? p->floats4 != NULL : p->fused != NULL;
    if (a->n == 1 && four && r1 - r0 >= FUSED_ROWS &&
        stream_rows(p, bt, type, base, row_bytes, r0, r1, a, y))
        return;
    for (int r = r0; r < r1;) {
        const uint8_t *row = base + (size_t)r * row_bytes;
        if (floats) {
            r += float_rows(p, type, row, row_bytes, r1 - r, a, y + r, ldy);
        } else if (a->n == 1) {     /* rows stream_rows could not take */
            y[r++] = p->dot(bt, row, a);
        } else if (p->wide && r1 - r >= AMX_ROWS && p->wide(type, row, row_bytes, a, y + r, ldy)) {
            r += AMX_ROWS;
        } else {
            p->tiles(bt, row, row_bytes, r1 - r < PASS_ROWS ? r1 - r : PASS_ROWS, a, y + r, ldy);
            r += PASS_ROWS;
        }
    }
}
