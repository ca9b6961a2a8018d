/* sample_model.h - the sample's untrained base model: a randomly initialised
 * Llama decoder of a given shape, written as GGUF with the sample
 * vocabulary's tokenizer and chat template, ready for `lathe train`. */
#ifndef LATHE_SAMPLE_MODEL_H
#define LATHE_SAMPLE_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int dim, n_layers, n_heads, ffn_dim, context_len;
} sample_model_shape;

/* Creates the model (seeded init, tied embeddings, vocabulary size from
 * VOCAB_PATH) and writes it to OUT_PATH as F32 GGUF. -1 with err on failure. */
int sample_model_write(const sample_model_shape *shape, uint64_t seed, const char *vocab_path,
                       const char *out_path, char *err, size_t errlen);

/* Rewrites the trained model IN_PATH as OUT_PATH with F16 matrices (norms
 * stay F32), the form committed as samples/model.gguf. */
int sample_model_store_f16(const char *in_path, const char *out_path, char *err, size_t errlen);

#endif
