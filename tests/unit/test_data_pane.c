/* test_data_pane.c - the Data pane's building blocks without a terminal:
 * the view (identity growth, stable sorts, lookups), text cleaning (invalid
 * UTF-8 and control characters escaped, newline glyphs) and wrapping by
 * display width (CJK, emoji, combining marks), and search queries
 * (substring, regex, one field, spans, and the raw-JSON prefilter that must
 * not miss a needle written with \u escapes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "data_search.h"
#include "data_text.h"
#include "data_view.h"
#include "ds_fixture.h"
#include "text_clean.h"

static const worker_notify no_notify;     /* the searches here are polled */

static void test_view_identity_grows(void **state)
{
    (void)state;
    data_view v;
    data_view_init(&v);
    data_view_sync(&v, 5);
    assert_true(data_view_identity(&v));
    assert_int_equal(data_view_len(&v), 5);
    assert_int_equal(data_view_row(&v, 3), 3);
    data_view_sync(&v, 9);
    assert_int_equal(data_view_len(&v), 9);
    assert_int_equal(data_view_find(&v, 8), 8);
    assert_int_equal(data_view_find(&v, 9), SIZE_MAX);
    bool oom;
    assert_null(data_view_snapshot(&v, &oom));
    assert_false(oom);
    data_view_free(&v);
}

static void test_view_sort_is_stable(void **state)
{
    (void)state;
    data_view v;
    data_view_init(&v);
    const uint32_t key[] = {5, 1, 5, 0, 1};
    assert_int_equal(data_view_sort(&v, NULL, 5, key, false), 0);
    const size_t asc[] = {3, 1, 4, 0, 2};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(data_view_row(&v, i), asc[i]);
    assert_int_equal(data_view_sort(&v, NULL, 5, key, true), 0);
    const size_t desc[] = {0, 2, 1, 4, 3};   /* ties stay in record order */
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(data_view_row(&v, i), desc[i]);
    assert_int_equal(data_view_find(&v, 4), 3);
    data_view_sync(&v, 100);                 /* an explicit view does not grow */
    assert_int_equal(data_view_len(&v), 5);
    bool oom;
    size_t *snap = data_view_snapshot(&v, &oom);
    assert_non_null(snap);
    assert_memory_equal(snap, desc, sizeof desc);
    free(snap);
    size_t *some = malloc(2 * sizeof *some);
    assert_non_null(some);
    some[0] = 7;
    some[1] = 2;
    data_view_take(&v, some, 2);
    assert_int_equal(data_view_row(&v, 0), 7);
    assert_int_equal(data_view_find(&v, 3), SIZE_MAX);
    data_view_reset(&v, 4);
    assert_true(data_view_identity(&v));
    assert_int_equal(data_view_len(&v), 4);
    data_view_free(&v);
}

static void expect_clean(const char *in, size_t len, bool one_line, const char *want)
{
    char *got = text_clean(in, len, one_line, 0);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_clean_escapes(void **state)
{
    (void)state;
    expect_clean("ok \xff\xfe end", 9, false, "ok \\xFF\\xFE end");
    expect_clean("a\rb\x01" "c", 5, false, "a\\rb\\x01c");
    expect_clean("nul\0x", 5, false, "nul\\0x");
    expect_clean("two\nlines\tt", 11, false, "two\nlines    t");
    expect_clean("two\nlines", 9, true, "two\xE2\x8F\x8Elines");
    expect_clean("\xC2\x85next", 6, false, "\\x85next");           /* C1 control */
    expect_clean("\xE0\x80\xAF", 3, false, "\\xE0\\x80\\xAF");     /* overlong */
    expect_clean("\xED\xA0\x80", 3, false, "\\xED\\xA0\\x80");     /* surrogate */
    expect_clean("caf\xC3\xA9 \xE7\x8C\xAB \xF0\x9F\x90\xB1", 14, false,
                 "caf\xC3\xA9 \xE7\x8C\xAB \xF0\x9F\x90\xB1");
    expect_clean("\xE7\x8C", 2, false, "\\xE7\\x8C");               /* cut short */
    char *cut = text_clean("abcdefghij", 10, true, 4);
    assert_string_equal(cut, "abcd");
    free(cut);
}

typedef struct {
    char lines[16][64];
    size_t n;
    const char *text;
} wrapped;

static void collect(void *ctx, size_t start, size_t len)
{
    wrapped *w = ctx;
    snprintf(w->lines[w->n++], sizeof w->lines[0], "%.*s", (int)len, w->text + start);
}

static size_t wrap(wrapped *w, const char *text, int width)
{
    memset(w, 0, sizeof *w);
    w->text = text;
    return data_text_wrap(text, width, collect, w);
}

static void test_wrap_by_display_width(void **state)
{
    (void)state;
    wrapped w;
    assert_int_equal(wrap(&w, "hello big world", 9), 2);
    assert_string_equal(w.lines[0], "hello big");
    assert_string_equal(w.lines[1], "world");     /* the space at the break goes */
    /* four CJK characters are eight columns: three fit in 7, never half of one */
    assert_int_equal(wrap(&w, "\xE7\x8C\xAB\xE7\x8A\xAC\xE9\xB3\xA5\xE9\xAD\x9A", 7), 2);
    assert_string_equal(w.lines[0], "\xE7\x8C\xAB\xE7\x8A\xAC\xE9\xB3\xA5");
    assert_string_equal(w.lines[1], "\xE9\xAD\x9A");
    /* a combining accent stays with its letter: "e\u0301" is one column */
    assert_int_equal(wrap(&w, "abe\xCC\x81" "cd", 3), 2);
    assert_string_equal(w.lines[0], "abe\xCC\x81");
    assert_string_equal(w.lines[1], "cd");
    /* emoji are two columns */
    assert_int_equal(wrap(&w, "\xF0\x9F\x90\xB1\xF0\x9F\x8E\x89x", 4), 2);
    assert_string_equal(w.lines[0], "\xF0\x9F\x90\xB1\xF0\x9F\x8E\x89");
    /* newlines break, an empty line stays */
    assert_int_equal(wrap(&w, "a\n\nb", 10), 3);
    assert_string_equal(w.lines[1], "");
    assert_string_equal(w.lines[2], "b");
    assert_int_equal(wrap(&w, "", 10), 1);
}

static void test_query_spans(void **state)
{
    (void)state;
    data_query q;
    char err[256];
    assert_int_equal(data_query_compile(&q, "ab", false, DATA_FIELD_ALL, err, sizeof err), 0);
    data_span sp[4];
    assert_int_equal(data_query_spans(&q, NULL, "xxabyyabab", 10, sp, 4), 3);
    assert_int_equal(sp[0].start, 2);
    assert_int_equal(sp[2].end, 10);
    data_query_free(&q);

    assert_int_equal(data_query_compile(&q, "\\d+", true, DATA_FIELD_OUTPUT, err, sizeof err), 0);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(q.re, NULL);
    assert_int_equal(data_query_spans(&q, md, "a12b345", 7, sp, 4), 2);
    assert_int_equal(sp[1].start, 4);
    assert_int_equal(sp[1].end, 7);
    assert_true(data_query_scope(&q, DATA_FIELD_OUTPUT));
    assert_false(data_query_scope(&q, DATA_FIELD_INSTRUCTION));
    /* a pattern that matches the empty string yields no spans and ends */
    data_query e;
    assert_int_equal(data_query_compile(&e, "x*", true, DATA_FIELD_ALL, err, sizeof err), 0);
    pcre2_match_data *emd = pcre2_match_data_create_from_pattern(e.re, NULL);
    assert_int_equal(data_query_spans(&e, emd, "abxxc", 5, sp, 4), 1);
    pcre2_match_data_free(emd);
    data_query_free(&e);

    ds_record rec;
    char why[256];
    const char *json = "{\"instruction\":\"count 7\",\"input\":\"\",\"output\":\"none\"}";
    assert_int_equal(ds_record_parse(json, strlen(json), DS_FMT_ALPACA, NULL, &rec, why,
                                     sizeof why, NULL), 0);
    assert_false(data_query_record(&q, md, &rec));     /* the digit is not in the output */
    q.field = DATA_FIELD_ALL;
    assert_true(data_query_record(&q, md, &rec));
    q.field = DATA_FIELD_USER;                         /* alpaca's user turn is the prompt */
    assert_true(data_query_record(&q, md, &rec));
    ds_record_clear(&rec);
    pcre2_match_data_free(md);
    data_query_free(&q);

    assert_int_equal(data_query_compile(&q, "(", true, DATA_FIELD_ALL, err, sizeof err), -1);
    assert_non_null(strstr(err, "offset"));
    assert_int_equal(data_query_compile(&q, "", false, DATA_FIELD_ALL, err, sizeof err), -1);
}

/* Runs a search to the end and returns the position it found. */
static size_t search_once(dataset *ds, const data_query *q, size_t n, size_t from, int dir)
{
    char err[256];
    data_search *s = data_search_start(ds, NULL, q, NULL, n, from, dir, no_notify, err, sizeof err);
    assert_non_null(s);
    size_t found, scanned;
    while (!data_search_poll(s, &found, &scanned))
        ;
    data_search_stop(s);
    return found;
}

static void test_search_sees_through_escapes(void **state)
{
    (void)state;
    ds_fixture fx;
    /* record 2 spells "café 🐱" with \u escapes (one a surrogate pair); record 3
     * has the needle split by an escaped quote, which must not match "ab" */
    assert_int_equal(ds_fixture_text(&fx,
        "{\"instruction\":\"one\",\"output\":\"x\"}\n"
        "{\"instruction\":\"caf\\u00e9 \\ud83d\\udc31\",\"output\":\"y\"}\n"
        "{\"instruction\":\"a\\\"b\",\"output\":\"z\"}\n"
        "{\"instruction\":\"tsb\\there\",\"output\":\"w\"}\n"), 0);
    char err[256];
    dataset *ds = dataset_open(fx.path, NULL, err, sizeof err);
    assert_non_null(ds);
    data_query q;
    assert_int_equal(data_query_compile(&q, "caf\xC3\xA9 \xF0\x9F\x90\xB1", false,
                                        DATA_FIELD_ALL, err, sizeof err), 0);
    assert_int_equal(search_once(ds, &q, 4, 3, +1), 1);
    data_query_free(&q);
    assert_int_equal(data_query_compile(&q, "a\"b", false, DATA_FIELD_INSTRUCTION, err,
                                        sizeof err), 0);
    assert_int_equal(search_once(ds, &q, 4, 0, +1), 2);
    data_query_free(&q);
    assert_int_equal(data_query_compile(&q, "ab", false, DATA_FIELD_ALL, err, sizeof err), 0);
    assert_int_equal(search_once(ds, &q, 4, 0, +1), SIZE_MAX);
    data_query_free(&q);
    assert_int_equal(data_query_compile(&q, "tsb\there", false, DATA_FIELD_ALL, err,
                                        sizeof err), 0);
    assert_int_equal(search_once(ds, &q, 4, 0, -1), 3);
    data_query_free(&q);
    /* the key names are not fields */
    assert_int_equal(data_query_compile(&q, "instruction", false, DATA_FIELD_ALL, err,
                                        sizeof err), 0);
    assert_int_equal(search_once(ds, &q, 4, 0, +1), SIZE_MAX);
    data_query_free(&q);
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    crt_detect_utf8();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_identity_grows),
        cmocka_unit_test(test_view_sort_is_stable),
        cmocka_unit_test(test_clean_escapes),
        cmocka_unit_test(test_wrap_by_display_width),
        cmocka_unit_test(test_query_spans),
        cmocka_unit_test(test_search_sees_through_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
