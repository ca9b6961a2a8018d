/* ds_recovery.c - the Data pane's recovery file (recovery_file.h): a recipe
 * behind the header, read back with the recipe parser (YAML skips the
 * comments). */
#include "config.h"

#include "ds_recovery.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recovery_file.h"

static const recovery_kind kind = {"recipe.yaml", "Data", "dataset", "offers to replay them"};

int ds_recovery_path(const char *data_path, char *out, size_t n, char *err, size_t errlen)
{
    return recovery_file_path(&kind, data_path, false, out, n, err, errlen);
}

int ds_recovery_keep(const ds_edit *e, char *out, size_t n, char *err, size_t errlen)
{
    const char *data_path = dataset_path(ds_edit_dataset(e));
    char comment[PATH_MAX + 512];
    if (recovery_file_path(&kind, data_path, true, out, n, err, errlen) != 0 ||
        recovery_file_header(&kind, data_path, comment, sizeof comment, err, errlen) != 0)
        return -1;
    return ds_recipe_write(e, data_path, comment, out, err, errlen);
}

int ds_recovery_find(const char *data_path, ds_recovery *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    char *text;
    size_t len;
    recovery_header h;
    int rc = recovery_file_find(&kind, data_path, r->path, sizeof r->path, &text, &len, &h, err,
                                errlen);
    if (rc != 1)
        return rc;
    rc = ds_recipe_parse(&r->recipe, r->path, text, len, err, errlen);
    r->dataset_changed = h.subject_changed;
    snprintf(r->kept_at, sizeof r->kept_at, "%s", h.kept_at);
    free(text);
    return rc == 0 ? 1 : -1;
}

void ds_recovery_free(ds_recovery *r)
{
    ds_recipe_free(&r->recipe);
}

int ds_recovery_discard(const char *data_path, char *err, size_t errlen)
{
    return recovery_file_discard(&kind, data_path, err, errlen);
}
