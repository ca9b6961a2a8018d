/* test_theme.c - the current theme on a real ncurses screen written to
 * /dev/null: colour pairs for 256 and 8 colours, NO_COLOR and --no-color
 * monochrome, fallback to the default theme, name lookup in the user theme
 * directories, theme_list, and the embedded default when no theme file can
 * be found. Built with its own copies of theme.c and theme_path.c whose
 * installed and source theme directories point nowhere (see Makefile.am). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "theme.h"

typedef struct {
    SCREEN *screen;
    FILE *out, *in;
    char tmp[256];      /* stands in for $XDG_CONFIG_HOME */
    char user[300];     /* $XDG_CONFIG_HOME/lathe/themes */
} fixture;

/* The source tree from the test environment: this program's compiled-in one points nowhere. */
static const char *srcdir(void)
{
    const char *d = getenv("LATHE_SRCDIR");
    assert_non_null(d);
    return d;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void copy_theme(const char *name, const char *dest)
{
    char path[4096], buf[8192];
    snprintf(path, sizeof path, "%s/themes/%s.yaml", srcdir(), name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    write_file(dest, buf);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->tmp, sizeof fx->tmp, "%s/lathe-theme-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fx->tmp))
        return -1;
    char lathe[280];
    snprintf(lathe, sizeof lathe, "%s/lathe", fx->tmp);
    snprintf(fx->user, sizeof fx->user, "%s/themes", lathe);
    if (mkdir(lathe, 0700) != 0 || mkdir(fx->user, 0700) != 0)
        return -1;
    setenv("XDG_CONFIG_HOME", fx->tmp, 1);
    unsetenv("LATHE_THEME_DIR");
    unsetenv("NO_COLOR");
    unsetenv("TERMINFO");
    *state = fx;
    return 0;
}

static void close_term(fixture *fx)
{
    if (!fx->screen)
        return;
    endwin();
    delscreen(fx->screen);
    fclose(fx->out);
    fclose(fx->in);
    fx->screen = NULL;
}

static void remove_user_files(fixture *fx)
{
    static const char *const names[] = {"alpha.yaml", "zeta.yaml", "light.yaml", "notes.txt", ".hidden.yaml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", fx->user, names[i]);
        unlink(path);
    }
}

static void remove_terminfo(fixture *fx)
{
    static const char *const names[] = {
        "lathe.src", "terminfo/l/lathe-16", "terminfo/l/lathe-direct", "terminfo/l", "terminfo",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", fx->tmp, names[i]);
        remove(path);
    }
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char lathe[280];
    close_term(fx);
    remove_user_files(fx);
    remove_terminfo(fx);
    unsetenv("TERMINFO");
    snprintf(lathe, sizeof lathe, "%s/lathe", fx->tmp);
    rmdir(fx->user);
    rmdir(lathe);
    rmdir(fx->tmp);
    free(fx);
    return 0;
}

/* A screen on TERM writing to /dev/null; skips when the terminfo entry is missing. */
static void open_term(fixture *fx, const char *term)
{
    fx->out = fopen("/dev/null", "w");
    fx->in = fopen("/dev/null", "r");
    assert_non_null(fx->out);
    assert_non_null(fx->in);
    fx->screen = newterm(term, fx->out, fx->in);
    if (!fx->screen) {
        fclose(fx->out);
        fclose(fx->in);
        skip();
    }
}

static void assert_pair(theme_role role, int fg, int bg)
{
    int f = -99, b = -99;
    short pair = (short)PAIR_NUMBER(theme_attr(role));
    assert_true(pair > 0);
    assert_int_equal(extended_pair_content(pair, &f, &b), OK);
    assert_int_equal(f, fg);
    assert_int_equal(b, bg);
}

static void test_256_colours(void **state)
{
    fixture *fx = *state;
    char err[512] = "";
    open_term(fx, "xterm-256color");
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_false(theme_is_mono());
    assert_string_equal(theme_name(), "default");
    assert_int_equal(theme_attr(THEME_SELECTION) & ~A_COLOR, A_BOLD);
    assert_pair(THEME_SELECTION, 231, 24);   /* #ffffff on #005f87 */
    assert_pair(THEME_TEXT, -1, -1);         /* the terminal's own text and background */
    assert_pair(THEME_DIM, 244, -1);         /* #808080 */
    assert_int_equal(theme_attr(THEME_ROLE_COUNT), A_NORMAL);
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        for (int s = r + 1; s < THEME_ROLE_COUNT; s++)
            assert_int_not_equal(PAIR_NUMBER(theme_attr((theme_role)r)), PAIR_NUMBER(theme_attr((theme_role)s)));
}

static void test_8_colours(void **state)
{
    fixture *fx = *state;
    char err[512] = "";
    open_term(fx, "xterm");
    assert_int_equal(theme_init(NULL, false, err, sizeof err), 0);
    assert_false(theme_is_mono());
    /* #005f87 is cyan here: white would not read on it */
    assert_pair(THEME_SELECTION, COLOR_BLACK, COLOR_CYAN);
    assert_pair(THEME_GAUGE_CRITICAL, COLOR_RED, -1);
    /* #808080 would be light grey, unreadable on a white terminal: the
     * terminal's own colour, dimmed */
    assert_pair(THEME_DIM, -1, -1);
    assert_true(theme_attr(THEME_DIM) & A_DIM);
}

/* Terminals this machine lacks (16 colours, direct RGB), compiled with tic
 * into the fixture directory; skipped where tic is missing. */
static void use_test_terminfo(fixture *fx)
{
    char src[400], dir[400], cmd[1024];
    snprintf(src, sizeof src, "%s/lathe.src", fx->tmp);
    snprintf(dir, sizeof dir, "%s/terminfo", fx->tmp);
    write_file(src,
               "lathe-16|lathe test terminal with 16 colours,\n"
               "\tcolors#16, pairs#256, use=xterm-256color,\n"
               "lathe-direct|lathe test terminal with direct colour,\n"
               "\tRGB, colors#0x1000000, pairs#0x10000, use=xterm-256color,\n");
    snprintf(cmd, sizeof cmd, "tic -x -o '%s' '%s' 2>/dev/null", dir, src);
    if (system(cmd) != 0)
        skip();
    setenv("TERMINFO", dir, 1);
}

static void test_16_and_direct_colours(void **state)
{
    fixture *fx = *state;
    char err[512] = "";
    use_test_terminfo(fx);
    open_term(fx, "lathe-16");
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_pair(THEME_SELECTION, 0, 6);        /* #005f87 is cyan: black reads on it */
    assert_pair(THEME_DIM, 8, -1);             /* #808080: bright black */
    assert_pair(THEME_ERROR, 1, -1);           /* #d70000: red */
    close_term(fx);
    open_term(fx, "lathe-direct");
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_pair(THEME_SELECTION, 0xffffff, 0x005f87);
    assert_pair(THEME_TEXT, -1, -1);
}

static void test_switch(void **state)
{
    fixture *fx = *state;
    char err[512] = "";
    open_term(fx, "xterm-256color");
    setenv("LATHE_THEME_DIR", fx->user, 1);
    char path[400];
    snprintf(path, sizeof path, "%s/light.yaml", fx->user);
    copy_theme("light", path);
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_int_equal(theme_switch("light", err, sizeof err), 0);
    assert_string_equal(theme_name(), "light");
    assert_pair(THEME_TEXT, 235, 231);       /* #262626 on #ffffff */
    assert_int_equal(theme_switch(path, err, sizeof err), 0);
    assert_string_equal(theme_name(), path);
    assert_int_equal(theme_switch("default", err, sizeof err), 0);
    assert_pair(THEME_TEXT, -1, -1);
}

static void test_no_color_env(void **state)
{
    fixture *fx = *state;
    char err[512] = "";
    open_term(fx, "xterm-256color");
    setenv("NO_COLOR", "1", 1);
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_true(theme_is_mono());
    assert_int_equal(theme_attr(THEME_SELECTION), A_BOLD | A_REVERSE);
    assert_int_equal(theme_attr(THEME_ACCENT), A_BOLD);
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        assert_int_equal(theme_attr((theme_role)r) & A_COLOR, 0);
    setenv("NO_COLOR", "", 1);
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_false(theme_is_mono());
}

static void test_no_color_flag_and_mono_terminal(void **state)
{
    fixture *fx = *state;
    char err[512] = "";
    open_term(fx, "xterm-256color");
    assert_int_equal(theme_init("default", true, err, sizeof err), 0);
    assert_true(theme_is_mono());
    assert_int_equal(theme_attr(THEME_ERROR), A_BOLD | A_UNDERLINE);
    close_term(fx);
    open_term(fx, "xterm-mono");
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_true(theme_is_mono());
    assert_int_equal(theme_attr(THEME_GAUGE_CRITICAL), A_BOLD | A_REVERSE);
}

static void test_broken_falls_back(void **state)
{
    fixture *fx = *state;
    char err[512] = "", path[4096], want[4200];
    open_term(fx, "xterm-256color");
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    attr_t sel = theme_attr(THEME_SELECTION);
    snprintf(path, sizeof path, "%s/tests/fixtures/themes/bad-colour.yaml", srcdir());
    snprintf(want, sizeof want, "%s:7:17: bad colour '#5fafzz'", path);
    assert_int_equal(theme_init(path, false, err, sizeof err), -1);
    assert_memory_equal(err, want, strlen(want));
    assert_string_equal(theme_name(), "default");
    assert_int_equal(theme_attr(THEME_SELECTION), sel);
    assert_pair(THEME_SELECTION, 231, 24);
    assert_int_equal(theme_switch("light-nope", err, sizeof err), -1);
    assert_string_equal(theme_name(), "default");
    assert_pair(THEME_SELECTION, 231, 24);
}

/* With no theme file anywhere, "default" is the embedded copy and any other
 * name says where it looked. */
static void test_builtin_without_files(void **state)
{
    fixture *fx = *state;
    char err[1024] = "", want[1024];
    open_term(fx, "xterm-256color");
    assert_int_equal(theme_init("default", false, err, sizeof err), 0);
    assert_pair(THEME_SELECTION, 231, 24);
    assert_int_equal(theme_switch("light", err, sizeof err), -1);
    snprintf(want, sizeof want, "theme 'light' not found in %s, /nonexistent/themes, /nonexistent/themes", fx->user);
    assert_string_equal(err, want);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home-of-test", 1);
    setenv("LATHE_THEME_DIR", fx->user, 1);
    assert_int_equal(theme_switch("light", err, sizeof err), -1);
    snprintf(want, sizeof want, "theme 'light' not found in %s, /home-of-test/.config/lathe/themes, "
             "/nonexistent/themes, /nonexistent/themes", fx->user);
    assert_string_equal(err, want);
}

static void test_list(void **state)
{
    fixture *fx = *state;
    char path[400];
    const char *names[16];
    static const char *const want[] = {"default", "light", "high-contrast", "mono", "alpha", "zeta"};
    static const char *const user_files[] = {"zeta.yaml", "alpha.yaml", "light.yaml", "notes.txt", ".hidden.yaml"};
    for (size_t i = 0; i < sizeof user_files / sizeof user_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fx->user, user_files[i]);
        write_file(path, "x\n");
    }
    size_t n = theme_list(names, 16);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[i], want[i]);
    assert_int_equal(theme_list(names, 2), 2);
    assert_string_equal(names[1], "light");
}

static void test_user_theme_by_name(void **state)
{
    fixture *fx = *state;
    char err[512] = "", path[400];
    open_term(fx, "xterm-256color");
    snprintf(path, sizeof path, "%s/zeta.yaml", fx->user);
    copy_theme("high-contrast", path);
    assert_int_equal(theme_init("zeta", false, err, sizeof err), 0);
    assert_string_equal(theme_name(), "zeta");
    assert_pair(THEME_TEXT, 231, 16);
    assert_int_equal(theme_attr(THEME_SERIES1) & ~A_COLOR, A_BOLD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_256_colours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_8_colours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_16_and_direct_colours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_color_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_color_flag_and_mono_terminal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_without_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_theme_by_name, setup, teardown),
    };
    return cmocka_run_group_tests_name("theme", tests, NULL, NULL);
}
