/* key_decode.c - escape sequences parsed by their grammar (ECMA-48: CSI is
 * ESC [, parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final
 * byte 0x40-0x7E; SS3 is ESC O and one byte), so an unknown sequence is
 * consumed whole instead of leaking its bytes as keys. */
#include "key_decode.h"

#include <curses.h>
#include <string.h>

/* A sequence whose final byte has not come after this many bytes is noise. */
#define MAX_SEQ_LEN 64
#define KEY_DEL 127
#define KEY_CTRL_H 8

enum { SEQ_INCOMPLETE = -1, SEQ_SWALLOW = -2 };

void key_decode_init(key_decode *d)
{
    memset(d, 0, sizeof *d);
}

void key_decode_add(key_decode *d, const char *seq, int key)
{
    size_t len = seq ? strlen(seq) : 0;
    if (len < 2 || seq[0] != KEY_DECODE_ESC || len >= KEY_DECODE_MAX_SEQ ||
        d->n_extra == KEY_DECODE_MAX_EXTRA)
        return;
    memcpy(d->extra[d->n_extra].seq, seq, len + 1);
    d->extra[d->n_extra++].key = key;
}

size_t key_decode_room(const key_decode *d)
{
    return sizeof d->buf - d->n;
}

void key_decode_feed(key_decode *d, const unsigned char *bytes, size_t n)
{
    if (n > key_decode_room(d))
        n = key_decode_room(d);
    memcpy(d->buf + d->n, bytes, n);
    d->n += n;
    d->flushing = false;
}

/* ESC [ n ~ (and rxvt's $ ^ @ finals, which add Shift or Ctrl). */
static int tilde_key(int n)
{
    switch (n) {
    case 1: case 7: return KEY_HOME;
    case 2: return KEY_IC;
    case 3: return KEY_DC;
    case 4: case 8: return KEY_END;
    case 5: return KEY_PPAGE;
    case 6: return KEY_NPAGE;
    default: break;
    }
    if (n >= 11 && n <= 15)
        return KEY_F(n - 10);
    if (n >= 17 && n <= 21)
        return KEY_F(n - 11);
    if (n == 23 || n == 24)
        return KEY_F(n - 12);
    return SEQ_SWALLOW;
}

/* The key of a final byte that means the same after CSI and SS3. */
static int letter_key(unsigned char c)
{
    switch (c) {
    case 'A': return KEY_UP;
    case 'B': return KEY_DOWN;
    case 'C': return KEY_RIGHT;
    case 'D': return KEY_LEFT;
    case 'H': return KEY_HOME;
    case 'F': return KEY_END;
    case 'P': case 'Q': case 'R': case 'S': return KEY_F(c - 'P' + 1);
    default: return SEQ_SWALLOW;
    }
}

static int csi_key(const unsigned char *s, size_t params_len, unsigned char final)
{
    int n = 0;
    bool private_params = params_len > 0 && s[0] >= '<' && s[0] <= '?';
    for (size_t i = 0; i < params_len && s[i] >= '0' && s[i] <= '9' && n < 1000; i++)
        n = n * 10 + (s[i] - '0');
    if (private_params)
        return SEQ_SWALLOW;     /* mouse reports and the like */
    if (final == '~' || final == '$' || final == '^' || final == '@')
        return tilde_key(n);
    if (final == 'Z')
        return KEY_BTAB;
    return letter_key(final);
}

/* Length of the sequence at d->buf (ESC [ or ESC O already there) into
 * *LEN and its key (or SEQ_SWALLOW); SEQ_INCOMPLETE when more bytes are
 * needed. A byte that cannot be part of it ends it early, swallowed. */
static int parse_seq(const key_decode *d, size_t *len)
{
    const unsigned char *b = d->buf;
    bool ss3 = b[1] == 'O';
    size_t i = 2;
    if (!ss3 && d->n > 2 && b[2] == '[') {          /* Linux console: ESC [ [ A = F1 */
        if (d->n < 4)
            return SEQ_INCOMPLETE;
        *len = 4;
        return b[3] >= 'A' && b[3] <= 'E' ? KEY_F(b[3] - 'A' + 1) : SEQ_SWALLOW;
    }
    while (i < d->n && b[i] >= 0x30 && b[i] <= 0x3F)
        i++;
    size_t params_end = i;
    while (i < d->n && b[i] >= 0x20 && b[i] <= 0x2F && b[i] != '$')
        i++;
    if (i >= d->n)
        return i >= MAX_SEQ_LEN ? (*len = i, SEQ_SWALLOW) : SEQ_INCOMPLETE;
    unsigned char final = b[i];
    if (final < 0x40 && final != '$') {    /* not a final byte: the sequence was cut */
        *len = i;
        return SEQ_SWALLOW;
    }
    *len = i + 1;
    if (i > params_end && final != '$')
        return SEQ_SWALLOW;                /* intermediates: no key of ours */
    if (ss3)
        return final == 'M' ? KEY_ENTER : letter_key(final);
    return csi_key(b + 2, params_end - 2, final);
}

/* A terminfo sequence at the start of the buffer: its key, or SEQ_INCOMPLETE
 * when the buffer is a proper prefix of one, or 0 when none matches. */
static int extra_key(const key_decode *d, size_t *len)
{
    bool prefix = false;
    for (size_t i = 0; i < d->n_extra; i++) {
        size_t l = strlen(d->extra[i].seq);
        size_t cmp = l < d->n ? l : d->n;
        if (memcmp(d->buf, d->extra[i].seq, cmp) != 0)
            continue;
        if (l <= d->n) {
            *len = l;
            return d->extra[i].key;
        }
        prefix = true;
    }
    return prefix ? SEQ_INCOMPLETE : 0;
}

static void consume(key_decode *d, size_t len)
{
    memmove(d->buf, d->buf + len, d->n - len);
    d->n -= len;
}

/* The buffer starts with ESC: Esc alone, Esc + a byte, or a sequence. */
static int escape(key_decode *d, size_t *len)
{
    int key = extra_key(d, len);
    if (key > 0)
        return key;
    if (d->n == 1 || key == SEQ_INCOMPLETE)
        return SEQ_INCOMPLETE;
    if (d->buf[1] != '[' && d->buf[1] != 'O') {
        *len = 1;
        return KEY_DECODE_ESC;
    }
    return parse_seq(d, len);
}

bool key_decode_next(key_decode *d, int *key)
{
    while (d->n > 0) {
        size_t len = 1;
        int k = d->buf[0];
        if (k == KEY_DECODE_ESC) {
            k = escape(d, &len);
        } else if (k == KEY_DEL || k == KEY_CTRL_H) {
            k = KEY_BACKSPACE;
        }
        if (k == SEQ_INCOMPLETE) {
            if (!d->flushing)
                return false;
            k = d->n == 1 ? KEY_DECODE_ESC : SEQ_SWALLOW;
            len = d->n;
        }
        consume(d, len);
        if (k != SEQ_SWALLOW) {
            *key = k;
            return true;
        }
    }
    d->flushing = false;
    return false;
}

bool key_decode_pending(const key_decode *d)
{
    return d->n > 0 && !d->flushing;
}

void key_decode_flush(key_decode *d)
{
    d->flushing = d->n > 0;
}
