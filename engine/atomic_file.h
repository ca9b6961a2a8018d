/* atomic_file.h - writing a file so that readers see either the old contents
 * or the complete new ones, never a torn file: data goes to a temporary file
 * in the same directory, which is flushed, fsynced and renamed over the
 * target, and the directory is fsynced so the rename survives a crash.
 *
 * The temporary is named TARGET.tmp.PID.XXXXXX (PID: the writer's process)
 * and holds an exclusive flock while it is written. A writer killed midway
 * leaves it behind; atomic_file_clean_stale, which every atomic_file_open
 * runs for its target (and the dataset layer for a file it opens), removes
 * the temporaries of a target whose writer is gone: the lock is free and the
 * process is not running. A live writer's is never touched, not even in the
 * moment between creating its temporary and locking it. */
#ifndef LATHE_ATOMIC_FILE_H
#define LATHE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *fp;          /* write through this; NULL once synced */
    char *path;        /* the target */
    char *tmp;         /* the temporary beside it */
} atomic_file;

/* Removes stale temporaries of PATH, then creates and locks its own. -1
 * with err on failure. */
int atomic_file_open(atomic_file *af, const char *path, char *err, size_t errlen);
/* Flushes, fsyncs and closes the temporary: the new contents are on disk and
 * the target is untouched, so a caller can do what must come just before the
 * replacement (a backup link) and then commit. On failure the temporary is
 * removed and -1 returned with err. */
int atomic_file_sync(atomic_file *af, char *err, size_t errlen);
/* Syncs (unless done) and renames into place; on any failure the temporary
 * is removed, the target is untouched and -1 is returned with err. */
int atomic_file_commit(atomic_file *af, char *err, size_t errlen);
/* Drops the temporary file (after a failed write). */
void atomic_file_abort(atomic_file *af);

/* Removes TARGET.tmp.* files left by writers that are gone; returns how many. */
size_t atomic_file_clean_stale(const char *target);

/* Writes TEXT and a final newline to PATH atomically. */
int atomic_file_write_text(const char *path, const char *text, char *err, size_t errlen);

#endif
