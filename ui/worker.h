/* worker.h - one background job beside the UI thread: a search, a filter,
 * an edit over a million rows, an estimate, a streamed reply. The UI must
 * never wait on such work, so a worker runs the job on its own thread and
 * the UI thread polls it each frame: running or ended (done, failed with a
 * message, or cancelled), how far it is (done of total, and a short text),
 * and may ask it to stop at any time. Cancelling is cooperative: the job
 * checks worker_cancelled between units of work (a job wrapping a core call
 * that has its own cancel forwards it through the job's cancel hook).
 *
 * Starting a worker that is still running restarts it: the running job is
 * cancelled and joined, its input freed, and the new input runs, so a
 * search restarted on each keystroke never shows an older run's result.
 *
 * An optional notify callback runs on the worker thread when the job ends
 * and when it has made progress worth drawing (at most every
 * WORKER_NOTIFY_MS), so the host can wake its loop at once instead of
 * waiting for its next tick. It must be safe to call from any thread.
 *
 * Threads: worker_new, worker_start, worker_join, worker_poll, worker_error
 * and worker_free belong to one owner thread; worker_cancel may be called
 * from any thread; worker_cancelled, worker_progress, worker_fraction and
 * worker_say are for the job, on the worker thread. The job's results live
 * in its input: the owner reads them once worker_poll says it has ended. */
#ifndef LATHE_WORKER_H
#define LATHE_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct worker worker;

/* Called from the worker thread; CTX is the owner's. */
typedef void (*worker_notify_fn)(void *ctx);
typedef struct {
    worker_notify_fn fn;          /* NULL: the owner only polls */
    void *ctx;
} worker_notify;

/* At most one progress notification per this many milliseconds. */
#define WORKER_NOTIFY_MS 30
/* Bytes kept of the job's progress text and of its error message. */
#define WORKER_TEXT_MAX 96
#define WORKER_ERROR_MAX 1024

/* What a job is. Only run is required. */
typedef struct {
    const char *name;             /* in messages: "cannot start the NAME thread" */
    /* On the worker thread: the work on INPUT. 0 when it finished, -1 with
     * ERR when it failed or stopped because worker_cancelled said so. */
    int (*run)(worker *w, void *input, char *err, size_t errlen);
    /* From worker_cancel, while the job runs: forwards the cancel to a core
     * call that does not check worker_cancelled (its own cancel flag). */
    void (*cancel)(void *input);
    /* Frees an input once its run is over: at the next start, at
     * worker_free, or when the start fails. */
    void (*free_input)(void *input);
} worker_job;

typedef enum {
    WORKER_IDLE,                  /* never started */
    WORKER_RUNNING,
    WORKER_DONE,                  /* run returned 0 */
    WORKER_FAILED,                /* run returned -1: worker_error says why */
    WORKER_CANCELLED              /* run returned -1 after a cancel */
} worker_state;

typedef struct {
    worker_state state;
    uint64_t done, total;         /* as the job last reported; total 0: unknown */
    char text[WORKER_TEXT_MAX];   /* the job's last worker_say, "" when none */
} worker_status;

/* A worker for JOB (which must outlive it). NULL with ERR when out of memory. */
worker *worker_new(const worker_job *job, worker_notify notify, char *err, size_t errlen);
/* Runs the job on INPUT on a new thread; a run still going is cancelled,
 * joined and its input freed first. -1 with ERR (and INPUT freed) when the
 * thread cannot start. */
int worker_start(worker *w, void *input, char *err, size_t errlen);
/* Asks the running job to stop and returns at once; nothing when idle or
 * ended. */
void worker_cancel(worker *w);
/* Waits until the job has ended (cancel first to end it early). */
void worker_join(worker *w);
/* The state (acquire: once it is an end state, the job's writes to its
 * input are visible), and the progress in *ST when it is not NULL. */
worker_state worker_poll(const worker *w, worker_status *st);
/* Why the run failed or stopped ("cancelled" when the job gave no reason);
 * "" while it runs or after a success. */
const char *worker_error(const worker *w);
/* Cancels, joins, frees the input and the worker. NULL is fine. */
void worker_free(worker *w);

/* For the job: true once a cancel was asked for this run. */
bool worker_cancelled(const worker *w);
/* For the job: DONE of TOTAL units (TOTAL 0 when unknown). */
void worker_progress(worker *w, uint64_t done, uint64_t total);
/* For the job: a fraction F of the work, 0 to 1. */
void worker_fraction(worker *w, double f);
/* For the job: a short text saying what it is doing ("pass 2 of 3"). */
void worker_say(worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
