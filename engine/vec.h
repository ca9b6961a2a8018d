/* vec.h - dot product and axpy written as eight independent lanes so the
 * compiler's SLP vectorizer turns them into SIMD at -O2 without fast-math
 * (a single accumulator would be a serial dependency chain). */
#ifndef LATHE_VEC_H
#define LATHE_VEC_H

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

#endif
