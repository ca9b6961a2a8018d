/* test_ds_recovery.c - unsaved edits kept for the next start: the file lands
 * under $XDG_STATE_HOME/lathe/recovery (folders 0700), one per dataset path,
 * and replaying what ds_recovery_find reads back gives exactly the session
 * that was kept; the dataset changing since is noticed; discard; a state
 * folder writable by others is refused; a relative XDG_STATE_HOME falls back
 * to ~/.local/state; a damaged file is an error naming it, left in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "ds_recovery.h"
#include "ds_session_fixture.h"

static const char records[] =
    "{\"instruction\":\"a\",\"output\":\"one\"}\n"
    "{\"instruction\":\"  b  \",\"output\":\"two\"}\n"
    "{\"instruction\":\"c\",\"output\":\"three\"}\n"
    "{\"instruction\":\"d\",\"output\":\"four\"}\n";

static int use_state(void **state)
{
    (void)state;
    setenv("XDG_STATE_HOME", testdir_path("state"), 1);
    return 0;
}

/* Four steps of every kind of argument: rows, none, a filter and a tag, JSON. */
static void edit(session *s)
{
    size_t r0 = 0, r2 = 2;
    apply_ok(s->e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r0, .n_rows = 1}, NULL);
    apply_ok(s->e, &(ds_action){.kind = DS_ACT_WHITESPACE}, NULL);
    apply_ok(s->e, &(ds_action){.kind = DS_ACT_TAG, .filter = "chars > 10", .tag = "long"},
             NULL);
    apply_ok(s->e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &r2, .n_rows = 1,
                                .json = "{\"instruction\":\"C\",\"output\":\"new\"}"}, NULL);
}

static void test_keep_find_replay(void **state)
{
    (void)state;
    session s, again;
    char path[4096], err[512];
    session_open(&s, "kept.jsonl", records);
    edit(&s);
    assert_int_equal(ds_recovery_keep(s.e, path, sizeof path, err, sizeof err), 0);
    assert_non_null(strstr(path, "/state/lathe/recovery/kept.jsonl-"));
    struct stat st;
    assert_int_equal(stat(testdir_path("state/lathe/recovery"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    ds_recovery r;
    assert_int_equal(ds_recovery_find(s.path, &r, err, sizeof err), 1);
    assert_string_equal(r.path, path);
    assert_int_equal(r.recipe.n, 4);
    assert_false(r.dataset_changed);
    assert_int_equal(strlen(r.kept_at), 19);       /* "2024-05-01 14:03:12" */
    session_open_path(&again, s.path);
    for (size_t i = 0; i < r.recipe.n; i++)
        apply_ok(again.e, &r.recipe.steps[i], NULL);
    char *want = snapshot(s.e), *got = snapshot(again.e);
    assert_string_equal(got, want);
    free(want);
    free(got);
    ds_recovery_free(&r);

    ds_recipe plain;                               /* a recipe like any other */
    assert_int_equal(ds_recipe_load(&plain, path, err, sizeof err), 0);
    assert_int_equal(plain.n, 4);
    ds_recipe_free(&plain);
    session_close(&again);
    session_close(&s);
}

static void test_changed_dataset_and_discard(void **state)
{
    (void)state;
    session s;
    char path[4096], err[512];
    ds_recovery r;
    session_open(&s, "changing.jsonl", records);
    assert_int_equal(ds_recovery_find(s.path, &r, err, sizeof err), 0);
    edit(&s);
    assert_int_equal(ds_recovery_keep(s.e, path, sizeof path, err, sizeof err), 0);
    FILE *f = fopen(s.path, "a");
    assert_non_null(f);
    fputs("{\"instruction\":\"e\",\"output\":\"five\"}\n", f);
    fclose(f);
    assert_int_equal(ds_recovery_find(s.path, &r, err, sizeof err), 1);
    assert_true(r.dataset_changed);
    ds_recovery_free(&r);

    /* the same file name elsewhere is another dataset */
    mkdir(testdir_path("other"), 0700);
    write_file(testdir_path("other/changing.jsonl"), records);
    assert_int_equal(ds_recovery_find(testdir_path("other/changing.jsonl"), &r, err, sizeof err),
                     0);
    assert_int_equal(ds_recovery_discard(s.path, err, sizeof err), 0);
    assert_int_equal(ds_recovery_find(s.path, &r, err, sizeof err), 0);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(ds_recovery_discard(s.path, err, sizeof err), 0);   /* none: fine */
    session_close(&s);
}

static void test_untrusted_or_damaged(void **state)
{
    (void)state;
    session s;
    char path[4096], err[512];
    ds_recovery r;
    session_open(&s, "trust.jsonl", records);
    edit(&s);
    assert_int_equal(ds_recovery_keep(s.e, path, sizeof path, err, sizeof err), 0);
    assert_int_equal(chmod(testdir_path("state/lathe/recovery"), 0777), 0);
    assert_int_equal(ds_recovery_find(s.path, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "writable by others"));
    assert_int_equal(ds_recovery_keep(s.e, path, sizeof path, err, sizeof err), -1);
    assert_int_equal(chmod(testdir_path("state/lathe/recovery"), 0700), 0);

    write_file(path, "steps: [unclosed\n");
    assert_int_equal(ds_recovery_find(s.path, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_int_equal(access(path, F_OK), 0);       /* left where it is */

    setenv("XDG_STATE_HOME", "relative/state", 1);  /* ignored, as the spec says */
    setenv("HOME", testdir_path("home"), 1);
    assert_int_equal(ds_recovery_keep(s.e, path, sizeof path, err, sizeof err), 0);
    assert_non_null(strstr(path, "/home/.local/state/lathe/recovery/trust.jsonl-"));
    setenv("XDG_STATE_HOME", testdir_path("state"), 1);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_keep_find_replay, use_state),
        cmocka_unit_test_setup(test_changed_dataset_and_discard, use_state),
        cmocka_unit_test_setup(test_untrusted_or_damaged, use_state),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
