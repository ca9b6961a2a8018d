/* test_nvml.c - the NVML loader against tests/libfake-nvml.so (via
 * LATHE_NVML_LIB): two devices with this process's memory found by pid, a
 * process list that needs a bigger buffer, and every "no GPU" reason (no
 * devices, init failure, no driver, missing library, wrong library), which
 * must come back as a label and never as an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvml.h"
#include "sampler.h"

#define GIB (1024ULL * 1024 * 1024)
#define MIB (1024ULL * 1024)

static void use_fake(void)
{
    const char *build = getenv("LATHE_BUILDDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/libfake-nvml.so", build ? build : ".");
    setenv("LATHE_NVML_LIB", path, 1);
    unsetenv("FAKE_NVML_DEVICES");
    unsetenv("FAKE_NVML_FAIL_INIT");
    unsetenv("FAKE_NVML_OTHER_PROCS");
    unsetenv("FAKE_NVML_NO_UTIL");
}

static void check_two_devices(const sysmon_gpu *g, int n)
{
    assert_int_equal(n, 2);
    for (int i = 0; i < 2; i++) {
        char name[32];
        snprintf(name, sizeof name, "Fake GPU %d", i);
        assert_string_equal(g[i].name, name);
        assert_int_equal(g[i].mem_total, 80 * GIB);
        assert_int_equal(g[i].mem_used, (uint64_t)(i + 1) * GIB);
        assert_int_equal(g[i].util_percent, 30 + 20 * i);
        assert_int_equal(g[i].proc_mem, (uint64_t)(i + 1) * 256 * MIB);
    }
}

static void test_two_devices(void **state)
{
    (void)state;
    use_fake();
    char status[96] = "";
    nvml *n = nvml_open(status, sizeof status);
    assert_non_null(n);
    assert_string_equal(status, "2 GPUs");
    sysmon_gpu gpus[SYSMON_MAX_GPUS];
    check_two_devices(gpus, nvml_sample(n, gpus, SYSMON_MAX_GPUS));
    /* A second sample reuses the process buffer. */
    check_two_devices(gpus, nvml_sample(n, gpus, SYSMON_MAX_GPUS));
    assert_int_equal(nvml_sample(n, gpus, 1), 1);
    nvml_close(n);
}

static void test_many_processes_grow_buffer(void **state)
{
    (void)state;
    use_fake();
    setenv("FAKE_NVML_OTHER_PROCS", "100", 1);
    char status[96];
    nvml *n = nvml_open(status, sizeof status);
    assert_non_null(n);
    sysmon_gpu gpus[SYSMON_MAX_GPUS];
    check_two_devices(gpus, nvml_sample(n, gpus, SYSMON_MAX_GPUS));
    nvml_close(n);
}

/* A figure the driver does not support reads 0; the others still arrive. */
static void test_unsupported_utilization(void **state)
{
    (void)state;
    use_fake();
    setenv("FAKE_NVML_NO_UTIL", "1", 1);
    char status[96];
    nvml *n = nvml_open(status, sizeof status);
    assert_non_null(n);
    sysmon_gpu gpus[SYSMON_MAX_GPUS];
    assert_int_equal(nvml_sample(n, gpus, SYSMON_MAX_GPUS), 2);
    assert_int_equal(gpus[1].util_percent, 0);
    assert_int_equal(gpus[1].mem_used, 2 * GIB);
    assert_int_equal(gpus[1].proc_mem, 512 * MIB);
    nvml_close(n);
}

/* Opening must fail softly with exactly this reason. */
static void expect_no_gpu(const char *reason)
{
    char status[96] = "";
    assert_null(nvml_open(status, sizeof status));
    assert_string_equal(status, reason);
}

static void test_no_devices(void **state)
{
    (void)state;
    use_fake();
    setenv("FAKE_NVML_DEVICES", "0", 1);
    expect_no_gpu("no GPU: no devices");
}

static void test_init_failure(void **state)
{
    (void)state;
    use_fake();
    setenv("FAKE_NVML_FAIL_INIT", "1", 1);
    expect_no_gpu("no GPU: NVML init failed: Unknown Error");
    setenv("FAKE_NVML_FAIL_INIT", "driver", 1);
    expect_no_gpu("no GPU: NVIDIA driver not loaded");
}

static void test_missing_library(void **state)
{
    (void)state;
    setenv("LATHE_NVML_LIB", "/nonexistent/lathe/libnvidia-ml.so.1", 1);
    expect_no_gpu("no GPU: libnvidia-ml not found");
}

static void test_wrong_library(void **state)
{
    (void)state;
    setenv("LATHE_NVML_LIB", "libz.so.1", 1);
    expect_no_gpu("no GPU: libnvidia-ml lacks needed functions");
}

/* The sampler carries the GPU figures or the reason into the snapshot. */
static void test_snapshot_fields(void **state)
{
    (void)state;
    static sysmon_snapshot snap;
    char err[128];
    use_fake();
    sampler *s = sampler_new(err, sizeof err);
    assert_non_null(s);
    sampler_take(s, &snap);
    check_two_devices(snap.gpus, snap.n_gpus);
    assert_string_equal(snap.gpu_status, "2 GPUs");
    sampler_free(s);

    setenv("FAKE_NVML_DEVICES", "0", 1);
    s = sampler_new(err, sizeof err);
    assert_non_null(s);
    sampler_take(s, &snap);
    assert_int_equal(snap.n_gpus, 0);
    assert_string_equal(snap.gpu_status, "no GPU: no devices");
    sampler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_devices),
        cmocka_unit_test(test_many_processes_grow_buffer),
        cmocka_unit_test(test_unsupported_utilization),
        cmocka_unit_test(test_no_devices),
        cmocka_unit_test(test_init_failure),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_wrong_library),
        cmocka_unit_test(test_snapshot_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
