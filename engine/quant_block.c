/* quant_block.c - one block of each ggml weight type to floats, written as
 * ggml's dequantize_row_* computes it (same float operations in the same
 * order, so results are bit-exact), and ggml's reference quantizers of the
 * 32-element formats. Each reads its block at ggml's byte offsets (the
 * fields of block_q4_0 .. block_iq4_xs). Scales are read with memcpy: a
 * block sits at any byte offset. */
#include "config.h"

#include <math.h>

#include "gguf.h"
#include "quant_impl.h"

enum { QK = QUANT_QK, QK_K = QUANT_QK_K };

const int8_t quant_iq4_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                     1,    13,   25,  38,  53,  69,  89,  113};
const uint8_t quant_iq4_codes[16] = {1,   24,  45,  63,  79,  93,  106, 118,
                                     129, 141, 153, 166, 181, 197, 217, 241};

/* ------------------------------------------------------------ 32-element blocks */

static void deq_q4_0(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < QK / 2; j++) {
        y[j] = ((qs[j] & 0xf) - 8) * d;
        y[j + QK / 2] = ((qs[j] >> 4) - 8) * d;
    }
}

static void deq_q4_1(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b), m = quant_load_f16(b + 2);
    const uint8_t *qs = b + 4;
    for (int j = 0; j < QK / 2; j++) {
        y[j] = (qs[j] & 0xf) * d + m;
        y[j + QK / 2] = (qs[j] >> 4) * d + m;
    }
}

/* The 5-bit values of a Q5_0/Q5_1 block: nibbles plus a bit of the u32 qh. */
static void five_bits(const uint8_t *qh4, const uint8_t *qs, int *q)
{
    uint32_t qh;
    memcpy(&qh, qh4, 4);
    for (int j = 0; j < QK / 2; j++) {
        q[j] = (qs[j] & 0xf) | (int)(((qh >> j) << 4) & 0x10);
        q[j + QK / 2] = (qs[j] >> 4) | (int)((qh >> (j + 12)) & 0x10);
    }
}

static void deq_q5_0(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b);
    int q[QK];
    five_bits(b + 2, b + 6, q);
    for (int j = 0; j < QK; j++)
        y[j] = (q[j] - 16) * d;
}

static void deq_q5_1(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b), m = quant_load_f16(b + 2);
    int q[QK];
    five_bits(b + 4, b + 8, q);
    for (int j = 0; j < QK; j++)
        y[j] = q[j] * d + m;
}

static void deq_q8_0(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b);
    const int8_t *qs = (const int8_t *)(b + 2);
    for (int j = 0; j < QK; j++)
        y[j] = qs[j] * d;
}

static void deq_iq4_nl(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < QK / 2; j++) {
        y[j] = d * quant_iq4_values[qs[j] & 0xf];
        y[j + QK / 2] = d * quant_iq4_values[qs[j] >> 4];
    }
}

/* ------------------------------------------------------------ K-quants */

/* Q2_K and Q3_K share an output order: two halves of 128, four 2-bit shifts
 * each, 16 values from q[l] then 16 from q[l + 16], one scale per 16. */
static void deq_q2_k(const uint8_t *restrict b, float *restrict y)
{
    const uint8_t *sc = b, *q = b + 16;
    float d = quant_load_f16(b + 80), min = quant_load_f16(b + 82);
    int is = 0;
    for (int half = 0; half < 2; half++, q += 32)
        for (int shift = 0; shift < 8; shift += 2)
            for (int k = 0; k < 2; k++, is++, y += 16) {
                float dl = d * (sc[is] & 0xf), ml = min * (sc[is] >> 4);
                for (int l = 0; l < 16; l++)
                    y[l] = dl * ((q[l + 16 * k] >> shift) & 3) - ml;
            }
}

/* The sixteen signed 6-bit scales of a Q3_K block. */
static void q3k_scales(const uint8_t *s12, int8_t *sc)
{
    uint32_t a[4], t;
    memcpy(a, s12, 12);
    t = a[2];
    a[2] = ((a[0] >> 4) & 0x0f0f0f0fu) | (((t >> 4) & 0x03030303u) << 4);
    a[3] = ((a[1] >> 4) & 0x0f0f0f0fu) | (((t >> 6) & 0x03030303u) << 4);
    a[0] = (a[0] & 0x0f0f0f0fu) | (((t >> 0) & 0x03030303u) << 4);
    a[1] = (a[1] & 0x0f0f0f0fu) | (((t >> 2) & 0x03030303u) << 4);
    memcpy(sc, a, 16);
    for (int i = 0; i < 16; i++)
        sc[i] = (int8_t)(sc[i] - 32);
}

static void deq_q3_k(const uint8_t *restrict b, float *restrict y)
{
    const uint8_t *hm = b, *q = b + 32;
    float d = quant_load_f16(b + 108);
    int8_t sc[16];
    q3k_scales(b + 96, sc);
    int is = 0;
    unsigned mb = 1;
    for (int half = 0; half < 2; half++, q += 32)
        for (int shift = 0; shift < 8; shift += 2, mb <<= 1)
            for (int k = 0; k < 2; k++, is++, y += 16) {
                float dl = d * sc[is];
                for (int l = 0; l < 16; l++)
                    y[l] = dl * (((q[l + 16 * k] >> shift) & 3) - ((hm[l + 16 * k] & mb) ? 0 : 4));
            }
}

static void deq_q4_k(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b), dmin = quant_load_f16(b + 2);
    const uint8_t *scales = b + 4, *qs = b + 16;
    for (int c = 0; c < 4; c++, qs += 32, y += 64) {
        int sc0, m0, sc1, m1;
        quant_k_scale_min(2 * c, scales, &sc0, &m0);
        quant_k_scale_min(2 * c + 1, scales, &sc1, &m1);
        float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
        for (int l = 0; l < 32; l++) {
            y[l] = d0 * (qs[l] & 0xf) - min0;
            y[l + 32] = d1 * (qs[l] >> 4) - min1;
        }
    }
}

static void deq_q5_k(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b), dmin = quant_load_f16(b + 2);
    const uint8_t *scales = b + 4, *qh = b + 16, *ql = b + 48;
    for (int c = 0; c < 4; c++, ql += 32, y += 64) {
        int sc0, m0, sc1, m1;
        quant_k_scale_min(2 * c, scales, &sc0, &m0);
        quant_k_scale_min(2 * c + 1, scales, &sc1, &m1);
        float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
        unsigned u1 = 1u << (2 * c), u2 = 2u << (2 * c);
        for (int l = 0; l < 32; l++) {
            y[l] = d0 * ((ql[l] & 0xf) + (qh[l] & u1 ? 16 : 0)) - min0;
            y[l + 32] = d1 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - min1;
        }
    }
}

static void deq_q6_k(const uint8_t *restrict b, float *restrict y)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = quant_load_f16(b + 208);
    for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, y += 128)
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = ((ql[l] & 0xf) | ((qh[l] & 3) << 4)) - 32;
            int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
            int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * sc[is] * q1;
            y[l + 32] = d * sc[is + 2] * q2;
            y[l + 64] = d * sc[is + 4] * q3;
            y[l + 96] = d * sc[is + 6] * q4;
        }
}

static void deq_iq4_xs(const uint8_t *restrict b, float *restrict y)
{
    float d = quant_load_f16(b);
    uint16_t sh;
    memcpy(&sh, b + 2, 2);
    const uint8_t *sl = b + 4, *qs = b + 8;
    for (int ib = 0; ib < QK_K / 32; ib++, qs += 16, y += 32) {
        int ls = ((sl[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((sh >> 2 * ib) & 3) << 4);
        float dl = d * (ls - 32);
        for (int j = 0; j < 16; j++) {
            y[j] = dl * quant_iq4_values[qs[j] & 0xf];
            y[j + 16] = dl * quant_iq4_values[qs[j] >> 4];
        }
    }
}

/* ------------------------------------------------------------ quantizers */

/* ggml's float->int conversions are undefined for NaN and out-of-range
 * values; clamping and mapping NaN to zero keeps finite input bit-exact. */
static int clamp_round(float v, int lo, int hi, bool truncate)
{
    if (!(v == v))
        return 0;
    float r = truncate ? truncf(v) : roundf(v);
    return r < (float)lo ? lo : r > (float)hi ? hi : (int)r;
}

static void quant_q8_0(const float *restrict x, uint8_t *restrict b)
{
    float amax = 0.0f;
    for (int j = 0; j < QK; j++)
        amax = fmaxf(amax, fabsf(x[j]));
    float d = amax / 127;
    float id = d ? 1.0f / d : 0.0f;
    quant_store_f16(b, d);
    for (int j = 0; j < QK; j++)
        b[2 + j] = (uint8_t)(int8_t)clamp_round(x[j] * id, -127, 127, false);
}

/* The signed value of largest magnitude (first one on ties), as Q4_0 and
 * Q5_0 scale by it. */
static float signed_max(const float *x)
{
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < QK; j++)
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    return max;
}

static void quant_q4_0(const float *restrict x, uint8_t *restrict b)
{
    float d = signed_max(x) / -8;
    float id = d ? 1.0f / d : 0.0f;
    quant_store_f16(b, d);
    for (int j = 0; j < QK / 2; j++) {
        int lo = clamp_round(x[j] * id + 8.5f, 0, 15, true);
        int hi = clamp_round(x[j + QK / 2] * id + 8.5f, 0, 15, true);
        b[2 + j] = (uint8_t)(lo | hi << 4);
    }
}

static void range(const float *x, float *min, float *max)
{
    *min = INFINITY;
    *max = -INFINITY;
    for (int j = 0; j < QK; j++) {
        *min = x[j] < *min ? x[j] : *min;
        *max = x[j] > *max ? x[j] : *max;
    }
}

static void quant_q4_1(const float *restrict x, uint8_t *restrict b)
{
    float min, max;
    range(x, &min, &max);
    float d = (max - min) / 15, id = d ? 1.0f / d : 0.0f;
    quant_store_f16(b, d);
    quant_store_f16(b + 2, min);
    for (int j = 0; j < QK / 2; j++) {
        int lo = clamp_round((x[j] - min) * id + 0.5f, 0, 15, true);
        int hi = clamp_round((x[j + QK / 2] - min) * id + 0.5f, 0, 15, true);
        b[4 + j] = (uint8_t)(lo | hi << 4);
    }
}

/* Packs 32 five-bit values as nibbles plus the u32 of high bits. */
static void pack_five(const int *q, uint8_t *qh4, uint8_t *qs)
{
    uint32_t qh = 0;
    for (int j = 0; j < QK / 2; j++) {
        qs[j] = (uint8_t)((q[j] & 0xf) | (q[j + QK / 2] & 0xf) << 4);
        qh |= (uint32_t)((q[j] & 0x10) >> 4) << j;
        qh |= (uint32_t)((q[j + QK / 2] & 0x10) >> 4) << (j + QK / 2);
    }
    memcpy(qh4, &qh, 4);
}

static void quant_q5_0(const float *restrict x, uint8_t *restrict b)
{
    float d = signed_max(x) / -16;
    float id = d ? 1.0f / d : 0.0f;
    int q[QK];
    quant_store_f16(b, d);
    for (int j = 0; j < QK; j++)
        q[j] = clamp_round(x[j] * id + 16.5f, 0, 31, true);
    pack_five(q, b + 2, b + 6);
}

static void quant_q5_1(const float *restrict x, uint8_t *restrict b)
{
    float min, max;
    range(x, &min, &max);
    float d = (max - min) / 31, id = d ? 1.0f / d : 0.0f;
    int q[QK];
    quant_store_f16(b, d);
    quant_store_f16(b + 2, min);
    for (int j = 0; j < QK; j++)
        q[j] = clamp_round((x[j] - min) * id + 0.5f, 0, 31, true);
    pack_five(q, b + 4, b + 8);
}

/* ------------------------------------------------------------ the table */

static const quant_block_type blocks[] = {
    {GGML_TYPE_Q4_0, QK, 18, deq_q4_0, quant_q4_0},
    {GGML_TYPE_Q4_1, QK, 20, deq_q4_1, quant_q4_1},
    {GGML_TYPE_Q5_0, QK, 22, deq_q5_0, quant_q5_0},
    {GGML_TYPE_Q5_1, QK, 24, deq_q5_1, quant_q5_1},
    {GGML_TYPE_Q8_0, QK, 34, deq_q8_0, quant_q8_0},
    {GGML_TYPE_Q2_K, QK_K, 84, deq_q2_k, NULL},
    {GGML_TYPE_Q3_K, QK_K, 110, deq_q3_k, NULL},
    {GGML_TYPE_Q4_K, QK_K, 144, deq_q4_k, quant_q4_k_block},
    {GGML_TYPE_Q5_K, QK_K, 176, deq_q5_k, quant_q5_k_block},
    {GGML_TYPE_Q6_K, QK_K, 210, deq_q6_k, quant_q6_k_block},
    {GGML_TYPE_IQ4_NL, QK, 18, deq_iq4_nl, NULL},
    {GGML_TYPE_IQ4_XS, QK_K, 136, deq_iq4_xs, NULL},
};

const quant_block_type *quant_block_of(int type)
{
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (blocks[i].type == type)
            return &blocks[i];
    return NULL;
}
