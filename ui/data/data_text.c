/* data_text.c - wrapping and highlighted drawing of dataset text (see
 * data_text.h). */
#include "data_text.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme.h"

int data_text_char_cols(const char *s, size_t *len)
{
    return text_char_width(s, strnlen(s, MB_LEN_MAX), len);
}

size_t data_text_wrap(const char *s, int width, data_text_line_fn fn, void *ctx)
{
    size_t lines = 0, start = 0, i = 0, last_space = SIZE_MAX;
    int cols = 0;
    if (width < 1)
        width = 1;
    for (;;) {
        if (s[i] == '\0' || s[i] == '\n') {
            fn(ctx, start, i - start);
            lines++;
            if (s[i] == '\0')
                return lines;
            start = ++i;
            cols = 0;
            last_space = SIZE_MAX;
            continue;
        }
        size_t n;
        int cw = data_text_char_cols(s + i, &n);
        if (cols + cw > width && i > start) {
            /* break before this character, or after the last space; a
             * space at the break itself is dropped */
            size_t cut = s[i] == ' ' ? i : last_space != SIZE_MAX ? last_space : i;
            fn(ctx, start, cut - start);
            lines++;
            start = i = cut + (s[i] == ' ' && cut == i);
            cols = 0;
            last_space = SIZE_MAX;
            continue;
        }
        cols += cw;
        i += n;
        if (s[i - n] == ' ')
            last_space = i;
    }
}

static int put_piece(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *s, size_t n)
{
    char buf[1024];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return text_put(w, y, x, maxw, attr, buf);
}

int data_text_put(WINDOW *w, int y, int x, int maxw, const char *s, size_t len, attr_t attr,
                  attr_t mark, const data_span *spans, size_t n_spans)
{
    int used = 0;
    size_t at = 0;
    for (size_t k = 0; k <= n_spans && used < maxw; k++) {
        size_t a = k < n_spans ? spans[k].start : len, b = k < n_spans ? spans[k].end : len;
        if (a > len)
            a = len;
        if (b > len)
            b = len;
        if (a > at)
            used += put_piece(w, y, x + used, maxw - used, attr, s + at, a - at);
        if (b > a && a >= at && used < maxw)
            used += put_piece(w, y, x + used, maxw - used, mark, s + a, b - a);
        if (b > at)
            at = b;
    }
    return used;
}

attr_t data_match_attr(void)
{
    return theme_attr(THEME_SERIES2) | A_REVERSE | A_BOLD | A_UNDERLINE;
}
