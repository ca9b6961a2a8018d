/* chat_input.h - the Chat pane's input line: GNU readline driven through
 * its callback interface from the pane's keys, never touching the terminal
 * (curses owns it). Keys go back into the bytes readline expects (Left is
 * ESC [ D, a UTF-8 character its bytes at once) and wait in a queue its
 * getc hook reads; its redisplay hook draws nothing, since the pane draws
 * the prompt and the line (readline's own, or its Ctrl-R search) every
 * frame, wrapped over as many rows as it needs, with the terminal cursor
 * at readline's point; a completion list comes back as candidates the
 * pane shows. History, completion and prompts continued over lines (a
 * backslash at the end) are chat_rl.h's. UI thread only, and one per process, since
 * readline is. */
#ifndef LATHE_CHAT_INPUT_H
#define LATHE_CHAT_INPUT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* A whole prompt (its lines joined by newlines; malloc'd, the callee frees
 * it), or NULL for the end of input (Ctrl-D on an empty line). */
typedef void (*chat_input_line_fn)(void *ctx, char *text);

/* Starts readline on the pane's keys. -1 with err when the history cannot
 * be kept; the line works all the same. */
int chat_input_open(chat_input_line_fn fn, void *ctx, char *err, size_t errlen);
void chat_input_close(void);

/* KEY (a byte, or a curses KEY_ code readline has a binding for) to
 * readline; FN runs inside when it ends a prompt. False when readline has
 * no use for KEY. */
bool chat_input_key(int key);
/* Nothing typed, no line continued, no search or key sequence under way. */
bool chat_input_empty(void);
/* Drops what is being typed (a continued prompt, a search) for a fresh line. */
void chat_input_clear(void);

/* The rows the prompt and the line take at WIDTH columns (the cursor's cell
 * included), at most MAX_ROWS. */
int chat_input_rows(int width, int max_rows);
/* Draws them in ROWS rows at (Y, X), scrolled so the cursor shows; the
 * cursor's screen position into *CY, *CX. */
void chat_input_draw(WINDOW *w, int y, int x, int width, int rows, int *cy, int *cx);
/* The completions the last Tab listed, until the next key. */
const char *const *chat_input_candidates(size_t *n);

#endif
