/* completion.c - the generation loop of completion.h: token pieces are
 * appended to a small pending buffer and only the part that ends on a whole
 * UTF-8 sequence is streamed; the rest waits for the next piece (or the end,
 * where whatever is left goes out as it is). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"

/* Expected length of a sequence from its lead byte; 0 for a continuation
 * byte, 1 for ASCII and bytes that cannot lead. */
static int seq_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b < 0xc0)
        return 0;
    if (b >= 0xc2 && b < 0xe0)
        return 2;
    if (b >= 0xe0 && b < 0xf0)
        return 3;
    if (b >= 0xf0 && b < 0xf5)
        return 4;
    return 1;
}

size_t completion_utf8_prefix(const char *buf, size_t n)
{
    const unsigned char *u = (const unsigned char *)buf;
    for (size_t back = 1; back <= 4 && back <= n; back++) {
        int len = seq_len(u[n - back]);
        if (len == 0)
            continue;
        return (size_t)len > back ? n - back : n;
    }
    return n;
}

/* Length of the well-formed sequence at s[0..n), 0 when there is none
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t valid_len(const unsigned char *s, size_t n)
{
    size_t len = (size_t)seq_len(s[0]);
    if (s[0] < 0x80)
        return 1;
    if (len < 2 || len > n || (s[0] >= 0xf5))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return len;
}

char *completion_utf8_valid(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = malloc(3 * n + 1);
    if (!out)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = valid_len(u + i, n - i);
        if (len) {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

typedef struct {
    const completion_opts *o;
    char buf[256];
    size_t n;
} stream;

static void stream_flush(stream *st, size_t upto)
{
    if (upto && st->o->on_text)
        st->o->on_text(st->o->ctx, st->buf, upto);
    memmove(st->buf, st->buf + upto, st->n - upto);
    st->n -= upto;
}

/* After each piece at most 3 bytes wait, so a full buffer always has a
 * complete prefix to give out. */
static void stream_bytes(stream *st, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (st->n == sizeof st->buf)
            stream_flush(st, completion_utf8_prefix(st->buf, st->n));
        st->buf[st->n++] = p[i];
    }
    stream_flush(st, completion_utf8_prefix(st->buf, st->n));
}

static int stream_piece(stream *st, const tok_vocab *v, int32_t id)
{
    char small[128];
    long len = tok_piece(v, id, false, 0, small, sizeof small);
    if (len <= 0)
        return 0;
    if ((size_t)len <= sizeof small) {
        stream_bytes(st, small, (size_t)len);
        return 0;
    }
    char *big = malloc((size_t)len);
    if (!big)
        return -1;
    tok_piece(v, id, false, 0, big, (size_t)len);
    stream_bytes(st, big, (size_t)len);
    free(big);
    return 0;
}

static int feed_prompt(gen_session *s, token_sampler *ts, const int32_t *prompt, size_t n,
                       size_t cached, const float **logits, char *err, size_t errlen)
{
    if (n == 0 || n > (size_t)gen_session_ctx(s)) {
        snprintf(err, errlen, "generate: a prompt of %zu tokens does not fit a context of %d", n,
                 gen_session_ctx(s));
        return -1;
    }
    size_t keep = cached < n - 1 ? cached : n - 1;
    if (keep > (size_t)gen_session_pos(s))
        keep = (size_t)gen_session_pos(s);
    gen_session_rewind(s, (int)keep);
    tsample_reset(ts);
    for (size_t i = 0; i < n; i++)
        tsample_accept(ts, prompt[i]);
    *logits = gen_session_feed(s, prompt + keep, (int)(n - keep), err, errlen);
    return *logits ? 0 : -1;
}

static bool cancelled(const completion_opts *o)
{
    return o->cancel && atomic_load(o->cancel);
}

int completion_run(gen_session *s, token_sampler *ts, const tok_vocab *v, const int32_t *prompt,
                   size_t n, const completion_opts *o, tok_ids *out, completion_stop *why,
                   char *err, size_t errlen)
{
    const float *logits;
    if (feed_prompt(s, ts, prompt, n, o->cached, &logits, err, errlen))
        return -1;
    if (o->on_prefilled)
        o->on_prefilled(o->ctx);
    stream st = {.o = o};
    completion_stop stop = COMPLETION_LIMIT;
    for (int i = 0; i < o->max_new; i++) {
        if (cancelled(o)) {
            stop = COMPLETION_CANCELLED;
            break;
        }
        int32_t id = tsample_next(ts, logits);
        if (tok_is_eog(v, id)) {
            stop = COMPLETION_EOG;
            break;
        }
        tsample_accept(ts, id);
        if (o->on_token)
            o->on_token(o->ctx, id);
        if (tok_ids_push(out, id) || stream_piece(&st, v, id)) {
            snprintf(err, errlen, "generate: out of memory");
            return -1;
        }
        if (i + 1 == o->max_new)
            break;
        if (gen_session_pos(s) == gen_session_ctx(s)) {
            stop = COMPLETION_CONTEXT;
            break;
        }
        if (!(logits = gen_session_feed(s, &id, 1, err, errlen)))
            return -1;
    }
    stream_flush(&st, st.n);
    if (why)
        *why = stop;
    return 0;
}
