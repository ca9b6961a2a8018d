/* config_schema.c - the training-config key table and the lookups over it
 * (by name, by nearest spelling, range and choice text). */
#include "config.h"

#include "config_schema.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "suggest.h"
#include "train_config.h"

/* Choice lists, in the order of the matching C enumerations in train_config.h. */
static const char *const templates[] = {"auto", "chatml", "llama2", "llama3", "mistral", "phi3",
                                        "gemma", "zephyr", "alpaca", NULL};
static const char *const adapters[] = {"lora", NULL};
static const char *const optimizers[] = {"adamw", "sgd", NULL};
static const char *const schedulers[] = {"cosine", "linear", "constant", NULL};
static const char *const lora_modules[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                           "up_proj", "down_proj", NULL};
static const char *const ds_types[] = {"alpaca", "sharegpt", "messages", "completion",
                                       "input_output", NULL};

#define TOP(field) .scope = CS_TOP, .offset = offsetof(train_config, field)
#define DS(field) .scope = CS_DATASET, .offset = offsetof(config_dataset, field)
#define STEPS 1e12
#define BIG 1e6

const cs_key config_schema[] = {
    /* Model */
    {.key = "base_model", .type = CS_STRING, .group = CS_GROUP_MODEL, TOP(base_model),
     .flags = CS_REQUIRED | CS_PATH | CS_DIR,
     .help = "GGUF file or Hugging Face model directory to fine-tune"},
    {.key = "chat_template", .type = CS_ENUM, .group = CS_GROUP_MODEL, TOP(chat_template),
     .default_yaml = "auto", .choices = templates,
     .help = "prompt format for training records; auto uses the model's own template"},
    {.key = "load_in_8bit", .type = CS_BOOL, .group = CS_GROUP_MODEL, TOP(load_in_8bit),
     .default_yaml = "false", .help = "keep the frozen base weights in Q8_0"},
    {.key = "load_in_4bit", .type = CS_BOOL, .group = CS_GROUP_MODEL, TOP(load_in_4bit),
     .default_yaml = "false", .help = "keep the frozen base weights in Q4_0"},
    /* Data */
    {.key = "datasets", .type = CS_DATASETS, .group = CS_GROUP_DATA, TOP(datasets),
     .flags = CS_REQUIRED, .help = "training data: a list of {path, type, field_*} mappings"},
    {.key = "datasets.path", .type = CS_STRING, .group = CS_GROUP_DATA, DS(path),
     .flags = CS_REQUIRED | CS_PATH,
     .help = "JSON or JSONL file, relative to the config file's directory"},
    {.key = "datasets.type", .type = CS_ENUM, .group = CS_GROUP_DATA, DS(type),
     .default_yaml = "alpaca", .choices = ds_types, .help = "record format of the file"},
    {.key = "datasets.field_instruction", .type = CS_STRING, .group = CS_GROUP_DATA,
     DS(field_instruction), .unset_means = "the format's own (alpaca: instruction)",
     .help = "record field holding the instruction"},
    {.key = "datasets.field_input", .type = CS_STRING, .group = CS_GROUP_DATA, DS(field_input),
     .unset_means = "the format's own (input)", .help = "record field holding the input"},
    {.key = "datasets.field_output", .type = CS_STRING, .group = CS_GROUP_DATA, DS(field_output),
     .unset_means = "the format's own (output, response or answer)",
     .help = "record field holding the reference answer"},
    {.key = "datasets.field_messages", .type = CS_STRING, .group = CS_GROUP_DATA,
     DS(field_messages), .unset_means = "the format's own (conversations, messages)",
     .help = "record field holding the list of turns"},
    {.key = "test_datasets", .type = CS_DATASETS, .group = CS_GROUP_DATA, TOP(test_datasets),
     .default_yaml = "[]", .help = "held-out evaluation data, used instead of val_set_size"},
    {.key = "val_set_size", .type = CS_FRACTION_OR_COUNT, .group = CS_GROUP_DATA,
     TOP(val_set_size), .default_yaml = "0", .min = 0, .max = 1e9,
     .help = "records held out for evaluation: a share below 1 or a count"},
    {.key = "sequence_len", .type = CS_INT, .group = CS_GROUP_DATA, TOP(sequence_len),
     .default_yaml = "512", .min = 2, .max = 1048576,
     .help = "tokens per training sequence; longer records are truncated"},
    {.key = "sample_packing", .type = CS_BOOL, .group = CS_GROUP_DATA, TOP(sample_packing),
     .default_yaml = "false", .help = "pack several records into one sequence (attention stays within each)"},
    {.key = "train_on_inputs", .type = CS_BOOL, .group = CS_GROUP_DATA, TOP(train_on_inputs),
     .default_yaml = "false", .help = "also learn the prompt tokens, not only the replies"},
    {.key = "dataset_exact_deduplication", .type = CS_BOOL, .group = CS_GROUP_DATA,
     TOP(dataset_exact_deduplication), .default_yaml = "false",
     .help = "drop records that repeat an earlier one exactly"},
    {.key = "shuffle", .type = CS_BOOL, .group = CS_GROUP_DATA, TOP(shuffle),
     .default_yaml = "true",
     .help = "shuffle the training records, and each later epoch anew (by seed)"},
    {.key = "seed", .type = CS_INT, .group = CS_GROUP_DATA, TOP(seed), .default_yaml = "42",
     .min = 0, .max = 4294967295.0, .help = "seed for shuffling, the split, dropout and init"},
    /* Method */
    {.key = "adapter", .type = CS_ENUM, .group = CS_GROUP_METHOD, TOP(adapter),
     .choices = adapters, .unset_means = "full fine-tuning",
     .help = "lora trains a low-rank adapter; unset trains the weights themselves"},
    {.key = "lora_r", .type = CS_INT, .group = CS_GROUP_METHOD, TOP(lora_r),
     .default_yaml = "8", .min = 1, .max = 4096, .help = "LoRA rank: the inner size of each adapter"},
    {.key = "lora_alpha", .type = CS_INT, .group = CS_GROUP_METHOD, TOP(lora_alpha),
     .default_yaml = "16", .min = 1, .max = BIG, .help = "LoRA scale numerator (scale = alpha / r)"},
    {.key = "lora_dropout", .type = CS_FLOAT, .group = CS_GROUP_METHOD, TOP(lora_dropout),
     .default_yaml = "0.0", .min = 0, .max = 1, .flags = CS_MAX_OPEN,
     .help = "dropout on the LoRA input"},
    {.key = "lora_target_modules", .type = CS_STRLIST, .group = CS_GROUP_METHOD,
     TOP(lora_target_modules), .default_yaml = "[q_proj, v_proj]", .choices = lora_modules,
     .help = "projections that get an adapter (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)"},
    {.key = "lora_target_linear", .type = CS_BOOL, .group = CS_GROUP_METHOD,
     TOP(lora_target_linear), .default_yaml = "false",
     .help = "put an adapter on every linear projection"},
    {.key = "peft_use_rslora", .type = CS_BOOL, .group = CS_GROUP_METHOD, TOP(peft_use_rslora),
     .default_yaml = "false", .help = "rank-stabilized scale alpha / sqrt(r)"},
    {.key = "unfrozen_layers", .type = CS_INT, .group = CS_GROUP_METHOD, TOP(unfrozen_layers),
     .min = 1, .max = BIG, .unset_means = "all layers",
     .help = "full fine-tuning: train only the top N layers"},
    /* Optimization */
    {.key = "optimizer", .type = CS_ENUM, .group = CS_GROUP_OPTIMIZATION, TOP(optimizer),
     .default_yaml = "adamw", .choices = optimizers, .help = "update rule: AdamW or plain SGD"},
    {.key = "learning_rate", .type = CS_FLOAT, .group = CS_GROUP_OPTIMIZATION,
     TOP(learning_rate), .flags = CS_REQUIRED | CS_MIN_OPEN, .min = 0, .max = 10,
     .help = "peak learning rate"},
    {.key = "weight_decay", .type = CS_FLOAT, .group = CS_GROUP_OPTIMIZATION, TOP(weight_decay),
     .default_yaml = "0.0", .min = 0, .max = 1, .help = "decoupled weight decay (AdamW)"},
    {.key = "adam_beta1", .type = CS_FLOAT, .group = CS_GROUP_OPTIMIZATION, TOP(adam_beta1),
     .default_yaml = "0.9", .min = 0, .max = 1, .flags = CS_MAX_OPEN,
     .help = "AdamW first-moment decay"},
    {.key = "adam_beta2", .type = CS_FLOAT, .group = CS_GROUP_OPTIMIZATION, TOP(adam_beta2),
     .default_yaml = "0.999", .min = 0, .max = 1, .flags = CS_MAX_OPEN,
     .help = "AdamW second-moment decay"},
    {.key = "adam_epsilon", .type = CS_FLOAT, .group = CS_GROUP_OPTIMIZATION, TOP(adam_epsilon),
     .default_yaml = "1e-8", .min = 0, .max = 1, .flags = CS_MIN_OPEN,
     .help = "AdamW denominator term"},
    {.key = "max_grad_norm", .type = CS_FLOAT, .group = CS_GROUP_OPTIMIZATION,
     TOP(max_grad_norm), .default_yaml = "1.0", .min = 0, .max = BIG,
     .help = "clip the global gradient norm to this; 0 turns clipping off"},
    {.key = "micro_batch_size", .type = CS_INT, .group = CS_GROUP_OPTIMIZATION,
     TOP(micro_batch_size), .default_yaml = "1", .min = 1, .max = 65536,
     .help = "sequences per forward/backward pass"},
    {.key = "gradient_accumulation_steps", .type = CS_INT, .group = CS_GROUP_OPTIMIZATION,
     TOP(gradient_accumulation_steps), .default_yaml = "1", .min = 1, .max = 65536,
     .help = "micro-batches summed into one optimizer step"},
    {.key = "num_epochs", .type = CS_INT, .group = CS_GROUP_OPTIMIZATION, TOP(num_epochs),
     .default_yaml = "1", .min = 1, .max = BIG, .help = "passes over the training data"},
    {.key = "max_steps", .type = CS_INT, .group = CS_GROUP_OPTIMIZATION, TOP(max_steps),
     .min = 1, .max = STEPS, .unset_means = "num_epochs decides",
     .help = "stop after this many optimizer steps (takes precedence over num_epochs)"},
    {.key = "gradient_checkpointing", .type = CS_BOOL, .group = CS_GROUP_OPTIMIZATION,
     TOP(gradient_checkpointing), .default_yaml = "false",
     .help = "recompute activations in the backward pass to save memory"},
    /* Schedule */
    {.key = "lr_scheduler", .type = CS_ENUM, .group = CS_GROUP_SCHEDULE, TOP(lr_scheduler),
     .default_yaml = "cosine", .choices = schedulers, .help = "learning-rate curve after warmup"},
    {.key = "warmup_steps", .type = CS_INT, .group = CS_GROUP_SCHEDULE, TOP(warmup_steps),
     .min = 0, .max = STEPS, .unset_means = "no warmup (or warmup_ratio)",
     .help = "steps of linear warmup from 0; not together with warmup_ratio"},
    {.key = "warmup_ratio", .type = CS_FLOAT, .group = CS_GROUP_SCHEDULE, TOP(warmup_ratio),
     .min = 0, .max = 1, .flags = CS_MAX_OPEN, .unset_means = "no warmup (or warmup_steps)",
     .help = "warmup as a share of all steps; not together with warmup_steps"},
    {.key = "cosine_min_lr_ratio", .type = CS_FLOAT, .group = CS_GROUP_SCHEDULE,
     TOP(cosine_min_lr_ratio), .default_yaml = "0.0", .min = 0, .max = 1,
     .help = "cosine floor as a share of the peak learning rate"},
    /* Evaluation and saving */
    {.key = "eval_steps", .type = CS_INT, .group = CS_GROUP_EVAL, TOP(eval_steps), .min = 1,
     .max = STEPS, .unset_means = "no periodic evaluation",
     .help = "compute validation loss and perplexity every N steps"},
    {.key = "save_steps", .type = CS_INT, .group = CS_GROUP_EVAL, TOP(save_steps), .min = 1,
     .max = STEPS, .unset_means = "save only at the end", .help = "write a checkpoint every N steps"},
    {.key = "save_total_limit", .type = CS_INT, .group = CS_GROUP_EVAL, TOP(save_total_limit),
     .min = 1, .max = BIG, .unset_means = "keep every checkpoint",
     .help = "checkpoints kept (the best one and the newest are never deleted)"},
    {.key = "early_stopping_patience", .type = CS_INT, .group = CS_GROUP_EVAL,
     TOP(early_stopping_patience), .min = 1, .max = BIG, .unset_means = "never stop early",
     .help = "stop after N evaluations without a better validation loss"},
    {.key = "load_best_model_at_end", .type = CS_BOOL, .group = CS_GROUP_EVAL,
     TOP(load_best_model_at_end), .default_yaml = "false",
     .help = "finish with the weights of the best evaluation"},
    {.key = "logging_steps", .type = CS_INT, .group = CS_GROUP_EVAL, TOP(logging_steps),
     .default_yaml = "1", .min = 1, .max = STEPS, .help = "log metrics every N steps"},
    {.key = "output_dir", .type = CS_STRING, .group = CS_GROUP_EVAL, TOP(output_dir),
     .unset_means = "runs/<timestamp>", .help = "run directory, relative to the current directory"},
    /* System */
    {.key = "threads", .type = CS_INT, .group = CS_GROUP_SYSTEM, TOP(threads), .min = 1,
     .max = 4096, .unset_means = "all cores", .help = "compute threads for training and evaluation"},
    {.key = "nan_tolerance", .type = CS_INT, .group = CS_GROUP_SYSTEM, TOP(nan_tolerance),
     .default_yaml = "3", .min = 1, .max = BIG,
     .help = "consecutive steps with a non-finite loss or gradient before stopping"},
};

const size_t config_schema_count = sizeof config_schema / sizeof config_schema[0];

static const char *const group_names[CS_GROUP_COUNT] = {
    "Model", "Data", "Method", "Optimization", "Schedule", "Evaluation and saving", "System",
};

const char *config_group_name(cs_group g)
{
    return (unsigned)g < CS_GROUP_COUNT ? group_names[g] : "?";
}

const char *config_type_name(cs_type t)
{
    switch (t) {
    case CS_BOOL: return "boolean";
    case CS_INT: return "integer";
    case CS_FLOAT: return "number";
    case CS_STRING: return "string";
    case CS_ENUM: return "choice";
    case CS_STRLIST: return "list of strings";
    case CS_DATASETS: return "list of dataset mappings";
    case CS_FRACTION_OR_COUNT: return "fraction or count";
    }
    return "?";
}

const char *config_key_short(const cs_key *k)
{
    const char *dot = strchr(k->key, '.');
    return dot ? dot + 1 : k->key;
}

const cs_key *config_schema_find(cs_scope scope, const char *key)
{
    for (size_t i = 0; i < config_schema_count; i++)
        if (config_schema[i].scope == scope && !strcmp(config_key_short(&config_schema[i]), key))
            return &config_schema[i];
    return NULL;
}

/* A third of the name's length, between 1 and 3 edits. */
static size_t close_enough(const char *name)
{
    size_t n = strlen(name) / 3;
    return n < 1 ? 1 : n > 3 ? 3 : n;
}

const char *config_closest(const char *name, const char *const *words)
{
    const char *best = NULL;
    size_t best_d = close_enough(name) + 1;
    for (size_t i = 0; words[i]; i++) {
        size_t d = suggest_distance(name, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
        }
    }
    return best;
}

const cs_key *config_schema_suggest(cs_scope scope, const char *name)
{
    const cs_key *best = NULL;
    size_t best_d = close_enough(name) + 1;
    for (size_t i = 0; i < config_schema_count; i++) {
        if (config_schema[i].scope != scope)
            continue;
        size_t d = suggest_distance(name, config_key_short(&config_schema[i]));
        if (d < best_d) {
            best_d = d;
            best = &config_schema[i];
        }
    }
    return best;
}

void config_unknown_key_text(cs_scope scope, const char *name, const char *label, char *buf,
                             size_t len)
{
    const cs_key *hint = config_schema_suggest(scope, name);
    const char *in = *label ? " in " : "";
    if (hint)
        snprintf(buf, len, "unknown key '%s'%s%s; did you mean '%s'?", name, in, label,
                 config_key_short(hint));
    else
        snprintf(buf, len, "unknown key '%s'%s%s", name, in, label);
}

bool config_in_range(const cs_key *k, double v)
{
    bool lo = (k->flags & CS_MIN_OPEN) ? v > k->min : v >= k->min;
    bool hi = (k->flags & CS_MAX_OPEN) ? v < k->max : v <= k->max;
    return lo && hi;
}

void config_range_text(const cs_key *k, char *buf, size_t len)
{
    if (k->type != CS_INT && k->type != CS_FLOAT && k->type != CS_FRACTION_OR_COUNT) {
        snprintf(buf, len, "%s", "");
        return;
    }
    snprintf(buf, len, "in %c%.10g, %.10g%c", (k->flags & CS_MIN_OPEN) ? '(' : '[', k->min, k->max,
             (k->flags & CS_MAX_OPEN) ? ')' : ']');
}

void config_choices_text(const cs_key *k, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; k->choices && k->choices[i] && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", k->choices[i]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}
