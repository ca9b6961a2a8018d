/* test_config_recovery.c - unsaved Config pane edits kept for the next
 * start: the kept file lands under $XDG_STATE_HOME/lathe/recovery, one per
 * config, and reads back as exactly the text that was being edited (a
 * config whose own first lines are comments included), which
 * config_doc_set_text makes the document's unsaved edits again with the
 * file untouched; a file changed since is noticed; discard removes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_recovery.h"
#include "testdir.h"

static const char original[] = "# my run\n# two comment lines\nlearning_rate: 0.001\n\nseed: 1\n";

static int use_state(void **state)
{
    (void)state;
    setenv("XDG_STATE_HOME", testdir_path("state"), 1);
    return 0;
}

static config_doc *open_doc(const char *path)
{
    char err[512];
    config_doc *d = config_doc_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    return d;
}

static void test_keep_find_restore(void **state)
{
    (void)state;
    char err[512], kept[4096];
    const char *path = testdir_write("run.yaml", original);
    config_doc *d = open_doc(path);
    assert_int_equal(config_doc_set(d, "learning_rate", "2.0e-4", err, sizeof err), 0);
    assert_int_equal(config_recovery_keep(d, kept, sizeof kept, err, sizeof err), 0);
    assert_non_null(strstr(kept, "/state/lathe/recovery/run.yaml-"));
    size_t len;
    const char *want = config_doc_text(d, &len);

    config_recovery r;
    assert_int_equal(config_recovery_find(path, &r, err, sizeof err), 1);
    assert_string_equal(r.path, kept);
    assert_string_equal(r.text, want);
    assert_int_equal(r.len, len);
    assert_false(r.config_changed);
    assert_int_equal(strlen(r.kept_at), 19);

    config_doc *again = open_doc(path);
    assert_false(config_doc_modified(again));
    assert_int_equal(config_doc_set_text(again, r.text, r.len, err, sizeof err), 0);
    assert_true(config_doc_modified(again));
    assert_string_equal(config_doc_text(again, NULL), want);
    config_diff diff;
    assert_int_equal(config_doc_diff(again, 0, &diff), 0);
    assert_int_equal(diff.added, 1);
    assert_int_equal(diff.removed, 1);
    config_diff_free(&diff);
    config_recovery_free(&r);
    config_doc_free(again);
    config_doc_free(d);
}

static void test_changed_and_discard(void **state)
{
    (void)state;
    char err[512], kept[4096];
    const char *path = testdir_write("other.yaml", original);
    config_doc *d = open_doc(path);
    assert_int_equal(config_doc_set(d, "seed", "7", err, sizeof err), 0);
    assert_int_equal(config_recovery_keep(d, kept, sizeof kept, err, sizeof err), 0);
    testdir_write("other.yaml", "seed: 9\n");
    config_recovery r;
    assert_int_equal(config_recovery_find(path, &r, err, sizeof err), 1);
    assert_true(r.config_changed);
    config_recovery_free(&r);
    assert_int_equal(config_recovery_discard(path, err, sizeof err), 0);
    assert_int_equal(access(kept, F_OK), -1);
    assert_int_equal(config_recovery_find(path, &r, err, sizeof err), 0);
    assert_int_equal(config_recovery_discard(path, err, sizeof err), 0);   /* none: fine */
    config_doc_free(d);
}

/* A text that is not one YAML mapping is refused and the document keeps its own. */
static void test_set_text_refuses_bad_yaml(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = open_doc(testdir_write("bad.yaml", original));
    assert_int_equal(config_doc_set_text(d, "a: [1\n", 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "nothing changed"));
    assert_string_equal(config_doc_text(d, NULL), original);
    config_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_keep_find_restore, use_state),
        cmocka_unit_test_setup(test_changed_and_discard, use_state),
        cmocka_unit_test(test_set_text_refuses_bad_yaml),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
