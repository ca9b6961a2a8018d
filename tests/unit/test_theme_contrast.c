/* test_theme_contrast.c - every shipped theme reads on a dark and on a light
 * terminal, at 8, 16, 256 and direct colours and without colour: each role's
 * text has its WCAG contrast (ui/theme_resolve.h: 4.5 for text and the
 * selection, 3 for other text, 1.5 for borders) against its own background or,
 * where the theme leaves the background to the terminal, against both white
 * and black; the selected row stands out from the rest; dimmed text and the
 * preview's trained tokens are told apart from text and masked tokens; and at
 * 256 and direct colours the themes keep their own colours (legible by design,
 * not rescued by the fallback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "theme_file.h"
#include "theme_resolve.h"

static const char *const shipped[] = {"default", "light", "high-contrast", "mono"};
static const struct {
    color_mode mode;
    const char *name;
} modes[] = {{COLOR_MODE_8, "8 colours"}, {COLOR_MODE_16, "16 colours"},
             {COLOR_MODE_256, "256 colours"}, {COLOR_MODE_DIRECT, "direct colour"}};
/* The terminal's own colours: dark text on white, light text on black. */
static const struct {
    color_rgb fg, bg;
    const char *name;
} terminals[] = {{{0, 0, 0}, {255, 255, 255}, "a white terminal"},
                 {{229, 229, 229}, {0, 0, 0}, "a black terminal"}};

#define SHOWN (A_BOLD | A_DIM | A_UNDERLINE | A_REVERSE)

/* What a role looks like on a terminal: its colours and the attributes that show. */
typedef struct {
    color_rgb fg, bg;
    attr_t attrs;
} look;

static look look_of(const theme_resolved *r, color_mode mode, size_t term)
{
    look l = {r->fg < 0 ? terminals[term].fg : color_number_rgb(r->fg, mode),
              r->bg < 0 ? terminals[term].bg : color_number_rgb(r->bg, mode), r->attrs & SHOWN};
    if (l.attrs & A_REVERSE) {
        color_rgb t = l.fg;
        l.fg = l.bg;
        l.bg = t;
    }
    return l;
}

static bool same_look(look a, look b)
{
    return a.fg.r == b.fg.r && a.fg.g == b.fg.g && a.fg.b == b.fg.b && a.bg.r == b.bg.r &&
           a.bg.g == b.bg.g && a.bg.b == b.bg.b && a.attrs == b.attrs;
}

static void load(const char *name, theme_def *def)
{
    const char *src = getenv("LATHE_SRCDIR");
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/themes/%s.yaml", src && *src ? src : LATHE_SRCDIR, name);
    if (theme_file_load(path, def, err, sizeof err) != 0)
        fail_msg("%s", err);
}

static void check_contrast(const char *theme, size_t m, size_t t, const theme_resolved *res)
{
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        look l = look_of(&res[r], modes[m].mode, t);
        double c = color_contrast(l.fg, l.bg), min = theme_min_contrast((theme_role)r);
        if (c < min)
            fail_msg("%s at %s on %s: %s has contrast %.2f, below %.1f", theme, modes[m].name,
                     terminals[t].name, theme_role_key((theme_role)r), c, min);
    }
}

static void check_apart(const char *theme, const char *where, look a, look b, const char *what)
{
    if (same_look(a, b))
        fail_msg("%s %s: %s look the same", theme, where, what);
}

static void test_colour_modes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        theme_def def;
        load(shipped[i], &def);
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
            theme_resolved res[THEME_ROLE_COUNT];
            theme_resolve(&def, modes[m].mode, true, res);
            for (size_t t = 0; t < sizeof terminals / sizeof terminals[0]; t++) {
                char where[96];
                snprintf(where, sizeof where, "at %s on %s", modes[m].name, terminals[t].name);
                check_contrast(shipped[i], m, t, res);
                look text = look_of(&res[THEME_TEXT], modes[m].mode, t);
                look dim = look_of(&res[THEME_DIM], modes[m].mode, t);
                look trained = look_of(&res[THEME_SERIES3], modes[m].mode, t);
                look sel = look_of(&res[THEME_SELECTION], modes[m].mode, t);
                look back = look_of(&res[THEME_BACKGROUND], modes[m].mode, t);
                check_apart(shipped[i], where, text, dim, "text and dimmed text");
                check_apart(shipped[i], where, trained, dim, "trained and masked tokens");
                if (color_contrast(sel.bg, back.bg) < 1.5)
                    fail_msg("%s %s: the selected row does not stand out", shipped[i], where);
            }
            if (modes[m].mode == COLOR_MODE_8 || modes[m].mode == COLOR_MODE_16)
                continue;
            for (int r = 0; r < THEME_ROLE_COUNT; r++)
                if (res[r].fg_fallback)
                    fail_msg("%s at %s: %s needed the legibility fallback", shipped[i],
                             modes[m].name, theme_role_key((theme_role)r));
        }
    }
}

/* NO_COLOR: roles are told apart by their mono attributes alone. */
static void test_monochrome(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        theme_def def;
        load(shipped[i], &def);
        const theme_style *r = def.role;
        if ((r[THEME_TEXT].mono & SHOWN) == (r[THEME_DIM].mono & SHOWN))
            fail_msg("%s without colour: text and dimmed text look the same", shipped[i]);
        if ((r[THEME_SERIES3].mono & SHOWN) == (r[THEME_DIM].mono & SHOWN))
            fail_msg("%s without colour: trained and masked tokens look the same", shipped[i]);
        if (!(r[THEME_SELECTION].mono & A_REVERSE))
            fail_msg("%s without colour: the selected row is not reversed", shipped[i]);
        if (r[THEME_TEXT].mono & A_DIM)
            fail_msg("%s without colour: body text is dimmed", shipped[i]);
    }
}

/* The default theme leaves body text to the terminal, so it is the
 * terminal's own colour in every mode; a stock xterm (8 colours) gets no light
 * grey on its white background. */
static void test_default_text_is_the_terminals(void **state)
{
    (void)state;
    theme_def def;
    load("default", &def);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        theme_resolved res[THEME_ROLE_COUNT];
        theme_resolve(&def, modes[m].mode, true, res);
        assert_int_equal(res[THEME_TEXT].fg, -1);
        assert_int_equal(res[THEME_TEXT].bg, -1);
        assert_int_equal(res[THEME_BACKGROUND].fg, -1);
        for (int r = 0; r < THEME_ROLE_COUNT; r++)
            if (res[r].bg < 0)
                assert_int_not_equal(res[r].fg, 7);
    }
}

/* A theme that would draw light grey on the terminal's background is made
 * legible: the terminal's own colour and the role's mono attributes. */
static void test_fallback(void **state)
{
    (void)state;
    theme_def def;
    load("default", &def);
    def.role[THEME_DIM].fg = (color_spec){.kind = COLOR_SPEC_RGB, .r = 0xd0, .g = 0xd0, .b = 0xd0};
    theme_resolved res[THEME_ROLE_COUNT];
    theme_resolve(&def, COLOR_MODE_256, true, res);
    assert_int_equal(res[THEME_DIM].fg, -1);
    assert_true(res[THEME_DIM].fg_fallback);
    assert_true(res[THEME_DIM].attrs & A_DIM);
    /* Without default colours the terminal is taken as white on black. */
    theme_resolve(&def, COLOR_MODE_8, false, res);
    assert_int_equal(res[THEME_TEXT].fg, 7);
    assert_int_equal(res[THEME_TEXT].bg, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colour_modes),
        cmocka_unit_test(test_monochrome),
        cmocka_unit_test(test_default_text_is_the_terminals),
        cmocka_unit_test(test_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
