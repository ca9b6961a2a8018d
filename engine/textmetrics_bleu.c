/* textmetrics_bleu.c - sacrebleu-compatible BLEU-4: the 13a tokeniser,
 * clipped n-gram counting and the score with "exp" smoothing. Definitions
 * are in textmetrics.h. Each tokeniser pass copies the line into a new
 * buffer, as sacrebleu's successive re.sub calls do, so every pass sees the
 * previous one's output exactly. */
#include "textmetrics.h"
#include "textmetrics_impl.h"
#include "tok_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *s;
    size_t n;
} line;

/* In place, since no replacement is longer than its pattern; left to right
 * and non-overlapping, as Python's str.replace. */
static void replace_all(line *l, const char *pat, const char *rep)
{
    size_t pn = strlen(pat), rn = strlen(rep), w = 0;
    for (size_t r = 0; r < l->n;) {
        if (l->n - r >= pn && memcmp(l->s + r, pat, pn) == 0) {
            memcpy(l->s + w, rep, rn);
            w += rn;
            r += pn;
        } else {
            l->s[w++] = l->s[r++];
        }
    }
    l->n = w;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Rule a: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ / */
static bool rule_a_char(unsigned char c)
{
    return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') ||
           (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
           (c >= ':' && c <= '@') || c == '/';
}

static bool is_pc(char c)
{
    return c == '.' || c == ',';
}

/* One regex pass of TokenizerRegexp. Patterns b-d match two bytes; the
 * output for a match is the first byte, maybe a space, the second, maybe a
 * space, exactly as the replacement strings put them. Multi-byte UTF-8
 * characters give the same output byte-wise as they do per code point,
 * because only '.', ',', '-' and digits are ever the matched bytes. */
static int regex_pass(line *l, int rule)
{
    char *o = malloc(l->n * 3 + 1);
    if (!o)
        return -1;
    size_t w = 0;
    for (size_t i = 0; i < l->n;) {
        char a = l->s[i], b = i + 1 < l->n ? l->s[i + 1] : '\0';
        bool two = i + 1 < l->n;
        if (rule == 0 && rule_a_char((unsigned char)a)) {
            o[w++] = ' '; o[w++] = a; o[w++] = ' ';
            i++;
        } else if (two && ((rule == 1 && !is_digit(a) && is_pc(b)) ||
                           (rule == 3 && is_digit(a) && b == '-'))) {
            o[w++] = a; o[w++] = ' '; o[w++] = b; o[w++] = ' ';
            i += 2;
        } else if (two && rule == 2 && is_pc(a) && !is_digit(b)) {
            o[w++] = ' '; o[w++] = a; o[w++] = ' '; o[w++] = b;
            i += 2;
        } else {
            o[w++] = a;
            i++;
        }
    }
    free(l->s);
    l->s = o;
    l->n = w;
    return 0;
}

static void rstrip(line *l)
{
    const unsigned char *p = (const unsigned char *)l->s, *end = p + l->n;
    size_t keep = 0;
    while (p < end) {
        size_t sp = tm_pyspace(p, end);
        p += sp ? sp : 1;
        if (!sp)
            keep = (size_t)(p - (const unsigned char *)l->s);
    }
    l->n = keep;
}

static int split_tokens(const line *l, tm_toks *t)
{
    const unsigned char *p = (const unsigned char *)l->s, *end = p + l->n;
    const unsigned char *start = NULL;
    while (p < end) {
        size_t sp = tm_pyspace(p, end);
        if (sp && start && tm_toks_push(t, (const char *)start, (size_t)(p - start)))
            return -1;
        if (sp)
            start = NULL;
        else if (!start)
            start = p;
        p += sp ? sp : 1;
    }
    if (start && tm_toks_push(t, (const char *)start, (size_t)(end - start)))
        return -1;
    return 0;
}

/* Tokenises s into t; the slices point into *buf, which the caller frees. */
static int tokenize_13a(const char *s, char **buf, tm_toks *t)
{
    size_t n = strlen(s);
    line l = {malloc(n + 3), 0};
    if (!l.s)
        return -1;
    memcpy(l.s, s, n);
    l.n = n;
    rstrip(&l);
    static const char *const rep[][2] = {
        {"<skipped>", ""}, {"-\n", ""}, {"\n", " "}, {"&quot;", "\""},
        {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"},
    };
    for (size_t i = 0; i < sizeof rep / sizeof rep[0]; i++)
        replace_all(&l, rep[i][0], rep[i][1]);
    memmove(l.s + 1, l.s, l.n);
    l.s[0] = ' ';
    l.s[l.n + 1] = ' ';
    l.n += 2;
    for (int rule = 0; rule < 4; rule++) {
        if (regex_pass(&l, rule) != 0) {
            free(l.s);
            return -1;
        }
    }
    *buf = l.s;
    return split_tokens(&l, t);
}

/* Adds (or, with sign -1, takes) one count of the n-gram ids[0..n) in m.
 * Returns the count before the change, 0 when absent, or -1 when out of
 * memory. Taking never drops a count below zero. */
static int32_t ngram_count(tok_map *m, const uint32_t *ids, size_t n, int sign)
{
    const char *key = (const char *)ids;
    size_t len = n * sizeof *ids;
    int32_t c = tok_map_get(m, key, len);
    if (c < 0)
        c = 0;
    if (sign < 0 && c == 0)
        return 0;
    if (tok_map_put(m, key, len, c + sign, 0) != 0)
        return -1;
    return c;
}

static int count_matches(const uint32_t *h, size_t hn, const uint32_t *r,
                         size_t rn, tm_bleu *st)
{
    tok_map m;
    tok_map_init(&m);
    int rc = 0;
    for (size_t n = 1; n <= TM_BLEU_ORDER && rc == 0; n++) {
        tok_map_clear(&m);
        for (size_t i = 0; i + n <= rn && rc == 0; i++)
            rc = ngram_count(&m, r + i, n, 1) < 0 ? -1 : 0;
        for (size_t i = 0; i + n <= hn && rc == 0; i++) {
            int32_t c = ngram_count(&m, h + i, n, -1);
            rc = c < 0 ? -1 : 0;
            st->correct[n - 1] += c > 0;
            st->total[n - 1]++;
        }
    }
    tok_map_free(&m);
    return rc;
}

int tm_bleu_stats(const char *hyp, const char *ref, tm_bleu *st,
                  char *err, size_t errlen)
{
    if (!hyp || !ref || !st)
        return tm_fail(err, errlen, "NULL argument to BLEU");
    memset(st, 0, sizeof *st);
    tm_pair p;
    int rc = tm_pair_init(&p, hyp, ref, tokenize_13a);
    if (rc == 0)
        rc = count_matches(p.ids[0], p.toks[0].n, p.ids[1], p.toks[1].n, st);
    st->sys_len = p.toks[0].n;
    st->ref_len = p.toks[1].n;
    tm_pair_free(&p);
    if (rc != 0) {
        memset(st, 0, sizeof *st);
        return tm_fail(err, errlen, "out of memory computing BLEU");
    }
    return 0;
}

void tm_bleu_score(tm_bleu *b, int effective_order)
{
    double sys = (double)b->sys_len, ref = (double)b->ref_len;
    b->bp = b->sys_len >= b->ref_len ? 1.0 : b->sys_len ? exp(1.0 - ref / sys) : 0.0;
    b->score = 0.0;
    size_t any = 0;
    for (int n = 0; n < TM_BLEU_ORDER; n++) {
        b->precision[n] = 0.0;
        any += b->correct[n];
    }
    if (!any)
        return;
    double smooth = 1.0, logsum = 0.0;
    int order = TM_BLEU_ORDER;
    bool zero = false;
    for (int n = 0; n < TM_BLEU_ORDER; n++) {
        if (b->total[n] == 0)
            break;
        if (effective_order)
            order = n + 1;
        if (b->correct[n] == 0) {
            smooth *= 2.0;
            b->precision[n] = 100.0 / (smooth * (double)b->total[n]);
        } else {
            b->precision[n] = 100.0 * (double)b->correct[n] / (double)b->total[n];
        }
    }
    for (int n = 0; n < order; n++) {
        zero |= b->precision[n] == 0.0;
        if (b->precision[n] > 0.0)
            logsum += log(b->precision[n]);
    }
    /* sacrebleu takes log(0) as -1e10, which underflows the score to 0. */
    b->score = zero ? 0.0 : b->bp * exp(logsum / order);
}

int tm_sentence_bleu(const char *hyp, const char *ref, tm_bleu *out,
                     char *err, size_t errlen)
{
    if (tm_bleu_stats(hyp, ref, out, err, errlen) != 0)
        return -1;
    tm_bleu_score(out, 1);
    return 0;
}
