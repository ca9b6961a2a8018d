/* run_dir.h - a training run's directory (runs/NAME/ by default: config.yaml,
 * metrics.jsonl, events.jsonl, checkpoints/, the outputs, summary.json): choosing and
 * creating it, locking it for the run's life (run_lock.h), and the
 * line-per-record JSONL logs (metrics.jsonl, events.jsonl) written as the
 * run goes, flushed after every line so a killed run keeps everything logged
 * so far. */
#ifndef LATHE_RUN_DIR_H
#define LATHE_RUN_DIR_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "run_lock.h"

typedef struct {
    char *path;
    FILE *metrics, *events;
    bool created;   /* run_dir_open made the directory (run_dir_discard may remove it) */
    run_lock lock;
    long long last_eval_step; /* run_dir_reopen: the newest evaluation kept, or -1 */
} run_dir;

/* The directory a new run will use: DIR, or runs/<UTC timestamp> when DIR
 * is NULL, in a malloc'd string. Creates nothing, so a run whose setup fails
 * leaves nothing behind. A directory that already holds a metrics.jsonl is
 * refused (see run_dir_reopen). NULL with err. */
char *run_dir_pick(const char *dir, char *err, size_t errlen);
/* Whether DIR holds a run (its metrics.jsonl exists). */
bool run_dir_holds_run(const char *dir);
/* Creates PATH (and its parents), locks it and opens its logs; refuses a
 * directory that holds a run as run_dir_pick does, and one another process
 * has locked. -1 with err. */
int run_dir_open(run_dir *rd, const char *path, char *err, size_t errlen);
/* Locks the existing run directory PATH, to resume it (run_dir_reopen
 * next). -1 with err naming the process that holds it. */
int run_dir_lock(run_dir *rd, const char *path, char *err, size_t errlen);
/* After a start that failed past run_dir_open: closes the logs and, when
 * run_dir_open created the directory, removes the files a run writes before
 * it starts (config.yaml, the logs, the lock file) and the directory. A
 * directory that existed before is left as it is. The lock is released. */
void run_dir_discard(run_dir *rd);
/* Reopens the logs of the run directory run_dir_lock locked, to resume a
 * run from the checkpoint after KEEP_STEP steps (0: from the start):
 * metrics.jsonl is rewritten (atomically) without the rows that run logged
 * later (its step and evaluation rows after KEEP_STEP, which the resumed run
 * logs again; the evaluation of KEEP_STEP itself ran before that checkpoint
 * was saved, or after the run's last step); both logs are then appended to.
 * -1 with err. */
int run_dir_reopen(run_dir *rd, long long keep_step, char *err, size_t errlen);
/* Closes the logs and releases the lock; -1 with err when a write was lost
 * (disk full). */
int run_dir_close(run_dir *rd, char *err, size_t errlen);
/* PATH/NAME in a malloc'd string; NULL when out of memory. */
char *run_dir_file(const run_dir *rd, const char *name);

/* mkdir -p PATH. -1 with err naming the directory that could not be made. */
int run_dir_mkdirs(const char *path, char *err, size_t errlen);

/* Appends OBJ as one line of FP (the object is not consumed). -1 on a write error. */
int run_dir_log(FILE *fp, const json_t *obj);
/* Writes OBJ to PATH/NAME atomically, indented. -1 with err. */
int run_dir_write_json(const run_dir *rd, const char *name, const json_t *obj, char *err,
                       size_t errlen);

#endif
