/* ds_recovery.h - unsaved edits kept for the next start. When the workbench
 * loses its terminal (SIGHUP, a closed window, an SSH drop) or is terminated,
 * nobody can be asked whether to save, so the Data pane's edit session is
 * written here instead, and the next start on the same dataset offers to
 * replay it: the same steps on the same file give the same session, so a
 * save then writes the bytes the lost session would have.
 *
 * One file per dataset, STATE/recovery/NAME-HASH.recipe.yaml
 * (recovery_file.h): a recipe (ds_recipe.h) behind the comment lines that
 * name the dataset, its size and modification time when the edits were
 * kept, and when that was, so `lathe data clean DATASET --recipe FILE -o
 * OUT` replays it too. */
#ifndef LATHE_DS_RECOVERY_H
#define LATHE_DS_RECOVERY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "ds_edit.h"
#include "ds_recipe.h"

typedef struct {
    char path[PATH_MAX];      /* the recovery file */
    ds_recipe recipe;         /* the steps to replay and the token settings */
    char kept_at[32];         /* local time they were kept, "2024-05-01 14:03:12" */
    bool dataset_changed;     /* the dataset's size or modification time is not what it
                               * was then: the steps may not fit it any more */
} ds_recovery;

/* The recovery file of the dataset at DATA_PATH (which must exist) into
 * OUT, whether or not there is one. -1 with ERR. */
int ds_recovery_path(const char *data_path, char *out, size_t n, char *err, size_t errlen);
/* Writes E's steps as the recovery file of its dataset, atomically; the
 * file's path into OUT. -1 with ERR. */
int ds_recovery_keep(const ds_edit *e, char *out, size_t n, char *err, size_t errlen);
/* 1 with R filled (release with ds_recovery_free) when DATA_PATH has a
 * recovery file, 0 when it has none, -1 with ERR when there is one that
 * cannot be read (it is left where it is). */
int ds_recovery_find(const char *data_path, ds_recovery *r, char *err, size_t errlen);
void ds_recovery_free(ds_recovery *r);
/* Removes DATA_PATH's recovery file; no error when there is none. */
int ds_recovery_discard(const char *data_path, char *err, size_t errlen);

#endif
