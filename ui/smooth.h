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

#include <stdbool.h>
#include <stddef.h>

/* A series smoothed so far, so a point added costs one step, not a pass
 * over the whole series: the same operations in the same order as
 * smooth_ema, so the outputs are the same to the last bit. */
typedef struct {
    double w;                 /* the weight, clamped */
    double acc, count;        /* the accumulator and the finite points in it */
    size_t n;                 /* the points smoothed */
    bool constant;            /* every point so far equals the first (and it is not NaN):
                               * they are output as they are, the EMA not yet run */
} smooth_state;

/* An empty series smoothed with WEIGHT. */
void smooth_start(smooth_state *st, double weight);
/* Smooths Y[ST->n .. N) into OUT, Y[0 .. ST->n) being the points of the
 * earlier calls, unchanged, and OUT[0 .. ST->n) what they wrote (OUT is
 * not Y). When the series stops being constant, its earlier points are
 * smoothed again, once. */
void smooth_more(smooth_state *st, const double *y, size_t n, double *out);

/* Writes the smoothed Y[0..n) to OUT (which may be Y itself). */
void smooth_ema(const double *y, size_t n, double weight, double *out);

#endif
