/* screen.c - layout, focus, overlays and the main loop. Everything is drawn
 * on stdscr each frame from state (no sub-windows to move or resize), so a
 * resize only changes the rectangles handed to the panes; curses sends the
 * terminal just the cells that changed. */
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
#include "text.h"
#include "theme.h"
#include "theme_picker.h"

#define KEY_ESC 27

struct screen {
    pane *panes[SCREEN_MAX_PANES];
    size_t n, focus;
    pane_env *env;
    char title[256];
    char status[512];
    bool status_error;
    bool help_open;
    theme_picker picker;
    bool confirm_quit;
    int laid_h, laid_w;     /* terminal size the panes were laid out for */
};

static const pane_key global_keys[] = {
    {"1-4", "switch to pane N", "panes"},
    {"Tab/S-Tab", "next / previous pane", "next/prev"},
    {"? or F1", "this help", "help"},
    {"F2", "next colour theme", "theme"},
    {"T", "choose a colour theme from a list", "themes"},
    {"q", "quit (asks first while work is running)", "quit"},
};
#define N_GLOBAL_KEYS (sizeof global_keys / sizeof global_keys[0])

screen *screen_new(pane *const *panes, size_t n, pane_env *env, const char *title)
{
    if (n == 0 || n > SCREEN_MAX_PANES)
        return NULL;
    screen *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(s->panes, panes, n * sizeof *panes);
    s->n = n;
    s->env = env;
    snprintf(s->title, sizeof s->title, "%s", title);
    return s;
}

void screen_free(screen *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        pane_free(s->panes[i]);
    free(s);
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
    text_blank(stdscr, y, 0, COLS, theme_attr(THEME_BORDER));
    int x = keybar_items(y, 1, global_keys, N_GLOBAL_KEYS);
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
    size_t pane_rows = c->n_keys ? c->n_keys : 1;
    int h = (int)(pane_rows + N_GLOBAL_KEYS) + 7, w = 64, top, left, row = 1;
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
    help_rows(&row, top, left, w, global_keys, N_GLOBAL_KEYS);
    row++;
    text_putf(stdscr, top + row, left + 2, w - 4, theme_attr(THEME_DIM),
              "theme: %s   any key closes this help", theme_name());
}

static const char *busy_pane(const screen *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (pane_busy(s->panes[i]))
            return s->panes[i]->cls->name;
    return NULL;
}

static void draw_confirm(const screen *s)
{
    int top, left, w = 56;
    box_draw(5, w, &top, &left);
    const char *name = busy_pane(s);
    text_putf(stdscr, top + 1, left + 2, w - 4, theme_attr(THEME_TEXT),
              "Work is running in the %s pane.", name ? name : "");
    text_put(stdscr, top + 3, left + 2, w - 4, theme_attr(THEME_ACCENT) | A_BOLD,
             "Quit anyway and stop it? [y/n]");
}

static void draw_too_small(void)
{
    char msg[96];
    const char *x = crt_glyph(CRT_GLYPH_TIMES);
    snprintf(msg, sizeof msg, "terminal too small (need %d%s%d, have %d%s%d)", SCREEN_MIN_W, x,
             SCREEN_MIN_H, COLS, x, LINES);
    text_center(stdscr, LINES / 2, 0, COLS, theme_attr(THEME_ERROR) | A_BOLD, msg);
}

void screen_draw(screen *s)
{
    double t0 = clock_ms();
    wbkgdset(stdscr, ' ' | (chtype)theme_attr(THEME_BACKGROUND));
    erase();
    if (COLS < SCREEN_MIN_W || LINES < SCREEN_MIN_H) {
        draw_too_small();
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
    refresh();
    s->env->frame_ms = clock_ms() - t0;
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

static bool confirm_key(screen *s, int key)
{
    if (key == 'y' || key == 'Y' || key == 'n' || key == 'N' || key == KEY_ESC)
        s->confirm_quit = false;
    return key != 'y' && key != 'Y';
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
    } else if (key == 'q') {
        if (!busy_pane(s))
            return false;
        s->confirm_quit = true;
    }
    return true;
}

bool screen_key(screen *s, int key)
{
    if (key == KEY_RESIZE || key == ERR)
        return true;
    if (s->status_error) {     /* seen: give the row back to the gauges */
        s->status[0] = '\0';
        s->status_error = false;
    }
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
    if (COLS >= SCREEN_MIN_W && LINES >= SCREEN_MIN_H &&
        pane_handle_key(s->panes[s->focus], key))
        return true;
    return global_key(s, key);
}

void screen_frame(screen *s)
{
    for (size_t i = 0; i < s->n; i++)
        pane_tick(s->panes[i], s->env);
    screen_draw(s);
}

void screen_run(screen *s, screen_tick_fn tick, void *ctx)
{
    bool running = true;
    while (running && !crt_quit_signal()) {
        if (tick)
            tick(ctx, s->env);
        screen_frame(s);
        timeout(SCREEN_TICK_MS);
        int key = getch();
        timeout(0);
        while (key != ERR && (running = screen_key(s, key)))
            key = getch();
    }
}
