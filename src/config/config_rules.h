/* config_rules.h - the rules that tie config keys to one another, in one
 * place: which combinations are wrong (warmup_steps with warmup_ratio, a
 * quantized base without an adapter, ...), which keys have no effect given
 * the others (LoRA keys without an adapter, Adam's betas under SGD, ...),
 * and which edits must go with an edit so the rules keep holding (setting
 * load_in_4bit brings adapter: lora). The loader reports the conflicts
 * (`lathe config --check`); the Config pane greys out the keys without
 * effect and applies the edits that follow. */
#ifndef LATHE_CONFIG_RULES_H
#define LATHE_CONFIG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "config_diag.h"
#include "config_doc.h"
#include "config_schema.h"
#include "train_config.h"

/* One broken rule: the key it is reported at, how bad, and why. */
typedef struct {
    const char *key;
    config_severity sev;
    char msg[256];
} config_rule_hit;

/* The rules CFG breaks. GIVEN[i] says whether schema key i was written in
 * the file (or --set), not defaulted; NULL takes every key as written.
 * Returns how many were found; up to MAX are stored in OUT. */
size_t config_rules_check(const train_config *cfg, const bool *given, config_rule_hit *out,
                          size_t max);

/* Why K has no effect in CFG ("applies with adapter: lora"), or NULL when
 * it takes effect. */
const char *config_rules_inactive(const train_config *cfg, const cs_key *k);

/* The edits that go with setting KEY to VALUE (the form's normalised text;
 * NULL for removing it) so that CFG, the config before the edit, keeps the
 * rules: a quantized base brings adapter: lora and drops the other bit
 * width, dropping the adapter drops the quantized base, warmup_steps and
 * warmup_ratio drop each other. Returns the count (at most MAX, which 4
 * always covers). */
size_t config_rules_follow(const train_config *cfg, const char *key, const char *value,
                           config_edit *out, size_t max);

#endif
