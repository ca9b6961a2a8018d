/* test_ds_convert.c - format conversion (each target from each source kind,
 * the records that do not fit a target reported with PATH:LINE:BYTE, and a
 * round trip alpaca -> sharegpt -> messages -> alpaca giving the same turns)
 * and train/validation splits (sizes from a fraction and a count, the same
 * files for the same seed, different ones for another, every record in
 * exactly one file, too large a count refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_convert.h"
#include "ds_session_fixture.h"
#include "ds_split.h"

static const char *const convo =
    "{\"conversations\":[{\"from\":\"human\",\"value\":\"q\"},{\"from\":\"gpt\",\"value\":\"a\"}]}\n"
    "{\"conversations\":[{\"from\":\"system\",\"value\":\"s\"},{\"from\":\"human\",\"value\":\"q2\"},"
    "{\"from\":\"gpt\",\"value\":\"a2\"}]}\n";

typedef struct {
    char notes[2048];
} notes;

static void collect(void *ctx, const char *msg)
{
    notes *n = ctx;
    size_t used = strlen(n->notes);
    snprintf(n->notes + used, sizeof n->notes - used, "%s\n", msg);
}

static void convert_ok(ds_edit *e, ds_format to, const char *out, ds_convert_result *res,
                       notes *n)
{
    char err[512] = "";
    if (ds_convert_save(e, to, out, collect, n, res, err, sizeof err) != 0)
        fail_msg("convert to %s: %s", ds_format_name(to), err);
}

static void test_each_target(void **state)
{
    (void)state;
    session s;
    session_open(&s, "convo.jsonl", convo);
    ds_convert_result res;
    notes n = {""};
    convert_ok(s.e, DS_FMT_MESSAGES, testdir_path("m.jsonl"), &res, &n);
    assert_int_equal(res.converted, 2);
    char *got = read_all(testdir_path("m.jsonl"), NULL);
    assert_string_equal(got,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n"
        "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"q2\"},"
        "{\"role\":\"assistant\",\"content\":\"a2\"}]}\n");
    free(got);
    convert_ok(s.e, DS_FMT_COMPLETION, testdir_path("c.json"), &res, &n);
    got = read_all(testdir_path("c.json"), NULL);
    assert_string_equal(got, "[\n{\"text\":\"q\\n\\na\"},\n{\"text\":\"s\\n\\nq2\\n\\na2\"}\n]\n");
    free(got);
    convert_ok(s.e, DS_FMT_INPUT_OUTPUT, testdir_path("io.jsonl"), &res, &n);
    assert_int_equal(res.converted, 1);
    assert_int_equal(res.unfit, 1);
    got = read_all(testdir_path("io.jsonl"), NULL);
    assert_string_equal(got, "{\"input\":\"q\",\"output\":\"a\"}\n");
    free(got);
    char want[4200];
    snprintf(want, sizeof want, "%s:2:%zu: it has a system turn", s.path,
             strchr(convo, '\n') + 1 - convo);
    assert_non_null(strstr(n.notes, want));
    session_close(&s);
}

static void test_round_trip_keeps_turns(void **state)
{
    (void)state;
    const char *alpaca = "{\"instruction\":\"i\",\"input\":\"in\",\"output\":\"o\"}\n"
                         "{\"instruction\":\"j\",\"input\":\"\",\"output\":\"p\"}\n"
                         "{\"instruction\":5}\n";
    session s;
    session_open(&s, "rt.jsonl", alpaca);
    ds_convert_result res;
    notes n = {""};
    convert_ok(s.e, DS_FMT_SHAREGPT, testdir_path("rt-s.jsonl"), &res, &n);
    assert_int_equal(res.converted, 2);
    assert_int_equal(res.problems, 1);
    session t, u;
    session_open_path(&t, testdir_path("rt-s.jsonl"));
    convert_ok(t.e, DS_FMT_MESSAGES, testdir_path("rt-m.jsonl"), &res, &n);
    session_open_path(&u, testdir_path("rt-m.jsonl"));
    convert_ok(u.e, DS_FMT_ALPACA, testdir_path("rt-a.jsonl"), &res, &n);
    char *got = read_all(testdir_path("rt-a.jsonl"), NULL);
    assert_string_equal(got, "{\"instruction\":\"i\\n\\nin\",\"input\":\"\",\"output\":\"o\"}\n"
                             "{\"instruction\":\"j\",\"input\":\"\",\"output\":\"p\"}\n");
    free(got);
    for (size_t row = 0; row < 2; row++) {
        ds_record a, b;
        char why[256];
        assert_int_equal(ds_edit_get(s.e, row, &a, why, sizeof why), DATASET_OK);
        assert_int_equal(ds_edit_get(u.e, row, &b, why, sizeof why), DATASET_OK);
        assert_true(ds_record_same(&a, &b));
        ds_record_clear(&a);
        ds_record_clear(&b);
    }
    session_close(&u);
    session_close(&t);
    session_close(&s);
}

static void split_ok(ds_edit *e, const char *val, uint64_t seed, const char *prefix,
                     ds_split_result *res)
{
    ds_split_spec spec;
    assert_int_equal(ds_split_parse_val(val, &spec), 0);
    spec.seed = seed;
    char err[512] = "";
    if (ds_split_save(e, &spec, testdir_path(prefix), res, err, sizeof err) != 0)
        fail_msg("split: %s", err);
}

static void test_split(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 20; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "{\"text\":\"record %d\"}\n", i);
    }
    session s;
    session_open(&s, "split.jsonl", text);
    ds_split_result r1, r2, r3;
    split_ok(s.e, "0.25", 7, "a", &r1);
    assert_int_equal(r1.train, 15);
    assert_int_equal(r1.val, 5);
    split_ok(s.e, "0.25", 7, "b", &r2);
    split_ok(s.e, "0.25", 8, "c", &r3);
    char *a = read_all(r1.val_path, NULL), *b = read_all(r2.val_path, NULL),
         *c = read_all(r3.val_path, NULL), *at = read_all(r1.train_path, NULL);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    for (int i = 0; i < 20; i++) {
        char line[64];
        snprintf(line, sizeof line, "{\"text\":\"record %d\"}\n", i);
        assert_true((strstr(a, line) != NULL) != (strstr(at, line) != NULL));
    }
    free(a);
    free(b);
    free(c);
    free(at);
    split_ok(s.e, "3", 1, "d", &r1);
    assert_int_equal(r1.val, 3);
    assert_int_equal(r1.train, 17);
    ds_split_spec spec;
    assert_int_equal(ds_split_parse_val("21", &spec), 0);
    char err[512] = "";
    assert_int_equal(ds_split_save(s.e, &spec, testdir_path("e"), &r1, err, sizeof err), -1);
    assert_non_null(strstr(err, "only 20"));
    assert_int_equal(ds_split_parse_val("1.5", &spec), -1);
    assert_int_equal(ds_split_parse_val("0", &spec), -1);
    assert_int_equal(ds_split_parse_val("-3", &spec), -1);
    assert_int_equal(ds_split_parse_val("x", &spec), -1);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_target),
        cmocka_unit_test(test_round_trip_keeps_turns),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
