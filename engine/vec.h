/* vec.h - small SIMD helpers for the engine's row loops: dot product, axpy,
 * max, scale and a vectorised exp. They use GCC vector extensions (4 lanes,
 * SSE2 on any x86-64) or independent lanes the SLP
 * vectorizer picks up at -O2, without fast-math. */
#ifndef LATHE_VEC_H
#define LATHE_VEC_H

#include <string.h>

typedef float vf4 __attribute__((vector_size(16)));
typedef int vi4 __attribute__((vector_size(16)));

static inline vf4 vf4_load(const float *p)
{
    vf4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void vf4_store(float *p, vf4 v)
{
    memcpy(p, &v, sizeof v);
}

static inline vf4 vf4_splat(float x)
{
    return (vf4){x, x, x, x};
}

static inline vf4 vf4_select(vi4 mask, vf4 a, vf4 b)
{
    return (vf4)(((vi4)a & mask) | ((vi4)b & ~mask));
}

static inline float vf4_hsum(vf4 v)
{
    return (v[0] + v[2]) + (v[1] + v[3]);
}

/* exp(x) per lane, within about 2 ulp of expf: x = n ln2 + r with |r| <=
 * ln2/2 (two-part ln2 so r is exact), a degree-6 polynomial for exp(r) and
 * 2^n built in the exponent bits. Below -87.3 it flushes to 0; NaN stays NaN;
 * above 88 it saturates near FLT_MAX (no logit or score gets there). */
static inline vf4 vf4_exp(vf4 x)
{
    const vf4 magic = vf4_splat(12582912.0f); /* 1.5 * 2^23: rounds to integer */
    vi4 under = x < vf4_splat(-87.3f);
    x = vf4_select(x > vf4_splat(88.0f), vf4_splat(88.0f), x);
    x = vf4_select(under, vf4_splat(-87.0f), x);
    vf4 t = x * vf4_splat(1.44269504089f) + magic;
    vf4 n = t - magic;
    vf4 r = x - n * vf4_splat(0.693359375f) - n * vf4_splat(-2.12194440e-4f);
    vf4 p = vf4_splat(1.9875691500e-4f);
    p = p * r + vf4_splat(1.3981999507e-3f);
    p = p * r + vf4_splat(8.3334519073e-3f);
    p = p * r + vf4_splat(4.1665795894e-2f);
    p = p * r + vf4_splat(1.6666665459e-1f);
    p = p * r + vf4_splat(5.0000001201e-1f);
    p = p * (r * r) + r + vf4_splat(1.0f);
    vi4 e = ((vi4)t - (vi4)magic + 127) << 23;
    return vf4_select(under, vf4_splat(0.0f), p * (vf4)e);
}

/* Scalar exp with the same accuracy, for loop tails. */
static inline float vec_exp1(float x)
{
    return vf4_exp(vf4_splat(x))[0];
}

static inline float vec_dot(const float *restrict a, const float *restrict b, int n)
{
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[i + k] * b[i + k];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += alpha * x */
static inline void vec_axpy(float *restrict y, const float *restrict x, float alpha, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            y[i + k] += alpha * x[i + k];
    for (; i < n; i++)
        y[i] += alpha * x[i];
}

/* Largest element (NaN elements are ignored; n >= 1). */
static inline float vec_max(const float *x, int n)
{
    int i = 0;
    float m = x[0];
    if (n >= 4) {
        vf4 mv = vf4_load(x);
        for (i = 4; i + 4 <= n; i += 4) {
            vf4 v = vf4_load(x + i);
            mv = vf4_select(v > mv, v, mv);
        }
        for (int k = 0; k < 4; k++)
            m = mv[k] > m ? mv[k] : m;
    }
    for (; i < n; i++)
        m = x[i] > m ? x[i] : m;
    return m;
}

/* y[i] = exp(x[i] - shift) (y may be x); returns the sum, summed in float
 * over blocks of 256 and in double across blocks to keep long rows exact. */
static inline double vec_exp_sum(float *y, const float *x, float shift, int n)
{
    double total = 0.0;
    vf4 sh = vf4_splat(shift);
    int i = 0;
    while (i + 4 <= n) {
        vf4 acc = vf4_splat(0.0f);
        int end = i + 256 < n ? i + 256 : n;
        for (; i + 4 <= end; i += 4) {
            vf4 e = vf4_exp(vf4_load(x + i) - sh);
            vf4_store(y + i, e);
            acc += e;
        }
        total += vf4_hsum(acc);
    }
    for (; i < n; i++) {
        y[i] = vec_exp1(x[i] - shift);
        total += y[i];
    }
    return total;
}

/* x *= alpha */
static inline void vec_scale(float *x, float alpha, int n)
{
    int i = 0;
    vf4 a = vf4_splat(alpha);
    for (; i + 4 <= n; i += 4)
        vf4_store(x + i, vf4_load(x + i) * a);
    for (; i < n; i++)
        x[i] *= alpha;
}

#endif
