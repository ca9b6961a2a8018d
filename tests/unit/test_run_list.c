/* test_run_list.c - the runs list (run_list.h) tells running, finished,
 * stopped, failed and interrupted runs apart: a run whose lock a live
 * process holds is running, even beside the summary.json of an earlier
 * stop (a resumed run), with the holder's PID and its newest logged step;
 * the same run with the lock let go is what its summary says; a run with
 * logs and no summary that nothing holds was interrupted; a folder with
 * neither log nor summary is no run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_list.h"
#include "run_lock.h"
#include "testdir.h"

static const run_list_entry *find(const run_list_entry *e, long n, const char *name)
{
    for (long i = 0; i < n; i++)
        if (!strcmp(e[i].name, name))
            return &e[i];
    return NULL;
}

static void test_states(void **state)
{
    (void)state;
    mkdir(testdir_path("runs"), 0755);
    mkdir(testdir_path("runs/resumed"), 0755);
    mkdir(testdir_path("runs/killed"), 0755);
    mkdir(testdir_path("runs/done"), 0755);
    mkdir(testdir_path("runs/empty"), 0755);
    testdir_write("runs/resumed/summary.json",
                  "{\"state\":\"stopped\",\"steps\":4,\"final_loss\":2.5}\n");
    testdir_write("runs/resumed/metrics.jsonl", "{\"step\":4,\"loss\":2.5}\n"
                                                "{\"step\":9,\"loss\":1.25}\n");
    testdir_write("runs/killed/metrics.jsonl", "{\"step\":3,\"loss\":3.0}\n");
    testdir_write("runs/done/summary.json",
                  "{\"state\":\"finished\",\"steps\":20,\"final_loss\":0.5}\n");
    testdir_write("runs/done/metrics.jsonl", "{\"step\":20,\"loss\":0.5}\n");

    run_lock l;
    char err[512];
    assert_int_equal(run_lock_take(&l, testdir_path("runs/resumed"), err, sizeof err), 0);
    run_list_entry e[8];
    long n = run_list_scan(testdir_path("runs"), e, 8, err, sizeof err);
    assert_int_equal(n, 3);
    const run_list_entry *r = find(e, n, "resumed");
    assert_non_null(r);
    assert_int_equal(r->state, RUN_LIST_RUNNING);
    assert_string_equal(run_list_state_name(r->state), "running");
    assert_int_equal(r->owner, (long)getpid());
    assert_int_equal(r->steps, 9);
    assert_true(r->loss == 1.25);
    r = find(e, n, "killed");
    assert_non_null(r);
    assert_int_equal(r->state, RUN_LIST_UNFINISHED);
    assert_string_equal(run_list_state_name(r->state), "interrupted");
    assert_int_equal(r->owner, 0);
    assert_int_equal(r->steps, 3);
    r = find(e, n, "done");
    assert_non_null(r);
    assert_int_equal(r->state, RUN_LIST_FINISHED);
    assert_int_equal(r->steps, 20);
    assert_null(find(e, n, "empty"));

    long owner = 0;
    assert_int_equal(run_list_probe(testdir_path("runs/resumed"), &owner), RUN_LIST_RUNNING);
    assert_int_equal(owner, (long)getpid());
    run_lock_release(&l);
    assert_int_equal(run_list_probe(testdir_path("runs/resumed"), &owner), RUN_LIST_STOPPED);
    assert_int_equal(owner, 0);
    assert_int_equal(run_list_probe(testdir_path("runs/killed"), NULL), RUN_LIST_UNFINISHED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
