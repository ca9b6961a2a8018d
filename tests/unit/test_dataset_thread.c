/* test_dataset_thread.c - indexing and checking on a background thread while
 * this thread reads progress, published records and parsed records, as the
 * Data pane does. Progress only moves forward, every published span is a
 * whole record, and the final counts match the generator's. Run under TSan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "ds_fixture.h"

typedef struct {
    dataset *ds;
    int build_rc, check_rc;
    char err[256];
    atomic_bool finished;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    w->build_rc = dataset_build(w->ds, w->err, sizeof w->err);
    w->check_rc = w->build_rc ? -1 : dataset_check(w->ds, w->err, sizeof w->err);
    atomic_store(&w->finished, true);
    return NULL;
}

/* Reads what the worker has published so far; returns the records seen. */
static size_t observe(dataset *ds, ds_index_progress *last)
{
    ds_index_progress p;
    dataset_progress(ds, &p);
    assert_true(p.phase >= last->phase);
    if (p.phase == last->phase)
        assert_true(p.done_bytes >= last->done_bytes);
    assert_true(p.records >= last->records);
    assert_true(p.done_bytes <= p.total_bytes);
    size_t n = dataset_count(ds);
    assert_true(n >= p.records);
    if (n) {
        size_t i = n - 1;
        ds_record r;
        char why[256];
        int rc = dataset_get(ds, i, &r, why, sizeof why);
        assert_true(rc == DATASET_OK || rc == DATASET_PENDING);
        if (rc == DATASET_OK) {
            assert_int_equal(r.format, DS_FMT_SHAREGPT);
            assert_true(r.n_turns >= 2);
        }
        ds_record_clear(&r);
        assert_true(dataset_line(ds, i) == i + 1);
    }
    *last = p;
    return n;
}

static void test_progress_while_indexing(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    assert_int_equal(ds_fixture_generate(&fx, DS_FMT_SHAREGPT, 6u << 20, 7, &records), 0);
    char err[256];
    worker w = {.ds = dataset_new(fx.path, NULL, err, sizeof err)};
    assert_non_null(w.ds);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, work, &w), 0);
    ds_index_progress last = {0};
    size_t polls = 0;
    while (!atomic_load(&w.finished)) {
        observe(w.ds, &last);
        polls++;
    }
    pthread_join(t, NULL);
    if (w.build_rc || w.check_rc)
        fail_msg("%s", w.err);
    observe(w.ds, &last);
    assert_true(polls > 0);
    assert_int_equal(last.phase, DS_PHASE_DONE);
    assert_int_equal(last.records, records);
    assert_int_equal(dataset_count(w.ds), records);
    assert_int_equal(dataset_checked_count(w.ds), records);
    assert_int_equal(dataset_format(w.ds), DS_FMT_SHAREGPT);
    assert_int_equal(dataset_bad_count(w.ds), 0);
    dataset_free(w.ds);
    ds_fixture_drop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_while_indexing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
