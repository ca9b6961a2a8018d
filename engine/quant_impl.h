/* quant_impl.h - what quant.c's row API dispatches to: per-block dequantizers
 * and reference quantizers of every ggml block type the engine reads
 * (quant_block.c for the 32-element formats and the K-quant dequantizers,
 * quant_kquant.c for the K-quant quantizers, which search for scales). Not
 * for other callers: they go through quant.h. */
#ifndef LATHE_QUANT_IMPL_H
#define LATHE_QUANT_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "quant.h"

typedef void (*quant_deq_fn)(const uint8_t *restrict block, float *restrict y);
typedef void (*quant_q_fn)(const float *restrict x, uint8_t *restrict block);

typedef struct {
    int type;
    int elems, bytes;       /* one block */
    quant_deq_fn deq;
    quant_q_fn quant;       /* NULL: read only */
} quant_block_type;

/* The block type TYPE, or NULL for F32/F16/BF16 and unsupported ids. */
const quant_block_type *quant_block_of(int type);

/* ggml's non-linear IQ4 codebook (FORMATS.md 1.3.1). */
extern const int8_t quant_iq4_values[16];

/* Each reference quantizer stores its f16 scale with this helper. */
static inline void quant_store_f16(uint8_t *p, float f)
{
    uint16_t h = quant_f32_to_f16(f);
    memcpy(p, &h, 2);
}

static inline float quant_load_f16(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return quant_f16_to_f32(h);
}

/* ggml's nearest_int: round half to even through the float mantissa, valid
 * for |v| < 2^22 (callers clamp first). */
int quant_nearest_int(float v);

/* The 6-bit scale and min of sub-block J of a Q4_K/Q5_K block's 12 bytes S. */
void quant_k_scale_min(int j, const uint8_t *s, int *sc, int *m);

/* K-quant reference quantizers (quant_kquant.c), one 256-element block. */
void quant_q4_k_block(const float *restrict x, uint8_t *restrict b);
void quant_q5_k_block(const float *restrict x, uint8_t *restrict b);
void quant_q6_k_block(const float *restrict x, uint8_t *restrict b);

#endif
