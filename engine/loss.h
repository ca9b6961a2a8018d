/* loss.h - weighted next-token cross-entropy over the output head, computed
 * in chunks of rows so [tokens x vocab] logits never exist at once; forward
 * and backward (into the hidden states and the head weight) in one pass. */
#ifndef LATHE_LOSS_H
#define LATHE_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linear.h"
#include "pool.h"

typedef struct {
    const float *h;         /* [n][d] final normed hidden states */
    const linear *head;     /* [v][d] output head, fp32 or quantized */
    float *gw;              /* head grad (+=), NULL when frozen */
    float *dh;              /* [n][d] overwritten; NULL: forward only */
    const int32_t *targets; /* [n], < 0 masked */
    const float *weights;   /* [n] or NULL (1) */
    int n, d, v;
    double norm;            /* gradients scale by 1/norm */
    int chunk;              /* rows per chunk */
} ce_args;

/* Floats of scratch ce_run needs, including the head's dequantization tile
 * (plus n ints, ce_scratch_ints). */
size_t ce_scratch_floats(int chunk, int d, int v);
/* Of those floats, the ones written when ROWS targets are scored (logits
 * exist only for scored rows; at most CHUNK at once) over a fp32 or a
 * QUANTIZED head. */
size_t ce_scratch_written(int chunk, int rows, int d, int v, bool quantized);
size_t ce_scratch_ints(int n);

/* Returns sum over unmasked rows of weight * nll. */
double ce_run(pool *p, const ce_args *a, float *scratch, int *rows);

#endif
