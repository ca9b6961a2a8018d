/* quant_fixture.c - weight rows of any ggml block type (quant_fixture.h). */
#include "quant_fixture.h"

#include <math.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"

/* Byte offsets of the f16 scales of the types lathe reads but never writes,
 * and the largest value a block reaches per unit of scale. */
static const struct {
    int type, off[2];
    float reach;
} scales[] = {
    {GGML_TYPE_Q2_K, {80, 82}, 45}, {GGML_TYPE_Q3_K, {108, -1}, 128},
    {GGML_TYPE_IQ4_NL, {0, -1}, 127}, {GGML_TYPE_IQ4_XS, {0, -1}, 4064},
};

void quant_fixture_rows(int type, const float *x, int64_t n, void *out, uint32_t seed)
{
    if (quant_can_quantize(type)) {
        quant_quantize_row(type, x, out, n);
        return;
    }
    int elems = 1, bytes = 0;
    ggml_type_info(type, &elems, &bytes);
    uint8_t *b = out;
    float amax = 0;
    for (int64_t i = 0; i < n; i++)
        amax = fabsf(x[i]) > amax ? fabsf(x[i]) : amax;
    size_t total = (size_t)(n / elems) * (size_t)bytes;
    for (size_t i = 0; i < total; i++) {
        seed = seed * 1664525u + 1013904223u;
        b[i] = (uint8_t)(seed >> 24);
    }
    for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
        uint16_t d = quant_f32_to_f16(amax / scales[s].reach);
        for (int64_t blk = 0; scales[s].type == type && blk < n / elems; blk++)
            for (int f = 0; f < 2 && scales[s].off[f] >= 0; f++)
                memcpy(b + blk * bytes + scales[s].off[f], &d, 2);
    }
}
