/* config_recovery.h - unsaved Config pane edits kept for the next start.
 * When the workbench loses its terminal (SIGHUP, a closed window, an SSH
 * drop) or is terminated, nobody can be asked whether to save, so the
 * config's edited text is written here instead, and the next open of that
 * config offers to restore it as unsaved edits (the file itself is not
 * touched until the user saves).
 *
 * One file per config, STATE/recovery/NAME-HASH.config.yaml
 * (recovery_file.h): the text as it was being edited, behind comment lines
 * naming the config, its size and modification time then, and when. */
#ifndef LATHE_CONFIG_RECOVERY_H
#define LATHE_CONFIG_RECOVERY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config_doc.h"

typedef struct {
    char path[PATH_MAX];      /* the recovery file */
    char *text;               /* the edited text (malloc'd, NUL-terminated) */
    size_t len;
    char kept_at[32];         /* local time, "2024-05-01 14:03:12" */
    bool config_changed;      /* the file's size or modification time is not what it
                               * was then: it was changed since */
} config_recovery;

/* Writes D's current text as the recovery file of its config, atomically;
 * the file's path into OUT. -1 with ERR. */
int config_recovery_keep(const config_doc *d, char *out, size_t n, char *err, size_t errlen);
/* 1 with R filled (release with config_recovery_free) when CONFIG_PATH has
 * a recovery file, 0 when it has none, -1 with ERR when there is one that
 * cannot be read (it is left where it is). */
int config_recovery_find(const char *config_path, config_recovery *r, char *err,
                         size_t errlen);
void config_recovery_free(config_recovery *r);
/* Removes CONFIG_PATH's recovery file; no error when there is none. */
int config_recovery_discard(const char *config_path, char *err, size_t errlen);

#endif
