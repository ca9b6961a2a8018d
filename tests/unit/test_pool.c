/* test_pool.c - the thread pool's contract: pool_run returns once every
 * index of its job has run exactly once, with the tasks' plain writes
 * visible to the caller, on any thread count; jobs posted back to back
 * with different functions and arguments never run one job's index with
 * another's function (a worker late for a job); workers that went to
 * sleep between jobs and a caller that slept waiting for a slow task are
 * woken; a pool is freed idle, asleep or straight after a job. The
 * threaded parts are what TSan checks in the build that runs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool.h"

static pool *make(int threads)
{
    char err[128];
    pool *p = pool_new(threads, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(pool_threads(p), threads < 1 ? 1 : threads);
    return p;
}

static void pause_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

typedef struct {
    int *hits;      /* plain writes: the caller reads them after pool_run */
    int id;
    long sleep_us;  /* tasks run by a worker sleep this long */
    pthread_t caller;
} job_arg;

static void count(void *v, int i)
{
    job_arg *a = v;
    if (a->sleep_us && !pthread_equal(pthread_self(), a->caller))
        pause_us(a->sleep_us);
    a->hits[i] += a->id;
}

/* The same counting under another function: a task that ran with the
 * other job's function or argument leaves a sum these checks refuse. */
static void count_twice(void *v, int i)
{
    job_arg *a = v;
    a->hits[i] += 2 * a->id;
}

static void expect_all(const int *hits, int n, int each)
{
    for (int i = 0; i < n; i++)
        if (hits[i] != each)
            fail_msg("index %d of %d ran to %d, expected %d", i, n, hits[i], each);
}

static void test_every_index_once(void **state)
{
    (void)state;
    static const int threads[] = {1, 2, 3, 5};
    static const int sizes[] = {0, 1, 2, 3, 7, 64, 1000};
    int hits[1000];
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        pool *p = make(threads[t]);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            for (int r = 0; r < 50; r++) {
                memset(hits, 0, sizeof hits);
                job_arg a = {.hits = hits, .id = 1};
                pool_run(p, sizes[s], count, &a);
                expect_all(hits, sizes[s], 1);
            }
        pool_free(p);
    }
}

static void test_back_to_back_jobs(void **state)
{
    (void)state;
    pool *p = make(4);
    int x[257], y[3];
    for (int r = 1; r <= 3000; r++) {
        int *h = r % 2 ? x : y;
        int n = r % 2 ? 257 : 3;
        memset(h, 0, sizeof(int) * (size_t)n);
        job_arg a = {.hits = h, .id = r};
        pool_run(p, n, r % 3 ? count : count_twice, &a);
        expect_all(h, n, r % 3 ? r : 2 * r);
    }
    pool_free(p);
}

static void test_sleepers_wake(void **state)
{
    (void)state;
    pool *p = make(3);
    int hits[16];
    for (int r = 0; r < 6; r++) {
        pause_us(120000);   /* far past the spin: the workers sleep */
        memset(hits, 0, sizeof hits);
        /* the workers sleep on their tasks; the caller sleeps waiting for them */
        job_arg a = {.hits = hits, .id = 1, .sleep_us = r % 2 ? 120000 : 0,
                     .caller = pthread_self()};
        pool_run(p, 16, count, &a);
        expect_all(hits, 16, 1);
    }
    pool_free(p);
}

static void test_free_in_any_state(void **state)
{
    (void)state;
    pool_free(make(2));                 /* never used */
    pool *p = make(3);
    int hits[8] = {0};
    job_arg a = {.hits = hits, .id = 1};
    pool_run(p, 8, count, &a);
    pool_free(p);                       /* workers still spinning */
    p = make(2);
    pool_run(p, 8, count, &a);
    pause_us(120000);
    pool_free(p);                       /* workers asleep */
    expect_all(hits, 8, 2);
    pool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_index_once),
        cmocka_unit_test(test_back_to_back_jobs),
        cmocka_unit_test(test_sleepers_wake),
        cmocka_unit_test(test_free_in_any_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
