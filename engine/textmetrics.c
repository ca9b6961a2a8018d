/* textmetrics.c - exact match, the corpus accumulator, and the helpers the
 * BLEU and ROUGE files share (token lists, interning, Python whitespace).
 * The definitions of every metric are in textmetrics.h. */
#include "textmetrics.h"
#include "textmetrics_impl.h"
#include "tok_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tm_fail(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "textmetrics: %s", msg);
    return -1;
}

static bool em_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool em_trailing(unsigned char c)
{
    return em_space(c) || (c != 0 && strchr(".,;:!?", c) != NULL);
}

/* The normal form is a walk over the kept range [p, end) that yields one
 * byte at a time, so exact match can compare two strings without copying. */
typedef struct {
    const unsigned char *p, *end;
} em_iter;

static em_iter em_begin(const char *s)
{
    em_iter it = {(const unsigned char *)s, (const unsigned char *)s + strlen(s)};
    while (it.p < it.end && em_space(*it.p))
        it.p++;
    while (it.end > it.p && em_trailing(it.end[-1]))
        it.end--;
    return it;
}

/* Next byte of the normal form, or -1 at its end. */
static int em_next(em_iter *it)
{
    if (it->p >= it->end)
        return -1;
    unsigned char c = *it->p++;
    if (em_space(c)) {
        while (it->p < it->end && em_space(*it->p))
            it->p++;
        return ' ';
    }
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

size_t tm_normalize(const char *s, char *out)
{
    em_iter it = em_begin(s);
    size_t n = 0;
    for (int c; (c = em_next(&it)) >= 0;)
        out[n++] = (char)c;
    out[n] = '\0';
    return n;
}

bool tm_exact_match(const char *hyp, const char *ref)
{
    em_iter a = em_begin(hyp), b = em_begin(ref);
    for (;;) {
        int ca = em_next(&a), cb = em_next(&b);
        if (ca != cb)
            return false;
        if (ca < 0)
            return true;
    }
}

size_t tm_pyspace(const unsigned char *p, const unsigned char *end)
{
    size_t left = (size_t)(end - p);
    if (left == 0)
        return 0;
    if (p[0] < 0x80)
        return (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r') ||
                (p[0] >= 0x1C && p[0] <= 0x1F)) ? 1 : 0;
    if (left >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
        return 2;
    if (left < 3)
        return 0;
    unsigned cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    if ((p[0] & 0xF0) != 0xE0 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
        return 0;
    bool ws = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
              cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    return ws ? 3 : 0;
}

void tm_toks_free(tm_toks *t)
{
    free(t->ptr);
    free(t->len);
    memset(t, 0, sizeof *t);
}

int tm_toks_push(tm_toks *t, const char *p, size_t len)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **np = realloc(t->ptr, cap * sizeof *np);
        if (!np)
            return -1;
        t->ptr = np;
        size_t *nl = realloc(t->len, cap * sizeof *nl);
        if (!nl)
            return -1;
        t->len = nl;
        t->cap = cap;
    }
    t->ptr[t->n] = p;
    t->len[t->n] = len;
    t->n++;
    return 0;
}

static int intern_into(tok_map *m, const tm_toks *t, uint32_t *ids)
{
    for (size_t i = 0; i < t->n; i++) {
        int32_t id = tok_map_get(m, t->ptr[i], t->len[i]);
        if (id < 0) {
            id = (int32_t)m->count;
            if (tok_map_put(m, t->ptr[i], t->len[i], id, 1) != 0)
                return -1;
        }
        ids[i] = (uint32_t)id;
    }
    return 0;
}

int tm_intern(const tm_toks *a, const tm_toks *b, uint32_t **ida, uint32_t **idb)
{
    uint32_t *x = malloc((a->n + 1) * sizeof *x);
    uint32_t *y = malloc((b->n + 1) * sizeof *y);
    tok_map m;
    tok_map_init(&m);
    int rc = (x && y) ? 0 : -1;
    if (rc == 0)
        rc = intern_into(&m, a, x);
    if (rc == 0)
        rc = intern_into(&m, b, y);
    tok_map_free(&m);
    if (rc != 0) {
        free(x);
        free(y);
        return -1;
    }
    *ida = x;
    *idb = y;
    return 0;
}

void tm_corpus_init(tm_corpus *c)
{
    memset(c, 0, sizeof *c);
}

int tm_corpus_add(tm_corpus *c, const char *hyp, const char *ref,
                  char *err, size_t errlen)
{
    if (!c || !hyp || !ref)
        return tm_fail(err, errlen, "NULL argument to tm_corpus_add");
    tm_bleu b;
    tm_rouge r;
    if (tm_bleu_stats(hyp, ref, &b, err, errlen) != 0 ||
        tm_rouge_l(hyp, ref, &r, err, errlen) != 0)
        return -1;
    c->pairs++;
    c->exact += tm_exact_match(hyp, ref);
    for (int n = 0; n < TM_BLEU_ORDER; n++) {
        c->correct[n] += b.correct[n];
        c->total[n] += b.total[n];
    }
    c->sys_len += b.sys_len;
    c->ref_len += b.ref_len;
    c->rouge_f1_sum += r.f1;
    return 0;
}

void tm_corpus_finish(const tm_corpus *c, tm_report *out)
{
    memset(out, 0, sizeof *out);
    out->pairs = c->pairs;
    if (c->pairs) {
        out->exact_match = (double)c->exact / (double)c->pairs;
        out->rouge_l = c->rouge_f1_sum / (double)c->pairs;
    }
    memcpy(out->bleu.correct, c->correct, sizeof c->correct);
    memcpy(out->bleu.total, c->total, sizeof c->total);
    out->bleu.sys_len = c->sys_len;
    out->bleu.ref_len = c->ref_len;
    tm_bleu_score(&out->bleu, 0);
}

int tm_pair_init(tm_pair *p, const char *hyp, const char *ref, tm_tokenize_fn tokenize)
{
    memset(p, 0, sizeof *p);
    if (tokenize(hyp, &p->buf[0], &p->toks[0]) || tokenize(ref, &p->buf[1], &p->toks[1]))
        return -1;
    return tm_intern(&p->toks[0], &p->toks[1], &p->ids[0], &p->ids[1]);
}

void tm_pair_free(tm_pair *p)
{
    for (int i = 0; i < 2; i++) {
        free(p->buf[i]);
        free(p->ids[i]);
        tm_toks_free(&p->toks[i]);
    }
}
