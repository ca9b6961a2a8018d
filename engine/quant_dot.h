/* quant_dot.h - dot products of one quantized weight row with an fp32
 * vector, reading the blocks in place (no dequantized copy): what a decode
 * step's matrix-vector product does per row of a Q8_0 or Q4_0 frozen base.
 * Equal to dequantizing then taking the dot product, up to float rounding. */
#ifndef LATHE_QUANT_DOT_H
#define LATHE_QUANT_DOT_H

#include <stdbool.h>
#include <stddef.h>

/* True for the ggml types quant_dot_row reads directly (Q8_0, Q4_0). */
bool quant_dot_supported(int type);
/* sum_i row[i] * x[i] over N elements (a multiple of 32) of a row of TYPE. */
float quant_dot_row(int type, const void *row, const float *x, int n);

#endif
