/* test_ds_filter.c - filter expressions: every parse error names its column
 * and what was expected; evaluation of each test kind, precedence
 * (not > and > or), parentheses, per-field metrics, regexes with flags,
 * row flags, problem rows, and what a filter needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ds_filter.h"

static void expect_error(const char *expr, const char *want)
{
    char err[256] = "";
    ds_filter *f = ds_filter_compile(expr, err, sizeof err);
    if (f) {
        ds_filter_free(f);
        fail_msg("'%s' compiled; want error '%s'", expr, want);
    }
    if (strcmp(err, want))
        fail_msg("'%s': error '%s', want '%s'", expr, err, want);
}

static void test_parse_errors(void **state)
{
    (void)state;
    const char *cond = "a condition (chars, tokens, turns, empty, pii, dup, near_dup, problem, "
                       "lang, or FIELD ~ /regex/)";
    char want[512];
    snprintf(want, sizeof want, "column 1: expected %s, found end of input", cond);
    expect_error("", want);
    snprintf(want, sizeof want, "column 1: expected %s, found 'bogus'", cond);
    expect_error("bogus", want);
    snprintf(want, sizeof want, "column 9: expected %s, found ')'", cond);
    expect_error("dup and )", want);
    expect_error("chars <", "column 8: expected a number, found end of input");
    expect_error("chars x 5", "column 7: expected a comparison (<, <=, >, >=, ==, !=), found 'x'");
    expect_error("tokens(outptu) > 3",
                 "column 8: expected a field name (instruction, input, output, system), found 'outptu'");
    expect_error("chars(output > 3", "column 14: expected ')', found '>'");
    expect_error("(dup or pii", "column 12: expected ')', found end of input");
    expect_error("dup pii", "column 5: expected 'and', 'or' or the end, found 'pii'");
    expect_error("lang = xx", "column 8: expected a language (und, en, latin, ko, ja, zh, ru, "
                              "ar, he, el, th, hi), found 'xx'");
    expect_error("lang < en", "column 6: expected '==' or '!=' after lang, found '<'");
    expect_error("output = 3", "column 8: expected '~' or '!~' after a field name, found '='");
    expect_error("output ~ 3", "column 10: expected a /regex/, found '3'");
    expect_error("output ~ /abc", "column 10: expected a /regex/, found '/abc' (an unterminated /regex/)");
    expect_error("output ~ /a/q", "column 13: expected a regex flag (i, m, s, x), found 'q'");
    expect_error("output ~ /a(/", "column 13: expected a valid regex: missing closing parenthesis");
    expect_error("pii(mail)", "column 5: expected a PII kind (email, phone, card, key, secret), "
                              "found 'mail'");
    expect_error("chars > 5x", "column 9: expected a number, found '5x'");
    expect_error("dup & pii", "column 5: expected 'and', 'or' or the end, found '&'");
    static char chain[20000];
    for (int i = 0; i < 1500; i++)
        strcat(chain, i ? " or dup" : "dup");
    expect_error(chain, "column 7005: expected at most 2000 conditions and operators, found 'or'");
    char deep[1024];
    memset(deep, '(', 300);
    strcpy(deep + 300, "dup");
    expect_error(deep, "column 201: expected at most 200 nested parentheses and nots, found '('");
}

typedef struct {
    ds_record rec;
    ds_features f;
} row;

static void make_row(row *r, const char *json)
{
    char why[256], err[256];
    if (ds_record_parse(json, strlen(json), DS_FMT_ALPACA, NULL, &r->rec, why, sizeof why, NULL))
        fail_msg("%s", why);
    ds_feat_ctx *c = ds_feat_ctx_new(NULL, err, sizeof err);
    assert_int_equal(ds_features_compute(c, &r->rec, &r->f, err, sizeof err), 0);
    ds_feat_ctx_free(c);
}

static bool matches(const char *expr, const row *r, unsigned flags)
{
    char err[256];
    ds_filter *f = ds_filter_compile(expr, err, sizeof err);
    if (!f)
        fail_msg("'%s': %s", expr, err);
    ds_filter_row fr = {r ? &r->rec : NULL, r ? &r->f : NULL, flags};
    bool m = ds_filter_eval(f, &fr);
    ds_filter_free(f);
    return m;
}

static void test_eval(void **state)
{
    (void)state;
    row a, b;
    make_row(&a, "{\"instruction\":\"한국어로 번역하세요\",\"input\":\"\",\"output\":\"안녕\"}");
    make_row(&b, "{\"instruction\":\"Write an email\",\"input\":\"to Bob\","
                 "\"output\":\"Dear Bob, reach me at me@corp.com. Bye!\"}");
    assert_true(matches("chars(output) < 5", &a, 0));
    assert_false(matches("chars(output) < 5", &b, 0));
    assert_true(matches("chars > 10 && tokens(output) >= 2", &a, 0));
    assert_true(matches("turns == 2", &a, 0));
    assert_true(matches("empty(input)", &a, 0));
    assert_false(matches("empty", &a, 0));    /* alpaca's input is optional */
    assert_false(matches("empty(input)", &b, 0));
    assert_false(matches("empty(system)", &a, 0));
    assert_true(matches("lang == ko", &a, 0));
    assert_true(matches("lang != ko", &b, 0));
    assert_true(matches("pii", &b, 0));
    assert_true(matches("pii(email)", &b, 0));
    assert_false(matches("pii(phone)", &b, 0));
    assert_false(matches("pii", &a, 0));
    assert_true(matches("output ~ /dear bob/i", &b, 0));
    assert_false(matches("output ~ /dear bob/", &b, 0));
    assert_true(matches("instruction ~ /^Write/ and not input ~ /alice/", &b, 0));
    assert_true(matches("text ~ /번역/", &a, 0));
    assert_true(matches("input !~ /x/", &a, 0));
    assert_false(matches("system ~ /./", &a, 0));
    assert_false(matches("chars(system) >= 0", &a, 0));   /* absent field */
    /* precedence: not binds tighter than and, and tighter than or */
    assert_true(matches("pii or dup and problem", &b, 0));
    assert_false(matches("(pii or dup) and problem", &b, 0));
    assert_true(matches("not pii and not dup", &a, 0));
    assert_false(matches("!(pii || !dup)", &a, 0));
    assert_true(matches("dup", &a, DS_ROW_DUP));
    assert_true(matches("near_dup and too_long", &a, DS_ROW_NEAR_DUP | DS_ROW_TOO_LONG));
    assert_false(matches("near_dup", &a, DS_ROW_DUP));
    assert_false(matches("control or invalid_utf8", &a, 0));
    /* a problem row has no record and no features */
    assert_true(matches("problem", NULL, DS_ROW_PROBLEM));
    assert_true(matches("problem", NULL, 0));
    assert_false(matches("chars >= 0 or output ~ /./ or pii or lang == und", NULL, DS_ROW_PROBLEM));
    assert_true(matches("not empty", NULL, DS_ROW_PROBLEM));
    ds_record_clear(&a.rec);
    ds_record_clear(&b.rec);
    /* a blank instruction makes the record empty, its input notwithstanding */
    make_row(&a, "{\"instruction\":\" \\n\",\"input\":\"x\",\"output\":\"y\"}");
    assert_true(matches("empty", &a, 0));
    assert_true(matches("empty(instruction)", &a, 0));
    assert_false(matches("empty(input)", &a, 0));
    ds_record_clear(&a.rec);
}

static void test_needs(void **state)
{
    (void)state;
    char err[256];
    ds_filter *f = ds_filter_compile("tokens > 5 or output ~ /x/ or dup", err, sizeof err);
    assert_non_null(f);
    assert_int_equal(ds_filter_needs(f), DS_NEED_TOKENS | DS_NEED_FEATURES | DS_NEED_TEXT
                                             | DS_NEED_DUP);
    ds_filter_free(f);
    f = ds_filter_compile("near_dup", err, sizeof err);
    assert_int_equal(ds_filter_needs(f), DS_NEED_STATS);
    ds_filter_free(f);
    f = ds_filter_compile("too_long", err, sizeof err);    /* and reads sequence_len */
    assert_int_equal(ds_filter_needs(f), DS_NEED_STATS | DS_NEED_LIMIT);
    ds_filter_free(f);
    /* row totals, language and flags do; a field or a PII kind needs more */
    f = ds_filter_compile("chars > 3 and empty and pii and lang == en", err, sizeof err);
    assert_int_equal(ds_filter_needs(f) & DS_NEED_FIELDS, 0);
    ds_filter_free(f);
    static const char *const per_field[] = {"chars(output) > 3", "empty(input)", "pii(email)"};
    for (size_t i = 0; i < 3; i++) {
        f = ds_filter_compile(per_field[i], err, sizeof err);
        assert_non_null(f);
        assert_true(ds_filter_needs(f) & DS_NEED_FIELDS);
        ds_filter_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_needs),
    };
    return cmocka_run_group_tests_name("ds_filter", tests, NULL, NULL);
}
