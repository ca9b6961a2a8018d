/* test_sysmon.c - the sampling thread on this machine's real /proc: the first
 * snapshot exists when start returns; two reader threads see whole snapshots
 * with rising seq while the thread samples /proc and the fake NVML library;
 * stop is prompt even with a long interval; and the process CPU share matches
 * what the process really spent. Prints the median cost of one sample and the
 * stop latency as diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sampler.h"
#include "sysmon.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check_plausible(const sysmon_snapshot *s)
{
    assert_string_equal(s->proc_status, "");
    assert_true(s->mem_total > 0);
    assert_true(s->mem_used <= s->mem_total);
    assert_true(s->proc_rss > 0);
    assert_true(s->proc_peak_rss >= s->proc_rss);
    assert_true(s->n_cpus >= 1 && s->n_cpus <= SYSMON_MAX_CPUS);
    assert_true(s->cpu_percent >= 0.0 && s->cpu_percent <= 100.0);
    for (int i = 0; i < s->n_cpus; i++)
        assert_true(s->core_percent[i] >= 0.0 && s->core_percent[i] <= 100.0);
    assert_true(s->proc_cpu_percent >= 0.0);
    assert_true(s->sample_cost_s > 0.0 && s->sample_cost_s < 1.0);
    if (s->n_gpus == 0)
        assert_true(strncmp(s->gpu_status, "no GPU: ", 8) == 0);
}

static void test_rejects_bad_interval(void **state)
{
    (void)state;
    char err[128] = "";
    assert_null(sysmon_start(0.0, err, sizeof err));
    assert_non_null(strstr(err, "interval"));
    assert_null(sysmon_start(-1.0, err, sizeof err));
}

static void test_first_sample_before_return(void **state)
{
    (void)state;
    static sysmon_snapshot snap;
    char err[128];
    sysmon *m = sysmon_start(60.0, err, sizeof err);
    assert_non_null(m);
    sysmon_read(m, &snap);
    assert_int_equal(snap.seq, 1);
    check_plausible(&snap);
    sysmon_stop(m);
}

struct reader {
    sysmon *m;
    uint64_t target;
    int reads;
    int failures;                   /* snapshots that went backwards or were torn */
};

static void *read_until(void *arg)
{
    struct reader *r = arg;
    sysmon_snapshot snap;
    uint64_t last = 0;
    double give_up = clock_s(CLOCK_MONOTONIC) + 10.0;
    while (last < r->target && clock_s(CLOCK_MONOTONIC) < give_up) {
        sysmon_read(r->m, &snap);
        if (snap.seq < last || snap.mem_used > snap.mem_total || snap.n_cpus < 1 ||
            snap.n_gpus != 2 || snap.gpus[1].proc_mem != 512ULL * 1024 * 1024)
            r->failures++;
        last = snap.seq;
        r->reads++;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    if (last < r->target)
        r->failures++;
    return NULL;
}

/* The sampling thread also drives NVML here, through the fake library. */
static void test_two_readers(void **state)
{
    (void)state;
    char err[128], lib[4096];
    const char *build = getenv("LATHE_BUILDDIR");
    snprintf(lib, sizeof lib, "%s/tests/libfake-nvml.so", build ? build : ".");
    setenv("LATHE_NVML_LIB", lib, 1);
    sysmon *m = sysmon_start(0.02, err, sizeof err);
    assert_non_null(m);
    struct reader r[2] = {{m, 5, 0, 0}, {m, 5, 0, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, read_until, &r[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].failures, 0);
        assert_true(r[i].reads > 0);
    }
    sysmon_stop(m);
    unsetenv("LATHE_NVML_LIB");
}

static void test_stop_is_prompt(void **state)
{
    (void)state;
    char err[128];
    sysmon *m = sysmon_start(30.0, err, sizeof err);
    assert_non_null(m);
    struct timespec settle = {0, 20000000};
    nanosleep(&settle, NULL);
    double t0 = clock_s(CLOCK_MONOTONIC);
    sysmon_stop(m);
    double latency = clock_s(CLOCK_MONOTONIC) - t0;
    printf("# sysmon_stop latency with a 30 s interval: %.3f ms\n", latency * 1e3);
    assert_true(latency < 0.5);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_sample_cost(void **state)
{
    (void)state;
    enum { N = 51 };
    static sysmon_snapshot snap;
    double cost[N];
    char err[128];
    sampler *s = sampler_new(err, sizeof err);
    assert_non_null(s);
    for (int i = 0; i < N; i++) {
        sampler_take(s, &snap);
        check_plausible(&snap);
        cost[i] = snap.sample_cost_s;
    }
    qsort(cost, N, sizeof cost[0], cmp_double);
    printf("# sample cost over %d samples: median %.1f us, min %.1f us, max %.1f us (%s)\n", N,
           cost[N / 2] * 1e6, cost[0] * 1e6, cost[N - 1] * 1e6, snap.gpu_status);
    sampler_free(s);
}

/* Spend a known amount of CPU between two samples and compare. */
static void test_process_cpu_share(void **state)
{
    (void)state;
    static sysmon_snapshot snap;
    char err[128];
    sampler *s = sampler_new(err, sizeof err);
    assert_non_null(s);
    sampler_take(s, &snap);
    double wall0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    volatile uint64_t spin = 0;
    while (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0 < 0.3)
        spin++;
    sampler_take(s, &snap);
    double expect = 100.0 * (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0) /
                    (clock_s(CLOCK_MONOTONIC) - wall0);
    printf("# process CPU: measured %.1f %%, expected %.1f %%\n", snap.proc_cpu_percent, expect);
    /* /proc counts in 10 ms ticks: allow a few ticks over 0.3 s either way. */
    assert_true(snap.proc_cpu_percent > expect - 15.0 && snap.proc_cpu_percent < expect + 15.0);
    sampler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rejects_bad_interval),
        cmocka_unit_test(test_first_sample_before_return),
        cmocka_unit_test(test_two_readers),
        cmocka_unit_test(test_stop_is_prompt),
        cmocka_unit_test(test_sample_cost),
        cmocka_unit_test(test_process_cpu_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
