/* config_preset.c - the preset table and applying a preset (config_preset.h).
 *
 * The values follow the common recipes: LoRA at learning rate 2e-4 with
 * alpha = 2r (the LoRA and QLoRA papers, Axolotl's examples), QLoRA on all
 * seven projections of a 4-bit base, full fine-tuning an order of magnitude
 * lower (2e-5), the top layers in between (1e-4); a short linear warmup of
 * 3 % (5 % for the top layers, whose new head-side weights move most) and a
 * cosine decay throughout. */
#include "config.h"

#include "config_preset.h"

#include <stdio.h>
#include <string.h>

#define ALL_LINEAR "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"

/* Every preset sets these last: its own schedule. */
#define SCHEDULE(lr, warmup) \
    {"warmup_steps", NULL}, {"learning_rate", lr}, {"lr_scheduler", "cosine"}, \
    {"warmup_ratio", warmup}

/* Methods other than LoRA drop the LoRA keys and the quantized base. */
#define NO_LORA \
    {"adapter", NULL}, {"load_in_4bit", NULL}, {"load_in_8bit", NULL}, {"lora_r", NULL}, \
    {"lora_alpha", NULL}, {"lora_dropout", NULL}, {"lora_target_modules", NULL}, \
    {"lora_target_linear", NULL}, {"peft_use_rslora", NULL}

static const config_edit lora_small[] = {
    {"unfrozen_layers", NULL}, {"load_in_4bit", NULL}, {"load_in_8bit", NULL},
    {"adapter", "lora"}, {"lora_r", "8"}, {"lora_alpha", "16"}, {"lora_dropout", "0.05"},
    {"lora_target_linear", NULL}, {"lora_target_modules", "q_proj, v_proj"},
    SCHEDULE("2.0e-4", "0.03"),
};

static const config_edit lora_linear[] = {
    {"unfrozen_layers", NULL}, {"load_in_4bit", NULL}, {"load_in_8bit", NULL},
    {"adapter", "lora"}, {"lora_r", "16"}, {"lora_alpha", "32"}, {"lora_dropout", "0.05"},
    {"lora_target_linear", NULL}, {"lora_target_modules", ALL_LINEAR},
    SCHEDULE("2.0e-4", "0.03"),
};

static const config_edit qlora[] = {
    {"unfrozen_layers", NULL}, {"load_in_8bit", NULL}, {"adapter", "lora"},
    {"load_in_4bit", "true"}, {"lora_r", "16"}, {"lora_alpha", "32"}, {"lora_dropout", "0.05"},
    {"lora_target_linear", NULL}, {"lora_target_modules", ALL_LINEAR},
    SCHEDULE("2.0e-4", "0.03"),
};

static const config_edit full[] = {
    NO_LORA, {"unfrozen_layers", NULL}, SCHEDULE("2.0e-5", "0.03"),
};

static const config_edit top[] = {
    NO_LORA, SCHEDULE("1.0e-4", "0.05"),
};

#define EDITS(a) a, sizeof a / sizeof a[0]

const config_preset config_presets[] = {
    {"lora-small", "LoRA small", "rank 8, alpha 16 on q_proj and v_proj: cheap, for style and "
     "format", EDITS(lora_small), 0},
    {"lora-all-linear", "LoRA all-linear", "rank 16, alpha 32 on all seven projections: closer "
     "to full fine-tuning", EDITS(lora_linear), 0},
    {"qlora", "Quantized-base LoRA", "LoRA all-linear over a 4-bit (Q4_0) frozen base: the "
     "least memory", EDITS(qlora), 0},
    {"full", "Full fine-tune", "every weight trains: most memory, most capacity",
     EDITS(full), 0},
    {"top-layers", "Top layers", "repurposing: the last N blocks and the head train, the rest "
     "stays frozen", EDITS(top), 2},
};
const size_t config_preset_count = sizeof config_presets / sizeof config_presets[0];

const config_preset *config_preset_find(const char *name)
{
    for (size_t i = 0; i < config_preset_count; i++)
        if (!strcmp(config_presets[i].name, name))
            return &config_presets[i];
    return NULL;
}

int config_preset_apply(config_doc *d, const config_preset *p, int top_n, char *err,
                        size_t errlen)
{
    config_edit edits[40];
    char n[24];
    if (p->n_edits + 1 > sizeof edits / sizeof edits[0]) {
        snprintf(err, errlen, "preset %s: too many edits", p->name);
        return -1;
    }
    memcpy(edits, p->edits, p->n_edits * sizeof *edits);
    size_t count = p->n_edits;
    if (p->top_layers > 0) {
        snprintf(n, sizeof n, "%d", top_n > 0 ? top_n : p->top_layers);
        edits[count++] = (config_edit){"unfrozen_layers", n};
    }
    return config_doc_apply(d, edits, count, err, errlen);
}

int config_preset_preview(const config_doc *d, const config_preset *p, int top_n, int context,
                          config_diff *out, char *err, size_t errlen)
{
    config_doc *copy = config_doc_clone(d);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", config_doc_path(d));
        return -1;
    }
    int rc = config_preset_apply(copy, p, top_n, err, errlen);
    size_t a_len, b_len;
    const char *a = config_doc_text(d, &a_len), *b = config_doc_text(copy, &b_len);
    if (rc == 0 && config_diff_texts(a, a_len, b, b_len, context, out) < 0) {
        snprintf(err, errlen, "%s: out of memory", config_doc_path(d));
        rc = -1;
    }
    config_doc_free(copy);
    return rc;
}
