/* tok_decode.c - ids back to bytes: llama_token_to_piece for one token and
 * llama_detokenize for a sequence (SPM's leading space removed, BOS/EOS
 * optionally dropped). clean_up_tokenization_spaces is not applied, so
 * decode(encode(text)) gives back text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok_impl.h"

static long copy_out(const char *t, size_t n, size_t lstrip, char *buf, size_t cap)
{
    for (; lstrip && n && *t == ' '; lstrip--) {
        t++;
        n--;
    }
    if (cap)
        memcpy(buf, t, n < cap ? n : cap);
    return (long)n;
}

/* "▁" -> ' ' */
static long spm_normal(const char *t, size_t n, size_t lstrip, char *buf, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        char c = t[i];
        size_t step = 1;
        if (n - i >= 3 && !memcmp(t + i, "\xE2\x96\x81", 3)) {
            c = ' ';
            step = 3;
        }
        i += step;
        if (c == ' ' && lstrip && w == 0) {
            lstrip--;
            continue;
        }
        if (w < cap)
            buf[w] = step == 3 ? ' ' : c;
        w++;
    }
    return (long)w;
}

/* GPT-2 characters -> bytes; a codepoint outside the mapping is kept as is. */
static long bpe_normal(const char *t, size_t n, size_t lstrip, char *buf, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int ok;
        size_t cl = tok_utf8_next(t + i, n - i, &cp, &ok);
        int b = ok ? tok_cpt_to_byte(cp) : -1;
        if (b == ' ' && lstrip && w == 0) {
            lstrip--;
        } else if (b >= 0) {
            if (w < cap)
                buf[w] = (char)b;
            w++;
        } else {
            for (size_t k = 0; k < cl; k++, w++)
                if (w < cap)
                    buf[w] = t[i + k];
        }
        i += cl;
    }
    return (long)w;
}

static long byte_piece(const char *t, size_t n, char *buf, size_t cap)
{
    char hex[3] = {0};
    if (n == 6 && !memcmp(t, "<0x", 3) && t[5] == '>') {
        memcpy(hex, t + 3, 2);
        if (cap)
            buf[0] = (char)strtol(hex, NULL, 16);
        return 1;
    }
    return copy_out(t, n, 0, buf, cap);
}

long tok_piece(const tok_vocab *v, int32_t id, bool special, size_t lstrip, char *buf,
               size_t cap)
{
    if (id < 0 || (size_t)id >= v->n)
        return -1;
    int t = v->type[id];
    const char *text = v->pool + v->off[id];
    size_t n = v->len[id];
    if (t == TOK_T_CONTROL || t == TOK_T_UNKNOWN)
        return special ? copy_out(text, n, lstrip, buf, cap) : 0;
    if (t == TOK_T_USER_DEFINED)
        return copy_out(text, n, lstrip, buf, cap);
    if (t == TOK_T_NORMAL)
        return v->model == TOK_SPM ? spm_normal(text, n, lstrip, buf, cap)
                                   : bpe_normal(text, n, lstrip, buf, cap);
    if (t == TOK_T_BYTE && v->model == TOK_SPM)
        return byte_piece(text, n, buf, cap);
    return 0;
}

static int append_piece(const tok_vocab *v, int32_t id, bool special, size_t lstrip, char **out,
                        size_t *len, size_t *cap)
{
    long need = tok_piece(v, id, special, lstrip, NULL, 0);
    if (need < 0)
        return -2;
    if (tok_reserve((void **)out, cap, *len + (size_t)need + 1, 1) != 0)
        return -1;
    tok_piece(v, id, special, lstrip, *out + *len, (size_t)need);
    *len += (size_t)need;
    return 0;
}

char *tok_decode(const tok_vocab *v, const int32_t *ids, size_t n, bool remove_special,
                 bool unparse_special, size_t *out_len, char *err, size_t errlen)
{
    size_t len = 0, cap = 0;
    char *out = NULL;
    bool remove_space = v->add_space_prefix;
    if (remove_special && v->add_bos && n && ids[0] == v->bos) {
        remove_space = false;
        ids++;
        n--;
    }
    if (remove_special && v->add_eos && n && ids[n - 1] == v->eos)
        n--;
    if (tok_reserve((void **)&out, &cap, 1, 1) != 0)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        int rc = append_piece(v, ids[i], unparse_special, remove_space, &out, &len, &cap);
        remove_space = false;
        if (rc == -2) {
            snprintf(err, errlen, "token id %d at position %zu is outside the vocab (%zu tokens)",
                     (int)ids[i], i, v->n);
            free(out);
            return NULL;
        }
        if (rc != 0)
            goto oom;
    }
    out[len] = '\0';
    if (out_len)
        *out_len = len;
    return out;
oom:
    free(out);
    snprintf(err, errlen, "out of memory decoding tokens");
    return NULL;
}
