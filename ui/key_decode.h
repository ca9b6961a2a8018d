/* key_decode.h - the terminal's bytes turned into keys, whatever TERM says.
 *
 * A terminal sends a special key as an escape sequence, and which one
 * depends on the terminal, not on TERM: over SSH or inside tmux the two often
 * disagree, and a sequence curses does not know arrives as separate keys
 * (End as ESC [ 4 ~, whose 4 would switch to pane 4). So the workbench reads
 * bytes itself and decodes them here:
 *
 * - CSI sequences (ESC [ parameters intermediates final) and SS3 ones (ESC O
 *   x) are always consumed whole. The usual variants of the arrows, Home,
 *   End, Insert, Delete, PgUp, PgDn, Shift-Tab, F1-F12 and keypad Enter
 *   become curses' KEY_* codes (modifiers are dropped: Ctrl-Right is Right);
 *   any other sequence is swallowed. The sequences the terminfo entry of TERM
 *   lists are recognised too (key_decode_add).
 * - ESC followed by nothing within the escape delay is the Esc key; ESC and
 *   another byte is Esc, then that byte (Alt-x), as curses does.
 * - DEL and Backspace (^H) are KEY_BACKSPACE; every other byte, UTF-8 ones
 *   included, is its own key (0-255), as curses' getch gives them. */
#ifndef LATHE_KEY_DECODE_H
#define LATHE_KEY_DECODE_H

#include <stdbool.h>
#include <stddef.h>

enum { KEY_DECODE_ESC = 27, KEY_DECODE_MAX_SEQ = 32, KEY_DECODE_MAX_EXTRA = 48 };

typedef struct {
    unsigned char buf[256];       /* bytes not decoded yet */
    size_t n;
    struct {
        char seq[KEY_DECODE_MAX_SEQ];
        int key;
    } extra[KEY_DECODE_MAX_EXTRA];  /* terminfo's sequences */
    size_t n_extra;
    bool flushing;                /* no more bytes are coming for what is buffered */
} key_decode;

void key_decode_init(key_decode *d);
/* Also decode SEQ (an escape sequence) as KEY. Ignored when SEQ does not
 * start with ESC, is too long, or the table is full. */
void key_decode_add(key_decode *d, const char *seq, int key);
/* Appends bytes read from the terminal; bytes past the buffer's room are
 * dropped (the caller feeds at most key_decode_room). */
void key_decode_feed(key_decode *d, const unsigned char *bytes, size_t n);
size_t key_decode_room(const key_decode *d);
/* The next whole key into *KEY. False when nothing is left, or when what is
 * left may be the start of a sequence: then (until the next feed)
 * key_decode_pending is true, and the caller waits for more bytes up to the
 * escape delay and calls key_decode_flush when none came. */
bool key_decode_next(key_decode *d, int *key);
bool key_decode_pending(const key_decode *d);
/* Nothing more came within the escape delay: a lone ESC becomes the Esc
 * key and a cut-off sequence is dropped (the next key_decode_next). */
void key_decode_flush(key_decode *d);

#endif
