/* ds_recipe.h - a cleaning recipe: the steps of an edit session as YAML,
 * written next to every saved dataset and replayed by
 * `lathe data clean IN --recipe R.yaml -o OUT`.
 *
 *   version: 1
 *   input: train.jsonl          # informational: the file it was made on
 *   tokens:                     # optional: how the session counted tokens
 *     model: /abs/model.gguf    # the tokenizer it loaded; absent: the byte estimate
 *     chat_template: chatml     # the template totals used; absent: field sums
 *     sequence_len: 512         # too_long's limit; 0: none
 *   steps:
 *     - do: delete              # and restore
 *       rows: [3, 17]           # record numbers, 1-based as the pane shows them
 *     - do: drop                # and keep
 *       filter: "chars > 4000"
 *     - do: tag
 *       filter: pii
 *       tag: review
 *     - do: whitespace          # nfc, drop_empty, dedupe, redact_pii: no arguments
 *     - do: near_dedupe
 *       threshold: 0.8
 *     - do: replace
 *       row: 12
 *       json: '{"instruction": "...", "output": "..."}'
 *
 * Filters on tokens and too_long select rows by these settings, so a replay
 * uses them. A recipe without `tokens:` (what lathe wrote before it had it,
 * or a session with neither tokenizer nor sequence_len) means the byte
 * estimate and no limit. chat_template needs model; names are
 * chat_tmpl_name's.
 *
 * Errors name the file, line and column: "R.yaml:4:7: unknown action 'dlete'". */
#ifndef LATHE_DS_RECIPE_H
#define LATHE_DS_RECIPE_H

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

#include "chat_template.h"
#include "ds_action.h"
#include "ds_edit.h"

typedef struct {
    char *model;              /* NULL: the byte estimate */
    chat_tmpl tmpl;           /* CHAT_TMPL_UNKNOWN: totals are field sums */
    uint32_t sequence_len;    /* 0: no limit */
} ds_recipe_tokens;

typedef struct {
    ds_action *steps;
    size_t n;
    bool has_tokens;          /* the file has `tokens:` */
    ds_recipe_tokens tokens;
} ds_recipe;

/* Reads PATH into R (empty on failure). -1 with "PATH:LINE:COL: what" in ERR. */
int ds_recipe_load(ds_recipe *r, const char *path, char *err, size_t errlen);
/* The same, from LEN bytes of TEXT; NAME stands for the file in errors. */
int ds_recipe_parse(ds_recipe *r, const char *name, const char *text, size_t len, char *err,
                    size_t errlen);
void ds_recipe_free(ds_recipe *r);

/* The YAML text of N steps (malloc'd, NUL-terminated); INPUT and TOKENS
 * (the `tokens:` section) may be NULL. NULL with ERR when out of memory. */
char *ds_recipe_format(const ds_action *steps, size_t n, const char *input,
                       const ds_recipe_tokens *tokens, char *err, size_t errlen);
/* The recipe of edit session E as a save writes it: its steps, INPUT, and
 * the token settings it counts with (the tokenizer's path made absolute so
 * the recipe replays from anywhere; no `tokens:` when it has neither a
 * tokenizer nor a limit). */
char *ds_recipe_format_edit(const ds_edit *e, const char *input, char *err, size_t errlen);
/* Writes COMMENT (NULL, or lines that start with '#') and E's recipe to
 * PATH atomically. */
int ds_recipe_write(const ds_edit *e, const char *input, const char *comment, const char *path,
                    char *err, size_t errlen);

#endif
