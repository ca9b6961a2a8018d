/* run_dir.h - a training run's directory (BRIEF "Run directory"): choosing and
 * creating it, and the line-per-record JSONL logs (metrics.jsonl,
 * events.jsonl) written as the run goes, flushed after every line so a
 * killed run keeps everything logged so far. */
#ifndef LATHE_RUN_DIR_H
#define LATHE_RUN_DIR_H

#include <stdio.h>

#include <jansson.h>

typedef struct {
    char *path;
    FILE *metrics, *events;
} run_dir;

/* Creates DIR (and its parents), or runs/<UTC timestamp> when DIR is NULL,
 * and opens its logs. A directory that already holds a metrics.jsonl is
 * refused (see run_dir_reopen). -1 with err. */
int run_dir_open(run_dir *rd, const char *dir, char *err, size_t errlen);
/* Reopens DIR's logs to resume a run from the checkpoint after KEEP_STEP
 * steps: metrics.jsonl is rewritten (atomically) without the rows that run
 * logged later (its step rows after KEEP_STEP and evaluations from
 * KEEP_STEP on, which the resumed run logs again); both logs are then
 * appended to. -1 with err. */
int run_dir_reopen(run_dir *rd, const char *dir, long long keep_step, char *err,
                   size_t errlen);
/* Closes the logs; -1 with err when a write was lost (disk full). */
int run_dir_close(run_dir *rd, char *err, size_t errlen);
/* PATH/NAME in a malloc'd string; NULL when out of memory. */
char *run_dir_file(const run_dir *rd, const char *name);

/* Appends OBJ as one line of FP (the object is not consumed). -1 on a write error. */
int run_dir_log(FILE *fp, const json_t *obj);
/* Writes OBJ to PATH/NAME atomically, indented. -1 with err. */
int run_dir_write_json(const run_dir *rd, const char *name, const json_t *obj, char *err,
                       size_t errlen);

#endif
