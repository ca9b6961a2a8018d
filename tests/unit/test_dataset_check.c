/* test_dataset_check.c - the threaded check pass gives the same problems,
 * bad records and duplicate pairs for any thread count: generated alpaca
 * records with planted byte-identical and reformatted duplicates (near and
 * far, across chunk boundaries) and bad records, checked on 1, 2, 3 and 8
 * threads and compared item by item; and a cancelled check fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "ds_fixture.h"

enum { ROWS = 6000 };

typedef struct {
    char *text;
    size_t len;
    size_t planted_dups, planted_bad;
} planted;

static char **generated_lines(size_t rows)
{
    char *buf = NULL;
    size_t size = 0;
    uint64_t bytes;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(bench_synth_write_rows(f, DS_FMT_ALPACA, rows, 11, &bytes), 0);
    assert_int_equal(fclose(f), 0);
    char **lines = calloc(rows + 1, sizeof *lines);
    assert_non_null(lines);
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && n < rows;
         l = strtok_r(NULL, "\n", &save))
        assert_non_null(lines[n++] = strdup(l));
    assert_int_equal(n, rows);
    free(buf);
    return lines;
}

/* Every 7th row is followed by a copy of an earlier one, every 11th by the
 * same with a space after its brace (equal, not byte-equal), every 13th by a
 * bad record of one of three kinds. */
static planted plant(char **lines, size_t rows)
{
    static const char *bad[] = {"{\"instruction\": \"cut short", "{\"title\": \"no keys\"}",
                                "[1, 2, 3]"};
    planted p = {0};
    FILE *f = open_memstream(&p.text, &p.len);
    assert_non_null(f);
    uint64_t rnd = 12345;
    for (size_t i = 0; i < rows; i++) {
        fprintf(f, "%s\n", lines[i]);
        rnd = rnd * 6364136223846793005u + 1442695040888963407u;
        size_t earlier = (size_t)(rnd >> 33) % (i + 1);
        if (i % 7 == 6) {
            fprintf(f, "%s\n", lines[earlier]);
            p.planted_dups++;
        }
        if (i % 11 == 10) {
            fprintf(f, "{ %s\n", lines[i / 2] + 1);
            p.planted_dups++;
        }
        if (i % 13 == 12) {
            fprintf(f, "%s\n", bad[i % 3]);
            p.planted_bad++;
        }
    }
    assert_int_equal(fclose(f), 0);
    return p;
}

static dataset *check_on(const char *path, int threads)
{
    dataset_options opt = {.format = DS_FMT_AUTO, .threads = threads};
    char err[512] = "";
    dataset *ds = dataset_open(path, &opt, err, sizeof err);
    if (!ds)
        fail_msg("%d threads: %s", threads, err);
    assert_int_equal(dataset_checked_count(ds), dataset_count(ds));
    return ds;
}

static void expect_same(const dataset *a, const dataset *b)
{
    assert_int_equal(dataset_count(a), dataset_count(b));
    assert_int_equal(dataset_problem_total(a), dataset_problem_total(b));
    assert_int_equal(dataset_problem_count(a), dataset_problem_count(b));
    for (size_t i = 0; i < dataset_problem_count(a); i++) {
        const dataset_problem *p = dataset_problem_at(a, i), *q = dataset_problem_at(b, i);
        assert_int_equal(p->line, q->line);
        assert_int_equal(p->offset, q->offset);
        assert_int_equal(p->record, q->record);
        assert_string_equal(p->reason, q->reason);
    }
    assert_int_equal(dataset_bad_count(a), dataset_bad_count(b));
    assert_int_equal(dataset_dup_count(a), dataset_dup_count(b));
    for (size_t i = 0; i < dataset_count(a); i++) {
        size_t fa = SIZE_MAX, fb = SIZE_MAX;
        assert_int_equal(dataset_is_bad(a, i), dataset_is_bad(b, i));
        assert_int_equal(dataset_dup_of(a, i, &fa), dataset_dup_of(b, i, &fb));
        assert_int_equal(fa, fb);
    }
}

/* Problems come in file order, and each duplicate names an earlier, equal,
 * non-duplicate record. */
static void expect_sound(dataset *ds)
{
    for (size_t i = 1; i < dataset_problem_count(ds); i++)
        assert_true(dataset_problem_at(ds, i - 1)->offset < dataset_problem_at(ds, i)->offset);
    for (size_t i = 0; i < dataset_count(ds); i++) {
        size_t first;
        if (!dataset_dup_of(ds, i, &first))
            continue;
        assert_true(first < i);
        assert_false(dataset_dup_of(ds, first, NULL));
        ds_record x, y;
        char why[256];
        assert_int_equal(dataset_get(ds, i, &x, why, sizeof why), DATASET_OK);
        assert_int_equal(dataset_get(ds, first, &y, why, sizeof why), DATASET_OK);
        assert_true(ds_record_same(&x, &y));
        ds_record_clear(&x);
        ds_record_clear(&y);
    }
}

static void test_same_for_any_thread_count(void **state)
{
    (void)state;
    char **lines = generated_lines(ROWS);
    planted p = plant(lines, ROWS);
    ds_fixture fx;
    assert_int_equal(ds_fixture_write(&fx, p.text, p.len, 0), 0);
    dataset *one = check_on(fx.path, 1);
    assert_int_equal(dataset_format(one), DS_FMT_ALPACA);
    assert_int_equal(dataset_count(one), ROWS + p.planted_dups + p.planted_bad);
    assert_int_equal(dataset_bad_count(one), p.planted_bad);
    assert_int_equal(dataset_problem_count(one), p.planted_bad);
    assert_true(dataset_dup_count(one) >= p.planted_dups);
    expect_sound(one);
    static const int threads[] = {2, 3, 8};
    for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
        dataset *many = check_on(fx.path, threads[k]);
        expect_same(one, many);
        dataset_free(many);
    }
    dataset_free(one);
    ds_fixture_drop(&fx);
    free(p.text);
    for (size_t i = 0; i < ROWS; i++)
        free(lines[i]);
    free(lines);
}

static void test_cancelled_check_fails(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    assert_int_equal(ds_fixture_generate(&fx, DS_FMT_ALPACA, 1u << 20, 3, &records), 0);
    dataset_options opt = {.threads = 2};
    char err[256] = "";
    dataset *ds = dataset_new(fx.path, &opt, err, sizeof err);
    assert_non_null(ds);
    assert_int_equal(dataset_build(ds, err, sizeof err), 0);
    dataset_cancel(ds);
    assert_int_equal(dataset_check(ds, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
    assert_false(dataset_checked(ds));
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_for_any_thread_count),
        cmocka_unit_test(test_cancelled_check_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
