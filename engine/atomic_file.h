/* atomic_file.h - writing a file so that readers see either the old contents
 * or the complete new ones, never a torn file: data goes to a temporary file
 * in the same directory, which is flushed, fsynced and renamed over the
 * target, and the directory is fsynced so the rename survives a crash. */
#ifndef LATHE_ATOMIC_FILE_H
#define LATHE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *fp;          /* write through this */
    char *path;        /* the target */
    char *tmp;         /* the temporary beside it */
} atomic_file;

/* Creates the temporary file for PATH. -1 with err on failure. */
int atomic_file_open(atomic_file *af, const char *path, char *err, size_t errlen);
/* Flushes, fsyncs and renames into place; on any failure the temporary is
 * removed, the target is untouched and -1 is returned with err. */
int atomic_file_commit(atomic_file *af, char *err, size_t errlen);
/* Drops the temporary file (after a failed write). */
void atomic_file_abort(atomic_file *af);

/* Writes TEXT and a final newline to PATH atomically. */
int atomic_file_write_text(const char *path, const char *text, char *err, size_t errlen);

#endif
