/* text_clean.c - escaping what cannot be drawn (see text_clean.h). */
#include "text_clean.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "crt.h"
#include "utf8.h"

static void put_escape(bytebuf *g, unsigned char c)
{
    char esc[8];
    const char *named = c == '\r' ? "\\r" : c == '\0' ? "\\0" : c == 0x1B ? "\\e" : NULL;
    if (!named)
        snprintf(esc, sizeof esc, "\\x%02X", c);
    bytebuf_put(g, named ? named : esc, strlen(named ? named : esc));
}

char *text_clean(const char *s, size_t len, bool one_line, size_t max_bytes)
{
    bytebuf g = {0};
    bytebuf_put(&g, "", 0);
    const unsigned char *u = (const unsigned char *)s;
    const char *nl = one_line ? crt_glyph(CRT_GLYPH_RETURN) : "\n";
    for (size_t i = 0; i < len && !g.oom && (!max_bytes || g.len < max_bytes);) {
        uint32_t cp;
        size_t n = utf8_next(u + i, len - i, &cp);
        if (u[i] == '\n')
            bytebuf_put(&g, nl, strlen(nl));
        else if (u[i] == '\t')
            bytebuf_put(&g, one_line ? " " : "    ", one_line ? 1 : 4);
        else if (n == 0 || u[i] < 0x20 || u[i] == 0x7F)
            put_escape(&g, u[i]);
        else if (n == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0)
            put_escape(&g, u[i + 1]);   /* C1 controls */
        else
            bytebuf_put(&g, s + i, n);
        i += n ? n : 1;
    }
    if (g.oom) {
        bytebuf_free(&g);
        return NULL;
    }
    return g.p;
}
