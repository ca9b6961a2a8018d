/* generate.h - an inference session over a loaded model: feed prompt tokens
 * (prefill: the projections of all rows at once as sgemm) and then one token
 * at a time (decode: matrix-vector products split by rows over the model's
 * pool), keeping every layer's keys and values, and get the next-token logits
 * of the last position fed. Reads the model exactly as the training forward
 * does: unmerged LoRA applied at run time, quantized frozen base matrices,
 * grouped-query attention, q/k/v biases and either RoPE pairing. */
#ifndef LATHE_GENERATE_H
#define LATHE_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "membw.h"
#include "model.h"

typedef struct gen_session gen_session;

/* A session of up to N_CTX positions on M (which must outlive it). LoRA
 * adapters may be changed between feeds as long as no rank grows beyond
 * the one the model had here. */
gen_session *gen_session_new(model *m, int n_ctx, char *err, size_t errlen);
void gen_session_free(gen_session *s);
/* Forget every position: the next feed starts a new sequence. */
void gen_session_reset(gen_session *s);
/* Keeps the first POS positions fed (POS <= gen_session_pos) and forgets
 * the rest: the next feed continues at POS, reusing the keys and values of
 * a prefix that did not change. -1 when POS is out of range. */
int gen_session_rewind(gen_session *s, int pos);
/* Positions fed so far, and the most it can hold. */
int gen_session_pos(const gen_session *s);
int gen_session_ctx(const gen_session *s);
/* Appends tokens[0..n) at the next positions and returns the logits
 * [n_vocab] that follow the last of them (valid until the next call), or
 * NULL with err when a token is outside the vocabulary or the context is
 * full. */
const float *gen_session_feed(gen_session *s, const int32_t *tokens, int n, char *err,
                              size_t errlen);
/* Bytes one decoded token reads from memory at position POS: every weight
 * matrix (in its stored type), LoRA tensors, norms, one embedding row and the
 * keys and values of POS earlier positions. The memory-bandwidth bound of
 * decoding is bandwidth / this. */
size_t gen_decode_bytes(const model *m, int pos);
/* The memory that gen_decode_bytes counts, as the spans a token decoded at
 * the session's position reads, in the order it reads them: an array of *N
 * to free, or NULL when out of memory. Read with membw_read_spans, they
 * bound decoding from above. */
membw_span *gen_decode_spans(const gen_session *s, int *n);

#endif
