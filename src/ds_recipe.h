/* ds_recipe.h - a cleaning recipe: the steps of an edit session as YAML,
 * written next to every saved dataset and replayed by
 * `lathe data clean IN --recipe R.yaml -o OUT`.
 *
 *   version: 1
 *   input: train.jsonl          # informational: the file it was made on
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
 * Errors name the file, line and column: "R.yaml:4:7: unknown action 'dlete'". */
#ifndef LATHE_DS_RECIPE_H
#define LATHE_DS_RECIPE_H

#include <stddef.h>

#include "ds_action.h"

typedef struct {
    ds_action *steps;
    size_t n;
} ds_recipe;

/* Reads PATH into R (empty on failure). -1 with "PATH:LINE:COL: what" in ERR. */
int ds_recipe_load(ds_recipe *r, const char *path, char *err, size_t errlen);
/* The same, from LEN bytes of TEXT; NAME stands for the file in errors. */
int ds_recipe_parse(ds_recipe *r, const char *name, const char *text, size_t len, char *err,
                    size_t errlen);
void ds_recipe_free(ds_recipe *r);

/* The YAML text of N steps (malloc'd, NUL-terminated); INPUT may be NULL.
 * NULL with ERR when out of memory. */
char *ds_recipe_format(const ds_action *steps, size_t n, const char *input, char *err,
                       size_t errlen);
/* Writes that text to PATH atomically. */
int ds_recipe_write(const ds_action *steps, size_t n, const char *input, const char *path,
                    char *err, size_t errlen);

#endif
