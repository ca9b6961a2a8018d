/* test_mapped_file.c - a file that shrinks under its mapping: reading the
 * pages past its new end gives zeros instead of a bus error and marks the
 * mapping lost; a SIGBUS that is not about a guarded mapping still reaches
 * the handler that was there before; and the dataset layer reports such a
 * file as "changed on disk while being read" instead of trusting it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "ds_fixture.h"
#include "mapped_file.h"

enum { BIG = 1 << 20 };

static void test_read_past_a_truncated_end(void **state)
{
    (void)state;
    ds_fixture fx;
    char *text = malloc(BIG);
    assert_non_null(text);
    memset(text, 'x', BIG);
    assert_int_equal(ds_fixture_write(&fx, text, BIG, 0), 0);
    const void *data;
    size_t size;
    char err[256];
    assert_int_equal(mapped_file_open(fx.path, &data, &size, err, sizeof err), 0);
    assert_int_equal(size, BIG);
    assert_false(mapped_file_lost(data));
    assert_int_equal(truncate(fx.path, 100), 0);
    const volatile unsigned char *p = data;
    size_t x = 0;
    for (size_t i = 0; i < size; i++)
        x += p[i] == 'x';
    assert_int_equal(x, 100);    /* the rest reads as zeros */
    assert_true(mapped_file_lost(data));
    mapped_file_close(data, size);
    ds_fixture_drop(&fx);
    free(text);
}

static volatile sig_atomic_t earlier_handler_ran;

static void earlier_handler(int sig)
{
    (void)sig;
    earlier_handler_ran = 1;
}

/* The guard sits in front of the handler it found and passes on the rest. */
static void test_other_sigbus_reaches_the_earlier_handler(void **state)
{
    (void)state;
    struct sigaction sa = {.sa_handler = earlier_handler}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old);
    mapped_file_guard();
    raise(SIGBUS);
    assert_int_equal(earlier_handler_ran, 1);
    sigaction(SIGBUS, &old, NULL);
}

static dataset *generated(ds_fixture *fx, uint64_t *records)
{
    char err[256];
    assert_int_equal(ds_fixture_generate(fx, DS_FMT_ALPACA, 4 << 20, 7, records), 0);
    dataset *ds = dataset_new(fx->path, NULL, err, sizeof err);
    assert_non_null(ds);
    return ds;
}

static void test_check_of_a_truncated_dataset_fails(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    dataset *ds = generated(&fx, &records);
    char err[512] = "";
    assert_int_equal(dataset_build(ds, err, sizeof err), 0);
    assert_int_equal(dataset_count(ds), records);
    assert_false(dataset_changed(ds, NULL, 0));
    assert_int_equal(truncate(fx.path, 100), 0);
    size_t len;
    const char *last = dataset_text(ds, dataset_count(ds) - 1, &len);
    assert_int_equal(last[len - 1], '\0');   /* read past the end: zeros, no crash */
    assert_int_not_equal(dataset_check(ds, err, sizeof err), 0);
    assert_non_null(strstr(err, "changed on disk while being read"));
    assert_non_null(strstr(err, fx.path));
    assert_true(dataset_changed(ds, NULL, 0));
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

static void test_build_of_a_truncated_dataset_fails(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    dataset *ds = generated(&fx, &records);
    char err[512] = "";
    /* Shrunk between opening and indexing: the scan reads the old size. */
    assert_int_equal(truncate(fx.path, 100), 0);
    assert_int_not_equal(dataset_build(ds, err, sizeof err), 0);
    assert_non_null(strstr(err, "changed on disk while being read"));
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

static void test_grown_dataset_is_changed(void **state)
{
    (void)state;
    ds_fixture fx;
    assert_int_equal(ds_fixture_text(&fx, "{\"text\": \"a\"}\n"), 0);
    char err[512] = "";
    dataset *ds = dataset_open(fx.path, NULL, err, sizeof err);
    assert_non_null(ds);
    FILE *f = fopen(fx.path, "a");
    assert_non_null(f);
    fputs("{\"text\": \"b\"}\n", f);
    fclose(f);
    assert_true(dataset_changed(ds, err, sizeof err));
    assert_non_null(strstr(err, "changed on disk"));
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_past_a_truncated_end),
        cmocka_unit_test(test_other_sigbus_reaches_the_earlier_handler),
        cmocka_unit_test(test_check_of_a_truncated_dataset_fails),
        cmocka_unit_test(test_build_of_a_truncated_dataset_fails),
        cmocka_unit_test(test_grown_dataset_is_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
