/* test_config_job.c - a computation that follows the config's edits
 * (config_job.h) on a real worker thread: it waits for the edits to
 * settle, hands over a result only for the text the pane holds now, never
 * restarts a run that is going (a newer text waits, and the stale result
 * is dropped), fails with the compute's reason, and once cancelled drops
 * the run's result and waits for the next edit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_job.h"

/* The compute holds until released, so the tests decide when a run ends. */
static atomic_bool release;
static atomic_int computed;

static void *compute(worker *w, const char *path, const char *text, size_t len, char *err,
                     size_t errlen)
{
    (void)w;
    (void)path;
    while (!atomic_load(&release))
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    atomic_fetch_add(&computed, 1);
    if (strstr(text, "bad")) {
        snprintf(err, errlen, "bad text");
        return NULL;
    }
    char *copy = malloc(len + 1);
    if (copy)
        memcpy(copy, text, len + 1);
    return copy;
}

static const config_job_kind kind = {"test job", compute, free};
static const worker_notify none;

static config_doc *doc(const char *text)
{
    char err[256];
    config_doc *d = config_doc_from_text("/tmp/x.yaml", text, strlen(text), err, sizeof err);
    assert_non_null(d);
    return d;
}

/* Polls until no run is going (a cancelled one included); the result. A
 * run that ends between a poll and the look at the worker is taken by one
 * more poll (a poll that drops a stale result may start the next run, which
 * can end at once). */
static void *settle(config_job *j, const config_doc *d, unsigned gen, double now)
{
    bool changed;
    worker_status st;
    for (int i = 0; i < 5000; i++) {
        void *r = config_job_poll(j, d, gen, now, &changed);
        if (r)
            return r;
        config_job_get(j, &st);
        if (st.state != WORKER_RUNNING)
            return config_job_poll(j, d, gen, now, &changed);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    fail_msg("the run did not end");
    return NULL;
}

static void test_settles_then_runs(void **state)
{
    (void)state;
    char err[256];
    bool changed;
    config_job *j = config_job_new(&kind, none, err, sizeof err);
    config_doc *d = doc("a: 1\n");
    atomic_store(&release, true);
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_IDLE);
    config_job_touch(j, 1000);
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_SETTLING);
    assert_null(config_job_poll(j, d, 1, 1000 + CONFIG_JOB_SETTLE_MS - 1, &changed));
    assert_false(changed);
    assert_null(config_job_poll(j, d, 1, 1000 + CONFIG_JOB_SETTLE_MS, &changed));
    assert_true(changed);
    char *r = settle(j, d, 1, 2000);
    assert_non_null(r);
    assert_string_equal(r, "a: 1\n");
    free(r);
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_IDLE);
    assert_null(config_job_poll(j, d, 1, 9000, &changed));   /* nothing due */
    assert_false(changed);
    config_doc_free(d);
    config_job_free(j);
}

static void test_newer_text_waits_for_the_run(void **state)
{
    (void)state;
    char err[256];
    bool changed;
    config_job *j = config_job_new(&kind, none, err, sizeof err);
    config_doc *d1 = doc("a: 1\n"), *d2 = doc("a: 2\n");
    atomic_store(&release, false);
    atomic_store(&computed, 0);
    config_job_touch(j, 0);
    config_job_poll(j, d1, 1, CONFIG_JOB_SETTLE_MS, &changed);
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_RUNNING);
    config_job_touch(j, 1000);                              /* an edit: text 2 */
    assert_null(config_job_poll(j, d2, 2, 1000 + CONFIG_JOB_SETTLE_MS, &changed));
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_RUNNING);   /* not restarted */
    atomic_store(&release, true);
    char *r = settle(j, d2, 2, 5000);    /* text 1's result dropped, then text 2's run */
    assert_int_equal(atomic_load(&computed), 2);
    assert_non_null(r);
    assert_string_equal(r, "a: 2\n");
    free(r);
    config_doc_free(d1);
    config_doc_free(d2);
    config_job_free(j);
}

static void test_failure_and_cancel(void **state)
{
    (void)state;
    char err[256];
    bool changed;
    config_job *j = config_job_new(&kind, none, err, sizeof err);
    config_doc *bad = doc("bad: 1\n"), *good = doc("a: 1\n");
    atomic_store(&release, true);
    config_job_touch(j, 0);
    config_job_poll(j, bad, 1, 1e6, &changed);
    assert_null(settle(j, bad, 1, 1e6));
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_FAILED);
    assert_string_equal(config_job_error(j), "bad text");

    atomic_store(&release, false);
    config_job_touch(j, 0);
    config_job_poll(j, good, 2, 1e6, &changed);
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_RUNNING);
    config_job_cancel(j);
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_CANCELLED);
    atomic_store(&release, true);
    assert_null(settle(j, good, 2, 1e6));                   /* its result is dropped */
    assert_null(config_job_poll(j, good, 2, 2e6, &changed)); /* and nothing restarts */
    assert_int_equal(config_job_get(j, NULL), CONFIG_JOB_CANCELLED);
    config_job_touch(j, 2e6);                                /* until the next edit */
    config_job_poll(j, good, 3, 3e6, &changed);
    char *r = settle(j, good, 3, 3e6);
    assert_non_null(r);
    free(r);
    config_doc_free(bad);
    config_doc_free(good);
    config_job_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settles_then_runs),
        cmocka_unit_test(test_newer_text_waits_for_the_run),
        cmocka_unit_test(test_failure_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
