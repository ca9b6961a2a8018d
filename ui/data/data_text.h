/* data_text.h - dataset text, made safe to draw by text_clean.h, laid out:
 * wrapping by display width, so CJK and emoji take two columns, combining
 * marks stay on their base character and a wide character is never split
 * at the edge; and drawing a line with some byte ranges highlighted (search
 * matches). */
#ifndef LATHE_DATA_TEXT_H
#define LATHE_DATA_TEXT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* Splits clean text into lines of at most WIDTH columns, at newlines and
 * preferably after a space. Calls FN(ctx, start, len) for each line (byte
 * ranges of S, without the newline); returns the number of lines. */
typedef void (*data_text_line_fn)(void *ctx, size_t start, size_t len);
/* text_char_width for a NUL-terminated S (clean text: valid UTF-8). */
int data_text_char_cols(const char *s, size_t *len);
size_t data_text_wrap(const char *s, int width, data_text_line_fn fn, void *ctx);

/* A byte range to highlight. */
typedef struct {
    size_t start, end;
} data_span;

/* Draws S[0..len) (clean text) at (y, x) in at most MAXW columns: ATTR, and
 * MARK over the SPANS (byte offsets into S, sorted). Returns columns drawn. */
int data_text_put(WINDOW *w, int y, int x, int maxw, const char *s, size_t len, attr_t attr,
                  attr_t mark, const data_span *spans, size_t n_spans);

/* How a search match is drawn: visible on a plain row, on the selected row
 * and without colour. */
attr_t data_match_attr(void);

#endif
