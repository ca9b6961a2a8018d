/* line_edit.h - the one-line editor behind every prompt (a search, a filter,
 * a path, a number): the keys a shell user expects, per-prompt history, an
 * optional completion hook, and UTF-8 text whose cursor moves by character
 * (a base character and the combining marks after it) and whose display is
 * measured in columns (wide characters take two), scrolled sideways when
 * the text is wider than its field.
 *
 * Keys (curses codes as getch returns them; a UTF-8 character arrives as
 * its bytes, one key each):
 *   Left / Ctrl-B, Right / Ctrl-F      one character
 *   Ctrl-Left / Alt-Left, Ctrl-Right / Alt-Right   one word (letters, digits)
 *   Home / Ctrl-A, End / Ctrl-E        start / end of the line
 *   Backspace / Ctrl-H, Delete         the character before / under the cursor
 *   Ctrl-W                             the word before the cursor (to a space)
 *   Ctrl-U / Ctrl-K                    everything before / from the cursor
 *   Up / Ctrl-P, Down / Ctrl-N         older / newer history entries
 *   Tab                                completion, when a hook is set
 *   Enter                              submit (kept in the history), Esc: cancel
 * Any other key is left to the host (line_edit_key says LINE_EDIT_IGNORED).
 *
 * The logic (keys, text, cursor, history, completion, layout) needs no
 * terminal, so the unit tests drive it directly; line_edit_draw is the only
 * call that draws. It reports the cursor's screen column so the host can
 * place the terminal cursor there. */
#ifndef LATHE_LINE_EDIT_H
#define LATHE_LINE_EDIT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* Bytes of text a line holds (longer input is refused, a longer initial
 * text cut at a character). */
#define LINE_EDIT_MAX 4095
/* Entries a prompt's history keeps; the oldest go first. */
#define LINE_EDIT_HISTORY_MAX 100

/* The lines submitted at one prompt, oldest first. Zeroed is empty; the
 * owner (the pane, one per prompt id) frees it. */
typedef struct {
    char **items;
    size_t n, cap;
} line_edit_history;

/* Appends TEXT unless it is empty or equal to the newest entry. -1 when out
 * of memory (the entry is then not kept). */
int line_edit_history_add(line_edit_history *h, const char *text);
void line_edit_history_free(line_edit_history *h);

typedef struct line_edit line_edit;

/* Completion: given the line TEXT with the cursor at byte CURSOR, offers
 * each candidate with line_edit_offer and returns the byte offset where the
 * word being completed starts (a candidate replaces TEXT[start, cursor)),
 * or -1 when there is nothing to complete there. */
typedef long (*line_edit_complete_fn)(void *ctx, line_edit *le, const char *text, size_t cursor);

/* One editor; zeroed is an empty line without history. Read it through the
 * functions below. */
struct line_edit {
    char text[LINE_EDIT_MAX + 1];
    size_t len, cursor;           /* bytes; the cursor sits on a character */
    size_t scroll;                /* the first byte shown */
    unsigned char pending[4];     /* a UTF-8 character arriving byte by byte */
    size_t n_pending, want;
    line_edit_history *history;   /* NULL: none */
    size_t hist_pos;              /* history->n: the line being edited */
    char draft[LINE_EDIT_MAX + 1];  /* that line, while an older one shows */
    line_edit_complete_fn complete;
    void *complete_ctx;
    char **cands;                 /* the last completion's candidates */
    size_t n_cands, cap_cands;
};

typedef enum {
    LINE_EDIT_IGNORED,            /* not an editing key: the host's to use */
    LINE_EDIT_HANDLED,            /* used; the text is the same (the cursor may have moved) */
    LINE_EDIT_CHANGED,            /* the text changed */
    LINE_EDIT_SUBMIT,             /* Enter: the text is the answer */
    LINE_EDIT_CANCEL              /* Esc */
} line_edit_result;

/* Starts a prompt: INITIAL (may be NULL) typed, the cursor at its end,
 * HISTORY (may be NULL) the prompt's entries; no completion hook. */
void line_edit_open(line_edit *le, const char *initial, line_edit_history *history);
line_edit_result line_edit_key(line_edit *le, int key);
const char *line_edit_text(const line_edit *le);
/* The cursor as a byte offset into the text. */
size_t line_edit_cursor(const line_edit *le);

/* Tab calls FN (NULL: Tab is left to the host). One candidate replaces the
 * word; several insert their longest common prefix and stay listed in
 * line_edit_candidates until the next key. */
void line_edit_set_completion(line_edit *le, line_edit_complete_fn fn, void *ctx);
/* For the hook: one candidate. -1 when out of memory. */
int line_edit_offer(line_edit *le, const char *candidate);
const char *const *line_edit_candidates(const line_edit *le, size_t *n);

/* The part of the text shown in a field WIDTH columns wide: bytes
 * [start, end) and the cursor's column in the field. The text scrolls so
 * the cursor always has a cell (after the last character, a blank one). */
typedef struct {
    size_t start, end;
    int cursor_col;
} line_edit_view;
line_edit_view line_edit_layout(line_edit *le, int width);

/* Draws the field at (Y, X), WIDTH columns, in ATTR, the cursor's cell in
 * CURSOR_ATTR. Returns the cursor's screen column. */
int line_edit_draw(line_edit *le, WINDOW *w, int y, int x, int width, attr_t attr,
                   attr_t cursor_attr);

/* Frees the candidates (the history is the owner's). */
void line_edit_free(line_edit *le);

#endif
