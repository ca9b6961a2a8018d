/* perplexity.c - windowed scoring of a token stream, lathe's way and
 * llama.cpp's; see perplexity.h. */
#include "perplexity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds the NLL of TOKENS[first+1 .. len) given TOKENS[0..len) to OUT. TARGETS
 * has room for LEN ids. */
static int score_window(model *m, const int32_t *tokens, int len, int first, int32_t *targets,
                        perplexity_result *out, char *err, size_t errlen)
{
    for (int t = 0; t < len; t++)
        targets[t] = t >= first && t + 1 < len ? tokens[t + 1] : -1;
    model_batch b = {.B = 1, .T = len, .tokens = tokens, .targets = targets};
    double loss, weight;
    int rc = model_forward_loss(m, &b, &loss, &weight, err, errlen);
    out->nll_sum += loss * weight;
    out->scored += (size_t)(len - 1 - first);
    out->windows++;
    return rc;
}

static int32_t *alloc_window(int ctx, char *err, size_t errlen)
{
    int32_t *p = malloc((size_t)ctx * sizeof *p);
    if (!p)
        snprintf(err, errlen, "out of memory for a window of %d tokens", ctx);
    return p;
}

int perplexity_score(model *m, const int32_t *ids, size_t n, int ctx, perplexity_result *out,
                     char *err, size_t errlen)
{
    *out = (perplexity_result){0};
    if (ctx < 2) {
        snprintf(err, errlen, "context %d is too short: a window needs 2 tokens to score one", ctx);
        return -1;
    }
    int32_t *targets = alloc_window(ctx, err, errlen);
    if (!targets)
        return -1;
    int rc = 0;
    for (size_t start = 0; start + 1 < n && rc == 0; start += (size_t)ctx) {
        int len = n - start < (size_t)ctx ? (int)(n - start) : ctx;
        rc = score_window(m, ids + start, len, 0, targets, out, err, errlen);
    }
    free(targets);
    return rc;
}

int perplexity_score_llama_cpp(model *m, const int32_t *ids, size_t n, int ctx, int32_t bos,
                               perplexity_result *out, char *err, size_t errlen)
{
    *out = (perplexity_result){0};
    if (ctx < 3) {
        snprintf(err, errlen, "context %d is too short: llama.cpp's scoring needs 3 tokens to "
                 "score the second half of a window", ctx);
        return -1;
    }
    int32_t *targets = alloc_window(ctx, err, errlen);
    int32_t *window = targets ? alloc_window(ctx, err, errlen) : NULL;
    int rc = window ? 0 : -1;
    for (size_t start = 0; rc == 0 && start + (size_t)ctx <= n; start += (size_t)ctx) {
        memcpy(window, ids + start, (size_t)ctx * sizeof *window);
        if (bos >= 0)
            window[0] = bos;
        rc = score_window(m, window, ctx, ctx / 2, targets, out, err, errlen);
    }
    free(window);
    free(targets);
    return rc;
}
