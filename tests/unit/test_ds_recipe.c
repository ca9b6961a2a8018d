/* test_ds_recipe.c - recipes: every action written and read back to the same
 * actions and the same text, with and without the token settings; errors in
 * recipe files with their line and column; the settings a save records; and
 * replay: a session's steps saved as a recipe, loaded and
 * replayed on a fresh session of the same file, save byte-identical output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ds_recipe.h"
#include "ds_save.h"
#include "ds_session_fixture.h"

static size_t rows_a[] = {0, 16, 2};
static size_t row_b[] = {4};

static const ds_action every[] = {
    {.kind = DS_ACT_DELETE, .rows = rows_a, .n_rows = 3},
    {.kind = DS_ACT_RESTORE, .rows = rows_a + 1, .n_rows = 1},
    {.kind = DS_ACT_DROP, .filter = "chars > 4000 and not dup"},
    {.kind = DS_ACT_KEEP, .filter = "instruction ~ /^Write: \"x\"/"},
    {.kind = DS_ACT_TAG, .filter = "pii", .tag = "true"},
    {.kind = DS_ACT_WHITESPACE},
    {.kind = DS_ACT_NFC},
    {.kind = DS_ACT_DROP_EMPTY},
    {.kind = DS_ACT_DEDUPE},
    {.kind = DS_ACT_NEAR_DEDUPE, .threshold = 0.85},
    {.kind = DS_ACT_REDACT_PII},
    {.kind = DS_ACT_REPLACE, .rows = row_b, .n_rows = 1,
     .json = "{\"instruction\":\"it's: \\\"q\\\"\\n# no comment\",\"output\":\"\xed\x95\x9c\"}"},
    {.kind = DS_ACT_REPLACE, .rows = row_b, .n_rows = 1,
     .json = "{\n\t\"instruction\": \"  two spaces \xf0\x9f\x98\x80\",  \n  \"output\": \"- not a list\"\n}\n"},
    {.kind = DS_ACT_DELETE, .rows = NULL, .n_rows = 0},
};
enum { N_EVERY = sizeof every / sizeof *every };

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static void test_round_trip(void **state)
{
    (void)state;
    char err[512] = "";
    ds_action copy[N_EVERY];
    memcpy(copy, every, sizeof every);
    size_t empty = 0;
    copy[N_EVERY - 1].rows = &empty; /* an empty list is still a list */
    char *text = ds_recipe_format(copy, N_EVERY, "in put.jsonl", NULL, err, sizeof err);
    assert_non_null(text);
    ds_recipe r;
    if (ds_recipe_parse(&r, "mem.yaml", text, strlen(text), err, sizeof err) != 0)
        fail_msg("%s\n%s", err, text);
    assert_int_equal(r.n, N_EVERY);
    for (size_t i = 0; i < N_EVERY; i++) {
        assert_int_equal(r.steps[i].kind, every[i].kind);
        assert_int_equal(r.steps[i].n_rows, every[i].n_rows);
        for (size_t k = 0; k < every[i].n_rows; k++)
            assert_int_equal(r.steps[i].rows[k], every[i].rows[k]);
        assert_true(str_eq(r.steps[i].filter, every[i].filter));
        assert_true(str_eq(r.steps[i].tag, every[i].tag));
        assert_true(str_eq(r.steps[i].json, every[i].json));
        assert_true(r.steps[i].threshold == every[i].threshold);
    }
    char *again = ds_recipe_format(r.steps, r.n, "in put.jsonl", NULL, err, sizeof err);
    assert_non_null(again);
    assert_string_equal(again, text);
    assert_non_null(strstr(text, "rows: [1, 17, 3]"));
    assert_non_null(strstr(text, "threshold: 0.85\n"));
    assert_false(r.has_tokens);
    assert_null(strstr(text, "tokens:"));
    free(text);
    free(again);
    ds_recipe_free(&r);
}

/* TOK written and read back; the text the same again. */
static void tokens_round_trip(const ds_recipe_tokens *tok, const char *want)
{
    char err[512] = "";
    ds_action step = {.kind = DS_ACT_DROP, .filter = "too_long"};
    char *text = ds_recipe_format(&step, 1, NULL, tok, err, sizeof err);
    assert_non_null(text);
    if (!strstr(text, want))
        fail_msg("expected '%s' in\n%s", want, text);
    ds_recipe r;
    if (ds_recipe_parse(&r, "mem.yaml", text, strlen(text), err, sizeof err) != 0)
        fail_msg("%s\n%s", err, text);
    assert_true(r.has_tokens);
    assert_true(str_eq(r.tokens.model, tok->model));
    assert_int_equal(r.tokens.tmpl, tok->tmpl);
    assert_int_equal(r.tokens.sequence_len, tok->sequence_len);
    char *again = ds_recipe_format(r.steps, r.n, NULL, &r.tokens, err, sizeof err);
    assert_non_null(again);
    assert_string_equal(again, text);
    free(text);
    free(again);
    ds_recipe_free(&r);
}

static void test_tokens_round_trip(void **state)
{
    (void)state;
    char model[] = "/models/my model/vocab.gguf";
    for (int t = CHAT_TMPL_UNKNOWN + 1; t < CHAT_TMPL_COUNT; t++) {
        char want[64];
        snprintf(want, sizeof want, "  chat_template: %s\n", chat_tmpl_name((chat_tmpl)t));
        tokens_round_trip(&(ds_recipe_tokens){model, (chat_tmpl)t, 512}, want);
    }
    tokens_round_trip(&(ds_recipe_tokens){model, CHAT_TMPL_UNKNOWN, 0},
                      "tokens:\n  model: /models/my model/vocab.gguf\n  sequence_len: 0\n");
    tokens_round_trip(&(ds_recipe_tokens){NULL, CHAT_TMPL_UNKNOWN, 4096},
                      "tokens:\n  sequence_len: 4096\nsteps:");
}

static void error_is(const char *yaml, const char *want)
{
    char err[512] = "";
    ds_recipe r;
    assert_int_equal(ds_recipe_parse(&r, "r.yaml", yaml, strlen(yaml), err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("expected '%s' in '%s'", want, err);
    assert_int_equal(r.n, 0);
    assert_null(r.steps);
}

/* Nesting past the cap is refused where it starts, before libyaml's
 * quadratic cost in the depth is paid. */
static void test_deep_nesting_is_refused(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *yaml = malloc(depth + 16);
    assert_non_null(yaml);
    strcpy(yaml, "steps: ");
    memset(yaml + 7, '[', depth);
    yaml[7 + depth] = '\0';
    error_is(yaml, "r.yaml:1:71: lists and mappings nested deeper than 64 levels");
    free(yaml);
}

static void test_errors_have_line_and_column(void **state)
{
    (void)state;
    error_is("version: 1\nsteps:\n  - do: dlete\n", "r.yaml:3:9: unknown action 'dlete'");
    error_is("version: 1\nsteps:\n  - do: delete\n    rows: [1, x]\n",
             "r.yaml:4:15: expected a record number");
    error_is("version: 1\nsteps:\n  - do: delete\n    rows: [0]\n",
             "r.yaml:4:12: expected a record number");
    error_is("version: 1\nsteps:\n  - do: drop\n", "r.yaml:3:5: drop needs 'filter'");
    error_is("version: 1\nsteps:\n  - do: dedupe\n    rows: [1]\n",
             "r.yaml:4:5: 'rows' is not an argument of dedupe");
    error_is("version: 1\nsteps:\n  - do: tag\n    filter: a\n    tag: b\n    tag: c\n",
             "r.yaml:6:5: 'tag' is given twice");
    error_is("version: 1\nsteps:\n  - do: near_dedupe\n    threshold: 2\n",
             "r.yaml:4:16: threshold: expected a similarity in (0, 1]");
    error_is("version: 1\nsteps:\n  - do: near_dedupe\n", "r.yaml:3:5: near_dedupe needs 'threshold'");
    error_is("version: 2\nsteps: []\n", "r.yaml:1:10: unsupported recipe version");
    error_is("version: 1\nstep: []\n", "r.yaml:2:1: unknown key 'step'");
    error_is("version: 1\n", "r.yaml:1:1: a recipe needs 'steps'");
    error_is("steps: []\n", "r.yaml:1:1: a recipe needs 'version: 1'");
    error_is("version: 1\nsteps:\n  - do: [\n", "r.yaml:4:1: YAML syntax error");
    error_is("version: 1\nsteps:\n  - nfc\n", "r.yaml:3:5: a step is a mapping");
    error_is("", "r.yaml:1:1: expected a recipe");
}

static void test_token_errors(void **state)
{
    (void)state;
    const char *steps = "steps: []\n";
    char yaml[256];
    static const struct { const char *tokens, *want; } cases[] = {
        {"tokens:\n  modle: a.gguf\n", "r.yaml:3:3: unknown key 'modle' in tokens"},
        {"tokens:\n  model: a.gguf\n  chat_template: chatmel\n",
         "r.yaml:4:18: chat_template: unknown template 'chatmel'"},
        {"tokens:\n  sequence_len: -5\n", "r.yaml:3:17: sequence_len: expected a token count"},
        {"tokens:\n  sequence_len: 99999999999\n", "r.yaml:3:17: sequence_len: expected"},
        {"tokens:\n  sequence_len: 1x\n", "r.yaml:3:17: sequence_len: expected"},
        {"tokens:\n  sequence_len: 1\n  sequence_len: 2\n", "r.yaml:4:3: 'sequence_len' is given twice"},
        {"tokens:\n  chat_template: chatml\n", "r.yaml:3:3: tokens: chat_template needs model"},
        {"tokens:\n  model: ''\n", "r.yaml:3:10: model: expected a path"},
        {"tokens:\n  model: [a]\n", "r.yaml:3:10: model: expected a string"},
        {"tokens: 512\n", "r.yaml:2:9: tokens: expected a mapping"},
        {"tokens: {}\ntokens: {}\n", "r.yaml:3:1: 'tokens' is given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(yaml, sizeof yaml, "version: 1\n%s%s", cases[i].tokens, steps);
        error_is(yaml, cases[i].want);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    char err[512] = "";
    ds_recipe r;
    assert_int_equal(ds_recipe_load(&r, testdir_path("none.yaml"), err, sizeof err), -1);
    assert_non_null(strstr(err, "none.yaml"));
}

static const char *const data =
    "{\"instruction\":\" a \",\"output\":\"b\"}\n"
    "{\"instruction\":\"a\",\"output\":\"b\"}\n"
    "{\"instruction\":\"c\",\"output\":\"\"}\n"
    "{\"instruction\":\"d\",  \"output\":\"e\"}\n"
    "{\"instruction\":\"f\",\"output\":\"g\"}\n";

/* The session's own save, then clean from its recipe: the same bytes. */
static void test_replay_is_byte_identical(void **state)
{
    (void)state;
    session s;
    session_open(&s, "replay.jsonl", data);
    size_t r4 = 4;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_WHITESPACE}, NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DEDUPE}, NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DROP_EMPTY}, NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r4, .n_rows = 1}, NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_RESTORE, .rows = &r4, .n_rows = 1}, NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &r4, .n_rows = 1,
                               .json = "{\"instruction\":\"new\",\"output\":\"text\"}"},
             NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_NFC}, NULL);
    assert_true(ds_edit_undo(s.e));
    char err[512] = "";
    ds_save_result res;
    const char *out1 = testdir_path("pane.jsonl");
    assert_int_equal(ds_save(s.e, out1, NULL, &res, err, sizeof err), DS_SAVE_OK);
    assert_int_equal(res.written, 3);
    char *state1 = snapshot(s.e);
    session_close(&s);

    ds_recipe r;
    if (ds_recipe_load(&r, res.recipe, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(r.n, 6);
    session_open_path(&s, testdir_path("replay.jsonl"));
    for (size_t i = 0; i < r.n; i++)
        apply_ok(s.e, &r.steps[i], NULL);
    char *state2 = snapshot(s.e);
    assert_string_equal(state2, state1);
    const char *out2 = testdir_path("headless.jsonl");
    assert_int_equal(ds_save(s.e, out2, NULL, &res, err, sizeof err), DS_SAVE_OK);
    size_t n1, n2;
    char *a = read_all(out1, &n1), *b = read_all(out2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    assert_string_equal(a, "{\"instruction\":\"a\",\"output\":\"b\"}\n"
                           "{\"instruction\":\"d\",  \"output\":\"e\"}\n"
                           "{\"instruction\":\"new\",\"output\":\"text\"}\n");
    free(a);
    free(b);
    free(state1);
    free(state2);
    ds_recipe_free(&r);
    session_close(&s);
}

/* What a save writes as `tokens:`: nothing without a tokenizer or limit. */
static void test_save_records_tokens(void **state)
{
    (void)state;
    session s;
    session_open(&s, "tok.jsonl", data);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DROP, .filter = "too_long"}, NULL);
    char err[512] = "";
    ds_save_result res;
    ds_recipe r;
    assert_int_equal(ds_save(s.e, testdir_path("tok0.jsonl"), NULL, &res, err, sizeof err),
                     DS_SAVE_OK);
    assert_int_equal(ds_recipe_load(&r, res.recipe, err, sizeof err), 0);
    assert_false(r.has_tokens);
    ds_recipe_free(&r);
    /* a model path without a tokenizer loaded is not recorded */
    ds_edit_set_tokens(s.e, &(ds_edit_tokens){NULL, "x.gguf", CHAT_TMPL_CHATML, 7});
    assert_int_equal(ds_save(s.e, testdir_path("tok1.jsonl"), NULL, &res, err, sizeof err),
                     DS_SAVE_OK);
    assert_int_equal(ds_recipe_load(&r, res.recipe, err, sizeof err), 0);
    assert_true(r.has_tokens);
    assert_null(r.tokens.model);
    assert_int_equal(r.tokens.tmpl, CHAT_TMPL_UNKNOWN);
    assert_int_equal(r.tokens.sequence_len, 7);
    ds_recipe_free(&r);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_errors_have_line_and_column),
        cmocka_unit_test(test_tokens_round_trip),
        cmocka_unit_test(test_token_errors),
        cmocka_unit_test(test_save_records_tokens),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_replay_is_byte_identical),
        cmocka_unit_test(test_deep_nesting_is_refused),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
