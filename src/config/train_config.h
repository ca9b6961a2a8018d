/* train_config.h - a training config as typed fields, loaded from YAML (with
 * --set overrides), validated against the schema in config_schema.h, and
 * written back as a resolved YAML file with every default filled in.
 *
 * (Named train_config.h, not config.h: autoconf's config.h is included as
 * "config.h" from src/, and a src/config.h would shadow it.) */
#ifndef LATHE_TRAIN_CONFIG_H
#define LATHE_TRAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_diag.h"

/* Enumerations follow the order of their choices in the schema; -1 is unset. */
typedef enum {
    CONFIG_TEMPLATE_AUTO, CONFIG_TEMPLATE_CHATML, CONFIG_TEMPLATE_LLAMA2, CONFIG_TEMPLATE_LLAMA3,
    CONFIG_TEMPLATE_MISTRAL, CONFIG_TEMPLATE_PHI3, CONFIG_TEMPLATE_GEMMA, CONFIG_TEMPLATE_ZEPHYR,
    CONFIG_TEMPLATE_ALPACA
} config_chat_template;
typedef enum { CONFIG_ADAPTER_FULL = -1, CONFIG_ADAPTER_LORA } config_adapter;
typedef enum { CONFIG_OPT_ADAMW, CONFIG_OPT_SGD } config_optimizer;
typedef enum { CONFIG_SCHED_COSINE, CONFIG_SCHED_LINEAR, CONFIG_SCHED_CONSTANT } config_scheduler;
typedef enum {
    CONFIG_DS_ALPACA, CONFIG_DS_SHAREGPT, CONFIG_DS_MESSAGES, CONFIG_DS_COMPLETION,
    CONFIG_DS_INPUT_OUTPUT
} config_dataset_type;
typedef enum {
    CONFIG_ALARM_OFF, CONFIG_ALARM_WARN, CONFIG_ALARM_PAUSE, CONFIG_ALARM_STOP
} config_alarm_action;

/* Unset optional numbers: integers hold CONFIG_UNSET, floats hold NAN. */
#define CONFIG_UNSET (-1)

typedef struct {
    char **items;
    size_t n;
} config_strlist;

typedef struct {
    char *path;                 /* absolute when it was relative in the file */
    config_dataset_type type;
    char *field_instruction;    /* NULL: the format's own field name */
    char *field_input;
    char *field_output;
    char *field_messages;
} config_dataset;

typedef struct {
    config_dataset *items;
    size_t n;
} config_datasets;

typedef struct {
    /* Model */
    char *base_model;           /* absolute when it was relative in the file */
    config_chat_template chat_template;
    bool load_in_8bit, load_in_4bit;
    /* Data */
    config_datasets datasets, test_datasets;
    double val_set_size;        /* < 1: a share; >= 1: a count */
    int64_t sequence_len;
    bool sample_packing, train_on_inputs, dataset_exact_deduplication, shuffle;
    int64_t seed;
    /* Method */
    config_adapter adapter;
    int64_t lora_r, lora_alpha;
    double lora_dropout;
    config_strlist lora_target_modules;
    bool lora_target_linear, peft_use_rslora;
    int64_t unfrozen_layers;    /* CONFIG_UNSET: all layers */
    /* Optimization */
    config_optimizer optimizer;
    double learning_rate, weight_decay, adam_beta1, adam_beta2, adam_epsilon, max_grad_norm;
    int64_t micro_batch_size, gradient_accumulation_steps, num_epochs;
    int64_t max_steps;          /* CONFIG_UNSET: num_epochs decides */
    bool gradient_checkpointing;
    /* Schedule */
    config_scheduler lr_scheduler;
    int64_t warmup_steps;       /* CONFIG_UNSET, or set instead of warmup_ratio */
    double warmup_ratio;        /* NAN when unset */
    double cosine_min_lr_ratio;
    /* Evaluation and saving */
    int64_t eval_steps, save_steps, save_total_limit, early_stopping_patience;
    bool load_best_model_at_end;
    int64_t logging_steps;
    char *output_dir;           /* NULL: runs/<timestamp> */
    /* Alarms */
    config_alarm_action alarm_overfit, alarm_loss_spike, alarm_grad_norm, alarm_nonfinite,
        alarm_throughput, alarm_memory;
    int64_t alarm_overfit_evals;
    double alarm_loss_spike_sigma, alarm_grad_norm_factor, alarm_throughput_drop,
        alarm_memory_fraction;
    /* System */
    int64_t threads;            /* CONFIG_UNSET: all cores */
    int64_t nan_tolerance;
} train_config;

/* Every key at its default (required keys unset). -1 when out of memory. */
int train_config_defaults(train_config *cfg);

/* Loads PATH and then applies SETS ("KEY=VALUE", each value read as YAML),
 * collecting every problem (up to CONFIG_MAX_DIAGS) into DIAGS. Relative
 * paths in the file resolve against the file's directory, those in --set
 * against the current directory. Returns 0 when there is no error (warnings
 * allowed), -1 otherwise; cfg is always left freeable. */
int train_config_load(train_config *cfg, const char *path, char *const *sets, size_t n_sets,
                      config_diags *diags);
/* The same over TEXT (LEN bytes) as if read from PATH: messages name PATH
 * and relative paths resolve against its directory. */
int train_config_load_text(train_config *cfg, const char *path, const char *text, size_t len,
                           char *const *sets, size_t n_sets, config_diags *diags);

/* Writes the resolved config: every key, grouped in schema order, unset
 * optional keys as null. train_config_load reads it back to an equal config. */
int train_config_emit(const train_config *cfg, FILE *fp);
/* The same, written atomically (temp file, fsync, rename). */
int train_config_write(const train_config *cfg, const char *path, char *err, size_t errlen);

bool train_config_equal(const train_config *a, const train_config *b);
void train_config_free(train_config *cfg);

#endif
