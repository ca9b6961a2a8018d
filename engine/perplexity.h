/* perplexity.h - scoring a token stream with a model, window by window, as
 * `lathe perplexity` does: consecutive non-overlapping windows of CTX tokens
 * (the last one shorter), each evaluated from an empty context, every token
 * of a window scored except its first. */
#ifndef LATHE_PERPLEXITY_H
#define LATHE_PERPLEXITY_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct {
    size_t scored;      /* tokens whose negative log-likelihood was summed */
    size_t windows;
    double nll_sum;     /* natural log */
} perplexity_result;

/* Scores IDS[0..n) in windows of CTX (>= 2) tokens. Returns 0, or -1 with err. */
int perplexity_score(model *m, const int32_t *ids, size_t n, int ctx, perplexity_result *out,
                     char *err, size_t errlen);

#endif
