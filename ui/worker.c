/* worker.c - a job on its own thread (see worker.h).
 *
 * Sharing: the end state is stored with release after the job's last write
 * (its input, the error text) and loaded with acquire by the owner; the
 * progress counters and the cancel flag are relaxed atomics; the progress
 * text and the input pointer (which the cancel hook reads from any thread)
 * are under the mutex, which also orders the hook before the end state, so
 * a cancel hook never runs for a job that has already ended. */
#include "config.h"

#include "worker.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct worker {
    const worker_job *job;
    worker_notify notify;
    pthread_mutex_t lock;
    void *input;                  /* written under lock, by the owner only */
    pthread_t thread;
    bool joinable;                /* owner only */
    atomic_int state;             /* worker_state */
    atomic_bool cancel;
    _Atomic uint64_t done, total;
    char text[WORKER_TEXT_MAX];   /* under lock */
    char err[WORKER_ERROR_MAX];   /* the job's until it ends, then the owner's */
    double notified_ms;           /* worker thread: when notify last ran */
};

worker *worker_new(const worker_job *job, worker_notify notify, char *err, size_t errlen)
{
    worker *w = calloc(1, sizeof *w);
    if (!w || pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        snprintf(err, errlen, "out of memory for the %s worker", job->name);
        return NULL;
    }
    w->job = job;
    w->notify = notify;
    atomic_init(&w->state, WORKER_IDLE);
    return w;
}

static void notify_now(worker *w)
{
    if (w->notify.fn)
        w->notify.fn(w->notify.ctx);
}

/* Progress worth drawing: the first report, then one per WORKER_NOTIFY_MS. */
static void notify_progress(worker *w)
{
    if (!w->notify.fn)
        return;
    double now = clock_ms();
    if (w->notified_ms > 0 && now - w->notified_ms < WORKER_NOTIFY_MS)
        return;
    w->notified_ms = now;
    notify_now(w);
}

static void *thread_main(void *arg)
{
    worker *w = arg;
    pthread_setname_np(pthread_self(), "lathe-worker");   /* per-thread CPU by name */
    int rc = w->job->run(w, w->input, w->err, sizeof w->err);
    bool cancelled = atomic_load_explicit(&w->cancel, memory_order_relaxed);
    worker_state end = rc == 0 ? WORKER_DONE : cancelled ? WORKER_CANCELLED : WORKER_FAILED;
    if (end != WORKER_DONE && !w->err[0])
        snprintf(w->err, sizeof w->err, "%s %s", w->job->name,
                 cancelled ? "cancelled" : "failed");
    pthread_mutex_lock(&w->lock);
    atomic_store_explicit(&w->state, end, memory_order_release);
    pthread_mutex_unlock(&w->lock);
    notify_now(w);
    return NULL;
}

/* Ends the current run, if any, and frees its input. */
static void finish_run(worker *w)
{
    worker_cancel(w);
    worker_join(w);
    pthread_mutex_lock(&w->lock);
    void *input = w->input;
    w->input = NULL;
    pthread_mutex_unlock(&w->lock);
    if (input && w->job->free_input)
        w->job->free_input(input);
}

int worker_start(worker *w, void *input, char *err, size_t errlen)
{
    finish_run(w);
    atomic_store(&w->cancel, false);
    atomic_store(&w->done, 0);
    atomic_store(&w->total, 0);
    w->err[0] = '\0';
    w->notified_ms = 0;
    pthread_mutex_lock(&w->lock);
    w->text[0] = '\0';
    w->input = input;
    atomic_store(&w->state, WORKER_RUNNING);
    pthread_mutex_unlock(&w->lock);
    if (pthread_create(&w->thread, NULL, thread_main, w) == 0) {
        w->joinable = true;
        return 0;
    }
    pthread_mutex_lock(&w->lock);
    w->input = NULL;
    atomic_store(&w->state, WORKER_IDLE);
    pthread_mutex_unlock(&w->lock);
    if (input && w->job->free_input)
        w->job->free_input(input);
    snprintf(err, errlen, "cannot start the %s thread", w->job->name);
    return -1;
}

void worker_cancel(worker *w)
{
    pthread_mutex_lock(&w->lock);
    if (atomic_load(&w->state) == WORKER_RUNNING) {
        atomic_store_explicit(&w->cancel, true, memory_order_relaxed);
        if (w->job->cancel)
            w->job->cancel(w->input);
    }
    pthread_mutex_unlock(&w->lock);
}

void worker_join(worker *w)
{
    if (!w->joinable)
        return;
    pthread_join(w->thread, NULL);
    w->joinable = false;
}

worker_state worker_poll(const worker *w, worker_status *st)
{
    worker *m = (worker *)w;      /* the lock, for the text */
    worker_state s = atomic_load_explicit(&m->state, memory_order_acquire);
    if (!st)
        return s;
    st->state = s;
    st->done = atomic_load_explicit(&m->done, memory_order_relaxed);
    st->total = atomic_load_explicit(&m->total, memory_order_relaxed);
    pthread_mutex_lock(&m->lock);
    memcpy(st->text, m->text, sizeof st->text);
    pthread_mutex_unlock(&m->lock);
    return s;
}

const char *worker_error(const worker *w)
{
    worker_state s = worker_poll(w, NULL);
    return s == WORKER_FAILED || s == WORKER_CANCELLED ? w->err : "";
}

void worker_free(worker *w)
{
    if (!w)
        return;
    finish_run(w);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

bool worker_cancelled(const worker *w)
{
    return atomic_load_explicit(&((worker *)w)->cancel, memory_order_relaxed);
}

void worker_progress(worker *w, uint64_t done, uint64_t total)
{
    atomic_store_explicit(&w->total, total, memory_order_relaxed);
    atomic_store_explicit(&w->done, done, memory_order_relaxed);
    notify_progress(w);
}

void worker_fraction(worker *w, double f)
{
    enum { PARTS = 1000000 };
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    worker_progress(w, (uint64_t)(f * PARTS + 0.5), PARTS);
}

void worker_say(worker *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&w->lock);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    pthread_mutex_unlock(&w->lock);
    va_end(ap);
    notify_progress(w);
}
