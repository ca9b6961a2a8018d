/* test_dataset_index.c - the record index: exact offsets and lengths for JSONL
 * and JSON arrays (BOM, CRLF, blank lines, escapes and brackets inside
 * strings, nested arrays), structural problems (empty, truncated, missing
 * ']', text after the array, damaged gzip), line numbers across 64 KiB
 * blocks, gzip input, cancellation, and random garbage that must not crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_index.h"
#include "ds_fixture.h"

typedef struct {
    ds_fixture fx;
    ds_index *ix;
    const char *text;
} built;

static built build_bytes(const char *text, size_t len, int gz)
{
    built b = {.text = text};
    char err[256] = "";
    assert_int_equal(ds_fixture_write(&b.fx, text, len, gz), 0);
    b.ix = ds_index_open(b.fx.path, err, sizeof err);
    assert_non_null(b.ix);
    if (ds_index_build(b.ix, err, sizeof err) != 0)
        fail_msg("build failed: %s", err);
    return b;
}

static built build(const char *text)
{
    return build_bytes(text, strlen(text), 0);
}

static void drop(built *b)
{
    ds_index_free(b->ix);
    ds_fixture_drop(&b->fx);
}

/* Record I spans exactly the first occurrence of NEEDLE after FROM in the text. */
static size_t expect_record(const built *b, size_t i, const char *needle, size_t from)
{
    const char *at = strstr(b->text + from, needle);
    assert_non_null(at);
    ds_span sp = ds_index_span(b->ix, i);
    assert_int_equal(sp.offset, (uint64_t)(at - b->text));
    assert_int_equal(sp.length, strlen(needle));
    size_t len;
    const char *t = ds_index_text(b->ix, i, &len);
    assert_int_equal(len, strlen(needle));
    assert_memory_equal(t, needle, len);
    return (size_t)(at - b->text) + len;
}

static void expect_problem(const built *b, size_t k, uint64_t offset, const char *reason_part)
{
    const ds_index_problem *p = ds_index_problem_at(b->ix, k);
    assert_non_null(p);
    assert_int_equal(p->offset, offset);
    if (!strstr(p->reason, reason_part))
        fail_msg("problem %zu: '%s' lacks '%s'", k, p->reason, reason_part);
}

static void test_jsonl(void **state)
{
    (void)state;
    built b = build("{\"a\":1}\n{\"b\":\"x\\ny\"}\n{}\n");
    assert_int_equal(ds_index_layout(b.ix), DS_LAYOUT_JSONL);
    assert_int_equal(ds_index_count(b.ix), 3);
    size_t at = expect_record(&b, 0, "{\"a\":1}", 0);
    at = expect_record(&b, 1, "{\"b\":\"x\\ny\"}", at);
    expect_record(&b, 2, "{}", at);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 2).offset), 3);
    assert_int_equal(ds_index_problem_count(b.ix), 0);
    drop(&b);
}

static void test_bom_crlf_blank_lines(void **state)
{
    (void)state;
    built b = build("\xef\xbb\xbf{\"a\":1}\r\n\r\n   \t\r\n  {\"b\":2}  \r\n\n{\"c\":3}");
    assert_int_equal(ds_index_count(b.ix), 3);
    assert_int_equal(ds_index_span(b.ix, 0).offset, 3);
    size_t at = expect_record(&b, 0, "{\"a\":1}", 0);
    at = expect_record(&b, 1, "{\"b\":2}", at);
    expect_record(&b, 2, "{\"c\":3}", at);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 1).offset), 4);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 2).offset), 6);
    assert_int_equal(ds_index_problem_count(b.ix), 0);
    drop(&b);
}

static void test_array_strings_and_nesting(void **state)
{
    (void)state;
    /* Quotes, brackets and backslash runs inside strings must not end a record. */
    const char *text = "\xef\xbb\xbf [\n"
                       "  {\"s\": \"a ] } , [ {\", \"t\": \"q\\\"]\"},\n"
                       "  {\"u\": \"\\\\\"}, {\"v\": \"\\\\\\\"}\"},\n"
                       "  [1, [2, 3]], [], 42 ,\"x,]\" , true\n"
                       "]\n";
    built b = build(text);
    assert_int_equal(ds_index_layout(b.ix), DS_LAYOUT_ARRAY);
    assert_int_equal(ds_index_count(b.ix), 8);
    size_t at = expect_record(&b, 0, "{\"s\": \"a ] } , [ {\", \"t\": \"q\\\"]\"}", 0);
    at = expect_record(&b, 1, "{\"u\": \"\\\\\"}", at);
    at = expect_record(&b, 2, "{\"v\": \"\\\\\\\"}\"}", at);
    at = expect_record(&b, 3, "[1, [2, 3]]", at);
    at = expect_record(&b, 4, "[]", at);
    at = expect_record(&b, 5, "42", at);
    at = expect_record(&b, 6, "\"x,]\"", at);
    expect_record(&b, 7, "true", at);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 1).offset), 3);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 7).offset), 4);
    assert_int_equal(ds_index_problem_count(b.ix), 0);
    drop(&b);
}

static void test_empty_and_blank(void **state)
{
    (void)state;
    built b = build("");
    assert_int_equal(ds_index_count(b.ix), 0);
    assert_int_equal(ds_index_problem_count(b.ix), 1);
    expect_problem(&b, 0, 0, "the file is empty");
    drop(&b);
    b = build("\xef\xbb\xbf\r\n \n\t\n");
    assert_int_equal(ds_index_count(b.ix), 0);
    expect_problem(&b, 0, 0, "only whitespace");
    drop(&b);
    b = build("[]");
    assert_int_equal(ds_index_layout(b.ix), DS_LAYOUT_ARRAY);
    assert_int_equal(ds_index_count(b.ix), 0);
    assert_int_equal(ds_index_problem_count(b.ix), 0);
    drop(&b);
}

static void test_truncated(void **state)
{
    (void)state;
    /* JSONL: the cut last line is still a record; parsing it reports the problem. */
    built b = build("{\"a\":1}\n{\"b\":\"cut");
    assert_int_equal(ds_index_count(b.ix), 2);
    expect_record(&b, 1, "{\"b\":\"cut", 0);
    drop(&b);
    const char *cut = "[\n{\"a\":1},\n{\"b\": [1, \"x";
    b = build(cut);
    assert_int_equal(ds_index_count(b.ix), 2);
    expect_record(&b, 1, "{\"b\": [1, \"x", 0);
    assert_int_equal(ds_index_problem_count(b.ix), 1);
    expect_problem(&b, 0, (uint64_t)(strstr(cut, "{\"b\"") - cut), "ends inside this record");
    drop(&b);
    const char *open = "[{\"a\":1}, {\"b\":2}\n";
    b = build(open);
    assert_int_equal(ds_index_count(b.ix), 2);
    expect_problem(&b, 0, strlen(open), "before the array's closing ']'");
    drop(&b);
}

static void test_array_structure_problems(void **state)
{
    (void)state;
    const char *text = "[{\"a\":1} {\"b\":2},, {\"c\":3} } ,]\n xyz";
    built b = build(text);
    assert_int_equal(ds_index_count(b.ix), 3);
    assert_int_equal(ds_index_problem_count(b.ix), 5);
    expect_problem(&b, 0, (uint64_t)(strstr(text, "{\"b\"") - text), "missing ','");
    expect_problem(&b, 1, (uint64_t)(strstr(text, ",,") - text) + 1, "two commas");
    expect_problem(&b, 2, (uint64_t)(strstr(text, "} }") - text) + 2, "unexpected '}'");
    expect_problem(&b, 3, (uint64_t)(strstr(text, "]") - text), "after the last record");
    expect_problem(&b, 4, (uint64_t)(strstr(text, "xyz") - text), "after the array's closing");
    drop(&b);
}

static void test_garbage_and_invalid_utf8(void **state)
{
    (void)state;
    const char text[] = "\x00\x01\xff\xfe garbage\n{\"a\":\"\xc3\x28\"}\n\x80\x80\x80";
    built b = build_bytes(text, sizeof text - 1, 0);
    assert_int_equal(ds_index_count(b.ix), 3);
    assert_int_equal(ds_index_span(b.ix, 0).offset, 0);
    assert_int_equal(ds_index_span(b.ix, 0).length, 12);
    assert_int_equal(ds_index_span(b.ix, 2).length, 3);
    drop(&b);
}

/* Whatever the bytes, spans stay inside the text, in order, non-empty and
 * apart, and every line number is in range. */
static void test_random_bytes_never_break_it(void **state)
{
    (void)state;
    static const char alphabet[] = "[]{},:\"\\ \n\rab1\xff\x00";
    char buf[600];
    uint64_t s = 0x1234567;
    for (int round = 0; round < 300; round++) {
        size_t len = 1 + (size_t)(round * 7) % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = alphabet[(s >> 33) % (sizeof alphabet - 1)];
        }
        if (round % 2)
            buf[0] = '[';
        built b = build_bytes(buf, len, 0);
        uint64_t end = 0;
        for (size_t i = 0; i < ds_index_count(b.ix); i++) {
            ds_span sp = ds_index_span(b.ix, i);
            assert_true(sp.length > 0);
            assert_true(sp.offset >= end);
            assert_true(sp.offset + sp.length <= len);
            assert_true(ds_index_line(b.ix, sp.offset) <= len + 1);
            end = sp.offset + sp.length;
        }
        drop(&b);
    }
}

static void test_lines_across_blocks(void **state)
{
    (void)state;
    /* ~400 KiB: every record's line is its index + 1 (JSONL) or + 2 (array). */
    enum { N = 20000 };
    size_t cap = (size_t)N * 32 + 8, n = 0;
    char *jsonl = malloc(cap), *array = malloc(cap);
    assert_non_null(jsonl);
    assert_non_null(array);
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(jsonl + n, cap - n, "{\"i\": %d, \"pad\": \"%*s\"}\n", i, i % 9, "");
    built b = build_bytes(jsonl, n, 0);
    assert_int_equal(ds_index_count(b.ix), N);
    for (size_t i = 0; i < N; i += 97)
        assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, i).offset), i + 1);
    drop(&b);
    size_t m = (size_t)snprintf(array, cap, "[\n");
    for (int i = 0; i < N; i++)
        m += (size_t)snprintf(array + m, cap - m, "{\"i\": %d}%s\n", i, i + 1 < N ? "," : "");
    m += (size_t)snprintf(array + m, cap - m, "]\n");
    b = build_bytes(array, m, 0);
    assert_int_equal(ds_index_count(b.ix), N);
    for (size_t i = 0; i < N; i += 89)
        assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, i).offset), i + 2);
    drop(&b);
    free(jsonl);
    free(array);
}

static void test_single_huge_line(void **state)
{
    (void)state;
    size_t n = 3u << 20;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, "{\"text\": \"", 10);
    memset(text + 10, 'x', n - 12);
    memcpy(text + n - 2, "\"}", 2);
    text[n] = '\0';
    built b = build_bytes(text, n, 0);
    assert_int_equal(ds_index_count(b.ix), 1);
    assert_int_equal(ds_index_span(b.ix, 0).length, n);
    drop(&b);
    /* The same as one string inside an array: "[" + 8 spaces + "xxx...x" + "]". */
    memcpy(text, "[        \"", 10);
    memcpy(text + n - 2, "\"]", 2);
    b = build_bytes(text, n, 0);
    assert_int_equal(ds_index_count(b.ix), 1);
    assert_int_equal(ds_index_span(b.ix, 0).offset, 9);
    assert_int_equal(ds_index_span(b.ix, 0).length, n - 10);
    drop(&b);
    free(text);
}

static void test_gzip(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n\n{\"b\":2}\n";
    built b = build_bytes(text, strlen(text), 1);
    assert_true(ds_index_compressed(b.ix));
    assert_int_equal(ds_index_size(b.ix), strlen(text));
    assert_int_equal(ds_index_count(b.ix), 2);
    expect_record(&b, 1, "{\"b\":2}", 0);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 1).offset), 3);
    assert_int_equal(ds_index_problem_count(b.ix), 0);
    drop(&b);
}

static void test_gzip_damaged(void **state)
{
    (void)state;
    /* A compressed file cut short keeps what inflated and reports the cut. */
    enum { N = 4000 };
    char *text = malloc(N * 24);
    assert_non_null(text);
    size_t n = 0;
    for (int i = 0; i < N; i++)
        n += (size_t)sprintf(text + n, "{\"i\": %d, \"v\": %d}\n", i, i * 7919 % 10007);
    ds_fixture fx;
    assert_int_equal(ds_fixture_write(&fx, text, n, 1), 0);
    FILE *f = fopen(fx.path, "r+");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(fx.path, size / 2), 0);
    char err[256];
    ds_index *ix = ds_index_open(fx.path, err, sizeof err);
    assert_non_null(ix);
    assert_int_equal(ds_index_build(ix, err, sizeof err), 0);
    assert_true(ds_index_count(ix) > 0 && ds_index_count(ix) < N);
    assert_int_equal(ds_index_problem_count(ix), 1);
    assert_non_null(strstr(ds_index_problem_at(ix, 0)->reason, "gzip stream is damaged"));
    assert_int_equal(ds_index_problem_at(ix, 0)->offset, ds_index_size(ix));
    ds_index_free(ix);
    ds_fixture_drop(&fx);
    free(text);
}

/* Lines that end in CR alone (old Mac files) are lines like any other. */
static void test_cr_only_lines(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\r{\"b\":2}\r\r{\"c\":3}\r";
    built b = build(text);
    assert_int_equal(ds_index_layout(b.ix), DS_LAYOUT_JSONL);
    assert_int_equal(ds_index_count(b.ix), 3);
    expect_record(&b, 0, "{\"a\":1}", 0);
    expect_record(&b, 2, "{\"c\":3}", 0);
    assert_int_equal(ds_index_line(b.ix, ds_index_span(b.ix, 2).offset), 4);
    assert_int_equal(ds_index_problem_count(b.ix), 0);
    drop(&b);
}

/* A gzip whose only fault is its trailer's CRC keeps every record (as
 * gzip -d does) and says the check does not match; members written one
 * after another read as one text. */
static void test_gzip_bad_crc_and_members(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
    ds_fixture fx;
    assert_int_equal(ds_fixture_write(&fx, text, strlen(text), 1), 0);
    FILE *f = fopen(fx.path, "r+");
    assert_non_null(f);
    assert_int_equal(fseek(f, -8, SEEK_END), 0);    /* the CRC-32 of the trailer */
    int c = fgetc(f);
    assert_int_equal(fseek(f, -8, SEEK_END), 0);
    fputc(c ^ 0xff, f);
    fclose(f);
    char err[256];
    ds_index *ix = ds_index_open(fx.path, err, sizeof err);
    assert_non_null(ix);
    assert_int_equal(ds_index_build(ix, err, sizeof err), 0);
    assert_int_equal(ds_index_count(ix), 3);
    assert_int_equal(ds_index_problem_count(ix), 1);
    assert_non_null(strstr(ds_index_problem_at(ix, 0)->reason,
                           "the gzip trailer's check does not match the text"));
    ds_index_free(ix);
    ds_fixture_drop(&fx);

    ds_fixture a, b;
    assert_int_equal(ds_fixture_write(&a, text, strlen(text), 1), 0);
    assert_int_equal(ds_fixture_write(&b, text, strlen(text), 1), 0);
    char cmd[PATH_MAX * 2 + 16];
    snprintf(cmd, sizeof cmd, "cat '%s' >> '%s'", b.path, a.path);
    assert_int_equal(system(cmd), 0);
    ix = ds_index_open(a.path, err, sizeof err);
    assert_non_null(ix);
    assert_int_equal(ds_index_build(ix, err, sizeof err), 0);
    assert_int_equal(ds_index_count(ix), 6);
    assert_int_equal(ds_index_problem_count(ix), 0);
    ds_index_free(ix);
    ds_fixture_drop(&a);
    ds_fixture_drop(&b);
}

static void test_cancel_and_errors(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(ds_index_open("/nonexistent/x.jsonl", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.jsonl: No such file"));
    assert_null(ds_index_open("/tmp", err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));
    ds_fixture fx;
    assert_int_equal(ds_fixture_text(&fx, "{}\n{}\n"), 0);
    ds_index *ix = ds_index_open(fx.path, err, sizeof err);
    assert_non_null(ix);
    ds_index_cancel(ix);
    assert_int_equal(ds_index_build(ix, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
    ds_index_progress p;
    ds_index_progress_get(ix, &p);
    assert_int_equal(p.phase, DS_PHASE_CANCELLED);
    assert_int_equal(ds_index_build(ix, err, sizeof err), -1);
    assert_non_null(strstr(err, "already built"));
    ds_index_free(ix);
    ds_fixture_drop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_bom_crlf_blank_lines),
        cmocka_unit_test(test_array_strings_and_nesting),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_array_structure_problems),
        cmocka_unit_test(test_garbage_and_invalid_utf8),
        cmocka_unit_test(test_random_bytes_never_break_it),
        cmocka_unit_test(test_lines_across_blocks),
        cmocka_unit_test(test_single_huge_line),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_damaged),
        cmocka_unit_test(test_gzip_bad_crc_and_members),
        cmocka_unit_test(test_cr_only_lines),
        cmocka_unit_test(test_cancel_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
