/* test_clock.c - the monotonic clock (engine/clock.h): it never goes back,
 * seconds and milliseconds agree, and a deadline is the clock plus the
 * interval, normalised, and is what a monotonic condition variable waits
 * for. Only lower bounds on elapsed time are checked: a loaded machine may
 * be slow, never early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "clock.h"

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec raw_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static void test_never_goes_back(void **state)
{
    (void)state;
    double last = clock_s();
    for (int i = 0; i < 100000; i++) {
        double t = clock_s();
        assert_true(t >= last);
        last = t;
    }
}

static void test_seconds_and_milliseconds_agree(void **state)
{
    (void)state;
    double s0 = clock_s(), ms = clock_ms(), s1 = clock_s();
    assert_true(ms >= s0 * 1e3 && ms <= s1 * 1e3);
    struct timespec r0 = raw_now();
    double s = clock_s();
    struct timespec r1 = raw_now();
    assert_true(s * 1e9 >= (double)ns(r0) - 1e3 && s * 1e9 <= (double)ns(r1) + 1e3);
}

static void test_deadline(void **state)
{
    (void)state;
    const double intervals[] = {0, 0.25, 0.999999999, 1.5, 3600};
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        int64_t want = (int64_t)(intervals[i] * 1e9);
        struct timespec before = raw_now();
        struct timespec d = clock_deadline(intervals[i]);
        struct timespec after = raw_now();
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        assert_true(ns(d) >= ns(before) + want - 1);     /* -1: the double's rounding */
        assert_true(ns(d) <= ns(after) + want + 1);
    }
}

/* What sysmon does between samples: a timed wait on a monotonic condition. */
static void test_deadline_times_a_wait(void **state)
{
    (void)state;
    pthread_condattr_t attr;
    pthread_cond_t cond;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    assert_int_equal(pthread_condattr_init(&attr), 0);
    assert_int_equal(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), 0);
    assert_int_equal(pthread_cond_init(&cond, &attr), 0);
    pthread_condattr_destroy(&attr);
    double t0 = clock_s();
    struct timespec until = clock_deadline(0.05);
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cond, &lock, &until);
    pthread_mutex_unlock(&lock);
    assert_true(clock_s() - t0 >= 0.05 - 1e-6);
    pthread_cond_destroy(&cond);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_goes_back),
        cmocka_unit_test(test_seconds_and_milliseconds_agree),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_deadline_times_a_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
