/* fdcheck.h - finite-difference gradient checking shared by the engine tests:
 * compare the analytic gradient along a random unit direction with a central
 * (five-point) difference of the objective along that direction. */
#ifndef LATHE_FDCHECK_H
#define LATHE_FDCHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "prng.h"

typedef double (*fd_objective)(void *ctx);

/* Fill x[n] with N(0, sd) + mean from a key. */
static inline void fd_fill(float *x, size_t n, uint64_t key, float mean, float sd)
{
    for (size_t i = 0; i < n; i++)
        x[i] = mean + sd * prng_normal(prng_mix(key) + i);
}

/* Returns |numeric - analytic| / (|analytic| + floor): a relative error that
 * stays meaningful when the directional derivative is near zero. */
static inline double fd_direction(float *x, const float *grad, size_t n, uint64_t key, float h,
                                  double floor, fd_objective f, void *ctx, const char *what)
{
    float *d = malloc(n * sizeof *d);
    float *save = malloc(n * sizeof *save);
    if (!d || !save) {
        free(d);
        free(save);
        return INFINITY;
    }
    double norm = 0, ana = 0;
    for (size_t i = 0; i < n; i++) {
        d[i] = prng_normal(prng_mix(key ^ 0xfdull) + i);
        norm += (double)d[i] * d[i];
        save[i] = x[i];
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < n; i++) {
        d[i] = (float)(d[i] / norm);
        ana += (double)grad[i] * d[i];
    }
    /* five-point stencil: truncation error O(h^4), so h can stay large
     * enough that fp32 rounding of the objective does not dominate */
    double fs[4];
    const float steps[4] = {2.0f * h, h, -h, -2.0f * h};
    for (int s = 0; s < 4; s++) {
        for (size_t i = 0; i < n; i++)
            x[i] = save[i] + steps[s] * d[i];
        fs[s] = f(ctx);
    }
    for (size_t i = 0; i < n; i++)
        x[i] = save[i];
    free(d);
    free(save);
    double num = (8.0 * (fs[1] - fs[2]) - (fs[0] - fs[3])) / (12.0 * h);
    double rel = fabs(num - ana) / (fabs(ana) + floor);
    if (getenv("FD_VERBOSE"))
        fprintf(stderr, "# %-36s analytic % .6e numeric % .6e rel %.2e\n", what, ana, num, rel);
    return rel;
}

#endif
