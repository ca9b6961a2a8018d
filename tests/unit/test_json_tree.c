/* test_json_tree.c - the record parser (src/jtree.c): the tree it
 * builds (kinds, order, repeated keys, escapes, surrogate pairs), every
 * refusal with its message and byte, the eight-byte copy at every alignment,
 * and agreement with jansson on a few thousand mutated records: both accept
 * the same texts (except numbers jansson cannot hold) with the same strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jtree.h"

static jtree *parse_ok(const char *text)
{
    char why[200];
    jtree *t = jtree_parse(text, strlen(text), why, sizeof why, NULL);
    if (!t)
        fail_msg("'%s' refused: %s", text, why);
    return t;
}

static void expect_str(const jtree *t, jt_node n, const char *want, size_t want_len)
{
    size_t len;
    const char *s = jtree_str(t, n, &len);
    assert_non_null(s);
    assert_int_equal(len, want_len);
    assert_memory_equal(s, want, want_len);
    assert_int_equal(s[len], '\0');
}

static void builds_the_tree(void **state)
{
    (void)state;
    jtree *t = parse_ok(" {\"a\": [1, -2.5e+3, true, false, null, \"x\", {}, []],\n"
                        "  \"b\": {\"c\": \"d\"}, \"a\": \"last\"} ");
    jt_node root = jtree_root(t);
    assert_int_equal(jtree_kind(t, root), JT_OBJECT);
    assert_int_equal(jtree_count(t, root), 3);
    expect_str(t, jtree_get(t, root, "a"), "last", 4);
    jt_node arr = jtree_first(t, root);
    assert_int_equal(jtree_kind(t, arr), JT_ARRAY);
    assert_int_equal(jtree_count(t, arr), 8);
    const jt_kind kinds[] = {JT_NUMBER, JT_NUMBER, JT_BOOL, JT_BOOL, JT_NULL, JT_STRING,
                             JT_OBJECT, JT_ARRAY};
    size_t i = 0;
    for (jt_node n = jtree_first(t, arr); n != JT_NONE; n = jtree_next(t, n))
        assert_int_equal(jtree_kind(t, n), kinds[i++]);
    assert_int_equal(i, 8);
    expect_str(t, jtree_get(t, jtree_get(t, root, "b"), "c"), "d", 1);
    assert_int_equal(jtree_get(t, root, "zz"), JT_NONE);
    assert_int_equal(jtree_kind(t, jtree_get(t, jtree_get(t, root, "zz"), "q")), JT_MISSING);
    assert_null(jtree_str(t, arr, &i));
    assert_int_equal(jtree_count(t, JT_NONE), 0);
    jtree_free(t);
}

static void unescapes_strings(void **state)
{
    (void)state;
    jtree *t = parse_ok("[\"q\\\"b\\\\s\\/ \\b\\f\\n\\r\\t\", \"\\u00e9\\u65e5\", "
                        "\"\\ud83d\\ude42\", \"caf\xc3\xa9 \xf0\x9f\x99\x82\", \"\"]");
    jt_node n = jtree_first(t, jtree_root(t));
    expect_str(t, n, "q\"b\\s/ \b\f\n\r\t", 12);
    expect_str(t, n = jtree_next(t, n), "\xc3\xa9\xe6\x97\xa5", 5);
    expect_str(t, n = jtree_next(t, n), "\xf0\x9f\x99\x82", 4);
    expect_str(t, n = jtree_next(t, n), "caf\xc3\xa9 \xf0\x9f\x99\x82", 10);
    expect_str(t, jtree_next(t, n), "", 0);
    jtree_free(t);
}

/* A quote, backslash escape, control byte or multibyte character at every
 * offset of strings around the eight-byte copy's width. */
static void copies_at_every_alignment(void **state)
{
    (void)state;
    const char *specials[] = {"\\n", "\xc3\xa9", "\\\"", "\xe2\x82\xac"};
    const char *decoded[] = {"\n", "\xc3\xa9", "\"", "\xe2\x82\xac"};
    for (size_t k = 0; k < 4; k++)
        for (size_t len = 0; len < 40; len++)
            for (size_t at = 0; at <= len; at++) {
                char text[128], want[128];
                size_t w = 0;
                int n = snprintf(text, sizeof text, "{\"k\":\"");
                for (size_t i = 0; i < len; i++) {
                    if (i == at) {
                        n += snprintf(text + n, sizeof text - (size_t)n, "%s", specials[k]);
                        w += (size_t)snprintf(want + w, sizeof want - w, "%s", decoded[k]);
                    }
                    text[n++] = (char)('a' + i % 26);
                    want[w++] = (char)('a' + i % 26);
                }
                snprintf(text + n, sizeof text - (size_t)n, "\"}");
                jtree *t = parse_ok(text);
                expect_str(t, jtree_get(t, jtree_root(t), "k"), want, w);
                jtree_free(t);
            }
}

static void refuses_with_reason_and_byte(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t pos;
        const char *why;
    } cases[] = {
        {"", 0, "the text ends where a value was expected"},
        {"this is not json", 0, "expected a value near 'this'"},
        {"{\"a\": 1,}", 8, "expected a string key near '}'"},
        {"[1, 2,]", 6, "expected a value near ']'"},
        {"{\"a\" 1}", 5, "expected ':' after the key near '1'"},
        {"{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}' near '\"b'"},
        {"[1 2]", 3, "expected ',' or ']' near '2'"},
        {"{\"a\": \"x\"} x", 11, "expected the end of the record after the JSON value near 'x'"},
        {"{\"a\": \"no end", 6, "the text ends inside a string"},
        {"{\"a\": \"tab\there\"}", 10, "control character 0x09 in a string"},
        {"[\"\\x\"]", 2, "invalid escape '\\x' in a string"},
        {"[\"\\u12G4\"]", 2, "invalid \\u escape: expected four hex digits"},
        {"[\"\\u0000\"]", 2, "a string holds \\u0000 (NUL)"},
        {"[\"\\ud800 \"]", 2, "lone surrogate '\\uD800' in a string"},
        {"[\"\\udc00\"]", 2, "lone surrogate '\\uDC00' in a string"},
        {"[\"\xff\"]", 2, "invalid UTF-8 byte 0xff in a string"},
        {"[\"\xc0\xaf\"]", 2, "invalid UTF-8 byte 0xc0"},          /* overlong '/' */
        {"[\"\xed\xa0\x80\"]", 2, "invalid UTF-8 byte 0xed"},      /* encoded surrogate */
        {"[\"\xf4\x90\x80\x80\"]", 2, "invalid UTF-8 byte 0xf4"},  /* beyond U+10FFFF */
        {"[\"\xe2\x82\"]", 2, "invalid UTF-8 byte 0xe2"},          /* cut short */
        {"[01]", 2, "expected ',' or ']' near '1'"},
        {"[-]", 1, "expected a number near '-'"},
        {"[1.]", 1, "expected a number near '1.'"},
        {"[1e+]", 1, "expected a number near '1e+'"},
        {"[tru]", 1, "expected a value near 'tru'"},
        {"[nul", 1, "expected a value near 'nul'"},
        {"\xef\xbb\xbf{}", 0, "expected a value near '\\xef\\xbb\\xbf'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char why[200];
        size_t pos = SIZE_MAX;
        jtree *t = jtree_parse(cases[i].text, strlen(cases[i].text), why, sizeof why, &pos);
        if (t)
            fail_msg("case %zu '%s' accepted", i, cases[i].text);
        if (strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
            fail_msg("case %zu: '%s', expected '%s...'", i, why, cases[i].why);
        if (pos != cases[i].pos)
            fail_msg("case %zu '%s': byte %zu, expected %zu", i, cases[i].text, pos,
                     cases[i].pos);
    }
}

static void limits_nesting(void **state)
{
    (void)state;
    char text[2100];
    for (size_t depth = 500; depth <= 1000; depth += 500) {
        memset(text, '[', depth);
        memset(text + depth, ']', depth);
        char why[200];
        jtree *t = jtree_parse(text, 2 * depth, why, sizeof why, NULL);
        if (depth <= 512) {
            assert_non_null(t);
        } else {
            assert_null(t);
            assert_string_equal(why, "nested deeper than 512 levels");
        }
        jtree_free(t);
    }
}

/* ---- agreement with jansson */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* Same shape and strings; jansson's objects are read back key by key. */
static void same_tree(const jtree *t, jt_node n, const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        assert_int_equal(jtree_kind(t, n), JT_OBJECT);
        const char *key;
        json_t *v;
        size_t distinct = 0;
        json_object_foreach((json_t *)j, key, v) {
            same_tree(t, jtree_get(t, n, key), v);
            distinct++;
        }
        assert_true(jtree_count(t, n) >= distinct);
        break;
    }
    case JSON_ARRAY: {
        assert_int_equal(jtree_kind(t, n), JT_ARRAY);
        assert_int_equal(jtree_count(t, n), json_array_size(j));
        jt_node c = jtree_first(t, n);
        for (size_t i = 0; i < json_array_size(j); i++, c = jtree_next(t, c))
            same_tree(t, c, json_array_get(j, i));
        break;
    }
    case JSON_STRING:
        expect_str(t, n, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
    case JSON_REAL: assert_int_equal(jtree_kind(t, n), JT_NUMBER); break;
    case JSON_NULL: assert_int_equal(jtree_kind(t, n), JT_NULL); break;
    default: assert_int_equal(jtree_kind(t, n), JT_BOOL);
    }
}

static void check_against_jansson(const char *text, size_t len)
{
    char why[200];
    json_error_t e;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY, &e);
    jtree *t = jtree_parse(text, len, why, sizeof why, NULL);
    if (j && !t)
        fail_msg("jansson accepts '%.*s', json_tree refuses: %s", (int)len, text, why);
    if (t && !j && !strstr(e.text, "too big") && !strstr(e.text, "overflow"))
        fail_msg("json_tree accepts '%.*s', jansson refuses: %s", (int)len, text, e.text);
    if (t && j)
        same_tree(t, jtree_root(t), j);
    json_decref(j);
    jtree_free(t);
}

static void agrees_with_jansson(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"instruction\": \"Say \\\"hi\\\"\", \"input\": \"\", \"output\": \"hi\\n\\u00e9\"}",
        "{\"conversations\": [{\"from\": \"human\", \"value\": \"caf\xc3\xa9\"}, "
        "{\"from\": \"gpt\", \"value\": \"\\ud83d\\ude42 ok\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": null}], \"n\": -0.5e-3, \"t\": true}",
        "[1, [2, [3, {\"a\": [false, \"x\\ty\"]}]], 12345678901234567890]",
    };
    const char alphabet[] = "{}[]\",:\\ u0aef9-+.eE\t\n\x01\x7f\xc3\xa9\xed\xf0\xff";
    char buf[512];
    for (int round = 0; round < 6000; round++) {
        const char *seed = seeds[round % 4];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        for (int m = 1 + (int)(next_rand() % 3); m > 0; m--) {
            size_t at = next_rand() % len;
            char c = alphabet[next_rand() % (sizeof alphabet - 1)];
            switch (next_rand() % 3) {
            case 0: buf[at] = c; break;
            case 1:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            default:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
        }
        check_against_jansson(buf, len);
        check_against_jansson(seed, strlen(seed));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_the_tree),
        cmocka_unit_test(unescapes_strings),
        cmocka_unit_test(copies_at_every_alignment),
        cmocka_unit_test(refuses_with_reason_and_byte),
        cmocka_unit_test(limits_nesting),
        cmocka_unit_test(agrees_with_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
