/* quant_dot.h - matrix products of quantized weights in their own blocks, as
 * llama.cpp computes them: the activation rows are quantized once per product
 * (int8 with one f32 scale per 32 elements, Q8_0-style, and per-16 sums), each
 * weight block is unpacked to unsigned codes with a float scale and offset per
 * 16 elements, and the products run as integer dot products (AMX tiles for
 * prefill and AVX-512 VNNI, AVX2, or portable C, picked at run time from the
 * CPU), scaled per block. Decode (one row) multiplies row by row; prefill
 * (several rows) multiplies tiles of 16 activation rows per instruction. Every path and shape rounds
 * and adds in one fixed order (quant_sum.h), so the result for a weight row
 * and an activation row is the same bits however many rows are multiplied
 * together, wherever the row sits in a tile and whichever path runs; it
 * equals the float dot of the dequantized weights with the dequantized
 * activations up to float rounding. F32, F16 and BF16 weights are read
 * against the float activations (only A->x, A->n and A->k, which a caller
 * may fill without quantizing). */
#ifndef LATHE_QUANT_DOT_H
#define LATHE_QUANT_DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* N activation rows of K floats, quantized for the kernels. */
typedef struct {
    int n, k, kp;           /* rows, elements per row, K padded to 256 */
    const float *x;         /* the float rows (F16/BF16 weights read these) */
    int8_t *q;              /* one row: kp values; more: tiles of 16 rows interleaved by 4 */
    float *d, *s;           /* per 16 elements: the scale and scale * sum of q */
    int32_t *sum;           /* per 16 elements: the sum of q */
    void *pairs;            /* one row: its 32-element blocks as the fused kernels read them */
} quant_act;

/* Rows of a tile: with more than one row, element e of row t is byte
 * e % 4 of group e / 4 of tile t / 16, a group holding 4 bytes of each of
 * the tile's rows in order; the scales of block e / 16 are slot t % 16 of
 * the block's 16 in the tile's part of d, s and sum. */
enum { QUANT_ACT_TILE = 16 };

/* Tile C's codes from element K0 (a multiple of 16) on: group g at
 * + 4 * QUANT_ACT_TILE * g. */
static inline const int8_t *quant_act_tile_q(const quant_act *a, int c, int k0)
{
    return a->q + ((size_t)c * (size_t)(a->kp / 4) + (size_t)(k0 / 4)) * 4 * QUANT_ACT_TILE;
}

/* The index in d, s and sum of tile C's first row at element K0: block p
 * on at + QUANT_ACT_TILE * p. */
static inline size_t quant_act_tile_ds(const quant_act *a, int c, int k0)
{
    return ((size_t)c * (size_t)(a->kp / 16) + (size_t)(k0 / 16)) * QUANT_ACT_TILE;
}

/* True for the weight types quant_dot_rows multiplies: every type
 * quant_can_dequantize() reads. */
bool quant_dot_supported(int type);
/* True when inference should multiply TYPE in its blocks here, one row
 * (decode) and several (prefill) alike: a block type, on a CPU where the
 * tile kernel has a vector path. Elsewhere both dequantize to floats, as a
 * row's logits must not depend on which of the two computed it. */
bool quant_dot_blocks(int type);

/* Bytes quant_act_init needs for N rows of K. */
size_t quant_act_bytes(int n, int k);
/* Quantizes X (N rows of K, K a multiple of 32) into BUF. */
void quant_act_init(quant_act *a, void *buf, const float *x, int n, int k);
/* The same in parts, for callers that spread the rows over threads: the
 * layout (the padding that no row writes cleared), then each row T of X
 * once. */
void quant_act_layout(quant_act *a, void *buf, const float *x, int n, int k);
void quant_act_row(const quant_act *a, int t);

/* y[t * ldy + r] = W_r . x_t for rows R0 <= r < R1 of W (TYPE, ROW_BYTES per
 * row of A->k elements) and every row t of A. */
void quant_dot_rows(int type, const void *w, size_t row_bytes, int r0, int r1,
                    const quant_act *a, float *y, size_t ldy);

/* The kernel paths this build and CPU can run, best first ("amx",
 * "avx512vnni", "avx2", "scalar"); quant_dot_use picks one by name for tests and benches
 * (false when unavailable). */
int quant_dot_paths(const char **names, int max);
bool quant_dot_use(const char *name);
/* The name of the path the products run on now. */
const char *quant_dot_path(void);

#endif
