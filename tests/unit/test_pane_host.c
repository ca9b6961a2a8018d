/* test_pane_host.c - the pane contract from both sides, with two fake panes
 * on a curses screen that writes to /dev/null and reads keys from a pipe:
 * key results routed by their flags, quitting that asks about what every
 * pane (not only the focused one) would lose, messages delivered to the
 * addressed pane in order with their objects released when nobody takes
 * them, focus and status requests, the cursor, a worker thread's wake-up
 * that ends the loop's wait (the tick is an hour: the next turn comes from
 * the wake-up or not at all), and the loop ending on end of input followed
 * by every pane's rescue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crt.h"
#include "pane.h"
#include "screen.h"
#include "theme.h"

#define HOUR_MS (3600 * 1000)
#define HELPER_WAIT_S 30

typedef struct {
    pane super;
    const char *risk;             /* at_risk's text; NULL: nothing to lose */
    int handled;
    pane_msg got[SCREEN_MAX_MSGS];
    size_t n_got;
    bool refuse;                  /* receive says no */
    int post_rc;                  /* pane_post's result for the last 'p' / 'x' */
    bool place_cursor;
    int rescue_rc;
    const char *rescue_what;
    /* the worker of the wake-up test */
    pthread_t worker;
    bool worker_started;
    atomic_int result;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool ticked_after_start, saw_result;
} fake;

static int releases;

static void count_release(void *object)
{
    (void)object;
    releases++;
}

static int fake_init(pane *p, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    fake *f = (fake *)p;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    return 0;
}

static void fake_destroy(pane *p)
{
    fake *f = (fake *)p;
    if (f->worker_started)
        pthread_join(f->worker, NULL);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
}

static void fake_draw(pane *p, WINDOW *w, const pane_env *env)
{
    (void)env;
    mvwprintw(w, p->y, p->x, "%s body", p->cls->name);
    if (((fake *)p)->place_cursor)
        pane_cursor(p, 5, 7);
}

/* Waits for the tick that follows the start, then publishes and wakes:
 * from then on only the wake-up can bring the next tick. */
static void *work(void *arg)
{
    fake *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->ticked_after_start)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
    atomic_store(&f->result, 42);
    pane_wake(&f->super);
    return NULL;
}

static int fake_tick(pane *p, const pane_env *env)
{
    (void)env;
    fake *f = (fake *)p;
    if (!f->worker_started)
        return 0;
    pthread_mutex_lock(&f->mu);
    f->ticked_after_start = true;
    if (atomic_load(&f->result) == 42)
        f->saw_result = true;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static pane_result fake_key(pane *p, int key)
{
    fake *f = (fake *)p;
    pane_msg m = {.kind = PANE_MSG_CHECKPOINT, .step = 12};
    snprintf(m.path, sizeof m.path, "/runs/x/checkpoint-12");
    switch (key) {
    case 'h': f->handled++; return PANE_HANDLED;
    case 'Q': return PANE_HANDLED | PANE_QUIT;
    case 'R': return PANE_HANDLED | PANE_REDRAW;
    case 'p': f->post_rc = pane_post(p, PANE_TRAIN, &m); return PANE_HANDLED;
    case 'x': f->post_rc = pane_post(p, PANE_CHAT, &m); return PANE_HANDLED;
    case 'o':
        m.object = &f->handled;
        m.release = count_release;
        f->post_rc = pane_post(p, PANE_TRAIN, &m);
        return PANE_HANDLED;
    case 'f': pane_focus(p, PANE_TRAIN); return PANE_HANDLED;
    case 's': pane_status(p, true, "%s says no", p->cls->name); return PANE_HANDLED;
    case 'w':
        f->worker_started = pthread_create(&f->worker, NULL, work, f) == 0;
        return PANE_HANDLED;
    default: return PANE_IGNORED;
    }
}

static bool fake_receive(pane *p, pane_msg *m)
{
    fake *f = (fake *)p;
    if (f->refuse)
        return false;
    f->got[f->n_got++] = *m;
    return true;
}

static bool fake_at_risk(const pane *p, char *what, size_t n)
{
    const fake *f = (const fake *)p;
    if (f->risk)
        snprintf(what, n, "%s", f->risk);
    return f->risk != NULL;
}

static int fake_rescue(pane *p, char *what, size_t n)
{
    fake *f = (fake *)p;
    snprintf(what, n, "%s", f->rescue_what ? f->rescue_what : "");
    return f->rescue_rc;
}

#define FAKE_HOOKS                                                                       \
    .size = sizeof(fake), .init = fake_init, .draw = fake_draw, .handle_key = fake_key,  \
    .tick = fake_tick, .receive = fake_receive, .at_risk = fake_at_risk,                 \
    .rescue = fake_rescue, .destroy = fake_destroy
static const pane_class alpha_class = {.name = "Alpha", .id = PANE_DATA, FAKE_HOOKS};
static const pane_class beta_class = {.name = "Beta", .id = PANE_TRAIN, FAKE_HOOKS};

typedef struct {
    SCREEN *term;
    FILE *out, *in;
    int keys_fd;
    pane_env env;
    screen *s;
    fake *alpha, *beta;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    int fds[2];
    char err[256];
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
    theme_init("default", true, err, sizeof err);
    f->s = screen_new(&f->env, "host test", err, sizeof err);
    if (!f->s)
        return -1;
    f->alpha = (fake *)screen_add(f->s, &alpha_class, err, sizeof err);
    f->beta = (fake *)screen_add(f->s, &beta_class, err, sizeof err);
    releases = 0;
    *state = f;
    return f->alpha && f->beta ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    screen_free(f->s);
    endwin();
    delscreen(f->term);
    fclose(f->in);
    fclose(f->out);
    if (f->keys_fd >= 0)
        close(f->keys_fd);
    free(f);
    return 0;
}

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

static void test_key_flags_routed(void **state)
{
    fixture *f = *state;
    press(f, 'h', true);                      /* handled: no global key runs */
    assert_int_equal(f->alpha->handled, 1);
    assert_int_equal(screen_focus(f->s), 0);
    press(f, '2', true);                      /* ignored: the global key switches */
    assert_int_equal(screen_focus(f->s), 1);
    assert_true(on_screen("Beta body"));
    press(f, '1', true);
    assert_true(screen_key(f->s, 'R'));       /* a repaint of every cell is asked */
    assert_true(is_cleared(curscr));
    screen_draw(f->s);
    assert_false(is_cleared(curscr));
    assert_false(screen_key(f->s, 'Q'));      /* quit from a pane, nothing to lose */
}

/* The data-loss case: the focused pane has nothing to lose, another has. */
static void test_quit_asks_every_pane(void **state)
{
    fixture *f = *state;
    f->alpha->risk = "3 unsaved edits in a.jsonl";
    press(f, '2', true);
    press(f, 'q', true);
    assert_true(on_screen("Quitting now would lose:"));
    assert_true(on_screen("Alpha: 3 unsaved edits in a.jsonl"));
    assert_false(on_screen("Beta:"));
    press(f, 'n', true);
    assert_false(on_screen("Quit anyway? [y/n]"));
    f->beta->risk = "a run is going";
    press(f, PANE_KEY_INTERRUPT, true);       /* Ctrl-C, ignored by the pane, asks too */
    assert_true(on_screen("Alpha: 3 unsaved edits in a.jsonl"));
    assert_true(on_screen("Beta: a run is going"));
    press(f, 'x', true);                      /* other keys wait for an answer */
    assert_true(on_screen("Quit anyway? [y/n]"));
    press(f, 27, true);
    press(f, 'Q', true);                      /* a pane's own quit asks the same */
    assert_true(on_screen("Quit anyway? [y/n]"));
    assert_false(screen_key(f->s, 'y'));
}

static void test_messages_delivered(void **state)
{
    fixture *f = *state;
    press(f, 'p', true);
    assert_int_equal(f->alpha->post_rc, 0);
    assert_int_equal(f->beta->n_got, 1);      /* delivered once the key was handled */
    assert_int_equal(f->alpha->n_got, 0);
    pane_msg *m = &f->beta->got[0];
    assert_int_equal(m->kind, PANE_MSG_CHECKPOINT);
    assert_int_equal(m->from, PANE_DATA);
    assert_int_equal(m->to, PANE_TRAIN);
    assert_int_equal(m->step, 12);
    assert_string_equal(m->path, "/runs/x/checkpoint-12");
    press(f, 'x', true);                      /* no Chat pane here */
    assert_int_equal(f->alpha->post_rc, -1);
    f->beta->refuse = true;
    press(f, 'o', true);                      /* refused: its object is released */
    assert_int_equal(f->alpha->post_rc, 0);
    assert_int_equal(releases, 1);
    f->beta->refuse = false;
    f->beta->n_got = 0;
    pane_msg q = {.kind = PANE_MSG_OPEN};
    for (int i = 0; i < SCREEN_MAX_MSGS; i++) {
        q.step = i;
        assert_int_equal(pane_post(&f->alpha->super, PANE_TRAIN, &q), 0);
    }
    assert_int_equal(pane_post(&f->alpha->super, PANE_TRAIN, &q), -1);   /* full */
    screen_frame(f->s);
    assert_int_equal(f->beta->n_got, SCREEN_MAX_MSGS);
    for (int i = 0; i < SCREEN_MAX_MSGS; i++)
        assert_int_equal(f->beta->got[i].step, i);                     /* in order */
    q.object = &q;
    q.release = count_release;
    assert_int_equal(pane_post(&f->alpha->super, PANE_TRAIN, &q), 0);
    screen_free(f->s);                        /* never delivered: released */
    f->s = NULL;
    assert_int_equal(releases, 2);
}

static void test_focus_status_cursor(void **state)
{
    fixture *f = *state;
    press(f, 'f', true);
    assert_int_equal(screen_focus(f->s), 1);
    press(f, 's', true);
    assert_true(on_screen("Beta says no"));
    press(f, '1', true);                      /* the next key dismisses the error */
    assert_false(on_screen("Beta says no"));
    f->alpha->place_cursor = true;
    screen_draw(f->s);
    assert_int_equal(getcury(stdscr), 5);
    assert_int_equal(getcurx(stdscr), 7);
    f->alpha->place_cursor = false;
    f->beta->place_cursor = true;             /* not focused: not its cursor */
    screen_draw(f->s);
    assert_false(getcury(stdscr) == 5 && getcurx(stdscr) == 7);
}

typedef struct {
    fixture *f;
    bool woke;
} helper;

/* Waits until the pane saw the worker's result (or gives up), then ends
 * the loop with a q. */
static void *end_loop(void *arg)
{
    helper *h = arg;
    fake *a = h->f->alpha;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += HELPER_WAIT_S;
    pthread_mutex_lock(&a->mu);
    while (!a->saw_result && pthread_cond_timedwait(&a->cv, &a->mu, &until) != ETIMEDOUT)
        ;
    h->woke = a->saw_result;
    pthread_mutex_unlock(&a->mu);
    if (write(h->f->keys_fd, "q", 1) != 1)
        h->woke = false;
    return NULL;
}

static void test_wake_from_a_thread(void **state)
{
    fixture *f = *state;
    helper h = {f, false};
    pthread_t t;
    screen_set_tick(f->s, HOUR_MS);
    assert_int_equal(write(f->keys_fd, "w", 1), 1);
    assert_int_equal(pthread_create(&t, NULL, end_loop, &h), 0);
    assert_int_equal(screen_run(f->s, fileno(f->in), NULL, NULL), SCREEN_QUIT);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(h.woke);                      /* before the helper gave up */
}

static void test_end_of_input_and_rescue(void **state)
{
    fixture *f = *state;
    f->alpha->risk = "2 unsaved edits";
    f->alpha->rescue_what = "2 unsaved edits kept in /state/a.recipe.yaml";
    f->beta->rescue_rc = -1;
    f->beta->rescue_what = "the run is lost";
    assert_int_equal(write(f->keys_fd, "h", 1), 1);
    close(f->keys_fd);
    f->keys_fd = -1;
    assert_int_equal(screen_run(f->s, fileno(f->in), NULL, NULL), SCREEN_HANGUP);
    assert_int_equal(f->alpha->handled, 1);   /* the keys before the end still count */
    assert_string_equal(screen_end_why(f->s), "end of input");
    char report[1024];
    assert_int_equal(screen_rescue(f->s, report, sizeof report), -1);
    assert_string_equal(report, "Alpha: 2 unsaved edits kept in /state/a.recipe.yaml\n"
                                "Beta: the run is lost");
}

int main(void)
{
    setlocale(LC_ALL, "");
    crt_detect_utf8();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_flags_routed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quit_asks_every_pane, setup, teardown),
        cmocka_unit_test_setup_teardown(test_messages_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_focus_status_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wake_from_a_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_of_input_and_rescue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
