/* textmetrics_rouge.c - ROUGE-L as rouge-score's "rougeL": its default
 * tokeniser (lowercase, runs outside [a-z0-9] break tokens) and the LCS
 * F-measure with beta = 1. Definitions are in textmetrics.h. */
#include "textmetrics.h"
#include "textmetrics_impl.h"

#include <stdlib.h>
#include <string.h>

/* The lowercased ASCII letter or digit that the character at p becomes,
 * with *adv set to its byte length and *brk set when a token break follows
 * it (U+0130 lowercases to "i" plus a combining dot, which is dropped);
 * 0 when the character yields nothing. */
static char rouge_char(const unsigned char *p, const unsigned char *end,
                       size_t *adv, bool *brk)
{
    *adv = 1;
    *brk = false;
    if (p[0] >= 'A' && p[0] <= 'Z')
        return (char)(p[0] - 'A' + 'a');
    if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9'))
        return (char)p[0];
    if (end - p >= 2 && p[0] == 0xC4 && p[1] == 0xB0) {
        *adv = 2;
        *brk = true;
        return 'i';
    }
    if (end - p >= 3 && p[0] == 0xE2 && p[1] == 0x84 && p[2] == 0xAA) {
        *adv = 3;
        return 'k';
    }
    return 0;
}

/* Tokenises s into t; the slices point into *buf, which the caller frees. */
static int tokenize_rouge(const char *s, char **bufp, tm_toks *t)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    char *buf = *bufp = malloc((size_t)(end - p) + 1);
    if (!buf)
        return -1;
    size_t w = 0, start = 0;
    while (p < end) {
        size_t adv;
        bool brk;
        char c = rouge_char(p, end, &adv, &brk);
        p += adv;
        if (c)
            buf[w++] = c;
        if ((!c || brk) && w > start) {
            if (tm_toks_push(t, buf + start, w - start))
                return -1;
            start = w;
        }
    }
    if (w > start && tm_toks_push(t, buf + start, w - start))
        return -1;
    return 0;
}

/* Length of the longest common subsequence; row is the shorter sequence,
 * so the single DP row holds min(n, m) + 1 entries. */
static int lcs_length(const uint32_t *a, size_t an, const uint32_t *b,
                      size_t bn, size_t *out)
{
    if (an < bn) {
        const uint32_t *ts = a;
        a = b;
        b = ts;
        size_t tn = an;
        an = bn;
        bn = tn;
    }
    size_t *row = calloc(bn + 1, sizeof *row);
    if (!row)
        return -1;
    for (size_t i = 0; i < an; i++) {
        size_t diag = 0, left = 0;
        uint32_t ai = a[i];
        for (size_t j = 1; j <= bn; j++) {
            size_t up = row[j];
            size_t best = up > left ? up : left;
            left = ai == b[j - 1] ? diag + 1 : best;
            row[j] = left;
            diag = up;
        }
    }
    *out = row[bn];
    free(row);
    return 0;
}

static void rouge_fill(tm_rouge *out)
{
    if (out->hyp_len == 0 || out->ref_len == 0)
        return;
    out->precision = (double)out->lcs / (double)out->hyp_len;
    out->recall = (double)out->lcs / (double)out->ref_len;
    double s = out->precision + out->recall;
    out->f1 = s > 0.0 ? 2.0 * out->precision * out->recall / s : 0.0;
}

int tm_rouge_l(const char *hyp, const char *ref, tm_rouge *out,
               char *err, size_t errlen)
{
    if (!hyp || !ref || !out)
        return tm_fail(err, errlen, "NULL argument to ROUGE-L");
    memset(out, 0, sizeof *out);
    tm_pair p;
    int rc = tm_pair_init(&p, hyp, ref, tokenize_rouge);
    if (rc == 0)
        rc = lcs_length(p.ids[0], p.toks[0].n, p.ids[1], p.toks[1].n, &out->lcs);
    out->hyp_len = p.toks[0].n;
    out->ref_len = p.toks[1].n;
    tm_pair_free(&p);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
        return tm_fail(err, errlen, "out of memory computing ROUGE-L");
    }
    rouge_fill(out);
    return 0;
}
