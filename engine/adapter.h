/* adapter.h - a LoRA adapter as a file holds it: per base matrix (GGUF name)
 * an A [r][in] and B [out][r] in the engine's (GGUF) row order, the alpha and
 * scaling rule, and the base model's geometry needed to reorder q/k rows for
 * Hugging Face. Taken from a model after training, attached to a model to
 * use or merge it, and read/written as llama.cpp GGUF (adapter_gguf.c) or
 * PEFT (adapter_peft.c). */
#ifndef LATHE_ADAPTER_H
#define LATHE_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "gguf.h"
#include "model.h"

typedef struct {
    char name[64];          /* base tensor, "blk.3.attn_q.weight" */
    int r, in, out;
    float *a;               /* [r][in] */
    float *b;               /* [out][r], q/k rows in GGUF (interleaved-rope) order */
} adapter_pair;

typedef struct {
    char arch[32];          /* general.architecture of the base */
    float alpha;
    bool rslora;            /* scale alpha/sqrt(r) instead of alpha/r */
    float dropout;          /* recorded for PEFT; not used in inference */
    /* Base geometry for q/k reordering; 0 when unknown. */
    int n_heads, n_kv_heads, head_dim;
    rope_style rope;
    char base_model[512];   /* base_model_name_or_path, may be empty */
    adapter_pair *pairs;
    int n_pairs;
} adapter;

void adapter_free(adapter *ad);
/* Scale applied to B A: alpha/r, or alpha/sqrt(r) with rslora. */
float adapter_scale(const adapter *ad, const adapter_pair *p);
/* Appends an empty pair of the given shape (A and B zeroed); NULL when out of memory. */
adapter_pair *adapter_add_pair(adapter *ad, const char *name, int r, int in, int out);
const adapter_pair *adapter_find(const adapter *ad, const char *name);
/* The Hugging Face module a pair adapts, "q_proj" for "blk.3.attn_q.weight";
 * "" when the name is not a known matrix. */
void adapter_module_name(const char *gguf_name, char *out, size_t outlen);
/* Records CFG's architecture and head geometry in AD. */
void adapter_set_base(adapter *ad, const model_config *cfg);

/* Copies M's LoRA tensors (model_params names *.lora_a / *.lora_b). ALPHA and
 * RSLORA as trained; DROPOUT is only recorded. -1 when M has no LoRA. */
int adapter_from_model(adapter *ad, const model *m, float alpha, bool rslora, float dropout,
                       char *err, size_t errlen);
/* Switches M to LoRA mode on the module kinds AD covers and loads A and B
 * (layers AD does not cover keep B = 0, so they change nothing). All pairs
 * must share one rank; names and shapes must match M. */
int adapter_attach(const adapter *ad, model *m, char *err, size_t errlen);

/* llama.cpp adapter GGUF: general.type=adapter, general.architecture,
 * adapter.type=lora, adapter.lora.alpha (float32; alpha/r is the scale
 * llama.cpp applies, so an rsLoRA adapter is written with alpha*sqrt(r)),
 * tensors NAME.lora_a ne=[in,r] and NAME.lora_b ne=[r,out] of TYPE (F32 or
 * F16). The head geometry goes in lathe.adapter.* keys, which llama.cpp
 * ignores. */
int adapter_gguf_write(const adapter *ad, const char *path, int type, char *err, size_t errlen);
int adapter_gguf_read(adapter *ad, const char *path, char *err, size_t errlen);

/* PEFT directory: adapter_config.json + adapter_model.safetensors (F32), keys
 * base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight [r,in] and
 * .lora_B.weight [out,r]; for a NORMAL-rope base (llama) the q/k B rows are
 * put back in HF order, which needs the head geometry. */
int adapter_peft_write(const adapter *ad, const char *dir, char *err, size_t errlen);
/* Reads DIR; CFG (may be NULL when the base is not llama) supplies the base
 * geometry and architecture when adapter_config.json cannot. */
int adapter_peft_read(adapter *ad, const char *dir, const model_config *cfg, char *err,
                      size_t errlen);

#endif
