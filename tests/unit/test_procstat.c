/* test_procstat.c - the /proc parsers on fixture files copied from a real
 * machine (tests/fixtures/proc/), with exact expected figures, CPU shares from
 * two /proc/stat samples, and every truncated or garbled file rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

#define KB 1024ULL

static char buf[65536];
static procstat_cpu cpu_a, cpu_b;

/* Loads tests/fixtures/proc/NAME into buf. */
static const char *fixture(const char *name)
{
    const char *src = getenv("LATHE_SRCDIR");
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/tests/fixtures/proc/%s", src ? src : LATHE_SRCDIR, name);
    long n = procstat_read_file(path, buf, sizeof buf, err, sizeof err);
    if (n < 0)
        fail_msg("%s", err);
    return buf;
}

static void test_stat_fields(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(procstat_parse_stat(fixture("stat.1"), &cpu_a, err, sizeof err), 0);
    assert_int_equal(cpu_a.n_cpus, 2);
    const procstat_ticks *t = &cpu_a.all;
    assert_int_equal(t->user, 11528);
    assert_int_equal(t->nice, 0);
    assert_int_equal(t->system, 4332);
    assert_int_equal(t->idle, 119853);
    assert_int_equal(t->iowait, 705);
    assert_int_equal(t->irq, 0);
    assert_int_equal(t->softirq, 101);
    assert_int_equal(t->steal, 20);
    assert_int_equal(cpu_a.cpu[1].user, 7123);
    assert_int_equal(cpu_a.cpu[1].idle, 57752);
    assert_int_equal(cpu_a.cpu[1].iowait, 662);
}

/* stat.1 -> stat.2: all +100 user, +1 system, +139 idle (101 of 240 busy);
 * cpu0 +1 system, +119 idle (1 of 120); cpu1 +100 user, +20 idle (100 of 120). */
static void test_stat_deltas(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(procstat_parse_stat(fixture("stat.1"), &cpu_a, err, sizeof err), 0);
    assert_int_equal(procstat_parse_stat(fixture("stat.2"), &cpu_b, err, sizeof err), 0);
    assert_float_equal(procstat_busy_percent(&cpu_a.all, &cpu_b.all), 100.0 * 101 / 240, 1e-9);
    assert_float_equal(procstat_busy_percent(&cpu_a.cpu[0], &cpu_b.cpu[0]), 100.0 / 120, 1e-9);
    assert_float_equal(procstat_busy_percent(&cpu_a.cpu[1], &cpu_b.cpu[1]), 10000.0 / 120, 1e-9);
    /* No ticks passed, or the counters went backwards: 0, not garbage. */
    assert_float_equal(procstat_busy_percent(&cpu_a.all, &cpu_a.all), 0.0, 0.0);
    assert_float_equal(procstat_busy_percent(&cpu_b.all, &cpu_a.all), 0.0, 0.0);
}

static void test_stat_iowait_backwards(void **state)
{
    (void)state;
    procstat_ticks a = {.user = 100, .idle = 100, .iowait = 50};
    procstat_ticks b = {.user = 150, .idle = 150, .iowait = 40};
    /* total +90, idle+iowait +40: 50 of 90 busy. */
    assert_float_equal(procstat_busy_percent(&a, &b), 100.0 * 50 / 90, 1e-9);
}

static void test_stat_many_cpus_capped(void **state)
{
    (void)state;
    char err[256];
    size_t len = (size_t)snprintf(buf, sizeof buf, "cpu  1 2 3 4 5 6 7 8 0 0\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "cpu%d %d 0 0 9 0 0 0 0 0 0\n", i, i);
    assert_int_equal(procstat_parse_stat(buf, &cpu_a, err, sizeof err), 0);
    assert_int_equal(cpu_a.n_cpus, PROCSTAT_MAX_CPUS);
    assert_int_equal(cpu_a.cpu[PROCSTAT_MAX_CPUS - 1].user, PROCSTAT_MAX_CPUS - 1);
}

static void test_stat_rejects_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {"stat_truncated", "stat_garbled", "empty", "garbage"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        assert_int_equal(procstat_parse_stat(fixture(bad[i]), &cpu_a, err, sizeof err), -1);
        assert_non_null(strstr(err, "/proc/stat"));
    }
    char err[256] = "";
    assert_int_equal(procstat_parse_stat("cpu  99999999999999999999 0 0 0 0 0 0 0\n", &cpu_a,
                                         err, sizeof err), -1);
    assert_non_null(strstr(err, "line 1"));
}

static void test_meminfo(void **state)
{
    (void)state;
    char err[256];
    procstat_mem mem;
    assert_int_equal(procstat_parse_meminfo(fixture("meminfo"), &mem, err, sizeof err), 0);
    assert_int_equal(mem.total, 24684092 * KB);
    assert_int_equal(mem.available, 24272588 * KB);
    static const char *const bad[] = {"meminfo_truncated", "meminfo_garbled", "empty", "garbage"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(procstat_parse_meminfo(fixture(bad[i]), &mem, err, sizeof err), -1);
        assert_non_null(strstr(err, "/proc/meminfo"));
    }
}

static void test_uptime(void **state)
{
    (void)state;
    char err[256];
    double up = 0;
    assert_int_equal(procstat_parse_uptime(fixture("uptime"), &up, err, sizeof err), 0);
    assert_float_equal(up, 697.35, 1e-9);
    assert_int_equal(procstat_parse_uptime(fixture("uptime_garbled"), &up, err, sizeof err), -1);
    assert_int_equal(procstat_parse_uptime(fixture("empty"), &up, err, sizeof err), -1);
    assert_int_equal(procstat_parse_uptime(fixture("garbage"), &up, err, sizeof err), -1);
}

static void test_self_stat(void **state)
{
    (void)state;
    char err[256];
    procstat_self_cpu cpu;
    assert_int_equal(procstat_parse_self_stat(fixture("self_stat"), &cpu, err, sizeof err), 0);
    assert_int_equal(cpu.cpu_ticks, 154 + 1);
    assert_int_equal(cpu.start_ticks, 68695);
    /* comm "evil) 1 2 (x" must not shift the fields. */
    memset(&cpu, 0, sizeof cpu);
    assert_int_equal(procstat_parse_self_stat(fixture("self_stat_odd_comm"), &cpu, err, sizeof err),
                     0);
    assert_int_equal(cpu.cpu_ticks, 155);
    assert_int_equal(cpu.start_ticks, 68695);
    static const char *const bad[] = {"self_stat_truncated", "empty", "garbage", "stat.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(procstat_parse_self_stat(fixture(bad[i]), &cpu, err, sizeof err), -1);
        assert_non_null(strstr(err, "/proc/self/stat"));
    }
}

static void test_self_status(void **state)
{
    (void)state;
    char err[256];
    procstat_self_mem mem;
    assert_int_equal(procstat_parse_self_status(fixture("self_status"), &mem, err, sizeof err), 0);
    assert_int_equal(mem.rss, 13500 * KB);
    assert_int_equal(mem.peak_rss, 13500 * KB);
    err[0] = '\0';
    assert_int_equal(procstat_parse_self_status(fixture("self_status_no_hwm"), &mem, err,
                                                sizeof err), -1);
    assert_non_null(strstr(err, "VmHWM"));
    assert_int_equal(procstat_parse_self_status(fixture("garbage"), &mem, err, sizeof err), -1);
}

static void test_read_file(void **state)
{
    (void)state;
    char err[256] = "", small[64];
    const char *src = getenv("LATHE_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/proc/stat.1", src ? src : LATHE_SRCDIR);
    /* Too long for the buffer: cut after the last whole line that fits. */
    long n = procstat_read_file(path, small, sizeof small, err, sizeof err);
    assert_int_equal(n, (long)strlen("cpu  11528 0 4332 119853 705 0 101 20 0 0\n"));
    assert_int_equal((long)strlen(small), n);
    assert_int_equal(procstat_read_file("/nonexistent/lathe/stat", small, sizeof small, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/lathe/stat"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat_fields),
        cmocka_unit_test(test_stat_deltas),
        cmocka_unit_test(test_stat_iowait_backwards),
        cmocka_unit_test(test_stat_many_cpus_capped),
        cmocka_unit_test(test_stat_rejects_bad),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_uptime),
        cmocka_unit_test(test_self_stat),
        cmocka_unit_test(test_self_status),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
