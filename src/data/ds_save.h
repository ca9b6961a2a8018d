/* ds_save.h - saving an edit session: the one function behind the Data
 * pane's save and `lathe data clean`, so both write the same bytes.
 *
 * The output is a new file written atomically (ds_output.h) in the input's
 * layout (JSONL or JSON array; gzip when OUT ends in ".gz"): the visible
 * records in file order, untouched ones byte for byte, edited ones as their
 * replacement text. Records that do not parse (the problems view) are left
 * out unless they were replaced. The session's recipe is written beside it as
 * OUT.recipe.yaml.
 *
 * OUT may be the input only with overwrite_input (the pane asks first;
 * `--in-place` on the command line). The old file then stays as the first
 * free name of IN.bak, IN.bak.1, ... IN.bak.99 (a hard link to it, made just
 * before the new file is renamed over IN). */
#ifndef LATHE_DS_SAVE_H
#define LATHE_DS_SAVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "ds_edit.h"

typedef struct {
    bool overwrite_input;
} ds_save_options;

typedef struct {
    size_t written, deleted, problems;   /* records written, deleted, left out as problems */
    char recipe[PATH_MAX];
    char backup[PATH_MAX];               /* "" when none was made */
} ds_save_result;

enum { DS_SAVE_OK = 0, DS_SAVE_FAILED = -1, DS_SAVE_NEEDS_OVERWRITE = -2 };

/* "OUT.recipe.yaml" */
void ds_save_recipe_path(const char *out, char *buf, size_t n);
/* Returns DS_SAVE_OK, DS_SAVE_FAILED with ERR, or DS_SAVE_NEEDS_OVERWRITE
 * (ERR says so) when OUT is the input and OPT does not allow that. The
 * dataset must be checked (dataset_check). */
int ds_save(ds_edit *e, const char *out, const ds_save_options *opt, ds_save_result *res,
            char *err, size_t errlen);

#endif
