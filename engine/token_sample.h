/* token_sample.h - choosing the next token from logits, with llama.cpp's
 * sampler semantics and order: repeat penalty over the last N tokens seen
 * (a logit > 0 is divided by the penalty, one <= 0 multiplied), then top-k,
 * top-p (the smallest prefix of the sorted candidates whose softmax
 * probability reaches p), min-p (keep logits >= max + log(min_p), i.e.
 * probability >= min_p times the top one), then temperature, then a seeded
 * draw from the softmax. Temperature <= 0 is greedy: the argmax after the
 * penalty (lowest id on ties), deterministic. At least one candidate always
 * survives the filters. Not the system-gauge sampler (sampler.h). */
#ifndef LATHE_TOKEN_SAMPLE_H
#define LATHE_TOKEN_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    float temp;             /* <= 0: greedy */
    int top_k;              /* <= 0: off */
    float top_p;            /* >= 1: off */
    float min_p;            /* <= 0: off */
    float repeat_penalty;   /* 1: off */
    int repeat_last_n;      /* history the penalty looks at */
    uint64_t seed;
} tsample_params;

typedef struct token_sampler token_sampler;

/* llama.cpp's defaults: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, repeat
 * penalty 1.0 over the last 64 tokens, seed 0. */
tsample_params tsample_defaults(void);
/* -1 with err for a negative repeat penalty or window, or a bad vocab size. */
token_sampler *tsample_new(const tsample_params *p, int n_vocab, char *err, size_t errlen);
void tsample_free(token_sampler *ts);
/* Records a token (prompt or generated) for the repeat penalty. */
void tsample_accept(token_sampler *ts, int32_t id);
/* Clears the history; the random stream goes on. */
void tsample_reset(token_sampler *ts);
/* The distribution a draw uses: *ids and *probs (count returned) sorted by
 * probability, highest first, valid until the next call. Greedy gives the
 * argmax alone with probability 1. */
int tsample_dist(token_sampler *ts, const float *logits, const int32_t **ids,
                 const float **probs);
/* The next token: greedy, or a draw from tsample_dist. */
int32_t tsample_next(token_sampler *ts, const float *logits);

#endif
