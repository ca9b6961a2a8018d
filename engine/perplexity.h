/* perplexity.h - scoring a token stream with a model, window by window, as
 * `lathe perplexity` does: consecutive non-overlapping windows of CTX tokens
 * (the last one shorter), each evaluated from an empty context, every token
 * of a window scored except its first. Also llama.cpp's way (llama-perplexity),
 * so figures can be compared with it: full windows only, each starting with
 * BOS in place of its first token, and only the second half of each scored,
 * so every scored token sees at least CTX/2 tokens of context. The two give
 * different figures for the same text: they score different tokens. */
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

/* Scores IDS[0..n) as llama.cpp's llama-perplexity does: windows i of CTX
 * (>= 3) tokens at i*CTX, as many as fit whole (a shorter tail is left out);
 * the first token of each becomes BOS when BOS >= 0; the tokens after
 * positions CTX/2 .. CTX-2 are scored (CTX - CTX/2 - 1 per window). Returns 0,
 * or -1 with err. */
int perplexity_score_llama_cpp(model *m, const int32_t *ids, size_t n, int ctx, int32_t bos,
                               perplexity_result *out, char *err, size_t errlen);

#endif
