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
static const char *const alarm_actions[] = {"off", "warn", "pause", "stop", NULL};

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
    /* Alarms: what to do when a run goes wrong (warn; pause; stop, saving a checkpoint) */
    {.key = "alarm_overfit", .type = CS_ENUM, .group = CS_GROUP_ALARMS, TOP(alarm_overfit),
     .default_yaml = "warn", .choices = alarm_actions,
     .help = "evaluation loss rising alarm_overfit_evals times running while the training "
             "loss falls: off, warn, pause, or stop (after a checkpoint)"},
    {.key = "alarm_overfit_evals", .type = CS_INT, .group = CS_GROUP_ALARMS,
     TOP(alarm_overfit_evals), .default_yaml = "3", .min = 1, .max = BIG,
     .help = "rising evaluations in a row that make alarm_overfit fire"},
    {.key = "alarm_loss_spike", .type = CS_ENUM, .group = CS_GROUP_ALARMS,
     TOP(alarm_loss_spike), .default_yaml = "warn", .choices = alarm_actions,
     .help = "a training loss alarm_loss_spike_sigma standard deviations above the last 50 "
             "steps' mean: off, warn, pause, or stop (after a checkpoint)"},
    {.key = "alarm_loss_spike_sigma", .type = CS_FLOAT, .group = CS_GROUP_ALARMS,
     TOP(alarm_loss_spike_sigma), .default_yaml = "4", .min = 0, .max = BIG,
     .flags = CS_MIN_OPEN, .help = "standard deviations above the mean that make a loss spike"},
    {.key = "alarm_grad_norm", .type = CS_ENUM, .group = CS_GROUP_ALARMS, TOP(alarm_grad_norm),
     .default_yaml = "warn", .choices = alarm_actions,
     .help = "a gradient norm alarm_grad_norm_factor times the last 50 steps' median: off, "
             "warn, pause, or stop (after a checkpoint)"},
    {.key = "alarm_grad_norm_factor", .type = CS_FLOAT, .group = CS_GROUP_ALARMS,
     TOP(alarm_grad_norm_factor), .default_yaml = "10", .min = 1, .max = BIG,
     .help = "times the median gradient norm that make an explosion"},
    {.key = "alarm_nonfinite", .type = CS_ENUM, .group = CS_GROUP_ALARMS, TOP(alarm_nonfinite),
     .default_yaml = "warn", .choices = alarm_actions,
     .help = "a step skipped for a non-finite loss or gradient (see nan_tolerance): off, "
             "warn, pause, or stop (after a checkpoint)"},
    {.key = "alarm_throughput", .type = CS_ENUM, .group = CS_GROUP_ALARMS,
     TOP(alarm_throughput), .default_yaml = "warn", .choices = alarm_actions,
     .help = "tokens/s below alarm_throughput_drop of the last 50 steps' median for 5 steps "
             "running: off, warn, pause, or stop (after a checkpoint)"},
    {.key = "alarm_throughput_drop", .type = CS_FLOAT, .group = CS_GROUP_ALARMS,
     TOP(alarm_throughput_drop), .default_yaml = "0.5", .min = 0, .max = 1,
     .flags = CS_MIN_OPEN | CS_MAX_OPEN, .help = "share of the median throughput that is a drop"},
    {.key = "alarm_memory", .type = CS_ENUM, .group = CS_GROUP_ALARMS, TOP(alarm_memory),
     .default_yaml = "warn", .choices = alarm_actions,
     .help = "the process's resident memory above alarm_memory_fraction of the limit (RAM, "
             "or the cgroup's limit when lower): off, warn, pause, or stop (after a checkpoint)"},
    {.key = "alarm_memory_fraction", .type = CS_FLOAT, .group = CS_GROUP_ALARMS,
     TOP(alarm_memory_fraction), .default_yaml = "0.9", .min = 0, .max = 1,
     .flags = CS_MIN_OPEN, .help = "share of the memory limit that is near it"},
    /* System */
    {.key = "threads", .type = CS_INT, .group = CS_GROUP_SYSTEM, TOP(threads), .min = 1,
     .max = 4096, .unset_means = "all cores", .help = "compute threads for training and evaluation"},
    {.key = "nan_tolerance", .type = CS_INT, .group = CS_GROUP_SYSTEM, TOP(nan_tolerance),
     .default_yaml = "3", .min = 1, .max = BIG,
     .help = "consecutive steps with a non-finite loss or gradient before stopping"},
};

const size_t config_schema_count = sizeof config_schema / sizeof config_schema[0];

/* ------------------------------------------------------------ Axolotl keys lathe has no field for
 * From Axolotl's config reference (docs/config.qmd). Each says why it does
 * not apply. `harmless` lists the values (besides null, which always is) that
 * leave the result as lathe computes it, "|"-separated; NULL: every value does.
 * Any other value would change what is trained in a way lathe does not do. */
#define WHY_PRECISION "lathe trains in fp32 on the CPU; GPU precision and memory settings do not apply"
#define WHY_KERNELS "lathe's attention and kernels are its own; patches for PyTorch do not apply"
#define WHY_LOADING "lathe reads base_model itself; Hugging Face loader settings do not apply"
#define WHY_TRACKING "lathe logs to metrics.jsonl and events.jsonl in the run directory"
#define WHY_HUB "lathe writes its outputs locally; nothing is pushed to the Hugging Face Hub"
#define WHY_PREPARED "lathe caches tokenized data in .cache/ beside the run directory"
#define WHY_DISTRIBUTED "lathe trains data-parallel with mpirun; PyTorch launchers do not apply"
#define WHY_PACKING "lathe packs with its own algorithm and never trains on padding"
#define WHY_RL "lathe does supervised fine-tuning; preference and RL settings do not apply"
#define WHY_HF_DATA "lathe reads local JSON and JSONL files by their extension"
#define WHY_MULTIMODAL "lathe trains text models"
#define WHY_NOT_SUPPORTED "lathe does not do this"
#define WHY_TEMPLATE "lathe formats every dataset with the top-level chat_template"
#define WHY_SCHEDULE "lathe's schedules are lr_scheduler, warmup_steps or warmup_ratio and cosine_min_lr_ratio"
#define WHY_EVAL "lathe evaluates every eval_steps and saves every save_steps"

#define AX(k, h, w) {.key = k, .scope = CS_TOP, .harmless = h, .why = w}
#define AXD(k, h, w) {.key = k, .scope = CS_DATASET, .harmless = h, .why = w}

const cs_foreign_key config_axolotl_keys[] = {
    AX("bf16", NULL, WHY_PRECISION), AX("fp16", NULL, WHY_PRECISION),
    AX("tf32", NULL, WHY_PRECISION), AX("bfloat16", NULL, WHY_PRECISION),
    AX("float16", NULL, WHY_PRECISION), AX("gpu_memory_limit", NULL, WHY_PRECISION),
    AX("lora_on_cpu", NULL, WHY_PRECISION), AX("device_map", NULL, WHY_PRECISION),
    AX("max_memory", NULL, WHY_PRECISION), AX("low_cpu_mem_usage", NULL, WHY_PRECISION),
    AX("torch_compile", NULL, WHY_PRECISION), AX("torch_compile_backend", NULL, WHY_PRECISION),
    AX("bnb_config_kwargs", NULL, "lathe stores a 4- or 8-bit base as Q4_0 or Q8_0"),
    AX("gptq", "false", "lathe does not train GPTQ models"),
    AX("flash_attention", NULL, WHY_KERNELS), AX("xformers_attention", NULL, WHY_KERNELS),
    AX("sdp_attention", NULL, WHY_KERNELS), AX("s2_attention", "false", WHY_NOT_SUPPORTED),
    AX("flash_optimum", NULL, WHY_KERNELS), AX("flash_attn_cross_entropy", NULL, WHY_KERNELS),
    AX("flash_attn_rms_norm", NULL, WHY_KERNELS), AX("flash_attn_fuse_qkv", NULL, WHY_KERNELS),
    AX("flash_attn_fuse_mlp", NULL, WHY_KERNELS), AX("lora_mlp_kernel", NULL, WHY_KERNELS),
    AX("lora_qkv_kernel", NULL, WHY_KERNELS), AX("lora_o_kernel", NULL, WHY_KERNELS),
    AX("batch_flattening", NULL, WHY_KERNELS),
    AX("model_type", NULL, WHY_LOADING), AX("tokenizer_type", NULL, WHY_LOADING),
    AX("tokenizer_use_fast", NULL, WHY_LOADING), AX("tokenizer_legacy", NULL, WHY_LOADING),
    AX("trust_remote_code", NULL, WHY_LOADING), AX("base_model_ignore_patterns", NULL, WHY_LOADING),
    AX("base_model_config", NULL, WHY_LOADING), AX("revision_of_model", NULL, WHY_LOADING),
    AX("is_llama_derived_model", NULL, WHY_LOADING), AX("is_mistral_derived_model", NULL, WHY_LOADING),
    AX("is_falcon_derived_model", NULL, WHY_LOADING), AX("is_qwen_derived_model", NULL, WHY_LOADING),
    AX("resize_token_embeddings_to_32x", NULL, WHY_LOADING), AX("shrink_embeddings", NULL, WHY_LOADING),
    AX("embeddings_skip_upcast", NULL, WHY_PRECISION),
    AX("tokenizer_config", "", "lathe uses the base model's own tokenizer"),
    AX("overrides_of_model_config", "", "lathe uses the base model's config as it is"),
    AX("overrides_of_model_kwargs", NULL, WHY_LOADING),
    AX("random_init_weights", "false", "lathe fine-tunes the base model's weights"),
    AX("special_tokens", "", "lathe uses the base model's own tokenizer"),
    AX("tokens", "", "lathe does not add tokens to the vocabulary"),
    AX("added_tokens_overrides", "", "lathe uses the base model's own tokenizer"),
    AX("chat_template_jinja", "", "lathe renders the templates chat_template names"),
    AX("default_system_message", "", "lathe adds no system message of its own"),
    AX("eot_tokens", "", "lathe ends turns as the chat template does"),
    AX("wandb_mode", NULL, WHY_TRACKING), AX("wandb_project", NULL, WHY_TRACKING),
    AX("wandb_entity", NULL, WHY_TRACKING), AX("wandb_watch", NULL, WHY_TRACKING),
    AX("wandb_name", NULL, WHY_TRACKING), AX("wandb_run_id", NULL, WHY_TRACKING),
    AX("wandb_log_model", NULL, WHY_TRACKING), AX("mlflow_tracking_uri", NULL, WHY_TRACKING),
    AX("mlflow_experiment_name", NULL, WHY_TRACKING), AX("mlflow_run_name", NULL, WHY_TRACKING),
    AX("hf_mlflow_log_artifacts", NULL, WHY_TRACKING), AX("use_comet", NULL, WHY_TRACKING),
    AX("comet_api_key", NULL, WHY_TRACKING), AX("comet_workspace", NULL, WHY_TRACKING),
    AX("comet_project_name", NULL, WHY_TRACKING), AX("comet_experiment_key", NULL, WHY_TRACKING),
    AX("comet_mode", NULL, WHY_TRACKING), AX("comet_online", NULL, WHY_TRACKING),
    AX("comet_experiment_config", NULL, WHY_TRACKING), AX("use_tensorboard", NULL, WHY_TRACKING),
    AX("include_tokens_per_second", NULL, WHY_TRACKING), AX("profiler_steps", NULL, WHY_TRACKING),
    AX("eval_table_size", NULL, WHY_TRACKING), AX("eval_max_new_tokens", NULL, WHY_TRACKING),
    AX("do_causal_lm_eval", NULL, WHY_TRACKING), AX("eval_causal_lm_metrics", NULL, WHY_TRACKING),
    AX("hub_model_id", NULL, WHY_HUB), AX("hub_strategy", NULL, WHY_HUB),
    AX("push_dataset_to_hub", NULL, WHY_HUB), AX("hf_use_auth_token", NULL, WHY_HUB),
    AX("dataset_prepared_path", NULL, WHY_PREPARED), AX("dataset_processes", NULL, WHY_PREPARED),
    AX("dataset_keep_in_memory", NULL, WHY_PREPARED),
    AX("dataset_shard_num", "", "lathe trains on every record of its datasets"),
    AX("dataset_shard_idx", "", "lathe trains on every record of its datasets"),
    AX("shuffle_merged_datasets", "true", "lathe's shuffle key says whether records are shuffled"),
    AX("pretraining_dataset", "", "lathe trains on the files under datasets"),
    AX("pretraining_sample_concatenation", NULL, WHY_PACKING),
    AX("deepspeed", NULL, WHY_DISTRIBUTED), AX("fsdp", NULL, WHY_DISTRIBUTED),
    AX("fsdp_config", NULL, WHY_DISTRIBUTED), AX("ddp_timeout", NULL, WHY_DISTRIBUTED),
    AX("ddp_bucket_cap_mb", NULL, WHY_DISTRIBUTED), AX("ddp_broadcast_buffers", NULL, WHY_DISTRIBUTED),
    AX("local_rank", NULL, WHY_DISTRIBUTED), AX("sequence_parallel_degree", NULL, WHY_DISTRIBUTED),
    AX("heads_k_stride", NULL, WHY_DISTRIBUTED), AX("ring_attn_func", NULL, WHY_DISTRIBUTED),
    AX("torchdistx_path", NULL, WHY_DISTRIBUTED),
    AX("pad_to_sequence_len", NULL, WHY_PACKING), AX("eval_sample_packing", NULL, WHY_PACKING),
    AX("sample_packing_eff_est", NULL, WHY_PACKING), AX("total_num_tokens", NULL, WHY_PACKING),
    AX("sample_packing_group_size", NULL, WHY_PACKING), AX("sample_packing_bin_size", NULL, WHY_PACKING),
    AX("sample_pack_sequentially", NULL, WHY_PACKING),
    AX("group_by_length", "false", "lathe batches records in the order shuffle and seed give"),
    AX("curriculum_sampling", "false", "lathe batches records in the order shuffle and seed give"),
    AX("rl", "", WHY_RL), AX("rl_beta", NULL, WHY_RL), AX("dpo_use_weighting", NULL, WHY_RL),
    AX("rpo_alpha", NULL, WHY_RL), AX("orpo_alpha", NULL, WHY_RL),
    AX("kto_desirable_weight", NULL, WHY_RL), AX("kto_undesirable_weight", NULL, WHY_RL),
    AX("cpo_alpha", NULL, WHY_RL), AX("simpo_gamma", NULL, WHY_RL), AX("trl", NULL, WHY_RL),
    AX("reward_model", "false", WHY_RL), AX("process_reward_model", "false", WHY_RL),
    AX("lora_model_dir", "", "lathe starts every adapter from scratch; continue a run with --resume"),
    AX("lora_modules_to_save", "", "lathe trains only the LoRA matrices"),
    AX("lora_fan_in_fan_out", "false", "lathe's LoRA is for Llama-family linear layers"),
    AX("peft_layers_to_transform", "", "lathe adapts every layer"),
    AX("peft_use_dora", "false", "lathe trains plain LoRA, not DoRA"),
    AX("peft_layer_replication", "", WHY_NOT_SUPPORTED),
    AX("peft_init_lora_weights", "true", "lathe initialises LoRA as PEFT's default does"),
    AX("peft", "", WHY_NOT_SUPPORTED),
    AX("loraplus_lr_ratio", "", "lathe uses one learning rate for A and B"),
    AX("loraplus_lr_embedding", "", "lathe uses one learning rate for A and B"),
    AX("relora_steps", "", WHY_NOT_SUPPORTED), AX("relora_warmup_steps", "", WHY_NOT_SUPPORTED),
    AX("relora_anneal_steps", "", WHY_NOT_SUPPORTED), AX("relora_prune_ratio", "", WHY_NOT_SUPPORTED),
    AX("relora_cpu_offload", NULL, WHY_PRECISION),
    AX("qat", "", WHY_NOT_SUPPORTED), AX("quantization", NULL, "post-training quantization is `lathe export merge --type`"),
    AX("neftune_noise_alpha", "", "lathe adds no noise to embeddings"),
    AX("lr_quadratic_warmup", "false", WHY_SCHEDULE), AX("lr_scheduler_kwargs", "", WHY_SCHEDULE),
    AX("cosine_constant_lr_ratio", "", WHY_SCHEDULE), AX("lr_div_factor", "", WHY_SCHEDULE),
    AX("optim_args", "", "lathe's optimizer settings are adam_beta1, adam_beta2, adam_epsilon and weight_decay"),
    AX("optim_target_modules", "", "lathe's optimizers update every trained matrix"),
    AX("adam_beta3", NULL, "only Axolotl's CAME optimizer reads it"),
    AX("adam_epsilon2", NULL, "only Axolotl's CAME optimizer reads it"),
    AX("auto_find_batch_size", "false", "lathe uses micro_batch_size as given"),
    AX("eval_batch_size", NULL, "the evaluation loss is a mean over tokens whatever the batch size"),
    AX("evals_per_epoch", "", WHY_EVAL), AX("eval_strategy", "", WHY_EVAL),
    AX("save_strategy", "", WHY_EVAL), AX("saves_per_epoch", "", WHY_EVAL),
    AX("save_only_model", NULL, "lathe's checkpoints always hold what --resume needs"),
    AX("save_safetensors", NULL, "lathe writes its outputs as GGUF and safetensors anyway"),
    AX("resume_from_checkpoint", "", "resume with lathe train --resume RUN_DIR"),
    AX("auto_resume_from_checkpoints", "false", "resume with lathe train --resume auto"),
    AX("loss_watchdog_threshold", "", "lathe stops on non-finite losses (nan_tolerance)"),
    AX("loss_watchdog_patience", NULL, "lathe stops on non-finite losses (nan_tolerance)"),
    AX("plugins", "", "lathe has no plugins"),
    AX("image_size", NULL, WHY_MULTIMODAL), AX("image_resize_algorithm", NULL, WHY_MULTIMODAL),
    AX("strict", NULL, "lathe always checks every key"),
    AX("debug", NULL, "lathe's debugging output is its logs"),
    AXD("ds_type", NULL, WHY_HF_DATA), AXD("data_files", "", WHY_HF_DATA),
    AXD("split", "train", WHY_HF_DATA), AXD("name", "", WHY_HF_DATA),
    AXD("revision", NULL, WHY_HF_DATA), AXD("trust_remote_code", NULL, WHY_HF_DATA),
    AXD("shards", "", "lathe trains on every record of its datasets"),
    AXD("shards_idx", NULL, "lathe trains on every record of its datasets"),
    AXD("preprocess_shards", NULL, WHY_PREPARED),
    AXD("conversation", "", WHY_TEMPLATE), AXD("chat_template", "", WHY_TEMPLATE),
    AXD("system_prompt", "", WHY_TEMPLATE), AXD("field_system", "", WHY_TEMPLATE),
    AXD("message_property_mappings", "", "lathe reads each type's own fields (field_messages for messages)"),
    AXD("roles", "", "lathe reads each type's own role names"),
    AXD("roles_to_train", "", "lathe trains on assistant turns, all turns with train_on_inputs"),
    AXD("train_on_eos", "", "lathe trains on the end of every assistant turn"),
    AXD("drop_system_message", "false", WHY_TEMPLATE),
};

const size_t config_axolotl_key_count = sizeof config_axolotl_keys / sizeof config_axolotl_keys[0];

const cs_foreign_key *config_axolotl_find(cs_scope scope, const char *key)
{
    for (size_t i = 0; i < config_axolotl_key_count; i++)
        if (config_axolotl_keys[i].scope == scope && !strcmp(config_axolotl_keys[i].key, key))
            return &config_axolotl_keys[i];
    return NULL;
}

bool config_axolotl_harmless(const cs_foreign_key *k, const char *value)
{
    if (!value || !k->harmless)
        return true;
    size_t n = strlen(value);
    for (const char *h = k->harmless; *h;) {
        size_t len = strcspn(h, "|");
        if (len == n && !strncmp(h, value, n))
            return true;
        h += len + (h[len] == '|');
    }
    return false;
}

static const char *const group_names[CS_GROUP_COUNT] = {
    "Model", "Data", "Method", "Optimization", "Schedule", "Evaluation and saving", "Alarms",
    "System",
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

const char *config_closest(const char *name, const char *const *words)
{
    size_t n = 0;
    while (words[n])
        n++;
    return suggest_closest(name, words, n, sizeof *words);
}

const cs_key *config_schema_suggest(cs_scope scope, const char *name)
{
    const cs_key *best = NULL;
    size_t best_d = suggest_limit(name) + 1;
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
