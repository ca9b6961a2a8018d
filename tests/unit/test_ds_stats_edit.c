/* test_ds_stats_edit.c - the stats pass over an edit session's rows
 * (ds_edit_view): with no edits it matches the pass over the file as opened
 * row for row (exact duplicates from the view's hashes equal the check's);
 * delete, drop_empty, dedupe, near_dedupe, redact_pii and replace change the
 * summary as the edits say (a near duplicate whose partner is deleted is no
 * longer one, an edited row is compared by its new text); undo restores the
 * numbers; the view is a snapshot the session can change under. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_fixture.h"
#include "ds_session_fixture.h"
#include "ds_stats.h"

#define MSG(u, a) "{\"messages\":[{\"role\":\"user\",\"content\":\"" u "\"},"                \
                  "{\"role\":\"assistant\",\"content\":\"" a "\"}]}\n"

/* 0 and 1 equal, 5 near 0, 2 with an e-mail, 3 bad, 4 with a blank answer. */
static const char fixture[] =
    MSG("Say hello to everyone here", "Hello there, dear friend of mine, how are you today?")
    MSG("Say hello to everyone here", "Hello there, dear friend of mine, how are you today?")
    MSG("Mail me", "write to someone@example.com please")
    "not json\n"
    MSG("Blank answer", "   ")
    MSG("say HELLO to everyone here", "hello there dear friend of mine how are you today")
    MSG("What is two plus two", "Four");

static ds_stats *pass_over(ds_view *v)
{
    char err[512] = "";
    ds_stats_options o = {NULL, 0, 0, 2, CHAT_TMPL_UNKNOWN};
    ds_stats *st = v ? ds_stats_new_view(v, &o, err, sizeof err) : NULL;
    if (!st || ds_stats_run(st, err, sizeof err) != 0)
        fail_msg("stats: %s", err);
    return st;
}

/* The pass over the session as it is now. */
static ds_stats *now(const session *s)
{
    char err[512] = "";
    ds_view *v = ds_edit_view(s->e, err, sizeof err);
    if (!v)
        fail_msg("view: %s", err);
    return pass_over(v);
}

static ds_stats *as_opened(const session *s)
{
    char err[512] = "";
    return pass_over(ds_view_new(s->ds, NULL, err, sizeof err));
}

static void same_pass(const ds_stats *a, const ds_stats *b, size_t records)
{
    assert_memory_equal(ds_stats_summary(a), ds_stats_summary(b), sizeof(ds_summary));
    for (size_t i = 0; i < records; i++) {
        const ds_row_info *x = ds_stats_row(a, i), *y = ds_stats_row(b, i);
        assert_true((x == NULL) == (y == NULL));
        if (x)
            assert_memory_equal(x, y, sizeof *x);
        assert_int_equal(ds_stats_near_of(a, i), ds_stats_near_of(b, i));
    }
}

static void test_no_edits_is_the_file(void **state)
{
    (void)state;
    session s;
    session_open(&s, "opened.jsonl", fixture);
    ds_stats *a = as_opened(&s), *b = now(&s);
    const ds_summary *sum = ds_stats_summary(a);
    assert_int_equal(sum->rows, 7);
    assert_int_equal(sum->problem_rows, 1);
    assert_int_equal(sum->problems, 1);
    assert_int_equal(sum->exact_dups, 1);
    assert_int_equal(sum->near_dups, 1);
    assert_int_equal(sum->empty_rows, 1);
    assert_int_equal(sum->pii_rows, 1);
    assert_false(ds_view_edited(ds_stats_view(a)));
    assert_true(ds_view_edited(ds_stats_view(b)));
    same_pass(a, b, 7);
    ds_stats_free(a);
    ds_stats_free(b);
    session_close(&s);
}

/* A generated file with its first lines repeated at the end and a bad
 * line: the view's duplicate pass equals the check's, row for row. */
static void test_no_edits_generated(void **state)
{
    (void)state;
    enum { REPEAT = 40 };
    ds_fixture fx;
    uint64_t records;
    assert_int_equal(ds_fixture_generate(&fx, DS_FMT_SHAREGPT, 300000, 5, &records), 0);
    size_t len;
    char *text = read_all(fx.path, &len), *cut = text;
    assert_non_null(text);
    for (int i = 0; i < REPEAT; i++)
        cut = strchr(cut, '\n') + 1;
    FILE *f = fopen(fx.path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, (size_t)(cut - text), f), (size_t)(cut - text));
    assert_true(fputs("not json\n", f) >= 0);
    assert_int_equal(fclose(f), 0);
    free(text);
    records += REPEAT + 1;
    session s;
    session_open_path(&s, fx.path);
    ds_stats *a = as_opened(&s), *b = now(&s);
    assert_int_equal(ds_stats_summary(a)->exact_dups, REPEAT);
    assert_int_equal(ds_stats_summary(a)->problem_rows, 1);
    same_pass(a, b, records);
    ds_stats_free(a);
    ds_stats_free(b);
    session_close(&s);
    ds_fixture_drop(&fx);
}

static const ds_summary *sum_of(ds_stats **keep, const session *s)
{
    ds_stats_free(*keep);
    *keep = now(s);
    return ds_stats_summary(*keep);
}

/* After every edit is undone the pass over the session equals the pass over
 * the file as opened; frees ST and closes S. */
static void back_as_opened(ds_stats *st, session *s)
{
    ds_stats *opened = as_opened(s);
    sum_of(&st, s);
    same_pass(st, opened, 7);
    ds_stats_free(opened);
    ds_stats_free(st);
    session_close(s);
}

static void test_delete(void **state)
{
    (void)state;
    session s;
    session_open(&s, "delete.jsonl", fixture);
    ds_stats *st = NULL;
    size_t rows[] = {0, 1, 3};
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = rows, .n_rows = 3}, NULL);
    const ds_summary *sum = sum_of(&st, &s);
    assert_int_equal(sum->rows, 4);
    assert_int_equal(sum->problem_rows, 0);
    assert_int_equal(sum->problems, 0);
    assert_int_equal(sum->exact_dups, 0);
    assert_int_equal(sum->near_dups, 0);     /* record 5's partners are gone */
    assert_null(ds_stats_row(st, 0));
    assert_false(ds_stats_row(st, 5)->flags & DS_ROW_NEAR_DUP);
    assert_int_equal(ds_stats_near_of(st, 5), DS_NEAR_NONE);
    assert_int_equal(sum->tokens_total.count, 4);
    /* deleting only the first of the equal pair: the second stands alone
     * and record 5 nearly duplicates it */
    assert_true(ds_edit_undo(s.e));
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = rows, .n_rows = 1}, NULL);
    sum = sum_of(&st, &s);
    assert_int_equal(sum->exact_dups, 0);
    assert_int_equal(sum->near_dups, 1);
    assert_int_equal(ds_stats_near_of(st, 5), 1);
    assert_true(ds_edit_undo(s.e));
    back_as_opened(st, &s);
}

static void test_cleaning_actions(void **state)
{
    (void)state;
    session s;
    session_open(&s, "clean.jsonl", fixture);
    ds_stats *st = NULL;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DROP_EMPTY}, NULL);
    const ds_summary *sum = sum_of(&st, &s);
    assert_int_equal(sum->rows, 6);
    assert_int_equal(sum->empty_rows, 0);
    assert_int_equal(sum->empty[DS_FIELD_OUTPUT], 0);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DEDUPE}, NULL);
    sum = sum_of(&st, &s);
    assert_int_equal(sum->rows, 5);
    assert_int_equal(sum->exact_dups, 0);
    assert_int_equal(sum->near_dups, 1);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_NEAR_DEDUPE, .threshold = 0.8}, NULL);
    sum = sum_of(&st, &s);
    assert_int_equal(sum->rows, 4);
    assert_int_equal(sum->near_dups, 0);
    assert_int_equal(sum->pii_rows, 1);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REDACT_PII}, NULL);
    sum = sum_of(&st, &s);
    assert_int_equal(sum->pii_rows, 0);
    assert_int_equal(sum->pii[DS_PII_EMAIL], 0);
    assert_int_equal(sum->problem_rows, 1);     /* the bad line is still there */
    /* undo, step by step, gives each earlier state's numbers back */
    assert_true(ds_edit_undo(s.e));
    assert_int_equal(sum_of(&st, &s)->pii_rows, 1);
    assert_true(ds_edit_undo(s.e));
    assert_int_equal(sum_of(&st, &s)->near_dups, 1);
    assert_true(ds_edit_undo(s.e));
    assert_int_equal(sum_of(&st, &s)->exact_dups, 1);
    assert_true(ds_edit_undo(s.e));
    sum = sum_of(&st, &s);
    assert_int_equal(sum->rows, 7);
    assert_int_equal(sum->empty_rows, 1);
    assert_true(ds_edit_redo(s.e));
    assert_int_equal(sum_of(&st, &s)->empty_rows, 0);
    ds_stats_free(st);
    session_close(&s);
}

/* An edited row is measured and compared by its new text. */
static void test_replace(void **state)
{
    (void)state;
    session s;
    session_open(&s, "replace.jsonl", fixture);
    ds_stats *st = NULL;
    size_t five = 5, three = 3, two = 2;
    char same_as_0[] = MSG("Say hello to everyone here",
                           "Hello there, dear friend of mine, how are you today?");
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &five, .n_rows = 1,
                               .json = same_as_0}, NULL);
    const ds_summary *sum = sum_of(&st, &s);
    assert_int_equal(sum->exact_dups, 2);
    assert_int_equal(sum->near_dups, 0);
    assert_true(ds_stats_row(st, 5)->flags & DS_ROW_DUP);
    char fixed[] = MSG("A fixed line", "now it parses");
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &three, .n_rows = 1,
                               .json = fixed}, NULL);
    sum = sum_of(&st, &s);
    assert_int_equal(sum->problem_rows, 0);
    assert_int_equal(sum->problems, 0);
    assert_int_equal(sum->rows, 7);
    char no_mail[] = MSG("Mail me", "write to me please");
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &two, .n_rows = 1,
                               .json = no_mail}, NULL);
    assert_int_equal(sum_of(&st, &s)->pii_rows, 0);
    for (int i = 0; i < 3; i++)
        assert_true(ds_edit_undo(s.e));
    back_as_opened(st, &s);
}

/* The view is a snapshot: the session changes (and frees texts) after it
 * was taken and the pass still reads the rows as they were. */
static void test_view_is_a_snapshot(void **state)
{
    (void)state;
    session s;
    session_open(&s, "snap.jsonl", fixture);
    size_t two = 2;
    char no_mail[] = MSG("Mail me", "write to me please");
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &two, .n_rows = 1,
                               .json = no_mail}, NULL);
    char err[256];
    ds_view *v = ds_edit_view(s.e, err, sizeof err);
    assert_non_null(v);
    assert_true(ds_edit_undo(s.e));
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DROP_EMPTY}, NULL);  /* drops the undone step */
    ds_stats *st = pass_over(v);
    assert_int_equal(ds_stats_summary(st)->rows, 7);
    assert_int_equal(ds_stats_summary(st)->pii_rows, 0);
    ds_stats_free(st);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_edits_is_the_file),
        cmocka_unit_test(test_no_edits_generated),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_cleaning_actions),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_view_is_a_snapshot),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
