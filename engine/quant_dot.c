/* quant_dot.c - in-place dot products for Q8_0 and Q4_0 rows (layouts in
 * reference/FORMATS.md 1.3: an f16 scale, then 32 int8 or 16 bytes of
 * nibble pairs, low nibbles first): each block is widened to 32 floats (a
 * loop the compiler vectorises), then multiplied in eight-lane GCC vector
 * arithmetic (one AVX register, or two SSE2 ones); the block scale multiplies
 * each product so the lanes need one horizontal sum per row, not per block. */
#include <stdint.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"
#include "quant_dot.h"

enum { Q8_0_BYTES = 34, Q4_0_BYTES = 18 };

/* The int8-to-float widening is most of the work here: with AVX2 it is one
 * instruction per eight lanes instead of a chain of SSE2 unpacks, so x86-64
 * builds carry an AVX2 clone picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DOT_CLONES
#endif

/* The f16 block scale; normal values inline, the rest through quant.h. */
static inline float scale_of(const uint8_t *b)
{
    uint16_t h;
    memcpy(&h, b, sizeof h);
    uint32_t e = (h >> 10) & 0x1f;
    if (e == 0 || e == 31)
        return quant_f16_to_f32(h);
    uint32_t bits = ((uint32_t)(h & 0x8000) << 16) | ((e + 112) << 23) | ((uint32_t)(h & 0x3ff) << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

typedef float v8f __attribute__((vector_size(32)));
/* Vectors stay inside each function: passing them would tie the ABI to AVX. */
DOT_CLONES static float dot_q8_0(const uint8_t *row, const float *x, int n)
{
    v8f acc = {0};
    for (int b = 0; b < n / QUANT_QK; b++, row += Q8_0_BYTES, x += QUANT_QK) {
        float d = scale_of(row);
        v8f dv = {d, d, d, d, d, d, d, d};
        const int8_t *q = (const int8_t *)(row + 2);
        float qf[QUANT_QK];
        for (int i = 0; i < QUANT_QK; i++)
            qf[i] = (float)q[i];
        for (int i = 0; i < QUANT_QK; i += 8) {
            v8f qv, xv;
            memcpy(&qv, qf + i, sizeof qv);
            memcpy(&xv, x + i, sizeof xv);
            acc += dv * (qv * xv);
        }
    }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

DOT_CLONES static float dot_q4_0(const uint8_t *row, const float *x, int n)
{
    v8f acc = {0};
    for (int b = 0; b < n / QUANT_QK; b++, row += Q4_0_BYTES, x += QUANT_QK) {
        float d = scale_of(row);
        v8f dv = {d, d, d, d, d, d, d, d};
        const uint8_t *q = row + 2;
        float qf[QUANT_QK];
        for (int i = 0; i < QUANT_QK / 2; i++) {
            qf[i] = (float)((q[i] & 0x0f) - 8);
            qf[i + QUANT_QK / 2] = (float)((q[i] >> 4) - 8);
        }
        for (int i = 0; i < QUANT_QK; i += 8) {
            v8f qv, xv;
            memcpy(&qv, qf + i, sizeof qv);
            memcpy(&xv, x + i, sizeof xv);
            acc += dv * (qv * xv);
        }
    }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

bool quant_dot_supported(int type)
{
    return type == GGML_TYPE_Q8_0 || type == GGML_TYPE_Q4_0;
}

float quant_dot_row(int type, const void *row, const float *x, int n)
{
    return type == GGML_TYPE_Q8_0 ? dot_q8_0(row, x, n) : dot_q4_0(row, x, n);
}
