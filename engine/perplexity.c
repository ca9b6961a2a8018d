/* perplexity.c - windowed scoring of a token stream; see perplexity.h. */
#include "perplexity.h"

#include <stdio.h>
#include <stdlib.h>

int perplexity_score(model *m, const int32_t *ids, size_t n, int ctx, perplexity_result *out,
                     char *err, size_t errlen)
{
    *out = (perplexity_result){0};
    if (ctx < 2) {
        snprintf(err, errlen, "context %d is too short: a window needs 2 tokens to score one", ctx);
        return -1;
    }
    int32_t *targets = malloc((size_t)ctx * sizeof *targets);
    if (!targets) {
        snprintf(err, errlen, "out of memory for a window of %d tokens", ctx);
        return -1;
    }
    int rc = 0;
    for (size_t start = 0; start + 1 < n && rc == 0; start += (size_t)ctx) {
        int len = n - start < (size_t)ctx ? (int)(n - start) : ctx;
        for (int t = 0; t + 1 < len; t++)
            targets[t] = ids[start + (size_t)t + 1];
        targets[len - 1] = -1;
        model_batch b = {.B = 1, .T = len, .tokens = ids + start, .targets = targets};
        double loss, weight;
        rc = model_forward_loss(m, &b, &loss, &weight, err, errlen);
        out->nll_sum += loss * weight;
        out->scored += (size_t)(len - 1);
        out->windows++;
    }
    free(targets);
    return rc;
}
