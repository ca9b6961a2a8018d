/* crt.c - curses lifecycle and terminal safety. SIGINT/SIGTERM only set a
 * flag, so the loop leaves through the normal teardown (threads stopped,
 * terminal restored). Crash signals restore the terminal and then re-raise
 * with the default action, so the core dump still happens. */
#include "crt.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool utf8;
static SCREEN *scr;
static bool started;
static volatile sig_atomic_t quit_signal;

static const char *const glyphs_utf8[CRT_GLYPH_COUNT] = {
    [CRT_GLYPH_ELLIPSIS] = "\u2026",
    [CRT_GLYPH_BAR_FULL] = "\u2588",
    [CRT_GLYPH_BAR_EMPTY] = "\u2591",
    [CRT_GLYPH_SEP] = "\u2502",
    [CRT_GLYPH_DOT] = "\u00b7",
    [CRT_GLYPH_TIMES] = "\u00d7",
    [CRT_GLYPH_RETURN] = "\u23ce",
    [CRT_GLYPH_NEWLINE] = "\u21b5",
    [CRT_GLYPH_CUT] = "\u2702",
    [CRT_GLYPH_POINT] = "\u25cf",
    [CRT_GLYPH_TICK] = "\u2524",
};
static const char *const glyphs_ascii[CRT_GLYPH_COUNT] = {
    [CRT_GLYPH_ELLIPSIS] = "~",
    [CRT_GLYPH_BAR_FULL] = "#",
    [CRT_GLYPH_BAR_EMPTY] = ".",
    [CRT_GLYPH_SEP] = "|",
    [CRT_GLYPH_DOT] = "-",
    [CRT_GLYPH_TIMES] = "x",
    [CRT_GLYPH_RETURN] = "|",
    [CRT_GLYPH_NEWLINE] = "$",
    [CRT_GLYPH_CUT] = "8<",
    [CRT_GLYPH_POINT] = "o",
    [CRT_GLYPH_TICK] = "+",
};

void crt_detect_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

bool crt_utf8(void)
{
    return utf8;
}

const char *crt_glyph(crt_glyph_id id)
{
    return crt_glyph_as(id, !utf8);
}

const char *crt_glyph_as(crt_glyph_id id, bool ascii)
{
    return (ascii ? glyphs_ascii : glyphs_utf8)[id];
}

static void on_quit(int sig)
{
    quit_signal = sig;
}

static void on_crash(int sig)
{
    if (started)
        endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int handled[] = {SIGINT, SIGTERM, SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL};
#define N_HANDLED (sizeof handled / sizeof handled[0])
static struct sigaction saved[N_HANDLED];

/* Installs ours and keeps the previous actions for crt_done to put back. */
static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_HANDLED; i++) {
        bool quit = handled[i] == SIGINT || handled[i] == SIGTERM;
        sa.sa_handler = quit ? on_quit : on_crash;
        sigaction(handled[i], &sa, &saved[i]);
    }
}

static void restore_handlers(void)
{
    for (size_t i = 0; i < N_HANDLED; i++)
        sigaction(handled[i], &saved[i], NULL);
}

int crt_init(char *err, size_t errlen)
{
    crt_detect_utf8();
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "the workbench needs a terminal on stdin and stdout "
                              "(the headless commands are listed by 'lathe --help')");
        return -1;
    }
    const char *term = getenv("TERM");
    if (!term || !*term) {
        snprintf(err, errlen, "TERM is not set: the workbench needs a terminal");
        return -1;
    }
    scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        snprintf(err, errlen, "cannot start the terminal '%s' (unknown to terminfo?)", term);
        return -1;
    }
    started = true;
    install_handlers();
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    return 0;
}

void crt_done(void)
{
    if (!started)
        return;
    started = false;
    endwin();
    restore_handlers();
    delscreen(scr);
    scr = NULL;
}

int crt_quit_signal(void)
{
    return quit_signal;
}
