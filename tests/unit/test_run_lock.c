/* test_run_lock.c - the run directory's lock (run_lock.h) as another process
 * sees it: held by this process, run_lock_holder names this PID from a
 * descriptor of its own, and a second take is refused naming it; released,
 * nothing holds it; a child that took it and was killed (SIGKILL) leaves it
 * free; looking (run_lock_holder) never makes a take fail; a directory
 * with no lock file has no holder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_lock.h"
#include "testdir.h"

static void test_held_then_released(void **state)
{
    (void)state;
    const char *dir = testdir_path("run-a");
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(run_lock_holder(dir), 0);
    run_lock l, second;
    char err[512];
    assert_int_equal(run_lock_take(&l, dir, err, sizeof err), 0);
    assert_int_equal(run_lock_holder(dir), (long)getpid());
    assert_int_equal(run_lock_take(&second, dir, err, sizeof err), -1);
    char want[64];
    snprintf(want, sizeof want, "(PID %ld)", (long)getpid());
    assert_non_null(strstr(err, want));
    /* looking many times leaves the lock to its holder, and takes nothing */
    for (int i = 0; i < 100; i++)
        assert_int_equal(run_lock_holder(dir), (long)getpid());
    run_lock_release(&l);
    assert_int_equal(run_lock_holder(dir), 0);
    assert_int_equal(run_lock_take(&l, dir, err, sizeof err), 0);
    run_lock_release(&l);
}

static void test_killed_holder_frees_it(void **state)
{
    (void)state;
    const char *dir = testdir_path("run-b");
    assert_int_equal(mkdir(dir, 0755), 0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        run_lock l;
        char err[512];
        char ok = run_lock_take(&l, dir, err, sizeof err) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    assert_int_equal(ok, 'y');
    assert_int_equal(run_lock_holder(dir), (long)child);
    kill(child, SIGKILL);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(run_lock_holder(dir), 0);
}

static void test_no_lock_file(void **state)
{
    (void)state;
    assert_int_equal(run_lock_holder(testdir_path("no-such-run")), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_then_released),
        cmocka_unit_test(test_killed_holder_frees_it),
        cmocka_unit_test(test_no_lock_file),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
