/* test_ds_edit.c - the edit session: the visible-row mapping against a
 * brute-force count, every action's effect with undo and redo restoring the
 * exact state before and after, redo dropped by a new action, replace
 * validation (line/column for bad JSON, the format's reason otherwise), the
 * filter actions (drop, keep, tag on datacore's expressions, with dup seen in
 * the edited state), near dedupe, PII redaction, and the whitespace and NFC
 * rules on single strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_session_fixture.h"
#include "ds_text_clean.h"

static const char *const sample =
    "{\"instruction\":\"  Say hi  \",\"output\":\"hi\\r\\n\\n\\n\\nthere  \"}\n"
    "{\"instruction\":\"x\",\"output\":\"y\"}\n"
    "{\"instruction\": \"x\", \"output\": \"y\"}\n"
    "{\"instruction\":\"e\",\"output\":\"   \"}\n"
    "{\"instruction\":\"Cafe\\u0301\",\"output\":\"ok\"}\n"
    "not json\n"
    "{\"instruction\":\"last\",\"output\":\"one\"}\n";

/* Applies A, checks it changed WANT rows, then undo/redo give back the states. */
static void roundtrip(ds_edit *e, const ds_action *a, size_t want)
{
    char *before = snapshot(e);
    size_t changed = 0;
    apply_ok(e, a, &changed);
    assert_int_equal(changed, want);
    char *after = snapshot(e);
    assert_true(want == 0 || strcmp(before, after) != 0);
    assert_true(ds_edit_undo(e));
    char *undone = snapshot(e);
    assert_string_equal(undone, before);
    assert_true(ds_edit_redo(e));
    char *redone = snapshot(e);
    assert_string_equal(redone, after);
    assert_false(ds_edit_can_redo(e));
    free(before);
    free(after);
    free(undone);
    free(redone);
}

static void test_every_action_undoes_and_redoes(void **state)
{
    (void)state;
    session s;
    session_open(&s, "every.jsonl", sample);
    size_t rows[] = {1, 6};
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = rows, .n_rows = 2}, 2);
    assert_int_equal(ds_edit_visible_count(s.e), 5);
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_RESTORE, .rows = rows, .n_rows = 1}, 1);
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_WHITESPACE}, 2);
    assert_true(ds_edit_replaced(s.e, 0) && ds_edit_replaced(s.e, 3));
    size_t len;
    const char *t = ds_edit_text(s.e, 0, &len);
    assert_string_equal(t, "{\"instruction\":\"Say hi\",\"output\":\"hi\\n\\nthere\"}");
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_NFC}, 1);
    t = ds_edit_text(s.e, 4, &len);
    assert_string_equal(t, "{\"instruction\":\"Caf\xc3\xa9\",\"output\":\"ok\"}");
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_DROP_EMPTY}, 1);
    assert_true(ds_edit_deleted(s.e, 3));
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_DEDUPE}, 1);
    assert_false(ds_edit_deleted(s.e, 1));
    assert_true(ds_edit_deleted(s.e, 2));
    size_t r5 = 5;
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &r5, .n_rows = 1,
                                .json = "{\n  \"instruction\": \"fixed\",\n  \"output\": \"z\"\n}"},
              1);
    t = ds_edit_text(s.e, 5, &len);
    assert_string_equal(t, "{\"instruction\":\"fixed\",\"output\":\"z\"}");
    assert_int_equal(ds_edit_step_count(s.e), 7);
    /* undo everything back to the file, then redo it all */
    char *end = snapshot(s.e);
    while (ds_edit_undo(s.e))
        ;
    for (size_t row = 0; row < ds_edit_rows(s.e); row++)
        assert_false(ds_edit_deleted(s.e, row) || ds_edit_replaced(s.e, row));
    while (ds_edit_redo(s.e))
        ;
    char *again = snapshot(s.e);
    assert_string_equal(again, end);
    free(end);
    free(again);
    session_close(&s);
}

static void test_new_action_drops_redo(void **state)
{
    (void)state;
    session s;
    session_open(&s, "redo.jsonl", sample);
    size_t r0 = 0;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r0, .n_rows = 1}, NULL);
    assert_true(ds_edit_undo(s.e));
    assert_true(ds_edit_can_redo(s.e));
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DEDUPE}, NULL);
    assert_false(ds_edit_can_redo(s.e));
    assert_int_equal(ds_edit_step_count(s.e), 1);
    assert_int_equal(ds_edit_step(s.e, 0)->kind, DS_ACT_DEDUPE);
    assert_false(ds_edit_undo(s.e) && ds_edit_undo(s.e));
    session_close(&s);
}

static void test_replace_errors_keep_state(void **state)
{
    (void)state;
    session s;
    session_open(&s, "replace.jsonl", sample);
    char *before = snapshot(s.e);
    char err[512];
    size_t r1 = 1;
    ds_action a = {.kind = DS_ACT_REPLACE, .rows = &r1, .n_rows = 1,
                   .json = "{\n  \"instruction\": \"a\",\n  \"output\": \"b\",,\n}"};
    assert_int_equal(ds_edit_apply(s.e, &a, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "record 2: line 3, column "));
    a.json = "{\"instruction\": 7, \"output\": \"b\"}";
    assert_int_equal(ds_edit_apply(s.e, &a, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "record 2: "));
    assert_non_null(strstr(err, "instruction"));
    size_t r99 = 99;
    a = (ds_action){.kind = DS_ACT_DELETE, .rows = &r99, .n_rows = 1};
    assert_int_equal(ds_edit_apply(s.e, &a, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "no record 100 (the file has 7)"));
    char *after = snapshot(s.e);
    assert_string_equal(after, before);
    assert_false(ds_edit_can_undo(s.e));
    free(before);
    free(after);
    session_close(&s);
}

/* 1000 rows, every third deleted: positions agree with a plain count. */
static void test_visible_mapping(void **state)
{
    (void)state;
    size_t n = 1000, cap = n * 40 + 1, o = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(text + o, cap - o, "{\"text\":\"row %zu\"}\n", i);
    session s;
    session_open(&s, "visible.jsonl", text);
    free(text);
    size_t *rows = malloc(n * sizeof *rows), k = 0;
    assert_non_null(rows);
    for (size_t i = 0; i < n; i += 3)
        rows[k++] = i;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = rows, .n_rows = k}, NULL);
    free(rows);
    assert_int_equal(ds_edit_visible_count(s.e), n - k);
    size_t pos = 0;
    for (size_t row = 0; row < n; row++) {
        if (row % 3 == 0) {
            assert_int_equal(ds_edit_visible_index(s.e, row), SIZE_MAX);
            continue;
        }
        assert_int_equal(ds_edit_visible_index(s.e, row), pos);
        assert_int_equal(ds_edit_visible_row(s.e, pos), row);
        pos++;
    }
    session_close(&s);
}

static const char *const analysed =
    "{\"instruction\":\"The quick brown fox jumps over the lazy dog today\",\"output\":\"ok\"}\n"
    "{\"instruction\":\"the quick brown fox, jumps over the lazy dog today!\",\"output\":\"ok\"}\n"
    "{\"instruction\":\"write to john.doe@example.com please\",\"output\":\"sure\"}\n"
    "{\"instruction\":\"a much longer instruction that goes on and on for a while\",\"output\":\"x\"}\n"
    "{\"instruction\":\"short\",\"output\":\"y\"}\n"
    "{\"instruction\":\"short\",\"output\":\"y\"}\n";

static void test_filter_near_and_pii_actions(void **state)
{
    (void)state;
    session s;
    session_open(&s, "analysed.jsonl", analysed);
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_TAG, .filter = "pii", .tag = "review"}, 1);
    assert_int_equal(ds_edit_tag_count(s.e), 1);
    assert_string_equal(ds_edit_tag_name(s.e, 0), "review");
    assert_int_equal(ds_edit_tags(s.e, 2), 1);
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_TAG, .filter = "dup", .tag = "twice"}, 1);
    assert_int_equal(ds_edit_tags(s.e, 5), 2);
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_REDACT_PII}, 1);
    size_t len;
    assert_string_equal(ds_edit_text(s.e, 2, &len),
                        "{\"instruction\":\"write to [EMAIL] please\",\"output\":\"sure\"}");
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_NEAR_DEDUPE, .threshold = 0.8}, 2);
    assert_true(ds_edit_deleted(s.e, 1) && ds_edit_deleted(s.e, 5));
    assert_false(ds_edit_deleted(s.e, 0) || ds_edit_deleted(s.e, 4));
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_DROP, .filter = "chars(instruction) > 52"}, 1);
    assert_true(ds_edit_deleted(s.e, 3));
    roundtrip(s.e, &(ds_action){.kind = DS_ACT_KEEP, .filter = "instruction ~ /^(the|short)/i"},
              1);
    assert_int_equal(ds_edit_visible_count(s.e), 2);
    char err[512] = "";
    ds_action bad = {.kind = DS_ACT_DROP, .filter = "chars >"};
    assert_int_equal(ds_edit_apply(s.e, &bad, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "filter 'chars >': column "));
    bad = (ds_action){.kind = DS_ACT_NEAR_DEDUPE, .threshold = 1.5};
    assert_int_equal(ds_edit_apply(s.e, &bad, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "threshold"));
    session_close(&s);
}

/* dup sees the current texts: an edit can make two records equal. */
static void test_dup_follows_edits(void **state)
{
    (void)state;
    session s;
    session_open(&s, "dupedit.jsonl", analysed);
    size_t r3 = 3;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &r3, .n_rows = 1,
                               .json = "{\"instruction\":\"short\",\"output\":\"y\"}"},
             NULL);
    size_t changed;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DROP, .filter = "dup"}, &changed);
    assert_int_equal(changed, 2);
    assert_false(ds_edit_deleted(s.e, 3));
    assert_true(ds_edit_deleted(s.e, 4) && ds_edit_deleted(s.e, 5));
    session_close(&s);
}

static void test_cancel_before_start_is_kept(void **state)
{
    (void)state;
    session s;
    session_open(&s, "cancel.jsonl", sample);
    char err[512] = "";
    ds_edit_cancel(s.e);
    assert_int_equal(ds_edit_apply(s.e, &(ds_action){.kind = DS_ACT_WHITESPACE}, NULL, err,
                                   sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
    assert_false(ds_edit_can_undo(s.e));
    assert_false(ds_edit_replaced(s.e, 0));
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_WHITESPACE}, NULL);
    assert_true(ds_edit_replaced(s.e, 0));
    session_close(&s);
}

static void clean_is(int (*fn)(const char *, size_t, char **, size_t *, void *), const char *in,
                     const char *want)
{
    char *out = NULL;
    size_t len;
    int rc = fn(in, strlen(in), &out, &len, NULL);
    if (!strcmp(in, want)) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, 1);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

static void test_whitespace_rules(void **state)
{
    (void)state;
    clean_is(ds_text_whitespace, "  a b  ", "a b");
    clean_is(ds_text_whitespace, "a\r\nb\rc", "a\nb\nc");
    clean_is(ds_text_whitespace, "a   \nb\t\n", "a\nb");
    clean_is(ds_text_whitespace, "a\n\n\n\n b", "a\n\n b");
    clean_is(ds_text_whitespace, "a\n  \n\t\n\nb", "a\n\nb");
    clean_is(ds_text_whitespace, "x\xc2\xa0y\xe2\x80\x83z", "x y z");
    clean_is(ds_text_whitespace, "def f():\n    return 1", "def f():\n    return 1");
    clean_is(ds_text_whitespace, " \n\t ", "");
    clean_is(ds_text_whitespace, "\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87");
}

static void test_nfc_rules(void **state)
{
    (void)state;
    clean_is(ds_text_nfc, "e\xcc\x81", "\xc3\xa9");
    clean_is(ds_text_nfc, "\xc3\xa9", "\xc3\xa9");
    clean_is(ds_text_nfc, "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", "\xed\x95\x9c");
    char *out = NULL;
    size_t len;
    assert_int_equal(ds_text_nfc("\xff", 1, &out, &len, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_action_undoes_and_redoes),
        cmocka_unit_test(test_new_action_drops_redo),
        cmocka_unit_test(test_replace_errors_keep_state),
        cmocka_unit_test(test_visible_mapping),
        cmocka_unit_test(test_filter_near_and_pii_actions),
        cmocka_unit_test(test_dup_follows_edits),
        cmocka_unit_test(test_cancel_before_start_is_kept),
        cmocka_unit_test(test_whitespace_rules),
        cmocka_unit_test(test_nfc_rules),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
