/* grad.c - global gradient norm, clipping and zeroing over trainable tensors. */
#include "grad.h"

#include <math.h>
#include <string.h>

void grad_zero(const optim_param *params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memset(params[i].g, 0, params[i].n * sizeof(float));
}

double grad_global_norm(const optim_param *params, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float *g = params[i].g;
        for (size_t j = 0; j < params[i].n; j++)
            sum += (double)g[j] * (double)g[j];
    }
    return sqrt(sum);
}

double grad_clip_coef(double total_norm, double max_norm)
{
    if (max_norm <= 0.0)
        return 1.0;
    double coef = max_norm / (total_norm + 1e-6);
    return coef < 1.0 ? coef : 1.0;
}

void grad_scale(const optim_param *params, size_t n, double factor)
{
    float f = (float)factor;
    for (size_t i = 0; i < n; i++) {
        float *g = params[i].g;
        for (size_t j = 0; j < params[i].n; j++)
            g[j] *= f;
    }
}
