/* train_setup.c - config to engine settings (see train_setup.h). */
#include "config.h"

#include "train_setup.h"

#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "model_load.h"
#include "quant.h"

static const struct {
    const char *name;
    unsigned mod;
} lora_targets[] = {
    {"q_proj", MODEL_MOD_Q},       {"k_proj", MODEL_MOD_K},  {"v_proj", MODEL_MOD_V},
    {"o_proj", MODEL_MOD_O},       {"gate_proj", MODEL_MOD_GATE},
    {"up_proj", MODEL_MOD_UP},     {"down_proj", MODEL_MOD_DOWN},
};

static int lora_modules(const train_config *cfg, unsigned *out, char *err, size_t errlen)
{
    *out = 0;
    if (cfg->lora_target_linear) {
        *out = MODEL_MOD_LINEAR;
        return 0;
    }
    for (size_t i = 0; i < cfg->lora_target_modules.n; i++) {
        const char *t = cfg->lora_target_modules.items[i];
        size_t k = 0, n = sizeof lora_targets / sizeof lora_targets[0];
        while (k < n && strcmp(t, lora_targets[k].name))
            k++;
        if (k == n) {
            snprintf(err, errlen, "lora_target_modules: unknown module '%s' (expected q_proj, "
                     "k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj)", t);
            return -1;
        }
        *out |= lora_targets[k].mod;
    }
    if (!*out) {
        snprintf(err, errlen, "lora_target_modules is empty and lora_target_linear is false: "
                 "nothing to train");
        return -1;
    }
    return 0;
}

int train_setup_spec(const train_config *cfg, model_train_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (cfg->adapter == CONFIG_ADAPTER_LORA) {
        out->mode = MODEL_TRAIN_LORA;
        out->lora_r = (int)cfg->lora_r;
        out->lora_alpha = (float)cfg->lora_alpha;
        out->lora_dropout = (float)cfg->lora_dropout;
        out->rslora = cfg->peft_use_rslora;
        out->lora_seed = (uint64_t)cfg->seed;
        return lora_modules(cfg, &out->modules, err, errlen);
    }
    if (cfg->load_in_8bit || cfg->load_in_4bit) {
        snprintf(err, errlen, "load_in_8bit/load_in_4bit keep the base frozen: they need "
                 "adapter: lora");
        return -1;
    }
    if (cfg->unfrozen_layers == CONFIG_UNSET) {
        out->mode = MODEL_TRAIN_FULL;
        return 0;
    }
    /* Top layers train with the head: the layers nearest the output are the
     * ones a partial fine-tune adapts, and the head reads them. */
    out->mode = MODEL_TRAIN_TOP;
    out->top_layers = (int)cfg->unfrozen_layers;
    out->modules = MODEL_MOD_ALL;
    out->train_head = true;
    return 0;
}

int64_t train_setup_batches_per_epoch(const train_config *cfg, size_t n_seq)
{
    return ((int64_t)n_seq + cfg->micro_batch_size - 1) / cfg->micro_batch_size;
}

int64_t train_setup_total_steps(const train_config *cfg, size_t n_seq)
{
    if (cfg->max_steps != CONFIG_UNSET)
        return cfg->max_steps;
    int64_t micro = train_setup_batches_per_epoch(cfg, n_seq) * cfg->num_epochs;
    int64_t steps = (micro + cfg->gradient_accumulation_steps - 1) /
                    cfg->gradient_accumulation_steps;
    return steps > 0 ? steps : 1;
}

int64_t train_setup_epochs(const train_config *cfg, size_t n_seq)
{
    if (cfg->max_steps == CONFIG_UNSET)
        return cfg->num_epochs;
    int64_t per = train_setup_batches_per_epoch(cfg, n_seq);
    int64_t micro = cfg->max_steps * cfg->gradient_accumulation_steps;
    int64_t e = per > 0 ? (micro + per - 1) / per : 1;
    return e > 0 ? e : 1;
}

trainer_config train_setup_trainer(const train_config *cfg, int64_t total_steps)
{
    trainer_config t = trainer_defaults();
    t.optim.kind = cfg->optimizer == CONFIG_OPT_SGD ? OPTIM_SGD : OPTIM_ADAMW;
    t.optim.weight_decay = cfg->weight_decay;
    t.optim.beta1 = cfg->adam_beta1;
    t.optim.beta2 = cfg->adam_beta2;
    t.optim.eps = cfg->adam_epsilon;
    t.learning_rate = cfg->learning_rate;
    t.schedule.kind = cfg->lr_scheduler == CONFIG_SCHED_COSINE   ? SCHED_COSINE
                      : cfg->lr_scheduler == CONFIG_SCHED_LINEAR ? SCHED_LINEAR
                                                                 : SCHED_CONSTANT;
    t.schedule.warmup_steps = cfg->warmup_steps == CONFIG_UNSET ? 0 : cfg->warmup_steps;
    t.schedule.warmup_ratio = cfg->warmup_ratio == cfg->warmup_ratio ? cfg->warmup_ratio : 0.0;
    t.schedule.total_steps = total_steps;
    t.schedule.min_lr_ratio = cfg->cosine_min_lr_ratio;
    t.max_grad_norm = cfg->max_grad_norm;
    t.grad_accum = (int)cfg->gradient_accumulation_steps;
    t.max_steps = total_steps;
    t.nan_tolerance = (int)cfg->nan_tolerance;
    return t;
}

size_t train_setup_quant_bytes(const train_config *cfg, int64_t cols, int64_t rows)
{
    if ((!cfg->load_in_8bit && !cfg->load_in_4bit) || cols % 32)
        return 0;  /* rows ggml cannot block stay fp32 */
    return (size_t)(cols / 32) * (cfg->load_in_8bit ? 34 : 18) * (size_t)rows;
}

static int quantize_one(const train_config *cfg, model *m, const model_tensor_info *ti,
                        int type, train_quant *q, char *err, size_t errlen)
{
    size_t n;
    float *w = model_weight(m, ti->name, &n);
    int64_t cols = ti->ne[0], rows = ti->ne[1];
    size_t bytes = train_setup_quant_bytes(cfg, cols, rows);
    if (!w || !bytes)
        return 0;  /* already quantized in the file, or staying fp32 */
    size_t row_bytes = bytes / (size_t)rows;
    void **nb = realloc(q->bufs, (q->n + 1) * sizeof *nb);
    if (!nb)
        goto oom;
    q->bufs = nb;
    unsigned char *buf = malloc(bytes);
    if (!buf)
        goto oom;
    q->bufs[q->n++] = buf;
    for (int64_t r = 0; r < rows; r++)
        if (quant_quantize_row(type, w + r * cols, buf + (size_t)r * row_bytes, cols)) {
            snprintf(err, errlen, "%s: cannot quantize", ti->name);
            return -1;
        }
    return model_set_quantized(m, ti->name, type, buf, err, errlen);
oom:
    snprintf(err, errlen, "out of memory quantizing %s", ti->name);
    return -1;
}

int train_setup_quantize(const train_config *cfg, model *m, train_quant *q, char *err,
                         size_t errlen)
{
    memset(q, 0, sizeof *q);
    if (!cfg->load_in_8bit && !cfg->load_in_4bit)
        return 0;
    int type = cfg->load_in_8bit ? GGML_TYPE_Q8_0 : GGML_TYPE_Q4_0;
    const model_config *c = model_get_config(m);
    int n = model_tensor_count(c);
    model_tensor_info *ti = malloc(sizeof *ti * (size_t)n);
    if (!ti) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    model_tensor_table(c, ti);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        if (model_tensor_is_linear(ti[i].name))
            rc = quantize_one(cfg, m, &ti[i], type, q, err, errlen);
    free(ti);
    return rc;
}

void train_quant_free(train_quant *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->bufs[i]);
    free(q->bufs);
    q->bufs = NULL;
    q->n = 0;
}
