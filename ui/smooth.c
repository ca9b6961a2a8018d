/* smooth.c - TensorBoard's debiased exponential smoothing (smooth.h). */
#include "smooth.h"

#include <math.h>

void smooth_start(smooth_state *st, double weight)
{
    st->w = isfinite(weight) ? fmin(fmax(weight, 0.0), 1.0) : 0.0;
    st->acc = 0.0;
    st->count = 0.0;
    st->n = 0;
    st->constant = true;
}

static double point(smooth_state *st, double v)
{
    if (!isfinite(v))
        return v;
    st->acc = st->acc * st->w + (1.0 - st->w) * v;
    st->count += 1.0;
    return st->w == 1.0 ? st->acc : st->acc / (1.0 - pow(st->w, st->count));
}

void smooth_more(smooth_state *st, const double *y, size_t n, double *out)
{
    size_t i = st->n;
    if (st->constant) {
        for (; i < n && y[i] == y[0]; i++)
            out[i] = y[i];
        if (i < n) {   /* not constant after all: the points before are smoothed too */
            st->constant = false;
            for (size_t j = 0; j < i; j++)
                out[j] = point(st, y[j]);
        }
    }
    for (; i < n; i++)
        out[i] = point(st, y[i]);
    st->n = n;
}

void smooth_ema(const double *y, size_t n, double weight, double *out)
{
    smooth_state st;
    smooth_start(&st, weight);
    smooth_more(&st, y, n, out);
}
