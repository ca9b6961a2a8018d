/* run_dir.h - a training run's directory (runs/NAME/ by default: config.yaml,
 * metrics.jsonl, events.jsonl, checkpoints/, the outputs, summary.json): choosing and
 * creating it, and the line-per-record JSONL logs (metrics.jsonl,
 * events.jsonl) written as the run goes, flushed after every line so a
 * killed run keeps everything logged so far. */
#ifndef LATHE_RUN_DIR_H
#define LATHE_RUN_DIR_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

typedef struct {
    char *path;
    FILE *metrics, *events;
    bool created;   /* run_dir_open made the directory (run_dir_discard may remove it) */
} run_dir;

/* The directory a new run will use: DIR, or runs/<UTC timestamp> when DIR
 * is NULL, in a malloc'd string. Creates nothing, so a run whose setup fails
 * leaves nothing behind. A directory that already holds a metrics.jsonl is
 * refused (see run_dir_reopen). NULL with err. */
char *run_dir_pick(const char *dir, char *err, size_t errlen);
/* Creates PATH (and its parents) and opens its logs; refuses a directory
 * that holds a run as run_dir_pick does. -1 with err. */
int run_dir_open(run_dir *rd, const char *path, char *err, size_t errlen);
/* After a start that failed past run_dir_open: closes the logs and, when
 * run_dir_open created the directory, removes the files a run writes before
 * it starts (config.yaml and the logs) and the directory. A directory that
 * existed before is left as it is. */
void run_dir_discard(run_dir *rd);
/* Reopens DIR's logs to resume a run from the checkpoint after KEEP_STEP
 * steps: metrics.jsonl is rewritten (atomically) without the rows that run
 * logged later (its step and evaluation rows after KEEP_STEP, which the
 * resumed run logs again; the evaluation of KEEP_STEP itself ran before
 * that checkpoint was saved); both logs are then appended to. -1 with err. */
int run_dir_reopen(run_dir *rd, const char *dir, long long keep_step, char *err,
                   size_t errlen);
/* Closes the logs; -1 with err when a write was lost (disk full). */
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
