/* ds_text_clean.c - whitespace normalisation, NFC and PII redaction of one string. */
#include "config.h"

#include "ds_text_clean.h"
#include "ds_pii.h"

#include <stdbool.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Bytes of the horizontal space at S (0 when none): ' ', '\t' and the
 * Unicode spaces that become ' '. */
static size_t space_at(const unsigned char *s, size_t n)
{
    if (s[0] == ' ' || s[0] == '\t')
        return 1;
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xAF))
        return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    return 0;
}

/* Emits the pending run S[FROM..TO) as plain spaces and tabs. */
static size_t put_spaces(const unsigned char *s, size_t from, size_t to, char *out, size_t o)
{
    while (from < to) {
        out[o++] = s[from] == '\t' ? '\t' : ' ';
        from += space_at(s + from, to - from);
    }
    return o;
}

static int finish(const char *s, size_t len, char *buf, size_t o, char **out, size_t *outlen)
{
    if (o == len && memcmp(buf, s, len) == 0) {
        free(buf);
        return 0;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return 1;
}

int ds_text_whitespace(const char *text, size_t len, char **out, size_t *outlen, void *ctx)
{
    (void)ctx;
    const unsigned char *s = (const unsigned char *)text;
    char *buf = malloc(len + 1);
    if (!buf)
        return -1;
    size_t o = 0, nl = 0, pend = SIZE_MAX;
    bool started = false;
    for (size_t i = 0; i < len;) {
        size_t w;
        if (s[i] == '\n' || s[i] == '\r') {
            i += s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
            pend = SIZE_MAX;
            nl += started;
        } else if ((w = space_at(s + i, len - i)) != 0) {
            if (pend == SIZE_MAX)
                pend = i;
            i += w;
        } else {
            for (size_t k = 0; k < nl && k < 2; k++)
                buf[o++] = '\n';
            if (started && pend != SIZE_MAX)
                o = put_spaces(s, pend, i, buf, o);
            nl = 0;
            pend = SIZE_MAX;
            started = true;
            buf[o++] = (char)s[i++];
        }
    }
    return finish(text, len, buf, o, out, outlen);
}

int ds_text_nfc(const char *s, size_t len, char **out, size_t *outlen, void *ctx)
{
    (void)ctx;
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return -1;
    return finish(s, len, (char *)dst, (size_t)n, out, outlen);
}

/* "[EMAIL]" and the like: the kind's name in upper case. */
static size_t redaction(ds_pii_kind k, char *buf, size_t n)
{
    int w = snprintf(buf, n, "[%s]", ds_pii_kind_name(k));
    for (char *p = buf; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return w > 0 ? (size_t)w : 0;
}

int ds_text_redact_pii(const char *s, size_t len, char **out, size_t *outlen, void *ctx)
{
    (void)ctx;
    size_t n = ds_pii_scan(s, len, NULL, 0);
    if (n == 0)
        return 0;
    ds_pii_span *spans = malloc(n * sizeof *spans);
    char *buf = malloc(len + n * 16 + 1);
    if (!spans || !buf) {
        free(spans);
        free(buf);
        return -1;
    }
    ds_pii_scan(s, len, spans, n);
    size_t o = 0, at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + o, s + at, spans[i].start - at);
        o += spans[i].start - at;
        o += redaction(spans[i].kind, buf + o, 16);
        at = spans[i].start + spans[i].len;
    }
    memcpy(buf + o, s + at, len - at);
    o += len - at;
    free(spans);
    return finish(s, len, buf, o, out, outlen);
}
