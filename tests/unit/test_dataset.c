/* test_dataset.c - records and the dataset object: detection of each format,
 * turns and fields, field mapping, the response/answer fallback, problems
 * with their exact line, byte offset and reason, exact duplicates across
 * formatting differences, iteration, and the gpteacher datasets (skipped when
 * ../shared/datasets is missing). */
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

typedef struct {
    ds_fixture fx;
    dataset *ds;
    const char *text;
} opened;

static opened open_text(const char *text, const dataset_options *opt)
{
    opened o = {.text = text};
    char err[512] = "";
    assert_int_equal(ds_fixture_text(&o.fx, text), 0);
    o.ds = dataset_open(o.fx.path, opt, err, sizeof err);
    if (!o.ds)
        fail_msg("open failed: %s", err);
    return o;
}

static void drop(opened *o)
{
    dataset_free(o->ds);
    ds_fixture_drop(&o->fx);
}

static void expect_turn(const ds_record *r, size_t i, ds_role role, const char *text)
{
    assert_true(i < r->n_turns);
    assert_int_equal(r->turns[i].role, role);
    assert_int_equal(r->turns[i].text.len, strlen(text));
    assert_memory_equal(r->turns[i].text.text, text, strlen(text));
}

static void get_ok(opened *o, size_t i, ds_record *r)
{
    char why[256] = "";
    if (dataset_get(o->ds, i, r, why, sizeof why) != DATASET_OK)
        fail_msg("record %zu: %s", i, why);
}

static void test_alpaca(void **state)
{
    (void)state;
    opened o = open_text("{\"instruction\": \"Add\", \"input\": \"2 and 3\", \"output\": \"5\"}\n"
                         "{\"instruction\": \"Greet\", \"output\": \"hi\"}\n"
                         "{\"instruction\": \"Nil\", \"input\": null, \"output\": \"\"}\n", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_ALPACA);
    assert_int_equal(dataset_count(o.ds), 3);
    assert_int_equal(dataset_problem_count(o.ds), 0);
    ds_record r;
    get_ok(&o, 0, &r);
    assert_int_equal(r.format, DS_FMT_ALPACA);
    assert_int_equal(r.n_turns, 2);
    expect_turn(&r, 0, DS_ROLE_USER, "Add\n\n2 and 3");
    expect_turn(&r, 1, DS_ROLE_ASSISTANT, "5");
    assert_string_equal(r.instruction.text, "Add");
    assert_string_equal(r.input.text, "2 and 3");
    ds_record_clear(&r);
    get_ok(&o, 1, &r);
    expect_turn(&r, 0, DS_ROLE_USER, "Greet");
    assert_int_equal(r.input.len, 0);
    ds_record_clear(&r);
    get_ok(&o, 2, &r);
    expect_turn(&r, 1, DS_ROLE_ASSISTANT, "");
    ds_record_clear(&r);
    drop(&o);
}

static void test_response_and_answer(void **state)
{
    (void)state;
    opened o = open_text("[{\"instruction\": \"a\", \"response\": \"r\"},\n"
                         " {\"instruction\": \"b\", \"answer\": \"s\"},\n"
                         " {\"instruction\": \"c\", \"output\": \"o\", \"response\": \"x\"}]", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_ALPACA);
    const char *want[] = {"r", "s", "o"};
    for (size_t i = 0; i < 3; i++) {
        ds_record r;
        get_ok(&o, i, &r);
        expect_turn(&r, 1, DS_ROLE_ASSISTANT, want[i]);
        ds_record_clear(&r);
    }
    drop(&o);
}

static void test_sharegpt(void **state)
{
    (void)state;
    opened o = open_text("{\"conversations\": [{\"from\": \"system\", \"value\": \"Be brief.\"}, "
                         "{\"from\": \"human\", \"value\": \"Hi\"}, "
                         "{\"from\": \"gpt\", \"value\": \"Hello\"}]}\n", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_SHAREGPT);
    ds_record r;
    get_ok(&o, 0, &r);
    assert_int_equal(r.n_turns, 3);
    expect_turn(&r, 0, DS_ROLE_SYSTEM, "Be brief.");
    expect_turn(&r, 1, DS_ROLE_USER, "Hi");
    expect_turn(&r, 2, DS_ROLE_ASSISTANT, "Hello");
    ds_record_clear(&r);
    drop(&o);
}

static void test_messages(void **state)
{
    (void)state;
    opened o = open_text("{\"messages\": [{\"role\": \"user\", \"content\": \"caf\\u00e9 \xf0\x9f\x99\x82\"}, "
                         "{\"role\": \"assistant\", \"content\": \"ok\"}, "
                         "{\"role\": \"user\", \"content\": \"again\"}, "
                         "{\"role\": \"assistant\", \"content\": \"done\"}]}\n", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_MESSAGES);
    ds_record r;
    get_ok(&o, 0, &r);
    assert_int_equal(r.n_turns, 4);
    expect_turn(&r, 0, DS_ROLE_USER, "caf\xc3\xa9 \xf0\x9f\x99\x82");
    expect_turn(&r, 3, DS_ROLE_ASSISTANT, "done");
    ds_record_clear(&r);
    drop(&o);
}

static void test_completion_and_input_output(void **state)
{
    (void)state;
    opened o = open_text("{\"text\": \"Once upon a time\"}\n{\"text\": \"The end\"}\n", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_COMPLETION);
    ds_record r;
    get_ok(&o, 1, &r);
    assert_int_equal(r.n_turns, 1);
    expect_turn(&r, 0, DS_ROLE_ASSISTANT, "The end");
    ds_record_clear(&r);
    drop(&o);
    o = open_text("{\"input\": \"2+2\", \"output\": \"4\"}\n", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_INPUT_OUTPUT);
    get_ok(&o, 0, &r);
    expect_turn(&r, 0, DS_ROLE_USER, "2+2");
    expect_turn(&r, 1, DS_ROLE_ASSISTANT, "4");
    ds_record_clear(&r);
    drop(&o);
}

static void test_majority_vote(void **state)
{
    (void)state;
    /* One stray sharegpt record among alpaca ones: alpaca wins, the stray is a problem. */
    opened o = open_text("{\"conversations\": [{\"from\": \"human\", \"value\": \"x\"}]}\n"
                         "{\"instruction\": \"a\", \"output\": \"b\"}\n"
                         "{\"instruction\": \"c\", \"output\": \"d\"}\n", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_ALPACA);
    assert_int_equal(dataset_bad_count(o.ds), 1);
    assert_true(dataset_is_bad(o.ds, 0));
    drop(&o);
}

static void test_field_mapping(void **state)
{
    (void)state;
    dataset_options opt = {DS_FMT_AUTO, {"question", "context", "reply", NULL}, 0, 0, 0};
    opened o = open_text("{\"question\": \"Q\", \"context\": \"C\", \"reply\": \"R\", "
                         "\"output\": \"not this\"}\n", &opt);
    assert_int_equal(dataset_format(o.ds), DS_FMT_ALPACA);
    ds_record r;
    get_ok(&o, 0, &r);
    expect_turn(&r, 0, DS_ROLE_USER, "Q\n\nC");
    expect_turn(&r, 1, DS_ROLE_ASSISTANT, "R");
    ds_record_clear(&r);
    drop(&o);
    /* A mapped output field has no fallback: 'response' is not read for it. */
    o = open_text("{\"question\": \"Q\", \"response\": \"R\"}\n", &opt);
    assert_int_equal(dataset_bad_count(o.ds), 1);
    assert_string_equal(dataset_problem_at(o.ds, 0)->reason,
                        "expected an object with 'question' and 'reply'");
    drop(&o);
    dataset_options conv = {DS_FMT_AUTO, {NULL, NULL, NULL, "dialog"}, 0, 0, 0};
    o = open_text("{\"dialog\": [{\"from\": \"human\", \"value\": \"a\"}, "
                  "{\"from\": \"gpt\", \"value\": \"b\"}]}\n", &conv);
    assert_int_equal(dataset_format(o.ds), DS_FMT_SHAREGPT);
    get_ok(&o, 0, &r);
    expect_turn(&r, 1, DS_ROLE_ASSISTANT, "b");
    ds_record_clear(&r);
    drop(&o);
    conv.format = DS_FMT_MESSAGES;
    o = open_text("{\"dialog\": [{\"role\": \"user\", \"content\": \"a\"}]}\n", &conv);
    assert_int_equal(dataset_format(o.ds), DS_FMT_MESSAGES);
    get_ok(&o, 0, &r);
    expect_turn(&r, 0, DS_ROLE_USER, "a");
    ds_record_clear(&r);
    drop(&o);
}

static void expect_problem(opened *o, size_t k, uint64_t line, const char *at_text,
                           size_t record, const char *reason)
{
    const dataset_problem *p = dataset_problem_at(o->ds, k);
    assert_non_null(p);
    const char *at = strstr(o->text, at_text);
    assert_non_null(at);
    assert_int_equal(p->offset, (uint64_t)(at - o->text));
    assert_int_equal(p->line, line);
    assert_int_equal(p->record, record);
    if (strncmp(p->reason, reason, strlen(reason)) != 0)
        fail_msg("problem %zu: '%s', expected '%s...'", k, p->reason, reason);
}

static void test_problems_jsonl(void **state)
{
    (void)state;
    opened o = open_text("{\"instruction\": \"a\", \"output\": \"b\"}\n"
                         "\n"
                         "{\"instruction\": \"a\"}\n"
                         "[1, 2]\n"
                         "{\"instruction\": 7, \"output\": \"b\"}\n"
                         "{\"instruction\": \"x\", \"output\": \"\xc3\x28\"}\n"
                         "{\"instruction\": \"cut\", \"outp", NULL);
    assert_int_equal(dataset_count(o.ds), 6);
    assert_int_equal(dataset_bad_count(o.ds), 5);
    assert_int_equal(dataset_problem_count(o.ds), 5);
    expect_problem(&o, 0, 3, "{\"instruction\": \"a\"}", 1,
                   "expected an object with 'instruction' and 'output'");
    expect_problem(&o, 1, 4, "[1, 2]", 2, "expected a JSON object, found an array");
    expect_problem(&o, 2, 5, "{\"instruction\": 7", 3, "'instruction' is a number, expected a string");
    expect_problem(&o, 3, 6, "{\"instruction\": \"x\"", 4, "invalid JSON: ");
    expect_problem(&o, 4, 7, "{\"instruction\": \"cut\"", 5, "invalid JSON: ");
    char buf[PATH_MAX + 128];
    dataset_problem_text(o.ds, dataset_problem_at(o.ds, 0), buf, sizeof buf);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "%s: line 3, byte 37: expected an object with 'instruction' "
             "and 'output'", o.fx.path);
    assert_string_equal(buf, want);
    dataset_iter it;
    dataset_iter_init(&it, o.ds, false);
    ds_record r;
    size_t idx, n = 0;
    while (dataset_iter_next(&it, &r, &idx)) {
        assert_int_equal(idx, 0);
        ds_record_clear(&r);
        n++;
    }
    assert_int_equal(n, 1);
    drop(&o);
}

static void test_problems_array(void **state)
{
    (void)state;
    opened o = open_text("[\n"
                         "  {\"conversations\": [{\"from\": \"human\", \"value\": \"a\"}]},\n"
                         "  {\"conversations\": [{\"from\": \"tool\", \"value\": \"a\"}]},\n"
                         "  {\"conversations\": []},\n"
                         "  {\"conversations\": [{\"from\": \"gpt\", \"value\": 3}]},\n"
                         "  {\"conversations\": [{\"from\": \"gpt\", \"value\": \"x\"}]}\n"
                         "  {\"conversations\": [\"cut\"", NULL);
    assert_int_equal(dataset_format(o.ds), DS_FMT_SHAREGPT);
    assert_int_equal(dataset_count(o.ds), 6);
    assert_int_equal(dataset_problem_count(o.ds), 6);
    expect_problem(&o, 0, 3, "{\"conversations\": [{\"from\": \"tool\"", 1,
                   "turn 1: unknown role 'tool' (expected system, human or gpt)");
    expect_problem(&o, 1, 4, "{\"conversations\": []}", 2,
                   "expected an object with 'conversations' holding a non-empty list of turns");
    expect_problem(&o, 2, 5, "{\"conversations\": [{\"from\": \"gpt\", \"value\": 3", 3,
                   "turn 1: 'value' is a number, expected a string");
    /* The missing ',' (a structural problem) and the cut record sit on line 7. */
    expect_problem(&o, 3, 7, "{\"conversations\": [\"cut\"", SIZE_MAX, "missing ','");
    expect_problem(&o, 4, 7, "{\"conversations\": [\"cut\"", SIZE_MAX, "the file ends inside");
    expect_problem(&o, 5, 7, "{\"conversations\": [\"cut\"", 5, "invalid JSON: ");
    drop(&o);
}

static void test_record_size_limit(void **state)
{
    (void)state;
    /* An oversized record is a problem and is not used to detect the format. */
    dataset_options opt = {DS_FMT_AUTO, {0}, 40, 0, 0};
    opened o = open_text("{\"conversations\": [{\"from\": \"human\", \"value\": \"long\"}]}\n"
                         "{\"text\": \"short\"}\n", &opt);
    assert_int_equal(dataset_format(o.ds), DS_FMT_COMPLETION);
    assert_int_equal(dataset_bad_count(o.ds), 1);
    expect_problem(&o, 0, 1, "{\"conversations\"", 0,
                   "the record is 55 bytes long, more than the 40 bytes a record may have");
    drop(&o);
}

static void test_exact_duplicates(void **state)
{
    (void)state;
    /* Records 2 and 3 repeat record 0 with other spacing, key order and
     * escapes; record 1 differs only in a role; record 4 differs in a byte. */
    opened o = open_text("{\"instruction\": \"a\", \"output\": \"b\"}\n"
                         "{\"instruction\": \"b\", \"output\": \"a\"}\n"
                         "{ \"output\":\"b\",\"instruction\":\"a\" }\n"
                         "{\"instruction\": \"\\u0061\", \"input\": \"\", \"output\": \"b\"}\n"
                         "{\"instruction\": \"a\", \"output\": \"b \"}\n", NULL);
    assert_int_equal(dataset_dup_count(o.ds), 2);
    size_t first = 99;
    assert_false(dataset_dup_of(o.ds, 0, &first));
    assert_false(dataset_dup_of(o.ds, 1, &first));
    assert_true(dataset_dup_of(o.ds, 2, &first));
    assert_int_equal(first, 0);
    assert_true(dataset_dup_of(o.ds, 3, &first));
    assert_int_equal(first, 0);
    assert_false(dataset_dup_of(o.ds, 4, &first));
    dataset_iter it;
    dataset_iter_init(&it, o.ds, true);
    ds_record r;
    size_t idx, seen[5], n = 0;
    while (dataset_iter_next(&it, &r, &idx)) {
        seen[n++] = idx;
        ds_record_clear(&r);
    }
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 4);
    drop(&o);
}

static void test_unknown_format_and_empty(void **state)
{
    (void)state;
    ds_fixture fx;
    char err[512] = "";
    assert_int_equal(ds_fixture_text(&fx, "{\"foo\": 1}\n{\"bar\": 2}\n"), 0);
    assert_null(dataset_open(fx.path, NULL, err, sizeof err));
    assert_non_null(strstr(err, "cannot tell the dataset's format"));
    ds_fixture_drop(&fx);
    opened o = open_text("", NULL);
    assert_int_equal(dataset_count(o.ds), 0);
    assert_int_equal(dataset_problem_count(o.ds), 1);
    assert_string_equal(dataset_problem_at(o.ds, 0)->reason, "the file is empty");
    drop(&o);
    ds_format f;
    assert_int_equal(ds_format_parse("input_output", &f), 0);
    assert_int_equal(f, DS_FMT_INPUT_OUTPUT);
    assert_int_equal(ds_format_parse("alpacca", &f), -1);
    assert_string_equal(ds_format_name(DS_FMT_SHAREGPT), "sharegpt");
}

static void test_given_format_overrides_detection(void **state)
{
    (void)state;
    dataset_options opt = {DS_FMT_INPUT_OUTPUT, {0}, 0, 0, 0};
    opened o = open_text("{\"instruction\": \"i\", \"input\": \"x\", \"output\": \"y\"}\n", &opt);
    assert_int_equal(dataset_format(o.ds), DS_FMT_INPUT_OUTPUT);
    ds_record r;
    get_ok(&o, 0, &r);
    assert_int_equal(r.n_turns, 2);
    expect_turn(&r, 0, DS_ROLE_USER, "x");
    ds_record_clear(&r);
    drop(&o);
}

/* Damaged copies of a valid file: every record is either good or a problem,
 * and the iteration yields exactly the good ones. */
static void test_mutations_stay_consistent(void **state)
{
    (void)state;
    static const char base[] =
        "[{\"instruction\": \"a\\\"b\", \"input\": \"\", \"output\": \"c\\u00e9\"},\r\n"
        " {\"instruction\": \"[{\", \"output\": \"}]\", \"answer\": 1},\n"
        " {\"conversations\": [{\"from\": \"human\", \"value\": \"x\"}]}]\n";
    static const char bytes[] = "\"\\{}[],: \n\xff\x00a";
    char buf[sizeof base];
    uint64_t s = 42;
    for (int round = 0; round < 200; round++) {
        memcpy(buf, base, sizeof base);
        for (int k = 0; k < 1 + round % 4; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[(s >> 20) % (sizeof base - 1)] = bytes[(s >> 40) % (sizeof bytes - 1)];
        }
        ds_fixture fx;
        assert_int_equal(ds_fixture_write(&fx, buf, sizeof base - 1 - round % 7, 0), 0);
        dataset_options opt = {round % 2 ? DS_FMT_ALPACA : DS_FMT_SHAREGPT, {0}, 0, 0, 0};
        char err[512];
        dataset *ds = dataset_open(fx.path, &opt, err, sizeof err);
        if (!ds)
            fail_msg("round %d: %s", round, err);
        dataset_iter it;
        dataset_iter_init(&it, ds, false);
        ds_record r;
        size_t idx, good = 0;
        while (dataset_iter_next(&it, &r, &idx)) {
            assert_false(dataset_is_bad(ds, idx));
            ds_record_clear(&r);
            good++;
        }
        assert_int_equal(good + dataset_bad_count(ds), dataset_count(ds));
        assert_true(dataset_problem_count(ds) >= dataset_bad_count(ds));
        dataset_free(ds);
        ds_fixture_drop(&fx);
    }
}

static void gpteacher(const char *name, size_t expect)
{
    char path[1024];
    if (!ds_fixture_reference(path, sizeof path, name)) {
        skip();
        return;
    }
    char err[512];
    dataset *ds = dataset_open(path, NULL, err, sizeof err);
    if (!ds)
        fail_msg("%s", err);
    assert_int_equal(dataset_format(ds), DS_FMT_ALPACA);
    assert_int_equal(dataset_count(ds), expect);
    assert_int_equal(dataset_problem_count(ds), 0);
    assert_int_equal(dataset_bad_count(ds), 0);
    assert_int_equal(dataset_dup_count(ds), 0);
    dataset_iter it;
    dataset_iter_init(&it, ds, true);
    ds_record r;
    size_t idx, n = 0;
    while (dataset_iter_next(&it, &r, &idx)) {
        assert_int_equal(r.n_turns, 2);
        assert_true(r.output.len > 0);
        ds_record_clear(&r);
        n++;
    }
    assert_int_equal(n, expect);
    dataset_free(ds);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpaca),
        cmocka_unit_test(test_response_and_answer),
        cmocka_unit_test(test_sharegpt),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_completion_and_input_output),
        cmocka_unit_test(test_majority_vote),
        cmocka_unit_test(test_field_mapping),
        cmocka_unit_test(test_problems_jsonl),
        cmocka_unit_test(test_problems_array),
        cmocka_unit_test(test_record_size_limit),
        cmocka_unit_test(test_exact_duplicates),
        cmocka_unit_test(test_unknown_format_and_empty),
        cmocka_unit_test(test_given_format_overrides_detection),
        cmocka_unit_test(test_mutations_stay_consistent),
        cmocka_unit_test(test_gpteacher_codegen),
        cmocka_unit_test(test_gpteacher_toolformer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
