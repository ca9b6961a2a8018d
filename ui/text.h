/* text.h - drawing text by display width, not bytes: wide (CJK, emoji) glyphs
 * count two columns, combining marks none, and truncation never splits a
 * character. Every pane draws its strings through here so a long dataset
 * line or a model name in Chinese cannot push the layout out of shape. */
#ifndef LATHE_TEXT_H
#define LATHE_TEXT_H

#include <curses.h>
#include <stddef.h>

/* Display width of a multibyte string in the current locale. Bytes that do not
 * decode and unprintable characters count as one column (they draw as '?'). */
int text_width(const char *s);

/* The character at S (N > 0 bytes left) as the functions here see it: its
 * columns, and in *LEN the bytes it spans. A byte that does not decode in the
 * locale, or a character that cannot be printed, is one column (it draws as
 * '?'); one that does not decode is one byte long. */
int text_char_width(const char *s, size_t n, size_t *len);

/* Copies the longest prefix of s that fits in maxw columns into out (always
 * NUL-terminated). When s is cut, the last column holds an ellipsis (the
 * crt glyph: U+2026 or '~'). Returns the columns used. */
int text_fit(const char *s, int maxw, char *out, size_t outlen);

/* Draws s at (y, x) in at most maxw columns with attr; clipped to the window.
 * Returns the columns drawn. */
int text_put(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *s);

/* printf-style text_put. */
int text_putf(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Draws s centred in columns [x, x + width) of row y. */
void text_center(WINDOW *w, int y, int x, int width, attr_t attr, const char *s);

/* Fills n columns from (y, x) with spaces in attr. */
void text_blank(WINDOW *w, int y, int x, int n, attr_t attr);

#endif
