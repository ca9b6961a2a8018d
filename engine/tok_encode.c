/* tok_encode.c - llama_tokenize: sessions, the special-token partition
 * (tokenizer_st_partition) and the per-fragment preparation for each model.
 *
 * Special tokens are cut out of the text one token at a time, longest text
 * first, each splitting every text fragment left so far at all of its
 * occurrences. Control and unknown tokens take part only with parse_special;
 * user-defined tokens always do. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok_impl.h"
#include "utf8.h"

#define SPACE_MARK "\xE2\x96\x81" /* U+2581, SentencePiece's space */

typedef struct {
    int32_t id;          /* a special token, or TOK_NONE for text */
    size_t start, end;
} fragment;

typedef struct {
    fragment *f;
    size_t n, cap;
} fragments;

tok_session *tok_session_new(const tok_vocab *v, char *err, size_t errlen)
{
    tok_session *s = calloc(1, sizeof *s);
    if (s) {
        s->v = v;
        tok_map_init(&s->cache);
        s->md = pcre2_match_data_create(16, NULL);
    }
    if (!s || !s->md) {
        tok_session_free(s);
        snprintf(err, errlen, "out of memory creating a tokenizer session");
        return NULL;
    }
    return s;
}

void tok_session_free(tok_session *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    free(s->sym);
    free(s->heap);
    free(s->buf);
    free(s->wbuf);
    free(s->spans);
    free(s->spans2);
    tok_map_free(&s->cache);
    tok_ids_free(&s->cache_ids);
    free(s);
}

const tok_vocab *tok_session_vocab(const tok_session *s)
{
    return s->v;
}

static int frag_push(fragments *fs, int32_t id, size_t start, size_t end)
{
    if (tok_reserve((void **)&fs->f, &fs->cap, fs->n + 1, sizeof *fs->f) != 0)
        return -1;
    fs->f[fs->n++] = (fragment){id, start, end};
    return 0;
}

/* Splits every text fragment of in at each occurrence of token id. */
static int cut_token(const tok_vocab *v, const char *text, int32_t id, const fragments *in,
                     fragments *out)
{
    const char *tt = v->pool + v->off[id];
    size_t tl = v->len[id];
    out->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        fragment f = in->f[i];
        if (f.id != TOK_NONE) {
            if (frag_push(out, f.id, f.start, f.end) != 0)
                return -1;
            continue;
        }
        size_t pos = f.start;
        const char *hit;
        while (f.end - pos >= tl && (hit = memmem(text + pos, f.end - pos, tt, tl))) {
            size_t at = (size_t)(hit - text);
            if ((at > pos && frag_push(out, TOK_NONE, pos, at) != 0) ||
                frag_push(out, id, at, at + tl) != 0)
                return -1;
            pos = at + tl;
        }
        if (pos < f.end && frag_push(out, TOK_NONE, pos, f.end) != 0)
            return -1;
    }
    return 0;
}

/* Byte pairs present in the text: a special token with a pair the text lacks
 * cannot occur, which spares a scan per special token. The session's set is
 * all clear between calls; unmarking walks the text again rather than
 * clearing 8 KiB, which would cost more than a short text. */
static void mark_pairs(const char *text, size_t len, uint8_t pairs[8192], bool set)
{
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned k = (unsigned char)text[i] << 8 | (unsigned char)text[i + 1];
        if (set)
            pairs[k >> 3] |= (uint8_t)(1u << (k & 7));
        else
            pairs[k >> 3] = 0;
    }
}

static bool may_occur(const tok_vocab *v, int32_t id, const uint8_t pairs[8192])
{
    const unsigned char *t = (const unsigned char *)v->pool + v->off[id];
    for (uint32_t i = 0; i + 1 < v->len[id]; i++) {
        unsigned k = t[i] << 8 | t[i + 1];
        if (!(pairs[k >> 3] & (1u << (k & 7))))
            return false;
    }
    return true;
}

static bool eligible(const tok_vocab *v, int32_t id, bool parse_special)
{
    return parse_special || v->type[id] == TOK_T_USER_DEFINED;
}

/* False when no special token that may be cut out can start in the text:
 * none of their first bytes occurs (memchr, for up to 4 distinct bytes;
 * special tokens are rare in text, so most texts skip the pair scan). */
static bool specials_possible(const tok_vocab *v, const char *text, size_t len,
                              bool parse_special)
{
    unsigned char first[4];
    size_t nf = 0;
    for (size_t k = 0; k < v->n_specials; k++) {
        int32_t id = v->specials[k];
        if (!eligible(v, id, parse_special) || v->len[id] == 0)
            continue;
        unsigned char b = (unsigned char)v->pool[v->off[id]];
        if (memchr(first, b, nf))
            continue;
        if (nf == sizeof first)
            return true;
        first[nf++] = b;
    }
    for (size_t i = 0; i < nf; i++)
        if (memchr(text, first[i], len))
            return true;
    return false;
}

static int partition(tok_session *s, const char *text, size_t len, bool parse_special,
                     fragments *fs)
{
    const tok_vocab *v = s->v;
    fragments tmp = {0};
    int rc = 0;
    if (len && frag_push(fs, TOK_NONE, 0, len) != 0)
        return -1;
    if (!specials_possible(v, text, len, parse_special))
        return 0;
    bool marked = false;
    for (size_t k = 0; k < v->n_specials && rc == 0; k++) {
        int32_t id = v->specials[k];
        if (!eligible(v, id, parse_special))
            continue;
        if (!marked)
            mark_pairs(text, len, s->pairs, true);
        marked = true;
        if (!may_occur(v, id, s->pairs))
            continue;
        rc = cut_token(v, text, id, fs, &tmp);
        fragments t = *fs;
        *fs = tmp;
        tmp = t;
    }
    if (marked)
        mark_pairs(text, len, s->pairs, false);
    free(tmp.f);
    return rc;
}

/* Copies TEXT to OUT (room for 3 * N + 8 bytes) with every ' ' as "▁";
 * returns the bytes written. Eight bytes at a time up to the next space
 * where the byte order lets the lowest zero byte be found exactly. */
static size_t escape_spaces(const char *text, size_t n, char *out)
{
    size_t w = 0, i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, text + i, 8);
        x ^= 0x2020202020202020u;                  /* spaces become zero bytes */
        uint64_t zero = (x - ones) & ~x & highs;   /* exact up to the first zero */
        memcpy(out + w, text + i, 8);
        if (!zero) {
            w += 8;
            i += 8;
            continue;
        }
        size_t k = (size_t)__builtin_ctzll(zero) / 8;
        memcpy(out + w + k, SPACE_MARK, 3);
        w += k + 3;
        i += k + 1;
    }
#endif
    for (; i < n; i++) {
        if (text[i] == ' ') {
            memcpy(out + w, SPACE_MARK, 3);
            w += 3;
        } else {
            out[w++] = text[i];
        }
    }
    return w;
}

/* SPM: optional " " before the fragment, then every ' ' becomes "▁". */
static int spm_fragment(tok_session *s, const char *text, size_t n, bool lead_space,
                        tok_ids *out)
{
    if (n > SIZE_MAX / 4 - 8 || tok_reserve((void **)&s->buf, &s->buf_cap, 3 * n + 8, 1) != 0)
        return -1;
    size_t w = 0;
    if (lead_space) {
        memcpy(s->buf, SPACE_MARK, 3);
        w = 3;
    }
    w += escape_spaces(text, n, s->buf + w);
    return tok_spm_encode(s, s->buf, w, out);
}

/* BPE: invalid UTF-8 becomes U+FFFD per bad byte, as llama.cpp's decoder
 * does, so the regexes only ever see valid text. */
static int bpe_fragment(tok_session *s, const char *text, size_t n, tok_ids *out, char *err,
                        size_t errlen)
{
    if (n > SIZE_MAX / 4 - 4 || tok_reserve((void **)&s->buf, &s->buf_cap, 3 * n + 4, 1) != 0)
        return -1;
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int ok;
        size_t cl = tok_utf8_next(text + i, n - i, &cp, &ok);
        if (ok)
            memcpy(s->buf + w, text + i, cl);
        w += ok ? cl : utf8_put(0xFFFD, s->buf + w);
        i += cl;
    }
    return tok_bpe_encode(s, s->buf, w, out, err, errlen);
}

static int encode_fragments(tok_session *s, const char *text, const fragments *fs,
                            bool prev_special, tok_ids *out, char *err, size_t errlen)
{
    const tok_vocab *v = s->v;
    for (size_t i = 0; i < fs->n; i++) {
        const fragment *f = &fs->f[i];
        int rc;
        err[0] = '\0';
        if (f->id != TOK_NONE) {
            rc = tok_ids_push(out, f->id);
            prev_special = true;
        } else if (v->model == TOK_SPM) {
            rc = spm_fragment(s, text + f->start, f->end - f->start,
                              v->add_space_prefix && prev_special, out);
            prev_special = false;
        } else {
            rc = bpe_fragment(s, text + f->start, f->end - f->start, out, err, errlen);
        }
        if (rc != 0) {
            if (!err[0])
                snprintf(err, errlen, "tokenizer: out of memory");
            return -1;
        }
    }
    return 0;
}

int tok_encode(tok_session *s, const char *text, size_t len, bool add_special,
               bool parse_special, tok_ids *out, char *err, size_t errlen)
{
    const tok_vocab *v = s->v;
    fragments fs = {0};
    int rc = -1;
    if (partition(s, text, len, parse_special, &fs) != 0) {
        snprintf(err, errlen, "tokenizer: out of memory");
        goto done;
    }
    if (add_special && v->add_bos && v->bos != TOK_NONE && tok_ids_push(out, v->bos) != 0)
        goto oom;
    if (encode_fragments(s, text, &fs, true, out, err, errlen) != 0)
        goto done;
    if (add_special && v->add_eos && v->eos != TOK_NONE && tok_ids_push(out, v->eos) != 0)
        goto oom;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "tokenizer: out of memory");
done:
    free(fs.f);
    return rc;
}

int tok_encode_continue(tok_session *s, const char *text, size_t len, bool parse_special,
                        tok_ids *out, char *err, size_t errlen)
{
    fragments fs = {0};
    int rc = -1;
    bool after_special = true;
    if (out->n) {
        int t = tok_token_type(s->v, out->ids[out->n - 1]);
        after_special = t == TOK_T_CONTROL || t == TOK_T_USER_DEFINED || t == TOK_T_UNKNOWN;
    }
    if (partition(s, text, len, parse_special, &fs) != 0)
        snprintf(err, errlen, "tokenizer: out of memory");
    else
        rc = encode_fragments(s, text, &fs, after_special, out, err, errlen);
    free(fs.f);
    return rc;
}
