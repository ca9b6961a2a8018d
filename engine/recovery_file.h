/* recovery_file.h - where work that nobody could be asked about is kept for
 * the next start. When the workbench loses its terminal or is terminated
 * with unsaved edits, a pane writes them here instead of asking, and the
 * next open of the same file offers them back.
 *
 * One file per subject (the file the edits belong to: a dataset, a config)
 * and kind, STATE/recovery/NAME-HASH.SUFFIX (STATE from state_dir.h; HASH
 * is the XXH3 of the subject's real path, NAME its file name, for people
 * looking in the folder). It opens with comment lines ("# ...") that name
 * the subject, its size and modification time when the edits were kept,
 * and when that was; the last of them starts "# kept at ". What follows is
 * the kind's own (a recipe, the config's text). */
#ifndef LATHE_RECOVERY_FILE_H
#define LATHE_RECOVERY_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* What kind of edits, as the header's words put it. */
typedef struct {
    const char *suffix;     /* of the file name: "recipe.yaml" */
    const char *pane;       /* the pane that kept them: "Data" */
    const char *noun;       /* what the subject is: "dataset" */
    const char *offer;      /* what opening it does: "offers to replay them" */
} recovery_kind;

/* What a recovery file's header says. */
typedef struct {
    bool subject_changed;   /* the subject's size or modification time is not what it
                             * was then (or the header does not say) */
    char kept_at[32];       /* local time, "2024-05-01 14:03:12"; "" when not said */
    size_t body;            /* the byte where the kind's own text starts */
} recovery_header;

/* The recovery file of SUBJECT (which must exist) into OUT, whether or not
 * there is one; with CREATE its folder is made when missing. -1 with ERR. */
int recovery_file_path(const recovery_kind *k, const char *subject, bool create, char *out,
                       size_t n, char *err, size_t errlen);
/* The header for SUBJECT as it is now, into OUT (NUL-terminated lines).
 * -1 with ERR when SUBJECT cannot be read. */
int recovery_file_header(const recovery_kind *k, const char *subject, char *out, size_t n,
                         char *err, size_t errlen);
/* SUBJECT's recovery file: its path into OUT and, when there is one, its
 * whole text in *TEXT (*LEN bytes, NUL-terminated; the caller frees it) and
 * what its header says, compared with SUBJECT as it is now. 1 when there is
 * one, 0 when not (*TEXT NULL), -1 with ERR. */
int recovery_file_find(const recovery_kind *k, const char *subject, char *out, size_t n,
                       char **text, size_t *len, recovery_header *h, char *err, size_t errlen);
/* Removes SUBJECT's recovery file; no error when there is none. */
int recovery_file_discard(const recovery_kind *k, const char *subject, char *err,
                          size_t errlen);

#endif
