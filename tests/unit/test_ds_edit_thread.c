/* test_ds_edit_thread.c - an action running on a worker thread while the
 * owner watches ds_edit_progress and cancels it: the action fails with
 * "cancelled", the session is as before (no step, no edited row), and the
 * next action runs to the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "ds_session_fixture.h"

enum { ROWS = 100000 };

typedef struct {
    ds_edit *e;
    int rc;
    char err[512];
} job;

static void *work(void *arg)
{
    job *j = arg;
    j->rc = ds_edit_apply(j->e, &(ds_action){.kind = DS_ACT_WHITESPACE}, NULL, j->err,
                          sizeof j->err);
    return NULL;
}

static void test_cancel_from_another_thread(void **state)
{
    (void)state;
    FILE *f = fopen(testdir_path("many.jsonl"), "wb");
    assert_non_null(f);
    for (int i = 0; i < ROWS; i++)
        fprintf(f, "{\"text\":\" record %d \"}\n", i);
    assert_int_equal(fclose(f), 0);
    session s;
    session_open_path(&s, testdir_path("many.jsonl"));
    job j = {.e = s.e};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, work, &j), 0);
    struct timespec tick = {0, 100000};
    while (ds_edit_progress(s.e) == 0)
        nanosleep(&tick, NULL);
    ds_edit_cancel(s.e);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(j.rc, -1);
    assert_non_null(strstr(j.err, "cancelled"));
    assert_false(ds_edit_can_undo(s.e));
    for (size_t row = 0; row < ROWS; row += 997)
        assert_false(ds_edit_replaced(s.e, row));
    size_t changed;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_WHITESPACE}, &changed);
    assert_int_equal(changed, ROWS);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_from_another_thread),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
