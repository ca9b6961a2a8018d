/* token_view.h - a record's trained tokens (pipe_render.h) laid out for the
 * screen: each token's text made drawable (text_clean.h), trained tokens in
 * one role and masked ones dimmed, every other token underlined so their
 * boundaries show, a newline inside a token drawn as a glyph that also
 * breaks the line, and a marker where sequence_len cuts the record (the
 * trainer drops what follows). The Data pane's preview and the Config
 * pane's template check show tokens this way; each keeps or draws the
 * lines as it likes, so the layout hands them over one by one. */
#ifndef LATHE_TOKEN_VIEW_H
#define LATHE_TOKEN_VIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipe_render.h"
#include "theme.h"
#include "tok.h"

/* The roles of learned and of masked (or dropped) tokens. */
#define TOKEN_VIEW_TRAINED THEME_SERIES3
#define TOKEN_VIEW_MASKED THEME_DIM

/* Bytes [start, end) of a line's text in ROLE. */
typedef struct {
    uint32_t start, end;
    uint8_t role;                 /* theme_role */
    bool underline;
} token_view_run;

/* One display line: TEXT[0..len) (drawable, NUL-terminated), in ROLE (bold
 * when BOLD) or, when it has runs, in those. Valid during the callback. */
typedef struct {
    const char *text;
    size_t len;
    theme_role role;
    bool bold;
    const token_view_run *runs;
    size_t n_runs;
} token_view_line;

/* Receives each line in order; -1 stops the layout (out of memory). */
typedef int (*token_view_fn)(void *ctx, const token_view_line *line);

/* The counts line, "trained N   masked M   dropped K (past sequence_len)",
 * in the tokens' roles, for PD as the trainer keeps it under SEQ_LEN
 * (<= 0: no limit). 0, or -1 when FN stopped. */
int token_view_legend(const pipe_doc *pd, int64_t seq_len, token_view_fn fn, void *ctx);

/* PD's tokens (pieces from V) in lines of at most WIDTH columns. 0, or -1
 * when out of memory or FN stopped. */
int token_view_lines(const pipe_doc *pd, const tok_vocab *v, int64_t seq_len, int width,
                     token_view_fn fn, void *ctx);

/* Draws LINE at (Y, X) in at most WIDTH columns; returns the columns drawn. */
int token_view_draw(WINDOW *w, int y, int x, int width, const token_view_line *line);

#endif
