/* quant_amx.h - prefill on the AMX tile unit (Sapphire Rapids and later),
 * for quant_dot.c: sixteen weight rows against sixteen activation rows per
 * tile instruction. The rows come unpacked as quant_dot.c unpacks every
 * block type (unsigned codes, a float scale and offset per 16 elements),
 * or, for Q8_0, as its own signed bytes with only the scales unpacked;
 * the tile unit forms the exact integer dot of each 16-element block, and
 * the blocks are scaled and added in quant_sum.h's order, so the results
 * are the same bits as quant_dot's other paths give. */
#ifndef LATHE_QUANT_AMX_H
#define LATHE_QUANT_AMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quant_dot.h"

/* Weight rows a call multiplies. */
enum { AMX_ROWS = 16 };

/* AMX_ROWS weight rows of K elements as the tile unit reads them: row r's
 * codes at u + r * us, those of step s (w16 16-element blocks, 1 or 2 for
 * the 32-element types, quant_sum.h's two orders) STEP bytes on from s - 1:
 * unsigned codes unpacked whole (step 16 * w16), or Q8_0's own signed bytes
 * in place (S8; step 34, a block). The scale of the row's 16-element block
 * b at d16[r * ss + b], its offset at m16[r * ss + b] (m16 NULL: the type
 * has none); OFF, the code offset of the unsigned codes of the 32-element
 * types, is taken out in integers. */
typedef struct {
    const uint8_t *u;
    const float *d16, *m16;
    size_t us, ss, step;
    int w16, off;
    bool s8;
} amx_rows;

/* True when the CPU has AMX-INT8 and AVX-512 VNNI and the kernel lets this
 * process use the tile state (asked once). */
bool quant_amx_available(void);

/* y[t * ldy + r] = W_r . x_t for the rows of W and every row t of A
 * (A->n > 1). Call only where quant_amx_available(). */
void quant_amx_rows(const amx_rows *w, const quant_act *a, float *y, size_t ldy);

#endif
