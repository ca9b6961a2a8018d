/* config_job.h - a computation that follows the config being edited (the
 * run estimate, the template check): it runs on a worker thread over a
 * copy of the document's text once the edits have settled (no edit for
 * CONFIG_JOB_SETTLE_MS), and hands each result to the pane, which owns it.
 *
 * A run is never restarted while it goes: the core calls it wraps cannot
 * stop early, and restarting joins the old run, which would freeze the
 * pane. A newer text waits for the run to end instead, and the stale
 * result is dropped. Cancelling stops waiting: the run's result is dropped
 * and nothing starts again until the next edit. */
#ifndef LATHE_CONFIG_JOB_H
#define LATHE_CONFIG_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "config_doc.h"
#include "train_config.h"
#include "worker.h"

/* How long the text must stay unchanged before a run starts. */
#define CONFIG_JOB_SETTLE_MS 400

typedef struct {
    const char *name;             /* "estimate": for the worker's messages */
    /* On the worker thread: the result for the config PATH holding TEXT,
     * or NULL with err. */
    void *(*compute)(worker *w, const char *path, const char *text, size_t len, char *err,
                     size_t errlen);
    void (*free_result)(void *result);
} config_job_kind;

typedef enum {
    CONFIG_JOB_IDLE,              /* nothing to do: the last result is current, or none wanted */
    CONFIG_JOB_SETTLING,          /* the text changed; a run starts once edits settle */
    CONFIG_JOB_RUNNING,
    CONFIG_JOB_FAILED,            /* the last run failed (config_job_error says why) */
    CONFIG_JOB_CANCELLED,
} config_job_state;

typedef struct config_job config_job;

config_job *config_job_new(const config_job_kind *kind, worker_notify notify, char *err,
                           size_t errlen);
/* Cancels a run, waits for it and frees it. NULL is fine. */
void config_job_free(config_job *j);

/* The text changed at NOW_MS: a run is due once it settles. */
void config_job_touch(config_job *j, double now_ms);
/* Each tick, with the document D at edit generation GEN: a finished run's
 * result when it is for GEN (the caller owns it; NULL otherwise), and a
 * run started when one is due. *CHANGED says whether anything moved. */
void *config_job_poll(config_job *j, const config_doc *d, unsigned gen, double now_ms,
                      bool *changed);
/* Stops waiting for the run; a no-op when none runs or is due. */
void config_job_cancel(config_job *j);

config_job_state config_job_get(const config_job *j, worker_status *st);
const char *config_job_error(const config_job *j);

/* For compute functions: TEXT loaded as the config it is (relative paths
 * from PATH's directory). 0, or -1 with its first error in err (CFG is
 * freeable either way). */
int config_job_load(train_config *cfg, const char *path, const char *text, size_t len, char *err,
                    size_t errlen);

#endif
