/* test_config.c - the training config: the schema table's consistency, the
 * defaults, every diagnostic (exact file:line:column and text) on the
 * fixtures in tests/fixtures/config/, --set overrides and their errors, and
 * the resolved config loading back to an equal config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_schema.h"
#include "config_value.h"
#include "train_config.h"

static char fixture_dir[PATH_MAX];

static const char *fixture(const char *name)
{
    static char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    return path;
}

/* ------------------------------------------------------------ schema */

/* BRIEF.md "Config keys", in its order, and the run alarms' keys (issue
 * 15, which has them written to events.jsonl): the table holds exactly these. */
static const char *const brief_keys[] = {
    "base_model", "chat_template", "load_in_8bit", "load_in_4bit", "datasets", "test_datasets",
    "val_set_size", "sequence_len", "sample_packing", "train_on_inputs",
    "dataset_exact_deduplication", "shuffle", "seed", "adapter", "lora_r", "lora_alpha",
    "lora_dropout", "lora_target_modules", "lora_target_linear", "peft_use_rslora",
    "unfrozen_layers", "optimizer", "learning_rate", "weight_decay", "adam_beta1", "adam_beta2",
    "adam_epsilon", "max_grad_norm", "micro_batch_size", "gradient_accumulation_steps",
    "num_epochs", "max_steps", "gradient_checkpointing", "lr_scheduler", "warmup_steps",
    "warmup_ratio", "cosine_min_lr_ratio", "eval_steps", "save_steps", "save_total_limit",
    "early_stopping_patience", "load_best_model_at_end", "logging_steps", "output_dir",
    "alarm_overfit", "alarm_overfit_evals", "alarm_loss_spike", "alarm_loss_spike_sigma",
    "alarm_grad_norm", "alarm_grad_norm_factor", "alarm_nonfinite", "alarm_throughput",
    "alarm_throughput_drop", "alarm_memory", "alarm_memory_fraction", "threads",
    "nan_tolerance", NULL};
static const char *const brief_dataset_keys[] = {"path", "type", "field_instruction", "field_input",
                                                 "field_output", "field_messages", NULL};

static size_t count_scope(cs_scope scope)
{
    size_t n = 0;
    for (size_t i = 0; i < config_schema_count; i++)
        n += config_schema[i].scope == scope;
    return n;
}

static void test_schema_covers_brief(void **state)
{
    (void)state;
    size_t n = 0;
    for (; brief_keys[n]; n++)
        assert_non_null(config_schema_find(CS_TOP, brief_keys[n]));
    assert_int_equal(count_scope(CS_TOP), n);
    for (n = 0; brief_dataset_keys[n]; n++)
        assert_non_null(config_schema_find(CS_DATASET, brief_dataset_keys[n]));
    assert_int_equal(count_scope(CS_DATASET), n);
}

static void check_entry(const cs_key *k)
{
    assert_non_null(k->help);
    assert_true(strlen(k->help) > 10);
    assert_true((unsigned)k->group < CS_GROUP_COUNT);
    assert_string_not_equal(config_group_name(k->group), "?");
    assert_string_not_equal(config_type_name(k->type), "?");
    assert_true(k->scope == CS_TOP || !strncmp(k->key, "datasets.", 9));
    /* A key is required, has a default, or says what leaving it unset does. */
    int kinds = !!(k->flags & CS_REQUIRED) + !!k->default_yaml + !!k->unset_means;
    assert_int_equal(kinds, 1);
    if (k->type == CS_ENUM)
        assert_non_null(k->choices);
    if (k->type == CS_INT || k->type == CS_FLOAT || k->type == CS_FRACTION_OR_COUNT)
        assert_true(k->min < k->max);
    if (k->flags & CS_PATH)
        assert_int_equal(k->type, CS_STRING);
    /* Keys are unique within their scope. */
    assert_ptr_equal(config_schema_find(k->scope, config_key_short(k)), k);
}

/* Each default goes through the same conversion as a value from a file,
 * which checks its type, choices and range. */
static void check_default(const cs_key *k)
{
    union {
        train_config top;
        config_dataset ds;
    } base;
    memset(&base, 0, sizeof base);
    assert_int_equal(config_value_reset(k, &base), 0);
    if (k->default_yaml && (k->type == CS_INT || k->type == CS_FLOAT))
        assert_true(config_in_range(k, k->type == CS_INT
                                               ? (double)*(int64_t *)((char *)&base + k->offset)
                                               : *(double *)((char *)&base + k->offset)));
    config_value_free(k, &base);
}

static void test_schema_consistent(void **state)
{
    (void)state;
    for (size_t i = 0; i < config_schema_count; i++) {
        check_entry(&config_schema[i]);
        check_default(&config_schema[i]);
        /* Grouped in order, so listings and the written file agree. */
        if (i > 0 && config_schema[i].scope == CS_TOP)
            assert_true(config_schema[i].group >= config_schema[i - 1].group);
    }
}

static void test_enum_orders(void **state)
{
    (void)state;
    assert_string_equal(config_schema_find(CS_TOP, "chat_template")->choices[CONFIG_TEMPLATE_ALPACA], "alpaca");
    assert_string_equal(config_schema_find(CS_TOP, "chat_template")->choices[CONFIG_TEMPLATE_PHI3], "phi3");
    assert_string_equal(config_schema_find(CS_TOP, "adapter")->choices[CONFIG_ADAPTER_LORA], "lora");
    assert_string_equal(config_schema_find(CS_TOP, "optimizer")->choices[CONFIG_OPT_SGD], "sgd");
    assert_string_equal(config_schema_find(CS_TOP, "lr_scheduler")->choices[CONFIG_SCHED_CONSTANT], "constant");
    assert_string_equal(config_schema_find(CS_DATASET, "type")->choices[CONFIG_DS_INPUT_OUTPUT], "input_output");
    assert_string_equal(config_schema_find(CS_DATASET, "type")->choices[CONFIG_DS_COMPLETION], "completion");
    assert_string_equal(config_schema_find(CS_TOP, "alarm_memory")->choices[CONFIG_ALARM_OFF], "off");
    assert_string_equal(config_schema_find(CS_TOP, "alarm_memory")->choices[CONFIG_ALARM_STOP], "stop");
}

static void test_suggestions(void **state)
{
    (void)state;
    assert_string_equal(config_schema_suggest(CS_TOP, "lora_rank")->key, "lora_r");
    assert_string_equal(config_schema_suggest(CS_TOP, "learnign_rate")->key, "learning_rate");
    assert_string_equal(config_schema_suggest(CS_TOP, "sequence_length")->key, "sequence_len");
    assert_string_equal(config_schema_suggest(CS_DATASET, "feild_output")->key, "datasets.field_output");
    assert_null(config_schema_suggest(CS_TOP, "wandb_project"));
    assert_null(config_schema_suggest(CS_TOP, "lr"));
    static const char *const words[] = {"cosine", "linear", "constant", NULL};
    assert_string_equal(config_closest("cosin", words), "cosine");
    assert_null(config_closest("step", words));
}

static void test_range_text(void **state)
{
    (void)state;
    char buf[64];
    config_range_text(config_schema_find(CS_TOP, "lora_dropout"), buf, sizeof buf);
    assert_string_equal(buf, "in [0, 1)");
    config_range_text(config_schema_find(CS_TOP, "learning_rate"), buf, sizeof buf);
    assert_string_equal(buf, "in (0, 10]");
    config_range_text(config_schema_find(CS_TOP, "shuffle"), buf, sizeof buf);
    assert_string_equal(buf, "");
}

/* ------------------------------------------------------------ loading */

static void test_defaults(void **state)
{
    (void)state;
    train_config c;
    config_diags d;
    assert_int_equal(train_config_load(&c, fixture("minimal.yaml"), NULL, 0, &d), 0);
    assert_int_equal(d.n, 0);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s/train.jsonl", fixture_dir);
    assert_int_equal(c.datasets.n, 1);
    assert_string_equal(c.datasets.items[0].path, want);
    assert_int_equal(c.datasets.items[0].type, CONFIG_DS_ALPACA);
    assert_null(c.datasets.items[0].field_instruction);
    assert_null(c.datasets.items[0].field_messages);
    assert_true(strstr(c.base_model, "/tests/fixtures/hf-tiny") != NULL);
    assert_true(c.learning_rate == 0.0002);
    assert_int_equal(c.chat_template, CONFIG_TEMPLATE_AUTO);
    assert_false(c.load_in_8bit || c.load_in_4bit);
    assert_int_equal(c.test_datasets.n, 0);
    assert_true(c.val_set_size == 0);
    assert_int_equal(c.sequence_len, 512);
    assert_false(c.sample_packing || c.train_on_inputs || c.dataset_exact_deduplication);
    assert_true(c.shuffle);
    assert_int_equal(c.seed, 42);
    assert_int_equal(c.adapter, CONFIG_ADAPTER_FULL);
    assert_int_equal(c.lora_r, 8);
    assert_int_equal(c.lora_alpha, 16);
    assert_true(c.lora_dropout == 0.0);
    assert_int_equal(c.lora_target_modules.n, 2);
    assert_string_equal(c.lora_target_modules.items[0], "q_proj");
    assert_string_equal(c.lora_target_modules.items[1], "v_proj");
    assert_false(c.lora_target_linear || c.peft_use_rslora);
    assert_int_equal(c.unfrozen_layers, CONFIG_UNSET);
    assert_int_equal(c.optimizer, CONFIG_OPT_ADAMW);
    assert_true(c.weight_decay == 0.0 && c.adam_beta1 == 0.9 && c.adam_beta2 == 0.999);
    assert_true(c.adam_epsilon == 1e-8 && c.max_grad_norm == 1.0);
    assert_int_equal(c.micro_batch_size, 1);
    assert_int_equal(c.gradient_accumulation_steps, 1);
    assert_int_equal(c.num_epochs, 1);
    assert_int_equal(c.max_steps, CONFIG_UNSET);
    assert_false(c.gradient_checkpointing);
    assert_int_equal(c.lr_scheduler, CONFIG_SCHED_COSINE);
    assert_int_equal(c.warmup_steps, CONFIG_UNSET);
    assert_true(isnan(c.warmup_ratio));
    assert_true(c.cosine_min_lr_ratio == 0.0);
    assert_int_equal(c.eval_steps, CONFIG_UNSET);
    assert_int_equal(c.save_steps, CONFIG_UNSET);
    assert_int_equal(c.save_total_limit, CONFIG_UNSET);
    assert_int_equal(c.early_stopping_patience, CONFIG_UNSET);
    assert_false(c.load_best_model_at_end);
    assert_int_equal(c.logging_steps, 1);
    assert_null(c.output_dir);
    assert_int_equal(c.threads, CONFIG_UNSET);
    assert_int_equal(c.nan_tolerance, 3);
    train_config_free(&c);
}

static void test_full(void **state)
{
    (void)state;
    train_config c;
    config_diags d;
    assert_int_equal(train_config_load(&c, fixture("full.yaml"), NULL, 0, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(c.chat_template, CONFIG_TEMPLATE_CHATML);
    assert_true(c.load_in_8bit);
    assert_int_equal(c.datasets.n, 2);
    assert_string_equal(c.datasets.items[0].field_output, "output");
    assert_int_equal(c.datasets.items[1].type, CONFIG_DS_INPUT_OUTPUT);
    assert_string_equal(c.datasets.items[1].field_input, "instruction");
    assert_int_equal(c.test_datasets.n, 1);
    assert_true(c.train_on_inputs); /* written "yes", as PyYAML reads it */
    assert_false(c.shuffle);
    assert_int_equal(c.adapter, CONFIG_ADAPTER_LORA);
    assert_int_equal(c.lora_target_modules.n, 4);
    assert_string_equal(c.lora_target_modules.items[3], "o_proj");
    assert_true(c.learning_rate == 2e-4);
    assert_true(c.adam_epsilon == 1e-6);
    assert_int_equal(c.lr_scheduler, CONFIG_SCHED_LINEAR);
    assert_true(c.warmup_ratio == 0.1);
    assert_int_equal(c.early_stopping_patience, 3);
    assert_string_equal(c.output_dir, "runs/with: colon and \"quotes\"");
    assert_int_equal(c.threads, 2);
    assert_int_equal(c.nan_tolerance, 5);
    train_config_free(&c);
}

/* ------------------------------------------------------------ diagnostics */

typedef struct {
    const char *file;
    const char *sets[4];
    const char *want[8];  /* "line:col: severity: message"; @DIR@ = the fixture directory */
} diag_case;

static const diag_case cases[] = {
    {"unknown_key.yaml", {NULL},
     {"5:1: error: unknown key 'lora_rank'; did you mean 'lora_r'?",
      "6:1: error: unknown key 'my_own_key'",
      "7:1: error: unknown key 'learning_rat'; did you mean 'learning_rate'?"}},
    {"wrong_type.yaml", {NULL},
     {"1:13: error: base_model: expected a file path, got a list",
      "2:11: error: datasets: expected a list of dataset mappings, got 'train.jsonl'",
      "3:16: error: learning_rate: expected a number, got 'fast'",
      "4:9: error: lora_r: expected an integer, got '8.5'",
      "5:17: error: sample_packing: expected true or false, got 'maybe'",
      "6:22: error: lora_target_modules: expected a list of strings, got 'q_proj'",
      "7:13: error: lora_alpha: expected an integer, got a mapping",
      "8:15: error: warmup_ratio: expected a number, got '.inf'"}},
    {"range.yaml", {NULL},
     {"4:16: error: learning_rate: 0 is out of range; expected a number in (0, 10]",
      "5:15: error: lora_dropout: 1.5 is out of range; expected a number in [0, 1)",
      "6:9: error: lora_r: 0 is out of range; expected an integer in [1, 4096]",
      "7:15: error: val_set_size: 2.5 is neither a fraction below 1 nor a whole count",
      "8:7: error: seed: -1 is out of range; expected an integer in [0, 4294967295]",
      "9:13: error: adam_beta2: 1 is out of range; expected a number in [0, 1)"}},
    {"choices.yaml", {NULL},
     {"4:11: error: datasets[0].type: 'alpacca' is not one of alpaca, sharegpt, messages, "
      "completion, input_output; did you mean 'alpaca'?",
      "6:15: error: lr_scheduler: 'cosin' is not one of cosine, linear, constant; did you mean 'cosine'?",
      "7:12: error: optimizer: 'lion' is not one of adamw, sgd",
      "8:10: error: adapter: 'qlora' is not one of lora; did you mean 'lora'?",
      "9:16: error: chat_template: expected one of auto, chatml, llama2, llama3, mistral, phi3, "
      "gemma, zephyr, alpaca, got a list"}},
    {"conflicts.yaml", {NULL},
     {"6:1: warning: max_steps (100) takes precedence over num_epochs (3)",
      "8:1: error: warmup_ratio and warmup_steps are both set; keep one of them",
      "10:1: error: load_in_4bit and load_in_8bit are both true; choose one",
      "10:1: error: load_in_4bit: a quantized base is frozen, so you need adapter: lora",
      "11:1: error: early_stopping_patience needs eval_steps (the evaluations it compares)",
      "12:1: error: load_best_model_at_end needs eval_steps (the evaluations it compares)"}},
    {"eval_lora.yaml", {NULL},
     {"5:1: warning: eval_steps is set but there is no validation data (val_set_size or test_datasets)",
      "7:1: error: adapter lora needs lora_target_modules or lora_target_linear: true"}},
    {"missing_required.yaml", {NULL},
     {"1:1: error: missing required key 'base_model'", "1:1: error: missing required key 'datasets'",
      "1:1: error: missing required key 'learning_rate'"}},
    {"empty.yaml", {NULL},
     {"1:1: error: missing required key 'base_model'", "1:1: error: missing required key 'datasets'",
      "1:1: error: missing required key 'learning_rate'"}},
    {"missing_files.yaml", {NULL},
     {"1:13: error: base_model: cannot find '@DIR@/no-such-model.gguf': No such file or directory",
      "4:11: error: datasets[1].path: cannot find '@DIR@/missing.jsonl': No such file or directory",
      "7:11: error: test_datasets[0].path: cannot find '/nonexistent/eval.jsonl': No such file or directory"}},
    {"duplicate.yaml", {NULL},
     {"5:5: error: duplicate key 'type' in datasets[0] (first set at line 4)",
      "8:1: error: duplicate key 'lora_r' (first set at line 7)"}},
    {"syntax.yaml", {NULL},
     {"4:4: error: YAML syntax error: did not find expected '-' indicator while parsing a block "
      "collection started at line 3"}},
    {"unclosed.yaml", {NULL},
     {"3:14: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow "
      "sequence started at line 2"}},
    {"bad_utf8.yaml", {NULL}, {"2:16: error: not UTF-8 text: invalid leading UTF-8 octet"}},
    {"datasets_errors.yaml", {NULL},
     {"3:5: error: datasets[0]: missing required key 'path'",
      "5:5: error: unknown key 'feild_input' in datasets[1]; did you mean 'field_input'?",
      "6:5: error: unknown key 'subset' in datasets[1]",
      "7:5: error: datasets[2]: expected a mapping with path and type, got 'train.jsonl'",
      "8:11: error: datasets[3].path: expected a file path, got an empty string"}},
    /* Axolotl settings that would change what is trained: errors that say so. */
    {"axolotl_unsupported.yaml", {"neftune_noise_alpha=0"},
     {"6:5: error: 'conversation: chatml' is an Axolotl setting lathe does not support: lathe "
      "formats every dataset with the top-level chat_template; remove it",
      "8:1: error: 'peft_use_dora: true' is an Axolotl setting lathe does not support: lathe "
      "trains plain LoRA, not DoRA; remove it or set it to false",
      "9:1: error: 'neftune_noise_alpha: 5' is an Axolotl setting lathe does not support: lathe "
      "adds no noise to embeddings; remove it",
      "10:1: error: 'lora_modules_to_save: [...]' is an Axolotl setting lathe does not support: "
      "lathe trains only the LoRA matrices; remove it",
      "11:1: warning: 'bf16' is an Axolotl key that does not apply to lathe (ignored): lathe "
      "trains in fp32 on the CPU; GPU precision and memory settings do not apply",
      "0:1: error: 'neftune_noise_alpha: 0' is an Axolotl setting lathe does not support: lathe "
      "adds no noise to embeddings; remove it"}},
    {"top_list.yaml", {NULL}, {"1:1: error: expected a mapping of keys at the top level, got a list"}},
    {"two_docs.yaml", {NULL}, {"6:1: error: expected one YAML document, found a second one"}},
    {"no-such-config.yaml", {NULL}, {"0:0: error: cannot read: No such file or directory"}},
    /* --set: errors name the argument (line 0, col = its position), after the file's. */
    {"minimal.yaml",
     {"lora_r=abc", "lora_rank=4", "nokey", "lora_target_modules=[a, b"},
     {"0:1: error: lora_r: expected an integer, got 'abc'",
      "0:2: error: unknown key 'lora_rank'; did you mean 'lora_r'?",
      "0:3: error: expected KEY=VALUE",
      "0:4: error: lora_target_modules: '[a, b' is not a YAML value: did not find expected ',' or ']'"}},
    {"minimal.yaml",
     {"learning_rate=", "base_model=no-such.gguf", "warmup_steps=5", "warmup_ratio=0.5"},
     {"0:1: error: learning_rate: expected a number, got null",
      "0:2: error: base_model: cannot find '@CWD@/no-such.gguf': No such file or directory",
      "0:4: error: warmup_ratio and warmup_steps are both set; keep one of them"}},
    {"range.yaml", {"lora_r=2"},
     {"4:16: error: learning_rate: 0 is out of range; expected a number in (0, 10]",
      "5:15: error: lora_dropout: 1.5 is out of range; expected a number in [0, 1)",
      "7:15: error: val_set_size: 2.5 is neither a fraction below 1 nor a whole count",
      "8:7: error: seed: -1 is out of range; expected an integer in [0, 4294967295]",
      "9:13: error: adam_beta2: 1 is out of range; expected a number in [0, 1)"}},
};

/* Replaces @DIR@ and @CWD@ in a wanted message. */
static void expand(const char *want, char *out, size_t len)
{
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    size_t used = 0;
    while (*want && used + 1 < len) {
        const char *sub = !strncmp(want, "@DIR@", 5) ? fixture_dir : !strncmp(want, "@CWD@", 5) ? cwd : NULL;
        if (sub) {
            used += (size_t)snprintf(out + used, len - used, "%s", sub);
            want += 5;
        } else {
            out[used++] = *want++;
        }
    }
    out[used < len ? used : len - 1] = '\0';
}

static void run_case(const diag_case *c)
{
    train_config cfg;
    config_diags d;
    size_t n_sets = 0, n_want = 0;
    while (n_sets < 4 && c->sets[n_sets])
        n_sets++;
    while (n_want < 8 && c->want[n_want])
        n_want++;
    int rc = train_config_load(&cfg, fixture(c->file), (char *const *)c->sets, n_sets, &d);
    bool any_error = false;
    for (size_t i = 0; c->want[i] && i < 8; i++)
        any_error |= strstr(c->want[i], ": error: ") != NULL;
    assert_int_equal(rc, any_error ? -1 : 0);
    if (d.n != n_want) {
        config_diags_print(&d, stderr);
        fail_msg("%s: %zu diagnostics, wanted %zu", c->file, d.n, n_want);
    }
    for (size_t i = 0; i < n_want; i++) {
        char got[1024], want[1024];
        const config_diag *g = &d.items[i];
        snprintf(got, sizeof got, "%d:%d: %s: %s", g->line, g->col,
                 g->sev == CONFIG_ERROR ? "error" : "warning", g->msg);
        expand(c->want[i], want, sizeof want);
        assert_string_equal(got, want);
        if (g->line == 0 && n_sets > 0 && strncmp(g->msg, "cannot read", 11))
            assert_true(!strncmp(g->where, "--set ", 6));
        else
            assert_string_equal(g->where, fixture(c->file));
    }
    train_config_free(&cfg);
}

static void test_diagnostics(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* An Axolotl config as people write it loads: each key lathe has no use for
 * gets one warning at its line saying why, lathe's own keys apply. */
static void test_axolotl_config(void **state)
{
    (void)state;
    static const char *const ignored[] = {
        "model_type", "tokenizer_type", "strict", "ds_type", "split", "dataset_prepared_path",
        "pad_to_sequence_len", "lora_model_dir", "wandb_project", "wandb_entity",
        "group_by_length", "bf16", "fp16", "tf32", "flash_attention", "deepspeed",
        "special_tokens", "wandb_name"};
    const size_t n = sizeof ignored / sizeof ignored[0];
    train_config c;
    config_diags d;
    char *sets[] = {"wandb_name=run-1"};
    assert_int_equal(train_config_load(&c, fixture("axolotl.yaml"), sets, 1, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, n);
    for (size_t i = 0; i < n; i++) {
        char want[128];
        snprintf(want, sizeof want, "'%s' is an Axolotl key that does not apply to lathe (ignored): ",
                 ignored[i]);
        size_t hits = 0;
        for (size_t j = 0; j < d.n; j++)
            hits += strncmp(d.items[j].msg, want, strlen(want)) == 0;
        if (hits != 1)
            fail_msg("%s: %zu warnings, wanted 1", ignored[i], hits);
    }
    char line[1024];
    config_diag_format(&d.items[7], line, sizeof line);
    assert_non_null(strstr(line, "axolotl.yaml:19:1: warning: 'lora_model_dir' is an Axolotl key"));
    assert_int_equal(c.lora_r, 8);
    assert_int_equal(c.gradient_accumulation_steps, 4);
    assert_true(c.sample_packing);
    train_config_free(&c);
}

/* The Axolotl table: no key lathe has itself, a reason for each, and the
 * keys the first-hour report met all there. */
static void test_axolotl_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < config_axolotl_key_count; i++) {
        const cs_foreign_key *k = &config_axolotl_keys[i];
        assert_null(config_schema_find(k->scope, k->key));
        assert_true(k->why && *k->why);
        assert_ptr_equal(config_axolotl_find(k->scope, k->key), k);
    }
    const char *met[] = {"bf16", "flash_attention", "wandb_project", "model_type",
                         "tokenizer_type", "strict"};
    for (size_t i = 0; i < sizeof met / sizeof met[0]; i++)
        assert_non_null(config_axolotl_find(CS_TOP, met[i]));
    const cs_foreign_key *dora = config_axolotl_find(CS_TOP, "peft_use_dora");
    assert_true(config_axolotl_harmless(dora, NULL));
    assert_true(config_axolotl_harmless(dora, "false"));
    assert_false(config_axolotl_harmless(dora, "true"));
    assert_true(config_axolotl_harmless(config_axolotl_find(CS_TOP, "bf16"), "auto"));
    assert_null(config_axolotl_find(CS_TOP, "learnign_rate"));
}

static void test_set_argument_named(void **state)
{
    (void)state;
    train_config c;
    config_diags d;
    char *sets[] = {"lora_r=abc"};
    assert_int_equal(train_config_load(&c, fixture("minimal.yaml"), sets, 1, &d), -1);
    char line[1024];
    config_diag_format(&d.items[0], line, sizeof line);
    assert_string_equal(line, "--set lora_r=abc: error: lora_r: expected an integer, got 'abc'");
    train_config_free(&c);
    assert_int_equal(train_config_load(&c, fixture("range.yaml"), NULL, 0, &d), -1);
    config_diag_format(&d.items[1], line, sizeof line);
    char want[PATH_MAX + 256];
    snprintf(want, sizeof want,
             "%s:5:15: error: lora_dropout: 1.5 is out of range; expected a number in [0, 1)",
             fixture("range.yaml"));
    assert_string_equal(line, want);
    train_config_free(&c);
}

static void test_error_limit(void **state)
{
    (void)state;
    train_config c;
    config_diags d;
    assert_int_equal(train_config_load(&c, fixture("too_many.yaml"), NULL, 0, &d), -1);
    assert_int_equal(d.n, CONFIG_MAX_DIAGS);
    assert_int_equal(d.errors, 25);
    assert_int_equal(d.dropped, 5);
    assert_string_equal(d.items[0].msg, "unknown key 'bogus_key_00'");
    assert_int_equal(d.items[19].line, 24);
    train_config_free(&c);
}

static void test_set_overrides(void **state)
{
    (void)state;
    train_config c;
    config_diags d;
    char ds[PATH_MAX + 64];
    snprintf(ds, sizeof ds, "datasets=[{path: %s/eval.jsonl, type: completion}]", fixture_dir);
    char *sets[] = {"lora_r=32", "adapter=lora", "lora_target_modules=[q_proj, o_proj]",
                    "learning_rate=3e-5", "max_steps=7", "output_dir=out dir", ds,
                    "warmup_ratio=~", "lora_r=64"};
    assert_int_equal(train_config_load(&c, fixture("full.yaml"), sets, 9, &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.items[0].sev, CONFIG_WARNING);
    assert_string_equal(d.items[0].where, "--set max_steps=7");
    assert_string_equal(d.items[0].msg, "max_steps (7) takes precedence over num_epochs (3)");
    assert_int_equal(c.lora_r, 64); /* the last --set wins */
    assert_int_equal(c.adapter, CONFIG_ADAPTER_LORA);
    assert_int_equal(c.lora_target_modules.n, 2);
    assert_string_equal(c.lora_target_modules.items[1], "o_proj");
    assert_true(c.learning_rate == 3e-5);
    assert_int_equal(c.max_steps, 7);
    assert_string_equal(c.output_dir, "out dir");
    assert_true(isnan(c.warmup_ratio));
    assert_int_equal(c.datasets.n, 1);
    assert_int_equal(c.datasets.items[0].type, CONFIG_DS_COMPLETION);
    assert_int_equal(c.lora_alpha, 32); /* untouched keys keep the file's value */
    train_config_free(&c);
}

/* ------------------------------------------------------------ round trip */

static void round_trip(const char *name, char **sets, size_t n_sets)
{
    train_config a, b;
    config_diags d;
    assert_int_equal(train_config_load(&a, fixture(name), sets, n_sets, &d), 0);
    char dir[] = "/tmp/lathe-config-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[sizeof dir + 32], err[256];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    assert_int_equal(train_config_write(&a, path, err, sizeof err), 0);
    if (train_config_load(&b, path, NULL, 0, &d) < 0) {
        config_diags_print(&d, stderr);
        fail_msg("the resolved %s does not load back", name);
    }
    assert_true(train_config_equal(&a, &b));
    /* Written twice, byte for byte the same. */
    char path2[sizeof dir + 32];
    snprintf(path2, sizeof path2, "%s/again.yaml", dir);
    assert_int_equal(train_config_write(&b, path2, err, sizeof err), 0);
    char cmd[3 * sizeof dir + 64];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", path, path2);
    assert_int_equal(system(cmd), 0);
    unlink(path);
    unlink(path2);
    rmdir(dir);
    train_config_free(&a);
    train_config_free(&b);
}

static void test_round_trip(void **state)
{
    (void)state;
    round_trip("minimal.yaml", NULL, 0);
    round_trip("full.yaml", NULL, 0);
    char *sets[] = {"output_dir=\"tab\\there, \\\"q\\\" \\\\ and \\u00e9 # not a comment\"",
                    "learning_rate=0.1", "adam_epsilon=3.3e-9", "val_set_size=200",
                    "lora_dropout=0.30000000000000004", "max_steps=12", "adapter=",
                    "lora_target_modules=['a: b', \"[x]\", '#', 'null', '']",
                    "load_in_8bit=false"};
    round_trip("full.yaml", sets, 9);
}

/* For every top-level key, overrides that change it (and only what it
 * needs) while keeping full.yaml valid; @DIR@ is the fixture directory. */
static const struct {
    const char *key;
    const char *sets[2];
} changes[] = {
    {"base_model", {"base_model=@DIR@/train.jsonl"}},
    {"chat_template", {"chat_template=llama3"}},
    {"load_in_8bit", {"load_in_8bit=false"}},
    {"load_in_4bit", {"load_in_8bit=false", "load_in_4bit=true"}},
    {"datasets", {"datasets=[{path: @DIR@/train.jsonl, field_output: output}, "
                  "{path: @DIR@/eval.jsonl, type: input_output, field_input: other}]"}},
    {"test_datasets", {"test_datasets=[]"}},
    {"val_set_size", {"val_set_size=0.2"}},
    {"sequence_len", {"sequence_len=128"}},
    {"sample_packing", {"sample_packing=false"}},
    {"train_on_inputs", {"train_on_inputs=false"}},
    {"dataset_exact_deduplication", {"dataset_exact_deduplication=false"}},
    {"shuffle", {"shuffle=true"}},
    {"seed", {"seed=8"}},
    {"adapter", {"adapter=", "load_in_8bit=false"}},
    {"lora_r", {"lora_r=4"}},
    {"lora_alpha", {"lora_alpha=8"}},
    {"lora_dropout", {"lora_dropout=0.1"}},
    {"lora_target_modules", {"lora_target_modules=[q_proj, k_proj, v_proj, O_proj]"}},
    {"lora_target_linear", {"lora_target_linear=true"}},
    {"peft_use_rslora", {"peft_use_rslora=false"}},
    {"unfrozen_layers", {"unfrozen_layers=2"}},
    {"optimizer", {"optimizer=sgd"}},
    {"learning_rate", {"learning_rate=0.001"}},
    {"weight_decay", {"weight_decay=0.02"}},
    {"adam_beta1", {"adam_beta1=0.8"}},
    {"adam_beta2", {"adam_beta2=0.99"}},
    {"adam_epsilon", {"adam_epsilon=1e-7"}},
    {"max_grad_norm", {"max_grad_norm=2"}},
    {"micro_batch_size", {"micro_batch_size=2"}},
    {"gradient_accumulation_steps", {"gradient_accumulation_steps=4"}},
    {"num_epochs", {"num_epochs=2"}},
    {"max_steps", {"max_steps=5"}},
    {"gradient_checkpointing", {"gradient_checkpointing=false"}},
    {"lr_scheduler", {"lr_scheduler=constant"}},
    {"warmup_steps", {"warmup_ratio=~", "warmup_steps=3"}},
    {"warmup_ratio", {"warmup_ratio=0.2"}},
    {"cosine_min_lr_ratio", {"cosine_min_lr_ratio=0.2"}},
    {"eval_steps", {"eval_steps=11"}},
    {"save_steps", {"save_steps=21"}},
    {"save_total_limit", {"save_total_limit=3"}},
    {"early_stopping_patience", {"early_stopping_patience=4"}},
    {"load_best_model_at_end", {"load_best_model_at_end=false"}},
    {"logging_steps", {"logging_steps=6"}},
    {"output_dir", {"output_dir=elsewhere"}},
    {"alarm_overfit", {"alarm_overfit=stop"}},
    {"alarm_overfit_evals", {"alarm_overfit_evals=5"}},
    {"alarm_loss_spike", {"alarm_loss_spike=off"}},
    {"alarm_loss_spike_sigma", {"alarm_loss_spike_sigma=3.5"}},
    {"alarm_grad_norm", {"alarm_grad_norm=pause"}},
    {"alarm_grad_norm_factor", {"alarm_grad_norm_factor=20"}},
    {"alarm_nonfinite", {"alarm_nonfinite=stop"}},
    {"alarm_throughput", {"alarm_throughput=off"}},
    {"alarm_throughput_drop", {"alarm_throughput_drop=0.25"}},
    {"alarm_memory", {"alarm_memory=pause"}},
    {"alarm_memory_fraction", {"alarm_memory_fraction=0.8"}},
    {"threads", {"threads=3"}},
    {"nan_tolerance", {"nan_tolerance=6"}},
};

static void test_equal_sees_differences(void **state)
{
    (void)state;
    train_config a, b;
    config_diags d;
    size_t n = sizeof changes / sizeof changes[0];
    assert_int_equal(n, count_scope(CS_TOP));
    assert_int_equal(train_config_load(&a, fixture("full.yaml"), NULL, 0, &d), 0);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(config_schema_find(CS_TOP, changes[i].key));
        char buf[2][512];
        char *sets[2];
        size_t n_sets = 0;
        for (; n_sets < 2 && changes[i].sets[n_sets]; n_sets++) {
            expand(changes[i].sets[n_sets], buf[n_sets], sizeof buf[n_sets]);
            sets[n_sets] = buf[n_sets];
        }
        if (train_config_load(&b, fixture("full.yaml"), sets, n_sets, &d) < 0) {
            config_diags_print(&d, stderr);
            fail_msg("%s: the override does not load", changes[i].key);
        }
        if (train_config_equal(&a, &b))
            fail_msg("changing %s left the config equal", changes[i].key);
        train_config_free(&b);
    }
    train_config_free(&a);
}

static void test_write_failure(void **state)
{
    (void)state;
    train_config c;
    config_diags d;
    char err[256] = "";
    assert_int_equal(train_config_load(&c, fixture("minimal.yaml"), NULL, 0, &d), 0);
    assert_int_equal(train_config_write(&c, "/nonexistent-dir/config.yaml", err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(access("/nonexistent-dir/config.yaml", F_OK), -1);
    train_config_free(&c);
}

/* Every diagnostic points into the text it was given, and a config either
 * loads or says why. */
static void check_mutant(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    train_config c;
    config_diags d;
    int rc = train_config_load(&c, path, NULL, 0, &d);
    assert_int_equal(rc == 0, d.errors == 0);
    for (size_t i = 0; i < d.n; i++) {
        if (d.items[i].line < 1 || d.items[i].line > lines)
            fail_msg("%.*s\n=> %d:%d: %s", (int)len, text, d.items[i].line, d.items[i].col, d.items[i].msg);
        assert_true(d.items[i].col >= 1);
        assert_true(strlen(d.items[i].msg) > 0);
    }
    train_config_free(&c);
}

/* Every prefix of full.yaml, and every byte of it replaced by a few
 * troublemakers: no crash, no leak (ASan), no diagnostic without a place. */
static void test_mutations(void **state)
{
    (void)state;
    FILE *fp = fopen(fixture("full.yaml"), "rb");
    assert_non_null(fp);
    char text[4096];
    size_t len = fread(text, 1, sizeof text, fp);
    fclose(fp);
    char dir[] = "/tmp/lathe-config-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    for (size_t cut = 0; cut <= len; cut++)
        check_mutant(path, text, cut);
    static const char bytes[] = {':', '[', '\xff', '&'};
    for (size_t i = 0; i < len; i++) {
        char orig = text[i];
        for (size_t b = 0; b < sizeof bytes; b++) {
            text[i] = bytes[b];
            check_mutant(path, text, len);
        }
        text[i] = orig;
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/config", src ? src : ".");
    if (!realpath(dir, fixture_dir)) {
        fprintf(stderr, "test_config: cannot find %s\n", dir);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_covers_brief),
        cmocka_unit_test(test_schema_consistent),
        cmocka_unit_test(test_enum_orders),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_range_text),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test(test_axolotl_config),
        cmocka_unit_test(test_axolotl_table),
        cmocka_unit_test(test_set_argument_named),
        cmocka_unit_test(test_error_limit),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_equal_sees_differences),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
