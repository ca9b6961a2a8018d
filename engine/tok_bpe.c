/* tok_bpe.c - byte-level BPE for `gpt2` vocabs.
 *
 * The fragment is cut into words by the pre-tokenizer; each word's bytes are
 * written as GPT-2 characters and merged by rank: a min-heap of adjacent
 * pairs keyed by the rank of "left right" (ties: leftmost), stale pairs
 * skipped. Symbols left over that are not tokens are looked up byte by byte
 * and dropped when even that fails, as llama.cpp does. Words seen before
 * come from the session's cache. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tok_impl.h"

/* The merge key "left right" is built behind the word in wbuf. */
static int try_pair(tok_session *s, const void *ctx, size_t *nheap, int32_t l, int32_t r)
{
    if (l < 0 || r < 0)
        return 0;
    size_t wlen = *(const size_t *)ctx;
    const tok_sym *sym = s->sym;
    size_t kl = sym[l].n + 1 + sym[r].n;
    char *key = s->wbuf + wlen;
    memcpy(key, s->wbuf + sym[l].start, sym[l].n);
    key[sym[l].n] = ' ';
    memcpy(key + sym[l].n + 1, s->wbuf + sym[r].start, sym[r].n);
    int32_t rank = tok_map_get(&s->v->merges, key, kl);
    if (rank < 0)
        return 0;
    return tok_heap_push(s, nheap, (tok_pair){rank, l, r, sym[l].n + sym[r].n});
}

static int merge_word(tok_session *s, size_t wlen)
{
    size_t nsym;
    if (tok_split_chars(s, s->wbuf, wlen, &nsym) != 0)
        return -1;
    return tok_merge(s, nsym, try_pair, &wlen);
}

static int emit_symbols(tok_session *s, tok_ids *out)
{
    const tok_sym *sym = s->sym;
    for (int32_t i = 0; i != -1; i = sym[i].next) {
        const char *t = s->wbuf + sym[i].start;
        int32_t id = tok_lookup(s->v, t, sym[i].n);
        if (id != TOK_NONE) {
            if (tok_ids_push(out, id) != 0)
                return -1;
            continue;
        }
        for (uint32_t j = 0; j < sym[i].n; j++) {
            id = tok_lookup(s->v, t + j, 1);
            if (id != TOK_NONE && tok_ids_push(out, id) != 0)
                return -1;
        }
    }
    return 0;
}

/* Ids of the word in wbuf[0..wlen) appended to out (and to the cache). */
static int encode_word(tok_session *s, size_t wlen, tok_ids *out)
{
    if (!wlen)
        return 0;
    int hit = tok_cache_get(s, s->wbuf, wlen, out);
    if (hit != 0)
        return hit < 0 ? -1 : 0;
    size_t first = out->n;
    int32_t whole = s->v->ignore_merges ? tok_lookup(s->v, s->wbuf, wlen) : TOK_NONE;
    if (whole != TOK_NONE) {
        if (tok_ids_push(out, whole) != 0)
            return -1;
    } else if (merge_word(s, wlen) != 0 || emit_symbols(s, out) != 0) {
        return -1;
    }
    return tok_cache_put(s, s->wbuf, wlen, out, first);
}

int tok_bpe_encode(tok_session *s, const char *text, size_t len, tok_ids *out, char *err,
                   size_t errlen)
{
    long nw = tok_pretok_split(s, text, len, err, errlen);
    if (nw < 0)
        return -1;
    const tok_vocab *v = s->v;
    for (long w = 0; w < nw; w++) {
        tok_span sp = s->spans[w];
        size_t n = sp.end - sp.start;
        if (n > INT32_MAX / 8 ||
            tok_reserve((void **)&s->wbuf, &s->wbuf_cap, 4 * n + 4, 1) != 0)
            goto oom;
        size_t wlen = 0;
        for (size_t i = sp.start; i < sp.end; i++) {
            unsigned char b = (unsigned char)text[i];
            memcpy(s->wbuf + wlen, v->byte_enc[b], v->byte_enc_len[b]);
            wlen += v->byte_enc_len[b];
        }
        if (encode_word(s, wlen, out) != 0)
            goto oom;
    }
    return 0;
oom:
    snprintf(err, errlen, "tokenizer: out of memory");
    return -1;
}
