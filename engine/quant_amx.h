/* quant_amx.h - prefill of Q8_0 weights on the AMX tile unit (Sapphire
 * Rapids and later), for quant_dot.c: sixteen weight rows against sixteen
 * activation rows per tile instruction, the weights' int8 codes loaded
 * straight from their blocks. It gives the same bits as quant_dot's other
 * paths: the tile unit forms the exact integer dot of each 16-element
 * block, and the blocks are scaled and added in quant_sum.h's order. */
#ifndef LATHE_QUANT_AMX_H
#define LATHE_QUANT_AMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quant_dot.h"

/* Weight rows a call multiplies. */
enum { AMX_ROWS = 16 };

/* True when the CPU has AMX-INT8 and AVX-512 VNNI and the kernel lets this
 * process use the tile state (asked once). */
bool quant_amx_available(void);

/* y[t * ldy + r] = W_r . x_t for the AMX_ROWS rows of TYPE at ROW,
 * ROW_BYTES apart, and every row t of A (A->n > 1). False, with nothing
 * written, when TYPE has no tile kernel. Call only where
 * quant_amx_available(). */
bool quant_amx_rows(int type, const uint8_t *row, size_t row_bytes, const quant_act *a,
                    float *y, size_t ldy);

#endif
