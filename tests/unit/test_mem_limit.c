/* test_mem_limit.c - the memory limit (mem_limit.h) over fake /proc and
 * /sys trees: MemTotal alone; a cgroup v2 limit below it, set on a group
 * above the process's own ("max" on its own); a v1 limit; a limit above
 * MemTotal, which does not count; groups missing under the mount point (a
 * container's view); no /proc/meminfo at all. And on this machine: a limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mem_limit.h"
#include "testdir.h"

#define GIB (1024ull * 1024 * 1024)

static const char *meminfo = "MemTotal:       16777216 kB\n"
                             "MemFree:         1000000 kB\n"
                             "MemAvailable:    8000000 kB\n";

/* A fresh root NAME with /proc/meminfo (unless MEMINFO is NULL) and
 * /proc/self/cgroup holding CGROUP. */
static const char *fake_root(const char *name, const char *mem, const char *cgroup)
{
    static char root[600];
    snprintf(root, sizeof root, "%s", testdir_path(name));
    char path[800];
    const char *dirs[] = {"", "/proc", "/proc/self"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", root, dirs[i]);
        mkdir(path, 0755);
    }
    char rel[300];
    if (mem) {
        snprintf(rel, sizeof rel, "%s/proc/meminfo", name);
        testdir_write(rel, mem);
    }
    snprintf(rel, sizeof rel, "%s/proc/self/cgroup", name);
    testdir_write(rel, cgroup);
    return root;
}

/* Writes TEXT to ROOT-relative FILE under NAME, making its folders. */
static void put(const char *name, const char *file, const char *text)
{
    char rel[600], path[900];
    snprintf(rel, sizeof rel, "%s%s", name, file);
    for (char *p = strchr(rel + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        snprintf(path, sizeof path, "%s", testdir_path(rel));
        mkdir(path, 0755);
        *p = '/';
    }
    testdir_write(rel, text);
}

static void test_memtotal_alone(void **state)
{
    (void)state;
    const char *root = fake_root("plain", meminfo, "0::/\n");
    assert_int_equal(mem_limit_bytes(root), 16 * GIB);
}

static void test_cgroup_v2_above_own_group(void **state)
{
    (void)state;
    const char *root = fake_root("v2", meminfo, "0::/job/step\n");
    put("v2", "/sys/fs/cgroup/job/step/memory.max", "max\n");
    put("v2", "/sys/fs/cgroup/job/memory.max", "4294967296\n");
    assert_int_equal(mem_limit_bytes(root), 4 * GIB);
    put("v2", "/sys/fs/cgroup/job/step/memory.max", "2147483648\n");
    assert_int_equal(mem_limit_bytes(root), 2 * GIB);
}

static void test_cgroup_v1(void **state)
{
    (void)state;
    const char *root = fake_root("v1", meminfo, "5:cpu,cpuacct:/x\n4:memory:/docker/abc\n0::/\n");
    put("v1", "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "3221225472\n");
    put("v1", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    assert_int_equal(mem_limit_bytes(root), 3 * GIB);
}

/* A limit above the RAM does not count; a group path missing under the
 * mount (the container sees its own group as the root) still finds the
 * mount's own limit. */
static void test_high_limit_and_missing_group(void **state)
{
    (void)state;
    const char *root = fake_root("high", meminfo, "0::/not/here\n");
    put("high", "/sys/fs/cgroup/memory.max", "68719476736\n");
    assert_int_equal(mem_limit_bytes(root), 16 * GIB);
    put("high", "/sys/fs/cgroup/memory.max", "1073741824\n");
    assert_int_equal(mem_limit_bytes(root), 1 * GIB);
    put("high", "/sys/fs/cgroup/memory.max", "garbage\n");
    assert_int_equal(mem_limit_bytes(root), 16 * GIB);
}

static void test_no_meminfo(void **state)
{
    (void)state;
    assert_int_equal(mem_limit_bytes(fake_root("none", NULL, "0::/\n")), 0);
    assert_int_equal(mem_limit_bytes(fake_root("bad", "MemFree: 1 kB\n", "0::/\n")), 0);
}

static void test_this_machine(void **state)
{
    (void)state;
    assert_true(mem_limit_bytes("") > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memtotal_alone),
        cmocka_unit_test(test_cgroup_v2_above_own_group),
        cmocka_unit_test(test_cgroup_v1),
        cmocka_unit_test(test_high_limit_and_missing_group),
        cmocka_unit_test(test_no_meminfo),
        cmocka_unit_test(test_this_machine),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
