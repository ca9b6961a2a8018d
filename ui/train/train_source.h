/* train_source.h - where the Train pane's records come from: a run this
 * process trains (a run session, which the pane polls as the ring's one
 * consumer and may control), or a run directory another process writes or
 * wrote (followed from its files). Both hand back the same records once
 * each, so the pane keeps one history whatever the source. */
#ifndef LATHE_TRAIN_SOURCE_H
#define LATHE_TRAIN_SOURCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "run_follow.h"
#include "run_session.h"

typedef struct {
    run_session *session;      /* the run trained here, or NULL */
    run_follow *follow;        /* the run another process writes or wrote, or NULL */
    char dir[PATH_MAX];        /* its run directory; "" until known */
    run_session_state state;   /* as of the last poll */
} train_source;

/* Zeroed is no source. */

/* A new run of O reporting through HOOKS, being prepared. -1 with err (the
 * source left empty). */
int train_source_launch(train_source *src, const run_session_options *o,
                        const run_session_hooks *hooks, char *err, size_t errlen);

/* The run in the directory DIR, followed from its files (run_follow.h).
 * -1 with err (the source left empty). */
int train_source_follow(train_source *src, const char *dir, char *err, size_t errlen);

/* The records since the last poll, into *OUT (valid until the next poll);
 * a prepared run is started here (when that fails, ERR says why; else it
 * is left alone). Returns the state. */
run_session_state train_source_poll(train_source *src, run_poll *out, char *err, size_t errlen);

/* True while there is a run that has not ended (a followed one: while a
 * live process owns it). */
bool train_source_live(const train_source *src);
/* True when this process trains the run, so the controls apply to it. */
bool train_source_owned(const train_source *src);

/* Hands the session over (the caller owns it now; NULL when none) and
 * empties the source. */
run_session *train_source_take(train_source *src);

/* Ends the source: a run still training is stopped and waited for (it
 * writes its checkpoint and outputs). */
void train_source_close(train_source *src);

#endif
