/* test_color.c - theme colour values and their nearest terminal colour:
 * parsing, xterm-256 cube-versus-grey choice, 8/16-colour ANSI mapping and
 * the colour number handed to curses in each mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "color.h"

static color_spec parsed(const char *text)
{
    color_spec c;
    assert_true(color_parse(text, &c));
    return c;
}

static void test_parse(void **state)
{
    (void)state;
    color_spec c = parsed("#5F87af");
    assert_int_equal(c.kind, COLOR_SPEC_RGB);
    assert_int_equal(c.r, 0x5f);
    assert_int_equal(c.g, 0x87);
    assert_int_equal(c.b, 0xaf);
    c = parsed("0");
    assert_int_equal(c.kind, COLOR_SPEC_INDEX);
    assert_int_equal(c.index, 0);
    assert_int_equal(parsed("255").index, 255);
    assert_int_equal(parsed("red").index, 1);
    assert_int_equal(parsed("White").index, 7);
    assert_int_equal(parsed("bright-black").index, 8);
    assert_int_equal(parsed("bright-cyan").index, 14);
    assert_int_equal(parsed("default").kind, COLOR_SPEC_DEFAULT);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "#", "#fff", "#12345", "#1234567", "#12345g", "256", "1000", "-1", "12a",
        "purple", "bright-", "bright-default", "defaults", " red",
    };
    color_spec c = {COLOR_SPEC_INDEX, 42, 0, 0, 0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(color_parse(bad[i], &c));
        assert_int_equal(c.index, 42);
    }
}

static int near256(unsigned v)
{
    return color_nearest_256((unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v);
}

static void test_nearest_256_known(void **state)
{
    (void)state;
    assert_int_equal(near256(0x000000), 16);
    assert_int_equal(near256(0xffffff), 231);
    assert_int_equal(near256(0x808080), 244);
    assert_int_equal(near256(0x5f87af), 67);
    assert_int_equal(near256(0xff0000), 196);
    assert_int_equal(near256(0x00ff00), 46);
    assert_int_equal(near256(0x0000ff), 21);
    assert_int_equal(near256(0xd0d0d0), 252);
    assert_int_equal(near256(0x080808), 232);
    assert_int_equal(near256(0xeeeeee), 255);
    /* #5f5f5f is exactly cube 59; grey 241 (#626262) is 27 away: the cube wins. */
    assert_int_equal(near256(0x5f5f5f), 59);
    /* #767676 is exactly grey 243; the nearest cube grey #878787 is far. */
    assert_int_equal(near256(0x767676), 243);
    /* A near-grey tint: cube #5f5f87 is 3*1+... further than grey #626262. */
    assert_int_equal(near256(0x62626a), 241);
    /* Dark red is nearer grey #121212 (1548) than cube #5f0000 (2209). */
    assert_int_equal(near256(0x300000), 233);
    assert_int_equal(near256(0x800000), 88);
}

/* Every palette colour 16-255 maps back to itself. */
static void test_nearest_256_round_trip(void **state)
{
    (void)state;
    for (int i = 16; i < 256; i++) {
        unsigned char r, g, b;
        color_index_rgb(i, &r, &g, &b);
        assert_int_equal(color_nearest_256(r, g, b), i);
    }
}

static void test_nearest_ansi(void **state)
{
    (void)state;
    assert_int_equal(color_nearest_ansi(0xff, 0x00, 0x00, 16), 9);
    assert_int_equal(color_nearest_ansi(0xff, 0x00, 0x00, 8), 1);
    assert_int_equal(color_nearest_ansi(0x80, 0x80, 0x80, 16), 8);
    /* Plain distance would pick yellow #cdcd00 for mid grey; greys stay grey. */
    assert_int_equal(color_nearest_ansi(0x80, 0x80, 0x80, 8), 7);
    assert_int_equal(color_nearest_ansi(0x58, 0x58, 0x58, 8), 0);
    assert_int_equal(color_nearest_ansi(0x60, 0x60, 0x80, 16), 8);
    assert_int_equal(color_nearest_ansi(0x1c, 0x1c, 0x1c, 16), 0);
    assert_int_equal(color_nearest_ansi(0xff, 0xff, 0xff, 16), 15);
    assert_int_equal(color_nearest_ansi(0xff, 0xff, 0xff, 8), 7);
    assert_int_equal(color_nearest_ansi(0x5f, 0x87, 0xaf, 16), 8);
    assert_int_equal(color_nearest_ansi(0x00, 0x5f, 0xd7, 8), 4);
    assert_int_equal(color_nearest_ansi(0xd7, 0x5f, 0x00, 8), 1);
    assert_int_equal(color_nearest_ansi(0x00, 0xaf, 0xaf, 8), 6);
    for (int i = 0; i < 16; i++) {
        unsigned char r, g, b;
        color_index_rgb(i, &r, &g, &b);
        assert_int_equal(color_nearest_ansi(r, g, b, 16), i);
    }
}

static void test_for_mode(void **state)
{
    (void)state;
    color_spec c = parsed("default");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_256), -1);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_8), -1);
    c = parsed("#5f87af");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_256), 67);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_16), 8);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_DIRECT), 0x5f87af);
    c = parsed("#000000");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_DIRECT), 8);
    c = parsed("bright-red");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_256), 9);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_16), 9);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_8), 1);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_DIRECT), 0xff0000);
    c = parsed("blue");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_DIRECT), 4);
    c = parsed("196");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_256), 196);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_16), 9);
    assert_int_equal(color_for_mode(&c, COLOR_MODE_8), 1);
    c = parsed("244");
    assert_int_equal(color_for_mode(&c, COLOR_MODE_16), 8);
}

static void test_mode_for(void **state)
{
    (void)state;
    assert_int_equal(color_mode_for(8, false), COLOR_MODE_8);
    assert_int_equal(color_mode_for(0, false), COLOR_MODE_8);
    assert_int_equal(color_mode_for(16, false), COLOR_MODE_16);
    assert_int_equal(color_mode_for(88, false), COLOR_MODE_16);
    assert_int_equal(color_mode_for(256, false), COLOR_MODE_256);
    assert_int_equal(color_mode_for(256, true), COLOR_MODE_256);
    assert_int_equal(color_mode_for(1 << 24, false), COLOR_MODE_256);
    assert_int_equal(color_mode_for(1 << 24, true), COLOR_MODE_DIRECT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_nearest_256_known),
        cmocka_unit_test(test_nearest_256_round_trip),
        cmocka_unit_test(test_nearest_ansi),
        cmocka_unit_test(test_for_mode),
        cmocka_unit_test(test_mode_for),
    };
    return cmocka_run_group_tests_name("color", tests, NULL, NULL);
}
