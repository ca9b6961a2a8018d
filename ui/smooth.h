/* smooth.h - exponential smoothing of a metric series exactly as TensorBoard
 * (and W&B, which copies it) draws it, so a loss curve in lathe looks like
 * the one a user compares it with elsewhere:
 *   - the weight is clamped to [0, 1]; a non-finite weight counts as 0;
 *   - the accumulator starts at 0: acc = acc*w + (1-w)*y for each finite y,
 *     and the output is acc / (1 - w^n), n the finite points so far (debias;
 *     a weight of exactly 1 divides by 1);
 *   - a non-finite point is passed through as it is and changes nothing;
 *   - a constant series (every y == the first) is returned as it is.
 * The whole history is smoothed before anything is bucketed for the screen,
 * so the curve does not change with zoom or terminal width. */
#ifndef LATHE_SMOOTH_H
#define LATHE_SMOOTH_H

#include <stddef.h>

/* Writes the smoothed Y[0..n) to OUT (which may be Y itself). */
void smooth_ema(const double *y, size_t n, double weight, double *out);

#endif
