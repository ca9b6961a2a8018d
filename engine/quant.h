/* quant.h - element conversions for model weights: IEEE half and bfloat16 to
 * and from float, dequantization of every common ggml weight type a
 * downloaded GGUF holds (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K,
 * Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS), bit-exact with ggml's, and ggml's
 * reference quantizers for the types lathe writes (Q4_0, Q4_1, Q5_0, Q5_1,
 * Q8_0, Q4_K, Q5_K, Q6_K). A block is 32 elements (Q4_0 .. Q8_0, IQ4_NL) or
 * 256 (the K-quants, IQ4_XS): f16 scales (and mins) and packed integer codes,
 * byte for byte as ggml's block structs lay them out, each value a scale
 * times its code (minus an offset or min). Type ids are ggml's (gguf.h). */
#ifndef LATHE_QUANT_H
#define LATHE_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUANT_QK 32       /* elements per Q4_0 .. Q8_0, IQ4_NL block */
#define QUANT_QK_K 256    /* elements per K-quant and IQ4_XS super-block */

/* Exact widening conversions. */
float quant_f16_to_f32(uint16_t h);
float quant_bf16_to_f32(uint16_t h);
/* Narrowing with round-to-nearest-even; overflow becomes infinity, NaN stays a
 * quiet NaN of the same sign. */
uint16_t quant_f32_to_f16(float f);
uint16_t quant_f32_to_bf16(float f);

/* True for the types quant_dequantize_row() reads (the list above). */
bool quant_can_dequantize(int type);
/* True for the types quant_quantize_row() writes: F32, F16, BF16 and the
 * quantizers listed above. */
bool quant_can_quantize(int type);

/* Converts N elements (a multiple of the type's block size) of TYPE at SRC to
 * floats at DST. SRC needs no alignment. -1 for an unsupported type or N. */
int quant_dequantize_row(int type, const void *src, float *dst, int64_t n);
/* Converts N floats to TYPE, following ggml's reference quantizers (the
 * 32-element ones bit for bit on finite input). -1 for an unsupported type
 * or N. */
int quant_quantize_row(int type, const float *src, void *dst, int64_t n);

/* Dequantizes rows ROW0 .. ROW0+NROWS-1 of a row-major matrix of TYPE with
 * COLS elements per row (a ggml tensor with ne[0] = COLS) into SCRATCH, a
 * dense NROWS x COLS float block: the tile a quantized-weight matmul feeds
 * to sgemm. -1 for an unsupported type or COLS. */
int quant_dequantize_rows(int type, const void *data, int64_t cols, int64_t row0,
                          int64_t nrows, float *scratch);

#endif
