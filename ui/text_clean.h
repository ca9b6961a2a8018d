/* text_clean.h - text from a file or a tokenizer made safe to draw: invalid
 * UTF-8 and control characters shown as escapes (\xNN, \r, \e, ...), tabs
 * as spaces, and newlines kept (for wrapping) or shown as a glyph (one-line
 * cells), so nothing read from a dataset or a vocabulary can move the
 * cursor or change the terminal's state. */
#ifndef LATHE_TEXT_CLEAN_H
#define LATHE_TEXT_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

/* A malloc'd, NUL-terminated, drawable copy of S[0..len). ONE_LINE turns
 * newlines into a return glyph and stops after about MAX_BYTES of output
 * (0: no limit). NULL when out of memory. */
char *text_clean(const char *s, size_t len, bool one_line, size_t max_bytes);

#endif
