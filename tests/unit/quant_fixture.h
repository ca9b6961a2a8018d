/* quant_fixture.h - weight rows of any ggml block type for tests: quantized
 * from floats where lathe has the quantizer, otherwise random blocks whose
 * f16 scale fields hold ordinary values of about the floats' size. */
#ifndef LATHE_TEST_QUANT_FIXTURE_H
#define LATHE_TEST_QUANT_FIXTURE_H

#include <stdint.h>

/* N floats at X (a multiple of the block size) to TYPE at OUT; SEED varies
 * the random blocks. */
void quant_fixture_rows(int type, const float *x, int64_t n, void *out, uint32_t seed);

#endif
