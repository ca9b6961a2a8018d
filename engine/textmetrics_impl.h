/* textmetrics_impl.h - pieces shared by the text-metric files: token lists
 * (slices of a caller's buffer) and their interning into integer ids, so
 * BLEU's n-gram counting and ROUGE's LCS compare integers, not strings. */
#ifndef LATHE_TEXTMETRICS_IMPL_H
#define LATHE_TEXTMETRICS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "textmetrics.h"

typedef struct {
    const char **ptr;
    size_t *len;
    size_t n, cap;
} tm_toks;

void tm_toks_free(tm_toks *t);
/* Appends the slice [p, p + len). Returns 0 or -1 when out of memory. */
int tm_toks_push(tm_toks *t, const char *p, size_t len);

/* Gives equal tokens of a and b equal ids: ida[i] for a, idb[i] for b, both
 * newly allocated (callers free them). Returns 0 or -1 when out of memory. */
int tm_intern(const tm_toks *a, const tm_toks *b, uint32_t **ida, uint32_t **idb);

/* A hypothesis/reference pair tokenised by one metric's tokeniser (which
 * allocates *buf, the text its slices point into) and interned: index 0 is
 * the hypothesis, 1 the reference. */
typedef int (*tm_tokenize_fn)(const char *s, char **buf, tm_toks *t);
typedef struct {
    char *buf[2];
    tm_toks toks[2];
    uint32_t *ids[2];
} tm_pair;

/* Returns 0, or -1 when out of memory (p is still freeable). */
int tm_pair_init(tm_pair *p, const char *hyp, const char *ref, tm_tokenize_fn tokenize);
void tm_pair_free(tm_pair *p);

/* Byte length of the Python str.split() whitespace code point at p (see
 * textmetrics.h), or 0 when p does not start one. */
size_t tm_pyspace(const unsigned char *p, const unsigned char *end);

/* Sets err to "textmetrics: MSG" and returns -1. */
int tm_fail(char *err, size_t errlen, const char *msg);

/* The BLEU statistics of one pair: lengths and clipped n-gram counts. */
int tm_bleu_stats(const char *hyp, const char *ref, tm_bleu *st,
                  char *err, size_t errlen);
/* Fills score, precision and bp of b from its counts and lengths. */
void tm_bleu_score(tm_bleu *b, int effective_order);

#endif
