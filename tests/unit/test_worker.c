/* test_worker.c - the background job helper (ui/worker.h) with real threads,
 * also under TSan in the threaded tree: a job run to its end and its result
 * read, progress (counts, a fraction, a text) read while it runs, a
 * cooperative cancel and the job's cancel hook, a failure with its message,
 * a restart with new input while the first run is still going (cancelled,
 * joined, its input freed), freeing a running worker, and the notify
 * callback called from the worker thread, waking this thread through a pipe
 * the way a host's loop is woken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"

/* A test job: STEPS progress reports, then an optional fraction and a text,
 * then it waits at a gate the test opens (or until cancelled). */
typedef struct {
    int id;
    uint64_t steps;
    double fraction;            /* > 0: reported after the steps */
    bool fail;                  /* past the gate: fail with a message */
    atomic_bool open;           /* the gate */
    atomic_int hooked;          /* times the cancel hook ran */
    uint64_t sum;               /* the result: written by the job */
} job_in;

/* Ids of the inputs freed, in order (free_input runs on this thread). */
static int freed[16];
static size_t n_freed;

static void nap(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

static int job_run(worker *w, void *arg, char *err, size_t errlen)
{
    job_in *in = arg;
    for (uint64_t i = 0; i < in->steps; i++) {
        in->sum += i + 1;
        worker_progress(w, i + 1, in->steps);
    }
    if (in->fraction > 0)
        worker_fraction(w, in->fraction);
    worker_say(w, "job %d at the gate", in->id);
    while (!atomic_load(&in->open)) {
        if (worker_cancelled(w))
            return -1;          /* no message: the worker says "test cancelled" */
        nap();
    }
    if (in->fail) {
        snprintf(err, errlen, "job %d: broken on purpose", in->id);
        return -1;
    }
    return 0;
}

static void job_cancel(void *arg)
{
    atomic_fetch_add(&((job_in *)arg)->hooked, 1);
}

static void job_free(void *arg)
{
    job_in *in = arg;
    if (n_freed < sizeof freed / sizeof freed[0])
        freed[n_freed++] = in->id;
    free(in);
}

static const worker_job test_job = {
    .name = "test", .run = job_run, .cancel = job_cancel, .free_input = job_free,
};

static job_in *new_input(int id, uint64_t steps, bool open)
{
    job_in *in = calloc(1, sizeof *in);
    assert_non_null(in);
    in->id = id;
    in->steps = steps;
    atomic_init(&in->open, open);
    atomic_init(&in->hooked, 0);
    return in;
}

/* A host's wake-up: a byte down a pipe, and who called. */
typedef struct {
    int fd[2];
    pthread_t owner;
    atomic_int calls, from_owner;
} waker;

static void wake(void *ctx)
{
    waker *k = ctx;
    atomic_fetch_add(&k->calls, 1);
    if (pthread_equal(pthread_self(), k->owner))
        atomic_fetch_add(&k->from_owner, 1);
    char c = 1;
    ssize_t n = write(k->fd[1], &c, 1);    /* a full pipe has woken the host already */
    (void)n;
}

static void waker_open(waker *k)
{
    assert_int_equal(pipe(k->fd), 0);
    assert_int_equal(fcntl(k->fd[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(fcntl(k->fd[1], F_SETFL, O_NONBLOCK), 0);
    k->owner = pthread_self();
    atomic_init(&k->calls, 0);
    atomic_init(&k->from_owner, 0);
}

static void waker_close(waker *k)
{
    close(k->fd[0]);
    close(k->fd[1]);
}

/* Blocks until notify wrote (or 10 s passed: then the test fails). */
static void wait_woken(waker *k)
{
    struct pollfd pfd = {.fd = k->fd[0], .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    char buf[64];
    assert_true(read(k->fd[0], buf, sizeof buf) > 0);
}

/* Polls until the job's text says it reached the gate. */
static void wait_at_gate(worker *w, worker_status *st)
{
    do {
        nap();
        assert_int_equal(worker_poll(w, st), WORKER_RUNNING);
    } while (!strstr(st->text, "at the gate"));
}

static worker *new_worker(const worker_notify *n)
{
    char err[128];
    worker *w = worker_new(&test_job, n ? *n : (worker_notify){0}, err, sizeof err);
    assert_non_null(w);
    return w;
}

static void test_idle(void **state)
{
    (void)state;
    worker *w = new_worker(NULL);
    worker_status st;
    assert_int_equal(worker_poll(w, &st), WORKER_IDLE);
    assert_int_equal(st.done, 0);
    assert_string_equal(worker_error(w), "");
    worker_cancel(w);               /* nothing running: nothing to do */
    worker_join(w);
    worker_free(w);
    worker_free(NULL);
}

static void test_runs_to_done(void **state)
{
    (void)state;
    n_freed = 0;
    worker *w = new_worker(NULL);
    job_in *in = new_input(1, 100, true);
    char err[128];
    assert_int_equal(worker_start(w, in, err, sizeof err), 0);
    worker_status st;
    while (worker_poll(w, &st) == WORKER_RUNNING)
        nap();
    assert_int_equal(st.state, WORKER_DONE);
    assert_int_equal(st.done, 100);
    assert_int_equal(st.total, 100);
    assert_string_equal(st.text, "job 1 at the gate");
    assert_int_equal(in->sum, 5050);          /* the result, read once it ended */
    assert_string_equal(worker_error(w), "");
    assert_int_equal(atomic_load(&in->hooked), 0);
    worker_cancel(w);                         /* ended: the hook does not run */
    assert_int_equal(atomic_load(&in->hooked), 0);
    assert_int_equal(n_freed, 0);             /* the input stays until the next start */
    worker_free(w);
    assert_int_equal(n_freed, 1);
    assert_int_equal(freed[0], 1);
}

static void test_progress_while_running(void **state)
{
    (void)state;
    worker *w = new_worker(NULL);
    job_in *in = new_input(2, 40, false);
    in->fraction = 0.25;
    char err[128];
    assert_int_equal(worker_start(w, in, err, sizeof err), 0);
    worker_status st;
    wait_at_gate(w, &st);
    assert_int_equal(st.done, 250000);        /* the fraction replaced the counts */
    assert_int_equal(st.total, 1000000);
    assert_string_equal(st.text, "job 2 at the gate");
    atomic_store(&in->open, true);
    worker_join(w);
    assert_int_equal(worker_poll(w, &st), WORKER_DONE);
    worker_free(w);
}

static void test_cancel(void **state)
{
    (void)state;
    worker *w = new_worker(NULL);
    job_in *in = new_input(3, 0, false);
    char err[128];
    assert_int_equal(worker_start(w, in, err, sizeof err), 0);
    worker_status st;
    wait_at_gate(w, &st);
    worker_cancel(w);
    assert_int_equal(atomic_load(&in->hooked), 1);
    worker_join(w);
    assert_int_equal(worker_poll(w, &st), WORKER_CANCELLED);
    assert_string_equal(worker_error(w), "test cancelled");
    worker_cancel(w);
    assert_int_equal(atomic_load(&in->hooked), 1);
    worker_free(w);
}

static void test_failure(void **state)
{
    (void)state;
    worker *w = new_worker(NULL);
    job_in *in = new_input(4, 3, true);
    in->fail = true;
    char err[128];
    assert_int_equal(worker_start(w, in, err, sizeof err), 0);
    worker_join(w);
    assert_int_equal(worker_poll(w, NULL), WORKER_FAILED);
    assert_string_equal(worker_error(w), "job 4: broken on purpose");
    worker_free(w);
}

/* What a search restarted on each keystroke does: the run still going is
 * cancelled, joined and freed, and only the new input's result is seen. */
static void test_restart(void **state)
{
    (void)state;
    n_freed = 0;
    worker *w = new_worker(NULL);
    job_in *a = new_input(5, 10, false), *b = new_input(6, 20, true);
    char err[128];
    assert_int_equal(worker_start(w, a, err, sizeof err), 0);
    worker_status st;
    wait_at_gate(w, &st);
    assert_int_equal(worker_start(w, b, err, sizeof err), 0);
    assert_int_equal(n_freed, 1);             /* a: cancelled, joined, freed */
    assert_int_equal(freed[0], 5);
    worker_join(w);
    assert_int_equal(worker_poll(w, &st), WORKER_DONE);
    assert_int_equal(st.done, 20);
    assert_string_equal(st.text, "job 6 at the gate");
    assert_int_equal(b->sum, 210);
    assert_string_equal(worker_error(w), "");  /* a's cancel is not b's */
    /* once more with the same worker, after a run that ended */
    job_in *c = new_input(7, 1, true);
    assert_int_equal(worker_start(w, c, err, sizeof err), 0);
    assert_int_equal(n_freed, 2);
    assert_int_equal(freed[1], 6);
    worker_join(w);
    assert_int_equal(c->sum, 1);
    worker_free(w);
    assert_int_equal(n_freed, 3);
    assert_int_equal(freed[2], 7);
}

static void test_free_while_running(void **state)
{
    (void)state;
    n_freed = 0;
    worker *w = new_worker(NULL);
    job_in *in = new_input(8, 0, false);
    char err[128];
    assert_int_equal(worker_start(w, in, err, sizeof err), 0);
    worker_free(w);                           /* cancels, joins, frees the input */
    assert_int_equal(n_freed, 1);
    assert_int_equal(freed[0], 8);
}

/* The end and the progress wake the host from the worker thread. */
static void test_notify_wakes_the_host(void **state)
{
    (void)state;
    waker k;
    waker_open(&k);
    worker_notify n = {wake, &k};
    worker *w = new_worker(&n);
    job_in *in = new_input(9, 5, false);
    char err[128];
    assert_int_equal(worker_start(w, in, err, sizeof err), 0);
    wait_woken(&k);                           /* the first progress report */
    assert_int_equal(worker_poll(w, NULL), WORKER_RUNNING);
    worker_status st;
    wait_at_gate(w, &st);
    char buf[64];
    while (read(k.fd[0], buf, sizeof buf) > 0)
        ;                                     /* drained: what comes next is the end */
    atomic_store(&in->open, true);
    wait_woken(&k);
    while (worker_poll(w, NULL) == WORKER_RUNNING)
        wait_woken(&k);
    assert_int_equal(worker_poll(w, NULL), WORKER_DONE);
    worker_join(w);
    assert_true(atomic_load(&k.calls) >= 2);
    assert_int_equal(atomic_load(&k.from_owner), 0);
    worker_free(w);
    waker_close(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle),
        cmocka_unit_test(test_runs_to_done),
        cmocka_unit_test(test_progress_while_running),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_failure),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_free_while_running),
        cmocka_unit_test(test_notify_wakes_the_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
