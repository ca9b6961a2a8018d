/* config_rules.c - the rules between config keys (config_rules.h). */
#include "config.h"

#include "config_rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    config_rule_hit *out;
    size_t max, n;
} hits;

static void hit(hits *h, const char *key, config_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void hit(hits *h, const char *key, config_severity sev, const char *fmt, ...)
{
    if (h->n < h->max) {
        config_rule_hit *r = &h->out[h->n];
        r->key = key;
        r->sev = sev;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg, sizeof r->msg, fmt, ap);
        va_end(ap);
    }
    h->n++;
}

static bool was_given(const bool *given, const char *key)
{
    return !given || given[config_schema_find(CS_TOP, key) - config_schema];
}

static bool has_eval_data(const train_config *c)
{
    return c->val_set_size > 0 || c->test_datasets.n > 0;
}

size_t config_rules_check(const train_config *c, const bool *given, config_rule_hit *out,
                          size_t max)
{
    hits h = {out, max, 0};
    bool lora = c->adapter == CONFIG_ADAPTER_LORA;
    if (c->max_steps != CONFIG_UNSET && was_given(given, "num_epochs"))
        hit(&h, "max_steps", CONFIG_WARNING, "max_steps (%lld) takes precedence over num_epochs "
            "(%lld)", (long long)c->max_steps, (long long)c->num_epochs);
    if (c->warmup_steps != CONFIG_UNSET && !isnan(c->warmup_ratio))
        hit(&h, "warmup_ratio", CONFIG_ERROR,
            "warmup_ratio and warmup_steps are both set; keep one of them");
    if (c->load_in_8bit && c->load_in_4bit)
        hit(&h, "load_in_4bit", CONFIG_ERROR,
            "load_in_4bit and load_in_8bit are both true; choose one");
    if ((c->load_in_8bit || c->load_in_4bit) && !lora)
        hit(&h, c->load_in_4bit ? "load_in_4bit" : "load_in_8bit", CONFIG_ERROR,
            "%s: a quantized base is frozen, so you need adapter: lora",
            c->load_in_4bit ? "load_in_4bit" : "load_in_8bit");
    if (c->early_stopping_patience != CONFIG_UNSET && c->eval_steps == CONFIG_UNSET)
        hit(&h, "early_stopping_patience", CONFIG_ERROR,
            "early_stopping_patience needs eval_steps (the evaluations it compares)");
    if (c->load_best_model_at_end && c->eval_steps == CONFIG_UNSET)
        hit(&h, "load_best_model_at_end", CONFIG_ERROR,
            "load_best_model_at_end needs eval_steps (the evaluations it compares)");
    if (c->eval_steps != CONFIG_UNSET && !has_eval_data(c))
        hit(&h, "eval_steps", CONFIG_WARNING,
            "eval_steps is set but there is no validation data (val_set_size or test_datasets)");
    if (lora && c->lora_target_modules.n == 0 && !c->lora_target_linear)
        hit(&h, given && was_given(given, "lora_target_modules") ? "lora_target_modules"
                                                                 : "adapter",
            CONFIG_ERROR, "adapter lora needs lora_target_modules or lora_target_linear: true");
    return h.n;
}

static bool key_is(const cs_key *k, const char *name)
{
    return k->scope == CS_TOP && !strcmp(k->key, name);
}

static bool lora_key(const cs_key *k)
{
    return !strncmp(k->key, "lora_", 5) || key_is(k, "peft_use_rslora");
}

const char *config_rules_inactive(const train_config *c, const cs_key *k)
{
    bool lora = c->adapter == CONFIG_ADAPTER_LORA;
    if (lora_key(k) && !lora)
        return "applies with adapter: lora";
    if (key_is(k, "lora_target_modules") && c->lora_target_linear)
        return "lora_target_linear: true puts an adapter on every projection";
    if (key_is(k, "unfrozen_layers") && lora)
        return "applies to full fine-tuning (no adapter)";
    if ((key_is(k, "adam_beta1") || key_is(k, "adam_beta2") || key_is(k, "adam_epsilon")) &&
        c->optimizer != CONFIG_OPT_ADAMW)
        return "applies to optimizer: adamw";
    if (key_is(k, "warmup_ratio") && c->warmup_steps != CONFIG_UNSET && isnan(c->warmup_ratio))
        return "warmup_steps is set; setting warmup_ratio replaces it";
    if (key_is(k, "warmup_steps") && !isnan(c->warmup_ratio) && c->warmup_steps == CONFIG_UNSET)
        return "warmup_ratio is set; setting warmup_steps replaces it";
    if (key_is(k, "cosine_min_lr_ratio") && c->lr_scheduler != CONFIG_SCHED_COSINE)
        return "applies to lr_scheduler: cosine";
    if (key_is(k, "num_epochs") && c->max_steps != CONFIG_UNSET)
        return "max_steps is set and takes precedence";
    if ((key_is(k, "early_stopping_patience") || key_is(k, "load_best_model_at_end")) &&
        c->eval_steps == CONFIG_UNSET)
        return "applies with eval_steps";
    if (key_is(k, "eval_steps") && !has_eval_data(c))
        return "no validation data (val_set_size or test_datasets)";
    if (key_is(k, "val_set_size") && c->test_datasets.n > 0)
        return "test_datasets are used instead";
    if (key_is(k, "save_total_limit") && c->save_steps == CONFIG_UNSET)
        return "applies with save_steps (otherwise only the final checkpoint is written)";
    return NULL;
}

size_t config_rules_follow(const train_config *c, const char *key, const char *value,
                           config_edit *out, size_t max)
{
    size_t n = 0;
    bool on = value && !strcmp(value, "true");
#define EDIT(k, v) \
    do { \
        if (n < max) \
            out[n++] = (config_edit){k, v}; \
    } while (0)
    if ((!strcmp(key, "load_in_4bit") || !strcmp(key, "load_in_8bit")) && on) {
        if (c->adapter != CONFIG_ADAPTER_LORA)
            EDIT("adapter", "lora");
        if (!strcmp(key, "load_in_4bit") && c->load_in_8bit)
            EDIT("load_in_8bit", NULL);
        if (!strcmp(key, "load_in_8bit") && c->load_in_4bit)
            EDIT("load_in_4bit", NULL);
    }
    if (!strcmp(key, "adapter") && (!value || !*value)) {
        if (c->load_in_4bit)
            EDIT("load_in_4bit", NULL);
        if (c->load_in_8bit)
            EDIT("load_in_8bit", NULL);
    }
    if (!strcmp(key, "warmup_steps") && value && *value && !isnan(c->warmup_ratio))
        EDIT("warmup_ratio", NULL);
    if (!strcmp(key, "warmup_ratio") && value && *value && c->warmup_steps != CONFIG_UNSET)
        EDIT("warmup_steps", NULL);
#undef EDIT
    return n;
}
