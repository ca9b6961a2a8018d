/* test_ds_stats.c - the stats pass on a small fixture with every kind of
 * finding planted (exact and near duplicates, a problem line, empty fields,
 * PII, two languages, rows over sequence_len), the same summary with one and
 * two threads, progress and cancellation, a generated sharegpt file (roles
 * and turns), and the GPTeacher sets from LATHE_REFERENCE_DIR/../datasets
 * when present (skipped otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_fixture.h"
#include "ds_stats.h"

static const char fixture[] =
    "{\"instruction\":\"Say hello\",\"input\":\"\",\"output\":\"Hello there, friend of mine!\"}\n"
    "{\"instruction\":\"Say hello\",\"input\":\"\",\"output\":\"Hello there, friend of mine!\"}\n"
    "{\"instruction\":\"Mail\",\"input\":\"\",\"output\":\"write to a@b.io or call 555-123-4567\"}\n"
    "not json\n"
    "{\"instruction\":\"\",\"input\":\"x\",\"output\":\"y\"}\n"
    "{\"instruction\":\"say HELLO\",\"input\":\"\",\"output\":\"hello there friend of mine\"}\n"
    "{\"instruction\":\"翻訳して\",\"input\":\"\",\"output\":\"こんにちは\"}\n";

static ds_stats *run(const char *path, int threads, uint32_t seq_len, dataset **dsp)
{
    char err[512];
    dataset *ds = dataset_open(path, NULL, err, sizeof err);
    if (!ds)
        fail_msg("%s", err);
    ds_stats_options o = {NULL, seq_len, 0, threads, CHAT_TMPL_UNKNOWN};
    ds_stats *st = ds_stats_new(ds, &o, err, sizeof err);
    assert_non_null(st);
    if (ds_stats_run(st, err, sizeof err) != 0)
        fail_msg("%s", err);
    *dsp = ds;
    return st;
}

static void test_fixture(void **state)
{
    (void)state;
    ds_fixture fx;
    assert_int_equal(ds_fixture_text(&fx, fixture), 0);
    dataset *ds;
    ds_stats *st = run(fx.path, 2, 9, &ds);
    const ds_summary *s = ds_stats_summary(st);
    assert_int_equal(s->rows, 7);
    assert_int_equal(s->problem_rows, 1);
    assert_int_equal(s->exact_dups, 1);
    assert_int_equal(s->near_dups, 1);
    assert_int_equal(s->present[DS_FIELD_INSTRUCTION], 6);
    assert_int_equal(s->present[DS_FIELD_SYSTEM], 0);
    assert_int_equal(s->empty[DS_FIELD_INSTRUCTION], 1);
    assert_int_equal(s->empty[DS_FIELD_INPUT], 5);
    assert_int_equal(s->empty[DS_FIELD_OUTPUT], 0);
    assert_int_equal(s->pii[DS_PII_EMAIL], 1);
    assert_int_equal(s->pii[DS_PII_PHONE], 1);
    assert_int_equal(s->pii[DS_PII_CARD], 0);
    assert_int_equal(s->pii_rows, 1);
    assert_int_equal(s->lang[DS_LANG_EN], 5);
    assert_int_equal(s->lang[DS_LANG_JA], 1);
    assert_int_equal(s->roles[DS_ROLE_USER], 6);
    assert_int_equal(s->tokens_total.count, 6);
    assert_int_equal(ds_hist_percentile(&s->tokens_total, 50), 10);
    assert_int_equal(ds_hist_percentile(&s->tokens_total, 0), 2);
    assert_int_equal(s->tokens_total.max, 10);
    assert_int_equal(s->too_long_rows, 4);
    assert_int_equal(ds_stats_row(st, 3)->flags, DS_ROW_PROBLEM);
    assert_true(ds_stats_row(st, 1)->flags & DS_ROW_DUP);
    assert_false(ds_stats_row(st, 1)->flags & DS_ROW_NEAR_DUP);
    assert_true(ds_stats_row(st, 5)->flags & DS_ROW_NEAR_DUP);
    assert_int_equal(ds_stats_near_of(st, 5), 0);
    assert_true(ds_stats_row(st, 2)->flags & DS_ROW_PII);
    assert_true(ds_stats_row(st, 4)->flags & DS_ROW_EMPTY);
    assert_false(ds_stats_row(st, 0)->flags & DS_ROW_EMPTY);   /* only its input is empty */
    assert_int_equal(s->empty_rows, 1);
    assert_int_equal(ds_stats_row(st, 6)->lang, DS_LANG_JA);
    assert_int_equal(ds_stats_row(st, 6)->tokens, 9);
    size_t done, total;
    assert_int_equal(ds_stats_progress(st, &done, &total), DS_STATS_DONE);
    assert_int_equal(done, total);
    ds_stats_free(st);
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

static void test_cancel(void **state)
{
    (void)state;
    ds_fixture fx;
    assert_int_equal(ds_fixture_text(&fx, fixture), 0);
    char err[512];
    dataset *ds = dataset_open(fx.path, NULL, err, sizeof err);
    ds_stats *st = ds_stats_new(ds, NULL, err, sizeof err);
    ds_stats_cancel(st);
    assert_int_equal(ds_stats_run(st, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
    size_t done, total;
    assert_int_equal(ds_stats_progress(st, &done, &total), DS_STATS_FAILED);
    assert_int_equal(ds_stats_run(st, err, sizeof err), -1);
    ds_stats_free(st);
    /* an unchecked dataset is refused */
    dataset *raw = dataset_new(fx.path, NULL, err, sizeof err);
    st = ds_stats_new(raw, NULL, err, sizeof err);
    assert_int_equal(ds_stats_run(st, err, sizeof err), -1);
    assert_non_null(strstr(err, "not checked"));
    ds_stats_free(st);
    dataset_free(raw);
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

/* One and two threads must agree on everything. */
static void same_with_threads(const char *path)
{
    dataset *d1, *d2;
    ds_stats *a = run(path, 1, 256, &d1), *b = run(path, 2, 256, &d2);
    assert_memory_equal(ds_stats_summary(a), ds_stats_summary(b), sizeof(ds_summary));
    for (size_t i = 0; i < ds_stats_rows(a); i++) {
        assert_memory_equal(ds_stats_row(a, i), ds_stats_row(b, i), sizeof(ds_row_info));
        assert_int_equal(ds_stats_near_of(a, i), ds_stats_near_of(b, i));
    }
    ds_stats_free(a);
    ds_stats_free(b);
    dataset_free(d1);
    dataset_free(d2);
}

static void test_sharegpt_generated(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    assert_int_equal(ds_fixture_generate(&fx, DS_FMT_SHAREGPT, 300 << 10, 7, &records), 0);
    dataset *ds;
    ds_stats *st = run(fx.path, 2, 0, &ds);
    const ds_summary *s = ds_stats_summary(st);
    assert_int_equal(s->rows, records);
    assert_int_equal(s->problem_rows, 0);
    assert_int_equal(s->turns.count, records);
    assert_true(s->roles[DS_ROLE_USER] >= records);
    assert_true(s->roles[DS_ROLE_ASSISTANT] >= records);
    assert_int_equal(s->too_long_rows, 0);
    ds_stats_free(st);
    dataset_free(ds);
    same_with_threads(fx.path);
    ds_fixture_drop(&fx);
}

static void gpteacher(const char *name, size_t rows)
{
    char path[1024];
    if (!ds_fixture_reference(path, sizeof path, name)) {
        skip();
        return;
    }
    dataset *ds;
    ds_stats *st = run(path, 2, 0, &ds);
    const ds_summary *s = ds_stats_summary(st);
    assert_int_equal(s->rows, rows);
    assert_int_equal(s->problem_rows, 0);
    assert_int_equal(s->exact_dups, 0);
    assert_int_equal(s->present[DS_FIELD_OUTPUT], rows);
    assert_int_equal(s->empty[DS_FIELD_OUTPUT], 0);
    /* empty inputs counted independently of the features code */
    size_t blank = 0;
    dataset_iter it;
    dataset_iter_init(&it, ds, false);
    ds_record r;
    size_t idx;
    while (dataset_iter_next(&it, &r, &idx)) {
        size_t k = 0;
        while (k < r.input.len && strchr(" \t\r\n", r.input.text[k]))
            k++;
        blank += k == r.input.len;
        ds_record_clear(&r);
    }
    assert_int_equal(s->empty[DS_FIELD_INPUT], blank);
    /* toolformer's instructions repeat each tool's long description, so about a
     * quarter of its records are near copies (Jaccard >= 0.8) of an earlier one */
    assert_true(s->near_dups < rows / 3);
    assert_true(ds_hist_percentile(&s->tokens_total, 50) > 20);
    ds_stats_free(st);
    dataset_free(ds);
    same_with_threads(path);
}

static void test_gpteacher_codegen(void **state)
{
    (void)state;
    gpteacher("gpteacher-codegen-instruct.json", 4535);
}

static void test_gpteacher_toolformer(void **state)
{
    (void)state;
    gpteacher("gpteacher-toolformer-dedupe.json", 7673);
}

static void test_hist(void **state)
{
    (void)state;
    static ds_hist h, g;
    for (uint32_t v = 1; v <= 100; v++)
        ds_hist_add(&h, v);
    ds_hist_add(&g, 1000000);
    assert_int_equal(ds_hist_percentile(&h, 50), 50);
    assert_int_equal(ds_hist_percentile(&h, 90), 90);
    assert_int_equal(ds_hist_percentile(&h, 99), 99);
    assert_int_equal(ds_hist_above(&h, 95), 5);
    assert_int_equal(ds_hist_range(&h, 10, 20), 10);
    ds_hist_merge(&h, &g);
    assert_int_equal(h.count, 101);
    assert_int_equal(h.max, 1000000);
    assert_int_equal(ds_hist_percentile(&h, 100), 1000000);
    uint32_t p = ds_hist_percentile(&g, 50);
    assert_true(p <= 1000000 && p >= 1000000 - 1000000 / 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_sharegpt_generated),
        cmocka_unit_test(test_gpteacher_codegen),
        cmocka_unit_test(test_gpteacher_toolformer),
        cmocka_unit_test(test_hist),
    };
    return cmocka_run_group_tests_name("ds_stats", tests, NULL, NULL);
}
