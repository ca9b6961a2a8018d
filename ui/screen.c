/* screen.c - layout, focus, overlays, the host side of the pane contract
 * and the main loop. Everything is drawn on stdscr each frame from state (no
 * sub-windows to move or resize), so a resize only changes the rectangles
 * handed to the panes; curses sends the terminal just the cells that
 * changed. Messages between panes wait in a queue and are delivered on the
 * next turn, so a pane's hook never runs inside another's. */
#include "screen.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "clock.h"
#include "crt.h"
#include "gauge.h"
#include "input.h"
#include "run_session.h"
#include "text.h"
#include "theme.h"
#include "theme_picker.h"

#define KEY_ESC 27

struct screen {
    pane_host host;         /* first: the panes' host pointer is the screen's */
    pane *panes[SCREEN_MAX_PANES];
    size_t n, focus;
    pane_env *env;
    input *in;              /* keys and the wake-up pipe */
    int tick_ms;
    char title[256];
    char status[512];
    bool status_error;
    bool help_open;
    theme_picker picker;
    bool confirm_quit;
    bool background;        /* the user quit leaving work in the background */
    void (*keep)(void *ctx, struct run_session *run);
    void *keep_ctx;
    int laid_h, laid_w;     /* terminal size the panes were laid out for */
    pane_msg queue[SCREEN_MAX_MSGS];   /* FIFO from head */
    size_t q_head, q_n;
    bool cursor_on;         /* the focused pane placed the cursor this frame */
    int cursor_y, cursor_x;
    int cursor_shown;       /* what the terminal shows: -1 unknown, 0 hidden, 1 shown */
    char end_why[128];
};

static const pane_key global_keys[] = {
    {"1-4", "switch to pane N", "panes"},
    {"Tab/S-Tab", "next / previous pane", "next/prev"},
    {"? or F1", "this help", "help"},
    {"F2", "next colour theme", "theme"},
    {"T", "choose a colour theme from a list", "themes"},
    {"q", "quit, or Ctrl-C (asks if work would be lost)", "quit"},
};
#define N_GLOBAL_KEYS (sizeof global_keys / sizeof global_keys[0])

/* Those that reach a pane typing printable keys into a line (takes_text). */
static const pane_key text_global_keys[] = {
    {"S-Tab", "previous pane", "prev"},
    {"F1", "this help", "help"},
    {"F2", "next colour theme", "theme"},
    {"Ctrl-C", "quit (asks if work would be lost)", "quit"},
};

static const pane_key *globals(const screen *s, size_t *n)
{
    bool text = s->panes[s->focus]->cls->takes_text;
    *n = text ? sizeof text_global_keys / sizeof text_global_keys[0] : N_GLOBAL_KEYS;
    return text ? text_global_keys : global_keys;
}

static screen *of(pane_host *h)
{
    return (screen *)h;
}

static pane *find(const screen *s, pane_id id, size_t *index)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->panes[i]->cls->id == id) {
            if (index)
                *index = i;
            return s->panes[i];
        }
    }
    return NULL;
}

pane *screen_pane(const screen *s, pane_id id)
{
    return find(s, id, NULL);
}

static void host_status(pane_host *h, bool error, const char *text)
{
    screen_status(of(h), error, "%s", text);
}

static void host_focus(pane_host *h, pane_id to)
{
    screen *s = of(h);
    find(s, to, &s->focus);
}

static int host_post(pane_host *h, pane_msg *m)
{
    screen *s = of(h);
    if (s->q_n == SCREEN_MAX_MSGS || !find(s, m->to, NULL))
        return -1;
    s->queue[(s->q_head + s->q_n++) % SCREEN_MAX_MSGS] = *m;
    input_wake(s->in);      /* delivered on the next turn, which comes now */
    return 0;
}

static void host_wake(pane_host *h)
{
    input_wake(of(h)->in);
}

static void host_cursor(pane_host *h, const pane *p, int y, int x)
{
    screen *s = of(h);
    if (p != s->panes[s->focus])
        return;
    s->cursor_on = true;
    s->cursor_y = y;
    s->cursor_x = x;
}

static void host_keep_running(pane_host *h, struct run_session *run)
{
    screen *s = of(h);
    if (s->keep)
        s->keep(s->keep_ctx, run);
    else
        run_session_free(run);
}

void screen_on_keep_running(screen *s, void (*fn)(void *ctx, struct run_session *run), void *ctx)
{
    s->keep = fn;
    s->keep_ctx = ctx;
}

screen *screen_new(pane_env *env, const char *title, char *err, size_t errlen)
{
    screen *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(s->in = input_new(crt_escdelay(), err, errlen))) {
        free(s);
        return NULL;
    }
    s->host = (pane_host){host_status, host_focus, host_post, host_wake, host_cursor,
                          host_keep_running};
    s->env = env;
    s->tick_ms = SCREEN_TICK_MS;
    s->cursor_shown = -1;
    snprintf(s->title, sizeof s->title, "%s", title);
    return s;
}

pane *screen_add(screen *s, const pane_class *cls, char *err, size_t errlen)
{
    if (s->n == SCREEN_MAX_PANES) {
        snprintf(err, errlen, "%s pane: no room for more than %d panes", cls->name,
                 SCREEN_MAX_PANES);
        return NULL;
    }
    pane *p = pane_new(cls, &s->host, err, errlen);
    if (p)
        s->panes[s->n++] = p;
    return p;
}

/* The queued messages; those posted meanwhile wait for the next turn. */
static void deliver(screen *s)
{
    for (size_t k = s->q_n; k > 0 && s->q_n > 0; k--) {
        pane_msg *m = &s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % SCREEN_MAX_MSGS;
        s->q_n--;
        pane *to = find(s, m->to, NULL);
        if (!(to && pane_receive(to, m)) && m->object && m->release)
            m->release(m->object);
    }
}

void screen_free(screen *s)
{
    if (!s)
        return;
    for (; s->q_n > 0; s->q_n--, s->q_head = (s->q_head + 1) % SCREEN_MAX_MSGS) {
        pane_msg *m = &s->queue[s->q_head];
        if (m->object && m->release)
            m->release(m->object);
    }
    for (size_t i = 0; i < s->n; i++)
        pane_free(s->panes[i]);
    input_free(s->in);
    free(s);
}

void screen_set_tick(screen *s, int ms)
{
    s->tick_ms = ms;
}

void screen_status(screen *s, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->status, sizeof s->status, fmt, ap);
    va_end(ap);
    s->status_error = error;
}

size_t screen_focus(const screen *s)
{
    return s->focus;
}

static void relayout(screen *s)
{
    s->laid_h = LINES;
    s->laid_w = COLS;
    for (size_t i = 0; i < s->n; i++)
        pane_layout(s->panes[i], 2, 0, LINES - 4, COLS);
}

static void draw_tabs(const screen *s)
{
    text_blank(stdscr, 0, 0, COLS, theme_attr(THEME_BORDER));
    int x = text_put(stdscr, 0, 0, COLS, theme_attr(THEME_ACCENT) | A_BOLD, " lathe ");
    for (size_t i = 0; i < s->n; i++) {
        char tab[64];
        snprintf(tab, sizeof tab, " %zu %s ", i + 1, s->panes[i]->cls->name);
        attr_t a = i == s->focus ? theme_attr(THEME_SELECTION) | A_BOLD : theme_attr(THEME_TEXT);
        x += text_put(stdscr, 0, x, COLS - x, a, tab) + 1;
    }
    int room = COLS - x - 1;
    int tw = text_width(s->title);
    int tx = tw < room ? COLS - 1 - tw : x;
    text_put(stdscr, 0, tx, room, theme_attr(THEME_DIM), s->title);
    attr_t border = theme_attr(THEME_BORDER);
    wattr_set(stdscr, border, PAIR_NUMBER(border), NULL);
    mvhline(1, 0, ACS_HLINE, COLS);
    wattr_set(stdscr, A_NORMAL, 0, NULL);
}

/* An error takes the whole row until the next key; otherwise the message is
 * on the left and the compact gauges right-aligned after it. */
static void draw_status(const screen *s)
{
    int y = LINES - 2, x = 1;
    text_blank(stdscr, y, 0, COLS, theme_attr(THEME_BORDER));
    if (s->status_error) {
        text_put(stdscr, y, x, COLS - 2, theme_attr(THEME_ERROR), s->status);
        return;
    }
    char gauges_error[200];
    int gw;
    if (s->env->have_snap) {
        gw = gauge_compact_width(&s->env->snap);
    } else {
        snprintf(gauges_error, sizeof gauges_error, "no gauges: %s", s->env->sysmon_error);
        gw = text_width(gauges_error);
    }
    if (s->status[0])
        x += 2 + text_put(stdscr, y, x, COLS - 5 - gw, theme_attr(THEME_TEXT), s->status);
    int gx = COLS - 1 - gw > x ? COLS - 1 - gw : x;
    if (s->env->have_snap)
        gauge_draw_compact(stdscr, y, gx, COLS - 1 - gx, &s->env->snap);
    else
        text_put(stdscr, y, gx, COLS - 1 - gx, theme_attr(THEME_ERROR), gauges_error);
}

/* "KEY word" pairs from x on; returns the next free column. */
static int keybar_items(int y, int x, const pane_key *keys, size_t n)
{
    for (size_t i = 0; i < n && x < COLS; i++) {
        x += text_put(stdscr, y, x, COLS - x, theme_attr(THEME_ACCENT) | A_BOLD, keys[i].key);
        x += text_putf(stdscr, y, x, COLS - x, theme_attr(THEME_TEXT), " %s  ", keys[i].bar);
    }
    return x;
}

static void draw_keybar(const screen *s)
{
    int y = LINES - 1;
    const pane_class *c = s->panes[s->focus]->cls;
    size_t n;
    const pane_key *g = globals(s, &n);
    text_blank(stdscr, y, 0, COLS, theme_attr(THEME_BORDER));
    int x = keybar_items(y, 1, g, n);
    keybar_items(y, x + 1, c->keys, c->n_keys);
}

static void help_rows(int *row, int top, int left, int w, const pane_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++, (*row)++) {
        text_put(stdscr, top + *row, left + 4, 12, theme_attr(THEME_ACCENT) | A_BOLD, keys[i].key);
        text_put(stdscr, top + *row, left + 17, w - 19, theme_attr(THEME_TEXT), keys[i].help);
    }
}

static void draw_help(const screen *s)
{
    const pane_class *c = s->panes[s->focus]->cls;
    size_t pane_rows = c->n_keys ? c->n_keys : 1, n;
    const pane_key *g = globals(s, &n);
    int h = (int)(pane_rows + n) + 7, w = 64, top, left, row = 1;
    box_draw(h, w, &top, &left);
    text_putf(stdscr, top, left + 2, w - 4, theme_attr(THEME_ACCENT) | A_BOLD, " Help: %s pane ",
              c->name);
    text_putf(stdscr, top + row++, left + 2, w - 4, theme_attr(THEME_DIM), "%s pane keys", c->name);
    if (c->n_keys)
        help_rows(&row, top, left, w, c->keys, c->n_keys);
    else
        text_put(stdscr, top + row++, left + 4, w - 6, theme_attr(THEME_TEXT), "none of its own yet");
    row++;
    text_put(stdscr, top + row++, left + 2, w - 4, theme_attr(THEME_DIM), "Global keys");
    help_rows(&row, top, left, w, g, n);
    row++;
    text_putf(stdscr, top + row, left + 2, w - 4, theme_attr(THEME_DIM),
              "theme: %s   any key closes this help", theme_name());
}

/* One line per pane that would lose something, "Name: what", into LINES
 * (up to SCREEN_MAX_PANES); their count. */
static size_t at_risk(const screen *s, char lines[][200])
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        char what[160];
        if (pane_at_risk(s->panes[i], what, sizeof what))
            snprintf(lines[k++], 200, "%s: %s", s->panes[i]->cls->name,
                     what[0] ? what : "work would be lost");
    }
    return k;
}

/* True when some pane's work at risk can go on without the terminal. */
static bool any_background(const screen *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (pane_background(s->panes[i]))
            return true;
    return false;
}

static void draw_confirm(const screen *s)
{
    char lines[SCREEN_MAX_PANES][200];
    size_t n = at_risk(s, lines);
    bool bg = any_background(s);
    int w = 56, top, left;
    for (size_t i = 0; i < n; i++)
        if (text_width(lines[i]) + 8 > w)
            w = text_width(lines[i]) + 8;
    if (w > COLS - 2)
        w = COLS - 2;
    box_draw((int)n + 5 + bg, w, &top, &left);
    text_put(stdscr, top, left + 2, w - 4, theme_attr(THEME_ACCENT) | A_BOLD, " Quit lathe? ");
    text_put(stdscr, top + 1, left + 2, w - 4, theme_attr(THEME_TEXT),
             n ? "Quitting now would lose:" : "Nothing would be lost any more.");
    for (size_t i = 0; i < n; i++)
        text_put(stdscr, top + 2 + (int)i, left + 4, w - 6, theme_attr(THEME_TEXT), lines[i]);
    attr_t ask = theme_attr(THEME_ACCENT) | A_BOLD;
    if (!bg) {
        text_put(stdscr, top + 3 + (int)n, left + 2, w - 4, ask, "Quit anyway? [y/n]");
        return;
    }
    text_put(stdscr, top + 3 + (int)n, left + 2, w - 4, ask,
             "[y] quit, stopping it (a checkpoint is saved)");
    text_put(stdscr, top + 4 + (int)n, left + 2, w - 4, ask,
             "[b] quit, leaving it in the background  [n] stay");
}

static void draw_too_small(void)
{
    char msg[96];
    const char *x = crt_glyph(CRT_GLYPH_TIMES);
    snprintf(msg, sizeof msg, "terminal too small (need %d%s%d, have %d%s%d)", SCREEN_MIN_W, x,
             SCREEN_MIN_H, COLS, x, LINES);
    text_center(stdscr, LINES / 2, 0, COLS, theme_attr(THEME_ERROR) | A_BOLD, msg);
}

/* The terminal cursor where the focused pane put it, unless an overlay
 * covers the pane; curs_set only when that changes. */
static void place_cursor(screen *s, bool overlay)
{
    int show = s->cursor_on && !overlay;
    if (show)
        move(s->cursor_y, s->cursor_x);
    if (show != s->cursor_shown)
        curs_set(show);
    s->cursor_shown = show;
}

void screen_draw(screen *s)
{
    wbkgdset(stdscr, ' ' | (chtype)theme_attr(THEME_BACKGROUND));
    erase();
    s->cursor_on = false;
    bool overlay = s->help_open || s->picker.open || s->confirm_quit;
    if (COLS < SCREEN_MIN_W || LINES < SCREEN_MIN_H) {
        draw_too_small();
        overlay = true;
    } else {
        if (LINES != s->laid_h || COLS != s->laid_w)
            relayout(s);
        draw_tabs(s);
        pane_draw(s->panes[s->focus], stdscr, s->env);
        draw_status(s);
        draw_keybar(s);
        if (s->help_open)
            draw_help(s);
        if (s->picker.open)
            theme_picker_draw(&s->picker);
        if (s->confirm_quit)
            draw_confirm(s);
    }
    place_cursor(s, overlay);
    refresh();
}

static void apply_theme(screen *s, const char *name)
{
    char err[256];
    if (theme_switch(name, err, sizeof err) != 0)
        screen_status(s, true, "theme %s: %s", name, err);
    else
        screen_status(s, false, "theme: %s", theme_name());
    clearok(curscr, TRUE);
}

static void next_theme(screen *s)
{
    theme_picker list;
    theme_picker_open(&list);
    if (list.n > 0)
        apply_theme(s, list.names[(list.sel + 1) % list.n]);
}

static void picker_key(screen *s, int key)
{
    if (theme_picker_key(&s->picker, key) == THEME_PICKER_CHOSEN)
        apply_theme(s, s->picker.names[s->picker.sel]);
}

/* y quits (b too, leaving work in the background when a pane can); n, Esc
 * and Ctrl-C close the prompt; other keys wait for an answer. */
static bool confirm_key(screen *s, int key)
{
    s->background = (key == 'b' || key == 'B') && any_background(s);
    bool yes = key == 'y' || key == 'Y' || s->background;
    if (yes || key == 'n' || key == 'N' || key == KEY_ESC || key == PANE_KEY_INTERRUPT)
        s->confirm_quit = false;
    return !yes;
}

/* False when nothing would be lost: quit now. Otherwise the prompt opens. */
static bool ask_quit(screen *s)
{
    char lines[SCREEN_MAX_PANES][200];
    if (!at_risk(s, lines))
        return false;
    s->confirm_quit = true;
    return true;
}

static bool global_key(screen *s, int key)
{
    if (key >= '1' && key < '1' + (int)s->n) {
        s->focus = (size_t)(key - '1');
    } else if (key == '\t') {
        s->focus = (s->focus + 1) % s->n;
    } else if (key == KEY_BTAB) {
        s->focus = (s->focus + s->n - 1) % s->n;
    } else if (key == '?' || key == KEY_F(1)) {
        s->help_open = true;
    } else if (key == KEY_F(2)) {
        next_theme(s);
    } else if (key == 'T') {
        theme_picker_open(&s->picker);
    } else if (key == 'q' || key == PANE_KEY_INTERRUPT) {
        return ask_quit(s);
    }
    return true;
}

static bool dispatch(screen *s, int key)
{
    if (s->confirm_quit)
        return confirm_key(s, key);
    if (s->help_open) {
        s->help_open = false;
        return true;
    }
    if (s->picker.open) {
        picker_key(s, key);
        return true;
    }
    pane_result r = PANE_IGNORED;
    if (COLS >= SCREEN_MIN_W && LINES >= SCREEN_MIN_H)
        r = pane_handle_key(s->panes[s->focus], key);
    if (r & PANE_REDRAW)
        clearok(curscr, TRUE);
    if (r & PANE_QUIT)
        return ask_quit(s);
    return (r & PANE_HANDLED) || global_key(s, key);
}

bool screen_key(screen *s, int key)
{
    if (key == KEY_RESIZE || key == ERR)
        return true;
    if (s->status_error) {     /* seen: give the row back to the gauges */
        s->status[0] = '\0';
        s->status_error = false;
    }
    bool go_on = dispatch(s, key);
    deliver(s);
    return go_on;
}

int screen_frame(screen *s)
{
    deliver(s);
    int want = 0;
    for (size_t i = 0; i < s->n; i++) {
        int ms = pane_tick(s->panes[i], s->env);
        if (ms > 0 && (want == 0 || ms < want))
            want = ms;
    }
    screen_draw(s);
    return want;
}

/* The signals since the last turn; false when the loop must end (*END). */
static bool take_signals(screen *s, screen_end *end)
{
    unsigned sig = crt_signals();
    if (sig & (CRT_SIG_HUP | CRT_SIG_TERM)) {
        *end = sig & CRT_SIG_HUP ? SCREEN_HANGUP : SCREEN_TERMINATED;
        snprintf(s->end_why, sizeof s->end_why, "%s", sig & CRT_SIG_HUP ? "SIGHUP" : "SIGTERM");
        return false;
    }
    if (sig & CRT_SIG_WINCH)
        crt_resize();           /* the next frame lays the panes out again */
    if ((sig & CRT_SIG_INT) && !screen_key(s, PANE_KEY_INTERRUPT)) {
        *end = SCREEN_QUIT;
        return false;
    }
    return true;
}

/* Every key read; false when one quits. */
static bool take_keys(screen *s)
{
    int key;
    while (input_key(s->in, &key))
        if (!screen_key(s, key))
            return false;
    return true;
}

screen_end screen_run(screen *s, int fd, screen_tick_fn tick, void *ctx)
{
    screen_end end = SCREEN_QUIT;
    s->end_why[0] = '\0';
    crt_terminfo_keys(input_decoder(s->in));
    crt_signal_wake(input_wake_fd(s->in));
    double next_tick = 0;
    while (take_signals(s, &end)) {
        double now = clock_ms();
        if (now >= next_tick) {
            if (tick)
                tick(ctx, s->env);
            next_tick = now + s->tick_ms;
        }
        int want = screen_frame(s);
        int wait = (int)(next_tick - clock_ms());
        if (wait < 0)
            wait = 0;
        if (want > 0 && want < wait)
            wait = want;
        if (input_wait(s->in, fd, wait) & INPUT_CLOSED) {
            end = SCREEN_HANGUP;
            snprintf(s->end_why, sizeof s->end_why, "%s", input_closed_why(s->in));
            break;
        }
        if (!take_keys(s))
            break;
    }
    crt_signal_wake(-1);
    if (end == SCREEN_QUIT && s->background)
        end = SCREEN_BACKGROUND;
    return end;
}

const char *screen_end_why(const screen *s)
{
    return s->end_why;
}

int screen_rescue(screen *s, char *report, size_t n)
{
    int rc = 0;
    size_t used = 0;
    if (n)
        report[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        char what[600];
        if (pane_rescue(s->panes[i], what, sizeof what) != 0)
            rc = -1;
        if (what[0] && used < n)
            used += (size_t)snprintf(report + used, n - used, "%s%s: %s", used ? "\n" : "",
                                     s->panes[i]->cls->name, what);
    }
    return rc;
}
