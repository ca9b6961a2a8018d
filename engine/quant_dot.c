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

/* The f16 block scale; normal values inline, the rest through quant.h. */
static inline float scale_of(const uint8_t *b)
{
    uint16_t h;
    memcpy(&h, b, sizeof h);
    uint32_t e = (h >> 10) & 0x1f;
    if (e == 0 || e == 31)
        return quant_f16_to_f32(h);
    uint32_t bits = ((uint32_t)(h & 0x8000) << 16) | ((e + 112) << 23) |
                    ((uint32_t)(h & 0x3ff) << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

typedef float v8f __attribute__((vector_size(32)));
/* Vectors stay inside each function (or go by pointer to an always-inlined
 * one): passing them by value would tie the ABI to AVX. */

/* ACC += D * (QF . X) over one block of QUANT_QK weights. */
static inline __attribute__((always_inline)) void add_block(v8f *acc, float d, const float *qf,
                                                            const float *x)
{
    v8f dv = {d, d, d, d, d, d, d, d};
    for (int i = 0; i < QUANT_QK; i += 8) {
        v8f qv, xv;
        memcpy(&qv, qf + i, sizeof qv);
        memcpy(&xv, x + i, sizeof xv);
        *acc += dv * (qv * xv);
    }
}

static inline __attribute__((always_inline)) float sum8(const v8f *acc)
{
    const v8f a = *acc;
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

static inline __attribute__((always_inline)) float dot_q8_0(const uint8_t *row, const float *x,
                                                            int n)
{
    v8f acc = {0};
    for (int b = 0; b < n / QUANT_QK; b++, row += Q8_0_BYTES, x += QUANT_QK) {
        float d = scale_of(row);
        const int8_t *q = (const int8_t *)(row + 2);
        float qf[QUANT_QK];
        for (int i = 0; i < QUANT_QK; i++)
            qf[i] = (float)q[i];
        add_block(&acc, d, qf, x);
    }
    return sum8(&acc);
}

static inline __attribute__((always_inline)) float dot_q4_0(const uint8_t *row, const float *x,
                                                            int n)
{
    v8f acc = {0};
    for (int b = 0; b < n / QUANT_QK; b++, row += Q4_0_BYTES, x += QUANT_QK) {
        float d = scale_of(row);
        const uint8_t *q = row + 2;
        float qf[QUANT_QK];
        for (int i = 0; i < QUANT_QK / 2; i++) {
            qf[i] = (float)((q[i] & 0x0f) - 8);
            qf[i + QUANT_QK / 2] = (float)((q[i] >> 4) - 8);
        }
        add_block(&acc, d, qf, x);
    }
    return sum8(&acc);
}

/* The int8-to-float widening is most of the work: with AVX2 it is one
 * instruction per eight lanes instead of a chain of SSE2 unpacks, so x86-64
 * builds also compile the loops for AVX2 and pick them per call from the CPU
 * flags (a plain branch: ifunc resolvers run before sanitizer runtimes). */
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_PATH 1
__attribute__((target("avx2"))) static float dot_avx2(int type, const uint8_t *row,
                                                      const float *x, int n)
{
    return type == GGML_TYPE_Q8_0 ? dot_q8_0(row, x, n) : dot_q4_0(row, x, n);
}
#endif

static float dot_plain(int type, const uint8_t *row, const float *x, int n)
{
    return type == GGML_TYPE_Q8_0 ? dot_q8_0(row, x, n) : dot_q4_0(row, x, n);
}

bool quant_dot_supported(int type)
{
    return type == GGML_TYPE_Q8_0 || type == GGML_TYPE_Q4_0;
}

float quant_dot_row(int type, const void *row, const float *x, int n)
{
#ifdef HAVE_AVX2_PATH
    if (__builtin_cpu_supports("avx2"))
        return dot_avx2(type, row, x, n);
#endif
    return dot_plain(type, row, x, n);
}
