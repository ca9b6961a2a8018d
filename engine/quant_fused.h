/* quant_fused.h - one-row kernels that unpack each block in registers,
 * four weight rows per call against one activation row: decode reads
 * weights at memory speed only without quant_dot.c's staging buffer and
 * with the activation loads shared. For every block type lathe multiplies
 * (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
 * IQ4_XS), on AVX-512 VNNI (quant_fused.c) and on AVX2 alone
 * (quant_fused_avx2.c). Private to quant_dot.c. */
#ifndef LATHE_QUANT_FUSED_H
#define LATHE_QUANT_FUSED_H

#include <stdbool.h>
#include <stdint.h>

#include "quant_dot.h"

/* Rows a call multiplies at once, sharing the activation loads. */
enum { FUSED_ROWS = 4 };

/* A 256-element chunk of a one-row quant_act's 32-element blocks as the
 * kernels read them, in the lane order quant_fused_sigma (blocks 0 2 4 6
 * 1 3 5 7, the order in which a chunk's block dots fold down), twice (the
 * AVX-512 kernels hold two rows to a register): code sums, scales and
 * scaled sums. */
typedef struct {
    int32_t qs[16];
    float dx[16], sx[16];
} quant_fused_act;

extern const int32_t quant_fused_sigma[8];

/* Bytes beside a one-row quant_act of KP (padded) elements for
 * quant_fused_prepare. */
size_t quant_fused_pair_bytes(int kp);
/* Once per quantized one-row A (into A->pairs): per 256-element chunk, its
 * 32-element blocks' scales, code sums and scaled code sums in the lane
 * order of the kernels' row pairs, which every call of every matrix read
 * against A would otherwise form again. Portable C. */
void quant_fused_prepare(const quant_act *a);

/* OUT[r] = row r . A for a one-row A and N (1 or FUSED_ROWS) rows from ROW,
 * RB bytes apart; each row's result is the same bits whatever N. The rows
 * read after these lie AHEAD bytes past each (prefetched as these are
 * read; 0: none). False when TYPE has no fused kernel. Built on x86-64
 * only (QUANT_SUM_X86); call only where quant_dot's avx512vnni path runs. */
bool quant_fused_rows(int type, const uint8_t *row, size_t rb, size_t ahead, int n,
                      const quant_act *a, float *out);
/* The same on AVX2 (no VNNI); call only where quant_dot's avx2 path runs. */
bool quant_fused_avx2_rows(int type, const uint8_t *row, size_t rb, size_t ahead, int n,
                           const quant_act *a, float *out);

#endif
