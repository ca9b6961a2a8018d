/* text.c - width-correct text drawing: decode with mbrtowc, measure with
 * wcwidth, cut on character boundaries, then hand curses the UTF-8 bytes. */
#include "text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "crt.h"

/* Decodes one character at s (n bytes left). Sets *len to the bytes it spans
 * and *bad when it does not decode or cannot be printed; returns its width. */
static int char_width(const char *s, size_t n, size_t *len, bool *bad)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t r = mbrtowc(&wc, s, n, &st);
    *bad = false;
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
        *len = 1;
        *bad = true;
        return 1;
    }
    *len = r;
    int cw = wcwidth(wc);
    if (cw < 0) {
        *bad = true;
        return 1;
    }
    return cw;
}

int text_char_width(const char *s, size_t n, size_t *len)
{
    bool bad;
    return char_width(s, n, len, &bad);
}

int text_width(const char *s)
{
    int total = 0;
    size_t n = strlen(s);
    while (n > 0) {
        size_t len;
        bool bad;
        total += char_width(s, n, &len, &bad);
        s += len;
        n -= len;
    }
    return total;
}

/* Appends len bytes (or '?' for an undecodable character) if they fit. */
static bool append(char *out, size_t outlen, size_t *used, const char *s, size_t len, bool bad)
{
    if (bad) {
        s = "?";
        len = 1;
    }
    if (*used + len + 1 > outlen)
        return false;
    memcpy(out + *used, s, len);
    *used += len;
    out[*used] = '\0';
    return true;
}

int text_fit(const char *s, int maxw, char *out, size_t outlen)
{
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    if (maxw <= 0)
        return 0;
    bool cut = text_width(s) > maxw;
    const char *ell = crt_glyph(CRT_GLYPH_ELLIPSIS);
    int room = cut ? maxw - text_width(ell) : maxw;
    int used_w = 0;
    size_t used = 0, n = strlen(s);
    while (n > 0) {
        size_t len;
        bool bad;
        int cw = char_width(s, n, &len, &bad);
        if (used_w + cw > room || !append(out, outlen, &used, s, len, bad))
            break;
        used_w += cw;
        s += len;
        n -= len;
    }
    if (cut && append(out, outlen, &used, ell, strlen(ell), false))
        used_w += text_width(ell);
    return used_w;
}

int text_put(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *s)
{
    int rows, cols;
    getmaxyx(w, rows, cols);
    if (y < 0 || y >= rows || x < 0 || x >= cols)
        return 0;
    if (maxw > cols - x)
        maxw = cols - x;
    char buf[4096];     /* a full row of four-byte characters on a wide terminal */
    int used = text_fit(s, maxw, buf, sizeof buf);
    if (used == 0)
        return 0;
    wattr_set(w, attr, PAIR_NUMBER(attr), NULL);
    mvwaddstr(w, y, x, buf);
    wattr_set(w, A_NORMAL, 0, NULL);
    return used;
}

int text_putf(WINDOW *w, int y, int x, int maxw, attr_t attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return text_put(w, y, x, maxw, attr, buf);
}

void text_center(WINDOW *w, int y, int x, int width, attr_t attr, const char *s)
{
    int sw = text_width(s);
    int off = sw < width ? (width - sw) / 2 : 0;
    text_put(w, y, x + off, width - off, attr, s);
}

void text_blank(WINDOW *w, int y, int x, int n, attr_t attr)
{
    int rows, cols;
    getmaxyx(w, rows, cols);
    if (y < 0 || y >= rows || x < 0 || x >= cols)
        return;
    if (n > cols - x)
        n = cols - x;
    mvwhline(w, y, x, ' ' | (chtype)attr, n);
}
