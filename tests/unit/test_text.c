/* test_text.c - width-correct text (CJK and emoji are two columns, cuts
 * never split a character, the ellipsis counts) and the gauges' formatting
 * and drawing, read back from a curses screen on /dev/null. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "gauge.h"
#include "text.h"
#include "theme.h"

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(text_width("hello"), 5);
    assert_int_equal(text_width("日本語"), 6);
    assert_int_equal(text_width("a\xf0\x9f\x98\x80" "b"), 4);     /* emoji is 2 */
    assert_int_equal(text_width("e\xcc\x81"), 1);                  /* combining acute */
    assert_int_equal(text_width("\xff\xfe"), 2);                   /* bad bytes: 1 each */
    assert_int_equal(text_width(""), 0);
}

static void test_fit_cuts_by_columns(void **state)
{
    (void)state;
    char out[64];
    const char *ell = crt_glyph(CRT_GLYPH_ELLIPSIS);
    char want[64];
    assert_int_equal(text_fit("hello", 5, out, sizeof out), 5);
    assert_string_equal(out, "hello");
    assert_int_equal(text_fit("hello world", 5, out, sizeof out), 5);
    snprintf(want, sizeof want, "hell%s", ell);
    assert_string_equal(out, want);
    /* 4 columns of room before the ellipsis: two CJK characters. */
    assert_int_equal(text_fit("日本語テキスト", 5, out, sizeof out), 5);
    snprintf(want, sizeof want, "日本%s", ell);
    assert_string_equal(out, want);
    /* 5 columns of room: the third wide character would need 6; never split. */
    assert_int_equal(text_fit("日本語テキスト", 6, out, sizeof out), 5);
    assert_int_equal(text_fit("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 4, out, sizeof out), 3);
    assert_int_equal(text_fit("abc", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(text_fit("a\xff" "b", 3, out, sizeof out), 3);
    assert_string_equal(out, "a?b");
}

static void test_fit_respects_buffer(void **state)
{
    (void)state;
    char out[4];
    int w = text_fit("日本語", 10, out, sizeof out);
    assert_int_equal(w, 2);
    assert_string_equal(out, "日");
}

/* Random bytes mixed with wide characters: the result never exceeds the
 * width or the buffer, and its measured width is what text_fit returned. */
static void test_fit_random_input(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "日", "\xf0\x9f\x98\x80", "e\xcc\x81", "\xff",
                                         "\xe6", "\t", " ", "\xc3\xa9"};
    unsigned seed = 1;
    for (int iter = 0; iter < 3000; iter++) {
        char in[128] = "", out[48];
        for (int k = 0; k < 20; k++) {
            seed = seed * 1103515245u + 12345u;
            strcat(in, pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])]);
        }
        int maxw = (int)(seed >> 8) % 40;
        size_t outlen = 1 + (seed >> 4) % sizeof out;
        int w = text_fit(in, maxw, out, outlen);
        assert_true(w <= maxw);
        assert_true(strlen(out) < outlen);
        assert_int_equal(text_width(out), w);
    }
}

static void test_bytes(void **state)
{
    (void)state;
    char b[16];
    gauge_bytes(b, sizeof b, 512);
    assert_string_equal(b, "512B");
    gauge_bytes(b, sizeof b, 123u << 20);
    assert_string_equal(b, "123M");
    gauge_bytes(b, sizeof b, 12900000);
    assert_string_equal(b, "12.3M");
    gauge_bytes(b, sizeof b, 8ull << 30);
    assert_string_equal(b, "8.00G");
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(gauge_role(0.1), THEME_GAUGE_OK);
    assert_int_equal(gauge_role(GAUGE_WARN_AT), THEME_GAUGE_WARN);
    assert_int_equal(gauge_role(0.95), THEME_GAUGE_CRITICAL);
    assert_int_equal(gauge_role(7.0), THEME_GAUGE_CRITICAL);
    assert_int_equal(gauge_role(-1.0), THEME_GAUGE_OK);
}

typedef struct {
    SCREEN *term;
    FILE *out, *in;
} term_fixture;

static int setup_term(void **state)
{
    term_fixture *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->out = fopen("/dev/null", "w");
    t->in = fopen("/dev/null", "r");
    t->term = newterm("xterm-256color", t->out, t->in);
    if (!t->term)
        return -1;
    set_term(t->term);
    resizeterm(30, 100);
    char err[256];
    theme_init("default", true, err, sizeof err);
    *state = t;
    return 0;
}

static int teardown_term(void **state)
{
    term_fixture *t = *state;
    endwin();
    delscreen(t->term);
    fclose(t->out);
    fclose(t->in);
    free(t);
    return 0;
}

static bool row_has(int y, const char *needle)
{
    char row[1024];
    mvwinnstr(stdscr, y, 0, row, (int)sizeof row - 1);
    return strstr(row, needle) != NULL;
}

static void test_put_clips_wide_text(void **state)
{
    (void)state;
    erase();
    /* 4 columns left at x=96: one wide character and the ellipsis. */
    assert_int_equal(text_put(stdscr, 0, 96, 10, A_NORMAL, "日本語"), 3);
    assert_int_equal(text_put(stdscr, 30, 0, 10, A_NORMAL, "off screen"), 0);
    assert_int_equal(text_put(stdscr, 0, -1, 10, A_NORMAL, "x"), 0);
    assert_true(row_has(0, "日"));
}

static sysmon_snapshot snapshot(int n_gpus)
{
    sysmon_snapshot s;
    memset(&s, 0, sizeof s);
    s.proc_rss = 50u << 20;
    s.proc_peak_rss = 70u << 20;
    s.mem_used = 7ull << 30;
    s.mem_total = 8ull << 30;
    s.n_cpus = 2;
    s.core_percent[1] = 100;
    s.n_gpus = n_gpus;
    snprintf(s.gpu_status, sizeof s.gpu_status, "libnvidia-ml.so.1 not found");
    for (int i = 0; i < n_gpus; i++) {
        snprintf(s.gpus[i].name, sizeof s.gpus[i].name, "NVIDIA Test %d", i);
        s.gpus[i].mem_used = 1ull << 30;
        s.gpus[i].mem_total = 16ull << 30;
        s.gpus[i].proc_mem = 300u << 20;
        s.gpus[i].util_percent = 42;
    }
    return s;
}

static void test_full_without_gpu(void **state)
{
    (void)state;
    sysmon_snapshot s = snapshot(0);
    erase();
    int rows = gauge_draw_full(stdscr, 0, 0, 20, 100, &s);
    assert_int_equal(rows, 5);
    assert_true(row_has(0, "RSS 50.0M  peak 70.0M"));
    assert_true(row_has(1, "7.00G/8.00G  88%"));
    assert_true(row_has(3, "cpu1"));
    assert_true(row_has(3, "100%"));
    assert_true(row_has(4, "no GPU: libnvidia-ml.so.1 not found"));
    snprintf(s.gpu_status, sizeof s.gpu_status, "no GPU: NVIDIA driver not loaded");
    erase();
    gauge_draw_full(stdscr, 0, 0, 20, 100, &s);
    assert_true(row_has(4, "GPU      no GPU: NVIDIA driver not loaded"));
}

static void test_full_with_gpus(void **state)
{
    (void)state;
    sysmon_snapshot s = snapshot(2);
    erase();
    int rows = gauge_draw_full(stdscr, 0, 0, 20, 100, &s);
    assert_int_equal(rows, 8);
    assert_true(row_has(4, "NVIDIA Test 0"));
    assert_true(row_has(5, "1.00G/16.0G  util 42%  this process 300M"));
    assert_true(row_has(6, "NVIDIA Test 1"));
    erase();
    gauge_draw_compact(stdscr, 0, 0, 100, &s);
    assert_true(row_has(0, "GPU 1.00G/16.0G +"));
}

static void test_full_many_cores_is_bounded(void **state)
{
    (void)state;
    sysmon_snapshot s = snapshot(0);
    s.n_cpus = SYSMON_MAX_CPUS;
    erase();
    int rows = gauge_draw_full(stdscr, 0, 0, 8, 100, &s);
    assert_true(rows <= 8);
    bool found = false;
    for (int y = 0; y < 8; y++)
        found = found || row_has(y, "more");
    assert_true(found);
    assert_int_equal(gauge_draw_full(stdscr, 0, 0, 0, 100, &s), 0);
    gauge_draw_full(stdscr, 25, 90, 20, 5, &s);   /* mostly off screen: clipped */
}

int main(void)
{
    setlocale(LC_ALL, "");
    crt_detect_utf8();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_fit_cuts_by_columns),
        cmocka_unit_test(test_fit_respects_buffer),
        cmocka_unit_test(test_fit_random_input),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_roles),
        cmocka_unit_test_setup_teardown(test_put_clips_wide_text, setup_term, teardown_term),
        cmocka_unit_test_setup_teardown(test_full_without_gpu, setup_term, teardown_term),
        cmocka_unit_test_setup_teardown(test_full_with_gpus, setup_term, teardown_term),
        cmocka_unit_test_setup_teardown(test_full_many_cores_is_bounded, setup_term, teardown_term),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
