/* crt.h - the one layer that starts and stops curses: terminal modes, UTF-8
 * detection with ASCII fallback glyphs, the terminal's size and key
 * sequences, and the signal handlers that make sure the terminal is restored
 * however the program ends. */
#ifndef LATHE_CRT_H
#define LATHE_CRT_H

#include <stdbool.h>
#include <stddef.h>

#include "key_decode.h"

typedef enum {
    CRT_GLYPH_ELLIPSIS,
    CRT_GLYPH_BAR_FULL,
    CRT_GLYPH_BAR_EMPTY,
    CRT_GLYPH_SEP,          /* vertical separator between status fields */
    CRT_GLYPH_DOT,          /* separator between small figures */
    CRT_GLYPH_TIMES,        /* the x in 80x24 */
    CRT_GLYPH_RETURN,       /* a line break inside a one-line cell */
    CRT_GLYPH_NEWLINE,      /* a newline token where the text breaks */
    CRT_GLYPH_CUT,          /* where the trainer cuts a sequence */
    CRT_GLYPH_POINT,        /* a single point on a chart */
    CRT_GLYPH_TICK,         /* a tick on a chart's vertical axis */
    CRT_GLYPH_COUNT
} crt_glyph_id;

/* Reads the locale's codeset (setlocale must have run) and picks glyphs:
 * UTF-8 ones, or ASCII when the locale is not UTF-8. crt_init calls it; tests
 * that draw without crt_init call it themselves. */
void crt_detect_utf8(void);
bool crt_utf8(void);
const char *crt_glyph(crt_glyph_id id);
/* The ASCII or the UTF-8 glyph whatever the locale, for a renderer that
 * takes the choice as an option (plot.h). */
const char *crt_glyph_as(crt_glyph_id id, bool ascii);

/* Starts curses on the terminal (cbreak, noecho, hidden cursor; keys are
 * read raw and decoded by key_decode.h, not by curses) and installs the
 * signal handlers. -1 with a message when there is no usable terminal. */
int crt_init(char *err, size_t errlen);

/* Restores the terminal; safe to call twice. */
void crt_done(void);

/* The descriptor keys are read from. */
int crt_input_fd(void);

/* The escape delay in milliseconds: $ESCDELAY when set (as curses reads
 * it), else a short default. */
int crt_escdelay(void);

/* Adds the key sequences of TERM's terminfo entry to D, the modified
 * arrows (Ctrl-, Alt-Left and Right) with the codes curses gives them. */
void crt_terminfo_keys(key_decode *d);

/* The signals the workbench acts on. Their handlers only record them and
 * write a byte to the wake-up descriptor; the loop does the work. */
enum {
    CRT_SIG_INT = 1 << 0,         /* Ctrl-C: ask to quit */
    CRT_SIG_TERM = 1 << 1,        /* terminated: keep unsaved work, then leave */
    CRT_SIG_HUP = 1 << 2,         /* the terminal hung up: the same */
    CRT_SIG_WINCH = 1 << 3,       /* the terminal was resized */
};
/* The CRT_SIG_ flags of the signals that arrived since the last call. */
unsigned crt_signals(void);
/* Where the handlers write their byte (-1: nowhere). */
void crt_signal_wake(int fd);

/* Reads the terminal's size and resizes curses to it (after SIGWINCH). */
void crt_resize(void);

#endif
