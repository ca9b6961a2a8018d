/* smooth.c - TensorBoard's debiased exponential smoothing (smooth.h). */
#include "smooth.h"

#include <math.h>
#include <stdbool.h>

static bool constant(const double *y, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!(y[i] == y[0]))
            return false;
    return n == 0 || y[0] == y[0];
}

void smooth_ema(const double *y, size_t n, double weight, double *out)
{
    double w = isfinite(weight) ? fmin(fmax(weight, 0.0), 1.0) : 0.0;
    if (constant(y, n)) {
        for (size_t i = 0; i < n; i++)
            out[i] = y[i];
        return;
    }
    double acc = 0.0;
    double count = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = y[i];
        if (!isfinite(v)) {
            out[i] = v;
            continue;
        }
        acc = acc * w + (1.0 - w) * v;
        count += 1.0;
        out[i] = w == 1.0 ? acc : acc / (1.0 - pow(w, count));
    }
}
