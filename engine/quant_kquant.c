/* quant_kquant.c - ggml's reference quantizers for Q4_K, Q5_K and Q6_K (the
 * K-quants `lathe export merge` writes): each sub-block's scale (and min) is
 * searched for the least weighted squared error, then the scales themselves
 * are quantized to 6 or 8 bits against one f16 super-block scale, and the
 * values requantized against the stored scales. Following ggml's steps and
 * constants makes the files llama.cpp's own quantizer would write. */
#include "config.h"

#include <math.h>

#include "quant_impl.h"

enum { QK_K = QUANT_QK_K };

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Least-squares fit of x ~ scale * L + min (L in 0..nmax, min <= 0) over a
 * sweep of NSTEP+1 trial inverse scales, as ggml's make_qkx2_quants. */
typedef struct {
    float rmin, rdelta;
    int nstep;
} sweep;

static float fit_error(int n, const float *x, const float *w, const uint8_t *L, float scale,
                       float min)
{
    float err = 0;
    for (int i = 0; i < n; i++) {
        float diff = scale * L[i] + min - x[i];
        err += w[i] * (diff * diff);
    }
    return err;
}

static float fit_scale_min(int n, int nmax, const float *x, const float *w, uint8_t *L,
                           float *the_min, sweep sw)
{
    float min = x[0], max = x[0], sum_w = w[0], sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        min = x[i] < min ? x[i] : min;
        max = x[i] > max ? x[i] : max;
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0)
        min = 0;
    if (max == min) {
        memset(L, 0, (size_t)n);
        *the_min = -min;
        return 0.0f;
    }
    float iscale = nmax / (max - min), scale = 1 / iscale;
    for (int i = 0; i < n; i++)
        L[i] = (uint8_t)clampi(quant_nearest_int(iscale * (x[i] - min)), 0, nmax);
    float best = fit_error(n, x, w, L, scale, min);
    uint8_t aux[32];
    for (int is = 0; is <= sw.nstep; is++) {
        iscale = (sw.rmin + sw.rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; i++) {
            int l = clampi(quant_nearest_int(iscale * (x[i] - min)), 0, nmax);
            aux[i] = (uint8_t)l;
            sum_l += w[i] * l;
            sum_l2 += w[i] * l * l;
            sum_xl += w[i] * l * x[i];
        }
        float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0))
            continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float err = fit_error(n, x, w, aux, this_scale, this_min);
        if (err < best) {
            memcpy(L, aux, (size_t)n);
            best = err;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

/* Q4_K and Q5_K: 8 sub-blocks of 32 with a scale and a min each, both
 * stored as 6-bit multiples of the block's d and dmin. */
static void scale_min_block(const float *x, int nmax, sweep sw, uint8_t *d_dmin,
                            uint8_t *packed, uint8_t *L)
{
    float scales[8], mins[8], w[32], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        float sum_x2 = 0;
        for (int l = 0; l < 32; l++)
            sum_x2 += x[32 * j + l] * x[32 * j + l];
        float av_x = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; l++)
            w[l] = av_x + fabsf(x[32 * j + l]);
        scales[j] = fit_scale_min(32, nmax, x + 32 * j, w, L + 32 * j, &mins[j], sw);
        max_scale = scales[j] > max_scale ? scales[j] : max_scale;
        max_min = mins[j] > max_min ? mins[j] : max_min;
    }
    float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
    float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    memset(packed, 0, 12);
    for (int j = 0; j < 8; j++) {
        int ls = clampi(quant_nearest_int(inv_scale * scales[j]), 0, 63);
        int lm = clampi(quant_nearest_int(inv_min * mins[j]), 0, 63);
        if (j < 4) {
            packed[j] = (uint8_t)ls;
            packed[j + 4] = (uint8_t)lm;
        } else {
            packed[j + 4] = (uint8_t)((ls & 0xf) | (lm & 0xf) << 4);
            packed[j - 4] |= (uint8_t)((ls >> 4) << 6);
            packed[j] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    quant_store_f16(d_dmin, max_scale / 63.0f);
    quant_store_f16(d_dmin + 2, max_min / 63.0f);
    float d = quant_load_f16(d_dmin), dmin = quant_load_f16(d_dmin + 2);
    for (int j = 0; j < 8; j++) {
        int sc, m;
        quant_k_scale_min(j, packed, &sc, &m);
        float dj = d * sc, dm = dmin * m;
        if (!dj)
            continue;
        for (int l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)clampi(quant_nearest_int((x[32 * j + l] + dm) / dj), 0, nmax);
    }
}

void quant_q4_k_block(const float *restrict x, uint8_t *restrict b)
{
    uint8_t L[QK_K];
    scale_min_block(x, 15, (sweep){-1.0f, 0.1f, 20}, b, b + 4, L);
    uint8_t *q = b + 16;
    for (int j = 0; j < QK_K; j += 64, q += 32)
        for (int l = 0; l < 32; l++)
            q[l] = (uint8_t)(L[j + l] | L[j + l + 32] << 4);
}

void quant_q5_k_block(const float *restrict x, uint8_t *restrict b)
{
    uint8_t L[QK_K];
    scale_min_block(x, 31, (sweep){-0.5f, 0.1f, 15}, b, b + 4, L);
    uint8_t *qh = b + 16, *ql = b + 48;
    memset(qh, 0, 32);
    unsigned m1 = 1, m2 = 2;
    for (int n = 0; n < QK_K; n += 64, ql += 32, m1 <<= 2, m2 <<= 2)
        for (int j = 0; j < 32; j++) {
            int l1 = L[n + j], l2 = L[n + j + 32];
            qh[j] |= (uint8_t)((l1 > 15 ? m1 : 0) | (l2 > 15 ? m2 : 0));
            ql[j] = (uint8_t)((l1 & 0xf) | (l2 & 0xf) << 4);
        }
}

/* ggml's make_qx_quants with rmse_type 1 (weights x^2): a symmetric scale
 * for 16 values in -nmax..nmax-1, refined over 18 nearby inverse scales. */
static float fit_symmetric(const float *x, int nmax, int8_t *L)
{
    enum { N = 16 };
    float max = 0, amax = 0;
    for (int i = 0; i < N; i++)
        if (fabsf(x[i]) > amax) {
            amax = fabsf(x[i]);
            max = x[i];
        }
    if (amax < 1e-30f) {
        memset(L, 0, N);
        return 0.0f;
    }
    float iscale = -nmax / max, scale = 0, best = 0;
    for (int is = 0; is <= 19; is++) {
        /* first the plain inverse scale, then -9..9 tenths around nmax */
        float try_iscale = is == 0 ? iscale : -(nmax + 0.1f * (is - 10)) / max;
        if (is == 10)
            continue;
        float sumlx = 0, suml2 = 0;
        int8_t aux[N];
        for (int i = 0; i < N; i++) {
            int l = clampi(quant_nearest_int(try_iscale * x[i]), -nmax, nmax - 1);
            aux[i] = (int8_t)(l + nmax);
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (is == 0 || (suml2 > 0 && sumlx * sumlx > best * suml2)) {
            memcpy(L, aux, N);
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

void quant_q6_k_block(const float *restrict x, uint8_t *restrict b)
{
    int8_t L[QK_K], *sc = (int8_t *)(b + 192);
    float scales[16], max_scale = 0, max_abs = 0;
    for (int ib = 0; ib < 16; ib++) {
        scales[ib] = fit_symmetric(x + 16 * ib, 32, L + 16 * ib);
        if (fabsf(scales[ib]) > max_abs) {
            max_abs = fabsf(scales[ib]);
            max_scale = scales[ib];
        }
    }
    memset(b, 0, 210);
    if (!max_abs)
        return;
    float iscale = -128.0f / max_scale;
    quant_store_f16(b + 208, 1 / iscale);
    for (int ib = 0; ib < 16; ib++)
        sc[ib] = (int8_t)clampi(quant_nearest_int(iscale * scales[ib]), -128, 127);
    float d = quant_load_f16(b + 208);
    for (int j = 0; j < 16; j++) {
        float dj = d * sc[j];
        if (!dj)
            continue;
        for (int i = 0; i < 16; i++)
            L[16 * j + i] = (int8_t)(clampi(quant_nearest_int(x[16 * j + i] / dj), -32, 31) + 32);
    }
    uint8_t *ql = b, *qh = b + 128;
    for (int j = 0; j < QK_K; j += 128, ql += 64, qh += 32)
        for (int l = 0; l < 32; l++) {
            const int8_t *Lj = L + j + l;
            ql[l] = (uint8_t)((Lj[0] & 0xf) | (Lj[64] & 0xf) << 4);
            ql[l + 32] = (uint8_t)((Lj[32] & 0xf) | (Lj[96] & 0xf) << 4);
            qh[l] = (uint8_t)((Lj[0] >> 4) | (Lj[32] >> 4) << 2 | (Lj[64] >> 4) << 4 |
                              (Lj[96] >> 4) << 6);
        }
}
