/* hf_model.h - Hugging Face checkpoints of the Llama family (llama, qwen2):
 * config.json to model_config, tensor names between HF and GGUF, and the
 * q/k row permutation llama.cpp's converter applies to llama checkpoints
 * (rows of each head reordered from HF's half-split rope to GGUF's
 * interleaved pairs). */
#ifndef LATHE_HF_MODEL_H
#define LATHE_HF_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "model_config.h"
#include "safetensors.h"

/* Reads DIR/config.json. The config describes the model the way llama.cpp's
 * converter would: llama gets ROPE_NORMAL, so its q/k weights must be read
 * through hf_read_tensor_f32() (which permutes them) to match. -1 with err
 * naming the file and the bad key. */
int hf_config_load(const char *dir, model_config *cfg, char *err, size_t errlen);

/* model.layers.N.self_attn.q_proj.weight <-> blk.N.attn_q.weight, and so on.
 * False when the name has no counterpart or OUT is too small. */
bool hf_name_to_gguf(const char *hf, char *out, size_t outlen);
bool hf_name_from_gguf(const char *gguf, char *out, size_t outlen);

/* Heads to permute for the GGUF tensor NAME under CFG: n_heads for
 * attn_q.{weight,bias}, n_kv_heads for attn_k.*, 0 when the tensor is stored
 * as is (every tensor of a NEOX-rope architecture such as qwen2). */
int hf_qk_permute_heads(const model_config *cfg, const char *gguf_name);

/* Reorders the N_HEAD * HEAD_DIM rows (ROW_BYTES each) of a q or k projection
 * from SRC to DST (distinct buffers). TO_GGUF: GGUF row h*hd + 2p + j takes HF
 * row h*hd + j*hd/2 + p; otherwise the inverse. -1 if HEAD_DIM is odd. */
int hf_permute_qk_rows(const void *src, void *dst, int n_head, int head_dim, size_t row_bytes,
                       bool to_gguf);

/* Reads the HF tensor that GGUF_NAME names as floats in GGUF layout: q/k
 * rows permuted when CFG uses ROPE_NORMAL. OUT holds the tensor's n_elems.
 * -1 with err when the tensor is missing, not F32/F16/BF16, or misshapen. */
int hf_read_tensor_f32(const st_model *m, const model_config *cfg, const char *gguf_name,
                       float *out, char *err, size_t errlen);

#endif
