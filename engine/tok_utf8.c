/* tok_utf8.c - UTF-8 decoding with llama.cpp's leniency, and GPT-2's
 * byte <-> codepoint bijection used by byte-level BPE. */
#include "config.h"

#include "tok_impl.h"
#include "utf8.h"

/* Sequences PCRE2 rejects (overlong, surrogate, beyond U+10FFFF) count as
 * invalid too, so whatever reaches the regexes is valid UTF-8; an invalid
 * byte is consumed alone as U+FFFD. */
size_t tok_utf8_next(const char *s, size_t n, uint32_t *cp, int *ok)
{
    size_t len = utf8_next((const unsigned char *)s, n, cp);
    *ok = len != 0;
    if (!len)
        *cp = 0xFFFD;
    return len ? len : 1;
}

/* Printable Latin-1 bytes stand for themselves; the other 68 bytes take
 * U+0100.. in byte order. */
static int byte_is_printable(unsigned b)
{
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

uint32_t tok_byte_to_cpt(uint8_t b)
{
    if (byte_is_printable(b))
        return b;
    uint32_t n = 0;
    for (unsigned i = 0; i < b; i++)
        n += !byte_is_printable(i);
    return 0x100 + n;
}

int tok_cpt_to_byte(uint32_t cp)
{
    if (cp < 0x100)
        return byte_is_printable(cp) ? (int)cp : -1;
    if (cp >= 0x100 + 68)
        return -1;
    uint32_t n = cp - 0x100;
    for (unsigned b = 0; b < 256; b++)
        if (!byte_is_printable(b) && n-- == 0)
            return (int)b;
    return -1;
}
