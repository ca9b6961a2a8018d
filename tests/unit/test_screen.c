/* test_screen.c - the screen manager in-process, on a curses screen that
 * writes to /dev/null and reads keys from a pipe (TUI.md section 6): tab
 * bar and pane switching, the help overlay, the quit prompt when a pane
 * would lose something, the too-small message and recovery, and a storm of
 * resizes. The virtual screen is read back with mvwinnstr. The pane
 * contract's host side (messages, wake-ups, the cursor, rescue) is in
 * test_pane_host.c. */
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
#include <unistd.h>

#include "crt.h"
#include "pane.h"
#include "screen.h"
#include "theme.h"

/* A pane that uses every hook, so the dispatch of each is exercised (and a
 * missed destroy shows up as a leak under ASan). */
typedef struct {
    pane super;
    bool busy;                  /* at risk: "a fake job is running" */
    char *scratch;              /* allocated by init, freed by destroy */
    int ticks, layouts, x_presses;
    uint64_t seen_rss;
} fake_pane;

static int fake_init(pane *p, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    fake_pane *f = (fake_pane *)p;
    f->scratch = malloc(32);
    return f->scratch ? 0 : -1;
}

static void fake_destroy(pane *p)
{
    free(((fake_pane *)p)->scratch);
}

static void fake_layout(pane *p)
{
    ((fake_pane *)p)->layouts++;
}

static void fake_draw(pane *p, WINDOW *w, const pane_env *env)
{
    (void)env;
    mvwprintw(w, p->y, p->x, "fake pane body %dx%d x=%d", p->w, p->h,
              ((fake_pane *)p)->x_presses);
}

static pane_result fake_key(pane *p, int key)
{
    if (key != 'x')
        return PANE_IGNORED;
    ((fake_pane *)p)->x_presses++;
    return PANE_HANDLED;
}

static int fake_tick(pane *p, const pane_env *env)
{
    fake_pane *f = (fake_pane *)p;
    f->ticks++;
    f->seen_rss = env->snap.proc_rss;
    return 0;
}

static bool fake_at_risk(const pane *p, char *what, size_t n)
{
    snprintf(what, n, "a fake job is running");
    return ((const fake_pane *)p)->busy;
}

static const pane_key fake_keys[] = {{"x", "does the fake thing", "fake"}};
static const pane_class fake_class = {
    .name = "Fake", .id = PANE_CHAT, .size = sizeof(fake_pane), .init = fake_init,
    .layout = fake_layout, .draw = fake_draw, .handle_key = fake_key, .tick = fake_tick,
    .at_risk = fake_at_risk,
    .destroy = fake_destroy, .keys = fake_keys, .n_keys = 1,
};

typedef struct {
    SCREEN *term;
    FILE *out, *in;
    int keys_fd;
    pane_env env;
    screen *s;
    fake_pane *fake;
} fixture;

static screen *make_screen(fixture *f, bool with_fake)
{
    const pane_class *classes[] = {&data_pane_class, &config_pane_class, &train_pane_class,
                                   with_fake ? &fake_class : &chat_pane_class};
    char err[128];
    screen *s = screen_new(&f->env, "/tmp/some config.yaml", err, sizeof err);
    assert_non_null(s);
    pane *last = NULL;
    for (int i = 0; i < 4; i++)
        assert_non_null(last = screen_add(s, classes[i], err, sizeof err));
    f->fake = with_fake ? (fake_pane *)last : NULL;
    return s;
}

static void fill_snapshot(sysmon_snapshot *s)
{
    s->seq = 1;
    s->proc_rss = 123u << 20;
    s->proc_peak_rss = 200u << 20;
    s->mem_used = 3ull << 30;
    s->mem_total = 8ull << 30;
    s->proc_cpu_percent = 12.5;
    s->cpu_percent = 40;
    s->n_cpus = 4;
    for (int i = 0; i < 4; i++)
        s->core_percent[i] = 25.0 * i;
    snprintf(s->gpu_status, sizeof s->gpu_status, "no NVIDIA driver");
}

static int setup(void **state, bool with_fake)
{
    fixture *f = calloc(1, sizeof *f);
    int fds[2];
    if (!f || pipe(fds) != 0)
        return -1;
    f->out = fopen("/dev/null", "w");
    f->in = fdopen(fds[0], "r");
    f->keys_fd = fds[1];
    f->term = newterm("xterm-256color", f->out, f->in);
    if (!f->term)
        return -1;
    set_term(f->term);
    resizeterm(40, 120);
    keypad(stdscr, TRUE);
    char err[256];
    theme_init("default", true, err, sizeof err);
    fill_snapshot(&f->env.snap);
    f->env.have_snap = true;
    f->s = make_screen(f, with_fake);
    *state = f;
    return f->s ? 0 : -1;
}

static int setup_plain(void **state) { return setup(state, false); }
static int setup_fake(void **state) { return setup(state, true); }

static int teardown(void **state)
{
    fixture *f = *state;
    screen_free(f->s);
    endwin();
    delscreen(f->term);
    fclose(f->in);
    fclose(f->out);
    close(f->keys_fd);
    free(f);
    return 0;
}

/* True when some row of the virtual screen contains needle. */
static bool on_screen(const char *needle)
{
    char row[1024];
    for (int y = 0; y < LINES; y++) {
        mvwinnstr(stdscr, y, 0, row, (int)sizeof row - 1);
        if (strstr(row, needle))
            return true;
    }
    return false;
}

static void press(fixture *f, int key, bool want_continue)
{
    assert_int_equal(screen_key(f->s, key), want_continue);
    screen_draw(f->s);
}

static void test_startup_layout(void **state)
{
    fixture *f = *state;
    screen_draw(f->s);
    assert_true(on_screen("1 Data"));
    assert_true(on_screen("2 Config"));
    assert_true(on_screen("3 Train"));
    assert_true(on_screen("4 Chat"));
    assert_true(on_screen("/tmp/some config.yaml"));
    assert_true(on_screen("Dataset explorer"));
    assert_true(on_screen("$ lathe DATASET.jsonl [-m MODEL_OR_VOCAB] [-c CONFIG.yaml]"));
    assert_true(on_screen("RSS 123M"));
    assert_true(on_screen("RAM 3.00G/8.00G"));
    assert_true(on_screen("CPU 12.5%"));
    assert_true(on_screen("no GPU"));
}

static void test_switching(void **state)
{
    fixture *f = *state;
    press(f, '2', true);
    assert_int_equal(screen_focus(f->s), 1);
    assert_true(on_screen("Training config"));
    assert_false(on_screen("Dataset explorer"));
    press(f, '\t', true);
    assert_int_equal(screen_focus(f->s), 2);
    assert_true(on_screen("no run yet; start one with lathe train CONFIG.yaml"));
    assert_true(on_screen("no GPU: no NVIDIA driver"));
    assert_true(on_screen("cpu3"));
    assert_false(on_screen("frame "));        /* no debug figures for users */
    assert_false(on_screen("metrics ring"));  /* the workbench owns no ring */
    press(f, KEY_BTAB, true);
    assert_int_equal(screen_focus(f->s), 1);
    press(f, '4', true);
    assert_true(on_screen("no model open: /model PATH opens one"));
    assert_true(on_screen(" S-Tab prev  F1 help  F2 theme  Ctrl-C quit "));   /* what reaches it */
    press(f, '\t', true);                    /* on the Chat pane's empty line: the next pane */
    assert_int_equal(screen_focus(f->s), 0);
    press(f, KEY_BTAB, true);
    assert_int_equal(screen_focus(f->s), 3);
    press(f, '9', true);                     /* the Chat pane takes text: typed, no switch */
    assert_int_equal(screen_focus(f->s), 3);
    assert_true(on_screen("> 9"));
}

static void test_help_overlay(void **state)
{
    fixture *f = *state;
    press(f, '?', true);
    assert_true(on_screen("Help: Data pane"));
    assert_true(on_screen("move one row, or scroll"));
    assert_true(on_screen("trained tokens (needs -m or -c)"));
    assert_true(on_screen("Global keys"));
    assert_true(on_screen("switch to pane N"));
    assert_true(on_screen("next colour theme"));
    press(f, 'q', true);     /* closes the help; does not quit */
    assert_false(on_screen("Help:"));
    press(f, '3', true);
    press(f, KEY_F(1), true);
    assert_true(on_screen("Help: Train pane"));
    assert_true(on_screen("pause or resume the run"));
    press(f, 27, true);
    assert_false(on_screen("Help:"));
}

static void test_quit_idle(void **state)
{
    fixture *f = *state;
    screen_draw(f->s);
    assert_false(screen_key(f->s, 'q'));
}

static void test_quit_asks_when_busy(void **state)
{
    fixture *f = *state;
    f->fake->busy = true;
    press(f, 'q', true);
    assert_true(on_screen("Quitting now would lose:"));
    assert_true(on_screen("Fake: a fake job is running"));
    assert_true(on_screen("Quit anyway? [y/n]"));
    press(f, '2', true);     /* other keys wait for an answer */
    assert_int_equal(screen_focus(f->s), 0);
    press(f, 'n', true);
    assert_false(on_screen("Quit anyway"));
    press(f, PANE_KEY_INTERRUPT, true);       /* Ctrl-C asks too */
    assert_true(on_screen("Fake: a fake job is running"));
    press(f, PANE_KEY_INTERRUPT, true);       /* and, asking, means no */
    assert_false(on_screen("Quit anyway"));
    press(f, 'q', true);
    assert_false(screen_key(f->s, 'y'));
    f->fake->busy = false;
    assert_false(screen_key(f->s, 'q'));
    assert_false(screen_key(f->s, PANE_KEY_INTERRUPT));   /* nothing to lose: Ctrl-C quits */
}

static void test_help_lists_fake_keys(void **state)
{
    fixture *f = *state;
    press(f, '4', true);
    press(f, '?', true);
    assert_true(on_screen("Help: Fake pane"));
    assert_true(on_screen("does the fake thing"));
}

static void test_pane_hooks(void **state)
{
    fixture *f = *state;
    press(f, '4', true);
    assert_true(on_screen("fake pane body 120x36 x=0"));
    assert_true(on_screen("x fake"));          /* its key in the key bar */
    press(f, 'x', true);                      /* the pane's key, not a global one */
    assert_true(on_screen("x=1"));
    int layouts = f->fake->layouts;
    resizeterm(30, 100);
    press(f, KEY_RESIZE, true);
    assert_int_equal(f->fake->layouts, layouts + 1);
    assert_true(on_screen("fake pane body 100x26"));
    assert_int_equal(write(f->keys_fd, "q", 1), 1);
    assert_int_equal(screen_run(f->s, fileno(f->in), NULL, NULL), SCREEN_QUIT);
    assert_true(f->fake->ticks >= 1);
    assert_int_equal(f->fake->seen_rss, 123u << 20);
}

static void test_status_messages(void **state)
{
    fixture *f = *state;
    screen_status(f->s, false, "theme: %s", "light");
    screen_draw(f->s);
    assert_true(on_screen("theme: light"));
    assert_true(on_screen("RSS 123M"));
    screen_status(f->s, true, "theme: %s", "/x/broken.yaml:2:1: YAML syntax error");
    screen_draw(f->s);
    assert_true(on_screen("/x/broken.yaml:2:1: YAML syntax error"));
    assert_false(on_screen("RSS 123M"));      /* the error has the row to itself */
    press(f, '2', true);                      /* the next key dismisses it and still acts */
    assert_false(on_screen("broken.yaml"));
    assert_true(on_screen("RSS 123M"));
    assert_int_equal(screen_focus(f->s), 1);
    f->env.have_snap = false;
    snprintf(f->env.sysmon_error, sizeof f->env.sysmon_error, "cannot read /proc");
    screen_draw(f->s);
    assert_true(on_screen("no gauges: cannot read /proc"));
}

static void test_theme_picker(void **state)
{
    fixture *f = *state;
    const char *names[8];
    size_t n = theme_list(names, 8);
    assert_true(n >= 2);
    press(f, 'T', true);
    assert_true(on_screen("Enter choose"));
    assert_true(on_screen("* default"));
    assert_true(on_screen(names[1]));
    press(f, KEY_DOWN, true);
    press(f, '\n', true);
    assert_false(on_screen("Enter choose"));
    assert_string_equal(theme_name(), names[1]);
    char want[64];
    snprintf(want, sizeof want, "theme: %s", names[1]);
    assert_true(on_screen(want));
    press(f, 'T', true);
    press(f, 27, true);                       /* Esc closes without a change */
    assert_false(on_screen("Enter choose"));
    assert_string_equal(theme_name(), names[1]);
    press(f, KEY_F(2), true);                 /* F2 cycles to the next one */
    assert_string_equal(theme_name(), names[2 % n]);
}

static void test_too_small_and_back(void **state)
{
    fixture *f = *state;
    resizeterm(20, 60);
    press(f, KEY_RESIZE, true);
    char want[96];
    const char *x = crt_glyph(CRT_GLYPH_TIMES);
    snprintf(want, sizeof want, "terminal too small (need 80%s24, have 60%s20)", x, x);
    assert_true(on_screen(want));
    assert_false(on_screen("1 Data"));
    press(f, '3', true);      /* global keys still work while too small */
    resizeterm(24, 80);
    press(f, KEY_RESIZE, true);
    assert_false(on_screen("too small"));
    assert_true(on_screen("no run yet"));
    resizeterm(40, 120);
    press(f, KEY_RESIZE, true);
    assert_true(on_screen("4 Chat"));
}

static void test_resize_storm(void **state)
{
    fixture *f = *state;
    unsigned seed = 7;
    press(f, '?', true);
    for (int i = 0; i < 400; i++) {
        seed = seed * 1103515245u + 12345u;
        int h = 1 + (int)(seed >> 16) % 70, w = 1 + (int)(seed >> 8) % 220;
        resizeterm(h, w);
        screen_key(f->s, i % 5 ? KEY_RESIZE : '\t');
        screen_draw(f->s);
    }
    resizeterm(40, 120);
    press(f, KEY_RESIZE, true);
    assert_true(on_screen("1 Data"));
}

static void test_run_reads_keys(void **state)
{
    fixture *f = *state;
    assert_int_equal(write(f->keys_fd, "2\t?xq", 5), 5);
    /* '?' opens help, 'x' closes it, 'q' quits */
    assert_int_equal(screen_run(f->s, fileno(f->in), NULL, NULL), SCREEN_QUIT);
    assert_int_equal(screen_focus(f->s), 2);
}

int main(void)
{
    setlocale(LC_ALL, "");
    crt_detect_utf8();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_startup_layout, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_switching, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_help_overlay, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_quit_idle, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_quit_asks_when_busy, setup_fake, teardown),
        cmocka_unit_test_setup_teardown(test_help_lists_fake_keys, setup_fake, teardown),
        cmocka_unit_test_setup_teardown(test_pane_hooks, setup_fake, teardown),
        cmocka_unit_test_setup_teardown(test_status_messages, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_theme_picker, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_too_small_and_back, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_resize_storm, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_run_reads_keys, setup_plain, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
