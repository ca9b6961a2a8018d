/* run_follow.h - a run directory that another process writes (a headless
 * `lathe train` over SSH, an MPI job, a workbench that lost its terminal),
 * followed from its files, so `lathe runs/NAME` and the Train pane show it
 * live with the plots and alarms of a run of their own. metrics.jsonl and
 * events.jsonl are read as they grow (complete lines only: a row caught
 * half-written waits for the next poll) into the records run_session_poll
 * hands back; whether a live process owns the run comes from its lock
 * (run_lock.h), asked without taking it. Only that process can control the
 * run; a follower only reads.
 *
 * A --resume rewrites metrics.jsonl (without the rows after its checkpoint):
 * poll then reads both logs again from their start and says so (reset). */
#ifndef LATHE_RUN_FOLLOW_H
#define LATHE_RUN_FOLLOW_H

#include <stddef.h>

#include "run_list.h"
#include "run_session.h"

typedef struct run_follow run_follow;

/* Follows the run directory DIR (nothing is read yet). NULL with err when
 * DIR is not a directory holding a run (metrics.jsonl, events.jsonl or
 * summary.json), or out of memory. */
run_follow *run_follow_open(const char *dir, char *err, size_t errlen);

/* The records the logs gained since the last poll into *OUT (may be NULL):
 * steps and evaluations from metrics.jsonl, events (with their kind, and
 * for an alarm which one and its action) from events.jsonl, in step order
 * (a step's row before the events at that step); a line that is not a
 * record becomes a warning event naming its file and line. Returns the
 * state: RUNNING, or PAUSED after a pause the run has not continued from,
 * while a live process owns the run; otherwise DONE (it finished or was
 * stopped) or FAILED (it failed, or was interrupted: run_follow_state says
 * which), and then the records handed out are the whole run. */
run_session_state run_follow_poll(run_follow *f, run_poll *out);

/* As of the last poll: the owning process's PID (> 0; -1 when it has not
 * written it yet), or 0 when no live process owns the run. */
long run_follow_owner(const run_follow *f);
/* As of the last poll, in the runs list's words (running, finished,
 * stopped, failed, interrupted). */
run_list_state run_follow_state(const run_follow *f);
/* The directory, as given to run_follow_open. */
const char *run_follow_dir(const run_follow *f);

void run_follow_free(run_follow *f);

#endif
