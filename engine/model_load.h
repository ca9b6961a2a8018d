/* model_load.h - putting a model file into the engine and back: the table of
 * base tensors a config implies (GGUF names and ggml shapes, the one naming
 * both loaders share), loading from a GGUF file or a Hugging Face directory,
 * and saving an engine model as GGUF (F32/F16/Q8_0, carrying the source's
 * tokenizer and chat template) or as safetensors + config.json. */
#ifndef LATHE_MODEL_LOAD_H
#define LATHE_MODEL_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "gguf.h"
#include "model.h"
#include "safetensors.h"

typedef struct {
    char name[64];          /* GGUF name, "blk.0.attn_q.weight" */
    int n_dims;             /* 1 (norms, biases) or 2 */
    int64_t ne[2];          /* ggml order: ne[0] = columns (in), ne[1] = rows (out) */
} model_tensor_info;

/* Fills OUT (room for model_tensor_count(c)) in a fixed order; returns the count. */
int model_tensor_count(const model_config *c);
int model_tensor_table(const model_config *c, model_tensor_info *out);
/* True for the matrices a quantized frozen base can hold (attn_*, ffn_*, output). */
bool model_tensor_is_linear(const char *name);

typedef enum { MODEL_SRC_GGUF, MODEL_SRC_HF } model_src;

/* A loaded model and the file it came from. The GGUF stays mapped: its
 * metadata is what a save carries over, and a quantized base points into it. */
typedef struct {
    model *m;
    model_src src;
    gguf_file *gguf;        /* MODEL_SRC_GGUF only */
} model_file;

/* Loads PATH: a GGUF file, or a directory with config.json and model.safetensors
 * (or shards + model.safetensors.index.json). All tensors become fp32, except
 * that with QUANTIZED_BASE the non-F32 linear weights of a GGUF stay in their
 * ggml type as a frozen base. The model comes back all-frozen (LoRA mode, no
 * targets); call model_set_training to train. -1 with err naming the file and
 * tensor on failure. */
int model_file_load(model_file *mf, const char *path, bool quantized_base, char *err,
                    size_t errlen);
void model_file_close(model_file *mf);

/* The config of the model at PATH without its weights: a GGUF's metadata,
 * or a Hugging Face directory's config.json once its safetensors headers
 * (and tokenizer.json, when there is one) are readable regular files. For
 * `config --check`. -1 with err naming the file. */
int model_file_config(const char *path, model_config *cfg, char *err, size_t errlen);

/* llama.cpp's Q4_K_M mix as a TYPE for model_save_gguf: Q6_K for the head and
 * for attn_v/ffn_down of the first and last eighths of the layers and every
 * third between, Q4_K elsewhere. */
#define MODEL_SAVE_Q4_K_M 1015

/* Writes M as a GGUF of TYPE for its matrices (GGML_TYPE_F32, F16, Q8_0,
 * Q4_0, Q4_K, Q5_K, Q6_K or MODEL_SAVE_Q4_K_M; a row ggml cannot block in
 * that type falls back as llama.cpp's quantizer does: Q4_K to Q5_0, Q5_K to
 * Q5_1, Q6_K to Q8_0, and a row of no multiple of 32 to F16); 1-D tensors
 * stay F32. META (may be NULL) is the source GGUF: its keys
 * (tokenizer.*, chat template, general.*) are copied, then the architecture
 * keys are written from the model's config. Needs fp32 weights. */
int model_save_gguf(model *m, const gguf_file *meta, const char *path, int type, char *err,
                    size_t errlen);
/* model_save_gguf for a model loaded from the Hugging Face directory HF_DIR:
 * HF_DIR/tokenizer.json (+ tokenizer_config.json: special tokens, chat
 * template) becomes the tokenizer metadata, padded to the model's vocabulary
 * size. A directory without tokenizer.json gives a GGUF without a vocabulary;
 * *HAS_VOCAB (may be NULL) says which. */
int model_save_gguf_hf(model *m, const char *hf_dir, const char *path, int type,
                       bool *has_vocab, char *err, size_t errlen);
/* Writes M as one safetensors file of DTYPE (ST_F32, ST_F16, ST_BF16) with
 * Hugging Face names and q/k rows in HF order, and CONFIG_PATH (NULL: none) as
 * its config.json. */
int model_save_safetensors(model *m, const char *path, st_dtype dtype, const char *config_path,
                           char *err, size_t errlen);

#endif
