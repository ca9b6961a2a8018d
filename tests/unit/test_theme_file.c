/* test_theme_file.c - theme YAML parsing: every shipped theme loads and
 * defines every role, the embedded default is themes/default.yaml, and
 * broken themes report the exact file:line:column and what was expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme_builtin.h"
#include "theme_file.h"

static const char *const shipped[] = {"default", "light", "high-contrast", "mono"};

static const char *srcdir(void)
{
    const char *d = getenv("LATHE_SRCDIR");
    return d && *d ? d : LATHE_SRCDIR;
}

static void src_path(char *out, size_t len, const char *rel)
{
    snprintf(out, len, "%s/%s", srcdir(), rel);
}

static bool same_colour(const color_spec *a, const color_spec *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == COLOR_SPEC_INDEX)
        return a->index == b->index;
    return a->kind == COLOR_SPEC_DEFAULT || (a->r == b->r && a->g == b->g && a->b == b->b);
}

static void assert_same_theme(const theme_def *a, const theme_def *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->description, b->description);
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        assert_true(same_colour(&a->role[r].fg, &b->role[r].fg));
        assert_true(same_colour(&a->role[r].bg, &b->role[r].bg));
        assert_int_equal(a->role[r].attrs, b->role[r].attrs);
        assert_int_equal(a->role[r].mono, b->role[r].mono);
    }
}

static void test_role_keys(void **state)
{
    (void)state;
    assert_string_equal(theme_role_key(THEME_BACKGROUND), "background");
    assert_string_equal(theme_role_key(THEME_SERIES1), "series1");
    assert_string_equal(theme_role_key(THEME_GAUGE_CRITICAL), "gauge_critical");
    assert_string_equal(theme_role_key(THEME_ERROR), "error");
    assert_null(theme_role_key(THEME_ROLE_COUNT));
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        assert_non_null(theme_role_key((theme_role)r));
}

/* Each shipped theme parses, is named after its file, and keeps the
 * selection and errors visible in monochrome. The parser itself rejects a
 * theme that leaves out a role (see test_fixture_errors). */
static void test_shipped_themes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        char path[4096], rel[128], err[512] = "";
        theme_def def;
        snprintf(rel, sizeof rel, "themes/%s.yaml", shipped[i]);
        src_path(path, sizeof path, rel);
        assert_int_equal(theme_file_load(path, &def, err, sizeof err), 0);
        assert_string_equal(err, "");
        assert_string_equal(def.name, shipped[i]);
        assert_true(def.description[0] != '\0');
        assert_int_not_equal(def.role[THEME_SELECTION].mono, def.role[THEME_TEXT].mono);
        assert_int_not_equal(def.role[THEME_ERROR].mono, def.role[THEME_TEXT].mono);
        assert_int_not_equal(def.role[THEME_GAUGE_CRITICAL].mono, def.role[THEME_GAUGE_OK].mono);
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void test_builtin_is_default_yaml(void **state)
{
    (void)state;
    char path[4096], err[512] = "";
    theme_def from_file, builtin;
    size_t len;
    src_path(path, sizeof path, "themes/default.yaml");
    char *text = slurp(path, &len);
    assert_int_equal(theme_builtin_default_len, len);
    assert_memory_equal(theme_builtin_default, text, len);
    free(text);
    assert_int_equal(theme_file_load(path, &from_file, err, sizeof err), 0);
    assert_int_equal(theme_file_parse("builtin", theme_builtin_default, theme_builtin_default_len,
                                      &builtin, err, sizeof err), 0);
    assert_same_theme(&from_file, &builtin);
}

static void test_default_values(void **state)
{
    (void)state;
    char path[4096], err[512] = "";
    theme_def def;
    src_path(path, sizeof path, "themes/default.yaml");
    assert_int_equal(theme_file_load(path, &def, err, sizeof err), 0);
    const theme_style *sel = &def.role[THEME_SELECTION];
    assert_int_equal(sel->fg.kind, COLOR_SPEC_RGB);
    assert_int_equal(sel->bg.r, 0x00);
    assert_int_equal(sel->bg.g, 0x5f);
    assert_int_equal(sel->bg.b, 0x87);
    assert_int_equal(sel->attrs, A_BOLD);
    assert_int_equal(sel->mono, A_BOLD | A_REVERSE);
    assert_int_equal(def.role[THEME_TEXT].bg.kind, COLOR_SPEC_DEFAULT);
    /* No mono key: monochrome uses the colour attributes. */
    assert_int_equal(def.role[THEME_ACCENT].mono, A_BOLD);
}

static void test_fixture_errors(void **state)
{
    (void)state;
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"syntax.yaml", ":7:9: YAML syntax error: did not find expected ',' or '}' "
                        "while parsing a flow mapping started at 6:8"},
        {"unknown-role.yaml", ":8:3: unknown role 'selectoin' (did you mean 'selection'?)"},
        {"bad-colour.yaml", ":7:17: bad colour '#5fafzz': expected #RRGGBB, 0-255, a colour name "
                            "(black, red, green, yellow, blue, magenta, cyan, white, bright-...) or default"},
        {"wrong-type.yaml", ":9:11: expected a mapping of fg, bg, attrs, mono, found a sequence"},
        {"unknown-attr.yaml", ":17:35: unknown attribute 'undreline' (did you mean 'underline'?)"},
        {"missing-role.yaml", ":4:3: missing role 'gauge_warn' (a theme defines every role)"},
        {"unquoted-hash.yaml", ":6:8: expected a colour, found nothing (quote #RRGGBB values: "
                               "\"#RRGGBB\", since an unquoted # starts a YAML comment)"},
        {"bad-utf8.yaml", ":2:12: not a UTF-8 text file: invalid trailing UTF-8 octet"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rel[128], path[4096], want[4608], err[512] = "";
        theme_def def;
        snprintf(rel, sizeof rel, "tests/fixtures/themes/%s", cases[i].file);
        src_path(path, sizeof path, rel);
        snprintf(want, sizeof want, "%s%s", path, cases[i].msg);
        assert_int_equal(theme_file_load(path, &def, err, sizeof err), -1);
        assert_string_equal(err, want);
    }
}

/* A theme with every role plain, then EXTRA appended under roles or at the top. */
static int parse_with(const char *head, const char *roles_tail, char *err, size_t errlen, theme_def *def)
{
    static const char *const plain =
        "  background: {}\n  text: {}\n  dim: {}\n  accent: {}\n  selection: {}\n"
        "  border: {}\n  series1: {}\n  series2: {}\n  series3: {}\n  series4: {}\n"
        "  gauge_ok: {}\n  gauge_warn: {}\n  gauge_critical: {}\n";
    char text[2048];
    snprintf(text, sizeof text, "%sroles:\n%s%s", head, plain, roles_tail);
    return theme_file_parse("t.yaml", text, strlen(text), def, err, errlen);
}

static void expect_error(const char *head, const char *tail, const char *want)
{
    char err[512] = "";
    theme_def def;
    assert_int_equal(parse_with(head, tail, err, sizeof err, &def), -1);
    assert_string_equal(err, want);
}

static void test_inline_errors(void **state)
{
    (void)state;
    theme_def def;
    char err[512] = "";
    assert_int_equal(parse_with("", "  error: {}\n", err, sizeof err, &def), 0);
    expect_error("rolse: {}\n", "  error: {}\n",
                 "t.yaml:1:1: unknown key 'rolse' (did you mean 'roles'?)");
    expect_error("colours: {}\n", "  error: {}\n",
                 "t.yaml:1:1: unknown key 'colours' (expected one of: name, description, roles)");
    expect_error("name: [a]\n", "  error: {}\n", "t.yaml:1:7: expected a string, found a sequence");
    expect_error("", "  error: {}\n  text: {}\n", "t.yaml:16:3: duplicate role 'text' (first at line 3)");
    expect_error("", "  error: { fg: gren }\n",
                 "t.yaml:15:16: bad colour 'gren': expected #RRGGBB, 0-255, a colour name (black, red, green, "
                 "yellow, blue, magenta, cyan, white, bright-...) or default (did you mean 'green'?)");
    expect_error("", "  error: { bg: 256 }\n",
                 "t.yaml:15:16: bad colour '256': expected #RRGGBB, 0-255, a colour name (black, red, green, "
                 "yellow, blue, magenta, cyan, white, bright-...) or default");
    expect_error("", "  error: { fg: [1] }\n",
                 "t.yaml:15:16: expected a colour (#RRGGBB, 0-255, a colour name or default), found a sequence");
    expect_error("", "  error: { attrs: { bold: true } }\n",
                 "t.yaml:15:19: expected a list of attributes, found a mapping");
    expect_error("", "  error: { attrs: [[bold]] }\n", "t.yaml:15:20: expected an attribute name, found a sequence");
    expect_error("", "  error: { fgg: red }\n", "t.yaml:15:12: unknown style key 'fgg' (did you mean 'fg'?)");
    expect_error("", "  error: { fg: red, fg: blue }\n", "t.yaml:15:21: duplicate style key 'fg' (first at line 15)");
    expect_error("", "  ? [error]\n  : {}\n", "t.yaml:15:5: expected a role name, found a sequence");
    expect_error("", "  error: red\n", "t.yaml:15:10: expected a mapping of fg, bg, attrs, mono, found a scalar");
    expect_error("", "  error: {}\n---\nroles: {}\n", "t.yaml:17:1: expected one YAML document, found a second one");
    expect_error("", "  error: *nowhere\n", "t.yaml:15:10: YAML syntax error: found undefined alias");
}

static void test_whole_file_errors(void **state)
{
    (void)state;
    theme_def def;
    char err[512] = "";
    assert_int_equal(theme_file_parse("e.yaml", "", 0, &def, err, sizeof err), -1);
    assert_string_equal(err, "e.yaml:1:1: empty theme: expected a mapping with 'roles'");
    assert_int_equal(theme_file_parse("e.yaml", "# nothing\n", 10, &def, err, sizeof err), -1);
    assert_string_equal(err, "e.yaml:1:1: empty theme: expected a mapping with 'roles'");
    assert_int_equal(theme_file_parse("s.yaml", "- a\n", 4, &def, err, sizeof err), -1);
    assert_string_equal(err, "s.yaml:1:1: expected a mapping with 'roles', found a sequence");
    assert_int_equal(theme_file_parse("n.yaml", "name: x\n", 8, &def, err, sizeof err), -1);
    assert_string_equal(err, "n.yaml:1:1: missing key 'roles' (the mapping of role styles)");
    assert_int_equal(theme_file_load("/nonexistent/x.yaml", &def, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/x.yaml: cannot open: No such file or directory");
    /* nesting past the cap: refused where it starts, in time linear in the text */
    char deep[100016] = "roles:\n  a: ";
    memset(deep + strlen(deep), '[', 100000);
    assert_int_equal(theme_file_parse("d.yaml", deep, strlen(deep), &def, err, sizeof err), -1);
    assert_string_equal(err, "d.yaml:2:68: lists and mappings nested deeper than 64 levels; a "
                        "theme needs a few");
}

static void test_attr_forms(void **state)
{
    (void)state;
    theme_def def;
    char err[512] = "";
    assert_int_equal(parse_with("name: forms\n",
                                "  error: { fg: 196, bg: bright-white, attrs: [bold, italic, underline], mono: reverse }\n",
                                err, sizeof err, &def), 0);
    const theme_style *st = &def.role[THEME_ERROR];
    assert_int_equal(st->fg.kind, COLOR_SPEC_INDEX);
    assert_int_equal(st->fg.index, 196);
    assert_int_equal(st->bg.index, 15);
    assert_int_equal(st->attrs, A_BOLD | A_ITALIC | A_UNDERLINE);
    assert_int_equal(st->mono, A_REVERSE);
    assert_int_equal(def.role[THEME_TEXT].attrs, A_NORMAL);
    assert_int_equal(def.role[THEME_TEXT].fg.kind, COLOR_SPEC_DEFAULT);
    assert_string_equal(def.name, "forms");
}

/* "m.yaml:LINE:COLUMN: " with both numbers at least 1. */
static void assert_located(const char *err)
{
    unsigned long line = 0, col = 0;
    int end = 0;
    assert_int_equal(sscanf(err, "m.yaml:%lu:%lu: %n", &line, &col, &end), 2);
    assert_true(line >= 1 && col >= 1 && end > 0 && err[end] != '\0');
}

static void parse_mutant(const char *text, size_t len)
{
    theme_def def;
    char err[512] = "";
    if (theme_file_parse("m.yaml", text, len, &def, err, sizeof err) != 0)
        assert_located(err);
}

/* Every prefix and many byte substitutions of default.yaml either parse or
 * fail with a located message; none crash (run under ASan in build-asan). */
static void test_mutations_are_located(void **state)
{
    (void)state;
    static const char subst[] = "{}[]:,#&*!|>'\"%@`- \n\t\xff\x80";
    char path[4096];
    size_t len;
    src_path(path, sizeof path, "themes/default.yaml");
    char *text = slurp(path, &len);
    for (size_t n = 0; n < len; n += 7)
        parse_mutant(text, n);
    unsigned seed = 12345;
    for (int i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % len;
        char saved = text[at];
        text[at] = subst[(seed >> 20) % (sizeof subst - 1)];
        parse_mutant(text, len);
        text[at] = saved;
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_keys),
        cmocka_unit_test(test_shipped_themes),
        cmocka_unit_test(test_builtin_is_default_yaml),
        cmocka_unit_test(test_default_values),
        cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_inline_errors),
        cmocka_unit_test(test_whole_file_errors),
        cmocka_unit_test(test_attr_forms),
        cmocka_unit_test(test_mutations_are_located),
    };
    return cmocka_run_group_tests_name("theme_file", tests, NULL, NULL);
}
