/* ds_save.c - visible records to a new file, the recipe beside it, and a
 * backup of the input when it is overwritten. */
#include "config.h"

#include "ds_save.h"
#include "ds_output.h"
#include "ds_recipe.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ds_save_recipe_path(const char *out, char *buf, size_t n)
{
    snprintf(buf, n, "%s.recipe.yaml", out);
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
        && sa.st_ino == sb.st_ino;
}

static int write_records(ds_edit *e, ds_output *o, ds_save_result *res, char *err,
                         size_t errlen)
{
    dataset *ds = ds_edit_dataset(e);
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        if (ds_edit_deleted(e, row)) {
            res->deleted++;
            continue;
        }
        if (!ds_edit_replaced(e, row) && dataset_is_bad(ds, row)) {
            res->problems++;
            continue;
        }
        size_t len;
        const char *text = ds_edit_text(e, row, &len);
        if (ds_output_record(o, text, len, err, errlen) != 0)
            return -1;
    }
    res->written = o->records;
    return 0;
}

/* Links the input to its first free backup name. A name that already is
 * the input (a save killed between this link and its rename) is that free
 * name: it becomes the backup instead of pushing it to the next one. */
static int backup(const char *in, ds_save_result *res, char *err, size_t errlen)
{
    for (int i = 0; i < 100; i++) {
        int n = i == 0 ? snprintf(res->backup, sizeof res->backup, "%s.bak", in)
                       : snprintf(res->backup, sizeof res->backup, "%s.bak.%d", in, i);
        if (n >= (int)sizeof res->backup) {
            snprintf(err, errlen, "%s: the name is too long for a backup beside it", in);
            res->backup[0] = '\0';
            return -1;
        }
        if (link(in, res->backup) == 0 || (errno == EEXIST && same_file(in, res->backup)))
            return 0;
        if (errno != EEXIST)
            break;
    }
    snprintf(err, errlen, "%s: cannot keep a backup as %s: %s", in, res->backup,
             errno == EEXIST ? "all backup names up to .bak.99 are taken" : strerror(errno));
    res->backup[0] = '\0';
    return -1;
}

static int write_recipe(ds_edit *e, const char *out, ds_save_result *res, char *err,
                        size_t errlen)
{
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s", dataset_path(ds_edit_dataset(e)));
    ds_save_recipe_path(out, res->recipe, sizeof res->recipe);
    return ds_recipe_write(e, basename(name), NULL, res->recipe, err, errlen);
}

int ds_save(ds_edit *e, const char *out, const ds_save_options *opt, ds_save_result *res,
            char *err, size_t errlen)
{
    dataset *ds = ds_edit_dataset(e);
    char in[PATH_MAX];
    *res = (ds_save_result){0};
    bool overwrite = same_file(dataset_path(ds), out);
    /* Through a symbolic link: the file it points to is replaced, not the link. */
    struct stat st;
    if (!overwrite || lstat(out, &st) || !S_ISLNK(st.st_mode) || !realpath(out, in))
        snprintf(in, sizeof in, "%s", dataset_path(ds));
    const char *target = overwrite ? in : out;
    if (overwrite && !(opt && opt->overwrite_input)) {
        snprintf(err, errlen, "%s: this is the input; overwriting it needs --in-place", out);
        return DS_SAVE_NEEDS_OVERWRITE;
    }
    if (!dataset_checked(ds)) {
        snprintf(err, errlen, "%s: still checking the records; save when the check is done",
                 dataset_path(ds));
        return DS_SAVE_FAILED;
    }
    ds_layout layout = dataset_layout(ds) == DS_LAYOUT_ARRAY ? DS_LAYOUT_ARRAY : DS_LAYOUT_JSONL;
    ds_output o;
    if (ds_output_open(&o, target, layout, err, errlen) != 0)
        return DS_SAVE_FAILED;
    /* The backup link is made once the new file is on disk, just before the
     * rename: a save killed earlier leaves no backup behind. */
    if (write_records(e, &o, res, err, errlen) != 0 || dataset_changed(ds, err, errlen)
        || ds_output_finish(&o, err, errlen) != 0
        || (overwrite && backup(in, res, err, errlen) != 0)) {
        ds_output_abort(&o);
        return DS_SAVE_FAILED;
    }
    if (ds_output_commit(&o, err, errlen) != 0) {
        if (res->backup[0])
            unlink(res->backup);
        res->backup[0] = '\0';
        return DS_SAVE_FAILED;
    }
    return write_recipe(e, out, res, err, errlen) == 0 ? DS_SAVE_OK : DS_SAVE_FAILED;
}
