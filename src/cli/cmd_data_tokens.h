/* cmd_data_tokens.h - how `lathe data clean` and `lathe data stats` count
 * tokens: the settings a recipe recorded (its `tokens:`, ds_recipe.h), with
 * -m, --config and --sequence-len over them, and the tokenizer loaded.
 * A config gives its base_model, chat_template and sequence_len as the Data
 * pane takes them; -m replaces the model (its template then resolved from
 * the config's chat_template, auto without one) and --sequence-len the
 * limit. Without a recipe's `tokens:` the base is the byte estimate and no
 * limit. When an option changes a setting that the recipe's filters on
 * tokens or too_long read, a warning says the output may differ from the
 * pane's. */
#ifndef LATHE_CMD_DATA_TOKENS_H
#define LATHE_CMD_DATA_TOKENS_H

#include <stdbool.h>

#include "ds_edit.h"
#include "ds_recipe.h"

typedef struct {
    const char *model;        /* -m, or NULL */
    const char *config;       /* --config, or NULL */
    long long sequence_len;   /* --sequence-len; -1: not given */
    bool strict;              /* a model template lathe does not render fails (else a
                                 warning, and totals are field sums) */
} cmd_data_token_opts;

typedef struct {
    tok_vocab *vocab;         /* NULL: the byte estimate */
    char *model;              /* the path it was loaded from */
    ds_edit_tokens edit;      /* for ds_edit_set_tokens; points into this */
} cmd_data_tokens;

/* Resolves and loads the settings for `lathe data SUB`; R (read from
 * RECIPE_PATH) may be NULL. 0, or -1 after printing why on stderr; close T
 * either way. */
int cmd_data_tokens_open(cmd_data_tokens *t, const char *sub, const cmd_data_token_opts *o,
                         const ds_recipe *r, const char *recipe_path);
void cmd_data_tokens_close(cmd_data_tokens *t);

#endif
