/* crt.c - curses lifecycle and terminal safety. SIGINT, SIGTERM, SIGHUP
 * and SIGWINCH only record the signal and wake the loop, so the work (asking
 * before quitting, keeping unsaved edits, resizing) happens on the UI thread
 * and the loop leaves through the normal teardown (threads stopped, terminal
 * restored). Crash signals restore the terminal and then re-raise with the
 * default action, so the core dump still happens. Ctrl-C itself comes as a
 * key, in order with the others (intr_as_key). */
#include "crt.h"
#include "mapped_file.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_ESCDELAY_MS 25

static bool utf8;
static SCREEN *scr;
static bool started;
static atomic_uint pending_signals;
static atomic_int wake_fd = -1;

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

static unsigned signal_flag(int sig)
{
    switch (sig) {
    case SIGINT: return CRT_SIG_INT;
    case SIGTERM: return CRT_SIG_TERM;
    case SIGHUP: return CRT_SIG_HUP;
    default: return CRT_SIG_WINCH;
    }
}

/* Async-signal-safe: a lock-free atomic and write(2). */
static void on_signal(int sig)
{
    int saved = errno;
    atomic_fetch_or(&pending_signals, signal_flag(sig));
    int fd = atomic_load(&wake_fd);
    if (fd >= 0) {
        ssize_t rc = write(fd, "s", 1);
        (void)rc;
    }
    errno = saved;
}

static void on_crash(int sig)
{
    if (started)
        endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH,
                              SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL};
#define N_RECORDED 4          /* the first ones: recorded, not fatal */
#define N_HANDLED (sizeof handled / sizeof handled[0])
static struct sigaction saved[N_HANDLED];

/* Installs ours (over curses' SIGWINCH handler, which only getch would
 * act on) and keeps the previous actions for crt_done to put back.
 * SA_RESTART: a resize must not fail a read on the UI thread with EINTR
 * (poll is never restarted, so the loop still wakes). */
static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_HANDLED; i++) {
        bool recorded = i < N_RECORDED;
        sa.sa_handler = recorded ? on_signal : on_crash;
        sa.sa_flags = recorded ? SA_RESTART : 0;
        sigaction(handled[i], &sa, &saved[i]);
    }
}

static void restore_handlers(void)
{
    for (size_t i = 0; i < N_HANDLED; i++)
        sigaction(handled[i], &saved[i], NULL);
}

/* Ctrl-C as byte 3 (PANE_KEY_INTERRUPT) rather than SIGINT: the terminal
 * raises the signal as the byte arrives, ahead of the keys before it that
 * lathe has not read yet, and the loop takes signals before keys, so a
 * prompt, its Enter and a Ctrl-C arriving together (over SSH, or typed
 * fast) met an empty line and asked to quit instead of stopping the reply
 * the prompt started. curses keeps the change as its program mode
 * (restored after a suspend; endwin restores the shell's). SIGINT sent by
 * kill(1) is still taken as Ctrl-C. */
static void intr_as_key(void)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) != 0)
        return;
    t.c_cc[VINTR] = _POSIX_VDISABLE;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        def_prog_mode();
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
    atomic_store(&pending_signals, 0);
    install_handlers();
    mapped_file_guard();    /* a file shrinking under a mapping is not a crash */
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    intr_as_key();
    /* curses reads no key, but keypad makes it learn terminfo's extended
     * keys (key_defined) and puts the terminal in keypad-transmit mode,
     * whose sequences key_decode reads like the others */
    keypad(stdscr, TRUE);
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

int crt_input_fd(void)
{
    return STDIN_FILENO;
}

int crt_escdelay(void)
{
    const char *env = getenv("ESCDELAY");
    char *end;
    long ms = env && *env ? strtol(env, &end, 10) : -1;
    return ms >= 0 && ms <= 10000 && !*end ? (int)ms : DEFAULT_ESCDELAY_MS;
}

void crt_terminfo_keys(key_decode *d)
{
    static const struct { const char *cap; int key; } caps[] = {
        {"kcuu1", KEY_UP}, {"kcud1", KEY_DOWN}, {"kcub1", KEY_LEFT}, {"kcuf1", KEY_RIGHT},
        {"khome", KEY_HOME}, {"kend", KEY_END}, {"kpp", KEY_PPAGE}, {"knp", KEY_NPAGE},
        {"kich1", KEY_IC}, {"kdch1", KEY_DC}, {"kcbt", KEY_BTAB}, {"kent", KEY_ENTER},
        {"kf1", KEY_F(1)}, {"kf2", KEY_F(2)}, {"kf3", KEY_F(3)}, {"kf4", KEY_F(4)},
        {"kf5", KEY_F(5)}, {"kf6", KEY_F(6)}, {"kf7", KEY_F(7)}, {"kf8", KEY_F(8)},
        {"kf9", KEY_F(9)}, {"kf10", KEY_F(10)}, {"kf11", KEY_F(11)}, {"kf12", KEY_F(12)},
    };
    /* modified arrows have no fixed code: the one curses gave the sequence,
     * which is how line_edit names them */
    static const char *const extended[] = {"kLFT3", "kLFT5", "kRIT3", "kRIT5"};
    if (!started)
        return;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        const char *seq = tigetstr(caps[i].cap);
        if (seq && seq != (char *)-1)
            key_decode_add(d, seq, caps[i].key);
    }
    for (size_t i = 0; i < sizeof extended / sizeof extended[0]; i++) {
        const char *seq = tigetstr(extended[i]);
        int code = seq && seq != (char *)-1 ? key_defined(seq) : 0;
        if (code > 0)
            key_decode_add(d, seq, code);
    }
}

unsigned crt_signals(void)
{
    return atomic_exchange(&pending_signals, 0);
}

void crt_signal_wake(int fd)
{
    atomic_store(&wake_fd, fd);
}

void crt_resize(void)
{
    struct winsize ws;
    if (started && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
}
