/* token_sample.c - the sampler chain of token_sample.h over a candidate
 * array: penalised logits, kept sorted (a top-k selection by insertion when
 * k is small, qsort otherwise), cut by top-p and min-p, then softmax at the
 * temperature and a draw from a counter-based random stream. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "prng.h"
#include "token_sample.h"

/* Up to this k the top-k are kept by insertion, O(n_vocab * k). */
enum { INSERT_K = 256 };

typedef struct {
    int32_t id;
    float logit;
} cand;

struct token_sampler {
    tsample_params p;
    int n_vocab;
    int32_t *hist;          /* ring of the last repeat_last_n tokens */
    int hist_n, hist_at;
    uint64_t draws;
    float *pen;             /* penalised logits */
    unsigned char *seen;
    cand *c;
    int32_t *ids;
    float *probs;
};

tsample_params tsample_defaults(void)
{
    return (tsample_params){.temp = 0.8f, .top_k = 40, .top_p = 0.95f, .min_p = 0.05f,
                            .repeat_penalty = 1.0f, .repeat_last_n = 64, .seed = 0};
}

token_sampler *tsample_new(const tsample_params *p, int n_vocab, char *err, size_t errlen)
{
    if (n_vocab <= 0 || p->repeat_last_n < 0 || !(p->repeat_penalty > 0)) {
        snprintf(err, errlen, "sampler: vocab %d, repeat window %d and repeat penalty %g must "
                 "be positive", n_vocab, p->repeat_last_n, (double)p->repeat_penalty);
        return NULL;
    }
    token_sampler *ts = calloc(1, sizeof *ts);
    if (!ts) {
        snprintf(err, errlen, "sampler: out of memory");
        return NULL;
    }
    ts->p = *p;
    ts->n_vocab = n_vocab;
    size_t V = (size_t)n_vocab;
    ts->hist = malloc(((size_t)p->repeat_last_n + 1) * sizeof *ts->hist);
    ts->pen = malloc(V * sizeof *ts->pen);
    ts->seen = calloc(V, 1);
    ts->c = malloc(V * sizeof *ts->c);
    ts->ids = malloc(V * sizeof *ts->ids);
    ts->probs = malloc(V * sizeof *ts->probs);
    if (!ts->hist || !ts->pen || !ts->seen || !ts->c || !ts->ids || !ts->probs) {
        snprintf(err, errlen, "sampler: out of memory for %d tokens", n_vocab);
        tsample_free(ts);
        return NULL;
    }
    return ts;
}

void tsample_free(token_sampler *ts)
{
    if (!ts)
        return;
    free(ts->hist);
    free(ts->pen);
    free(ts->seen);
    free(ts->c);
    free(ts->ids);
    free(ts->probs);
    free(ts);
}

void tsample_accept(token_sampler *ts, int32_t id)
{
    int n = ts->p.repeat_last_n;
    if (n == 0)
        return;
    ts->hist[ts->hist_at] = id;
    ts->hist_at = (ts->hist_at + 1) % n;
    if (ts->hist_n < n)
        ts->hist_n++;
}

void tsample_reset(token_sampler *ts)
{
    ts->hist_n = ts->hist_at = 0;
}

/* Each distinct token of the window penalised once, as llama.cpp does. */
static const float *penalise(token_sampler *ts, const float *logits)
{
    if (ts->p.repeat_penalty == 1.0f || ts->hist_n == 0)
        return logits;
    for (int i = 0; i < ts->n_vocab; i++)
        ts->pen[i] = logits[i];
    for (int i = 0; i < ts->hist_n; i++) {
        int32_t id = ts->hist[i];
        if (id < 0 || id >= ts->n_vocab || ts->seen[id])
            continue;
        ts->seen[id] = 1;
        float *z = &ts->pen[id];
        *z = *z <= 0 ? *z * ts->p.repeat_penalty : *z / ts->p.repeat_penalty;
    }
    for (int i = 0; i < ts->hist_n; i++)
        if (ts->hist[i] >= 0 && ts->hist[i] < ts->n_vocab)
            ts->seen[ts->hist[i]] = 0;
    return ts->pen;
}

static bool before(const cand *a, const cand *b)
{
    return a->logit > b->logit || (a->logit == b->logit && a->id < b->id);
}

static int cmp_cand(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* The k best candidates (all when k <= 0), sorted; returns how many. */
static int top_sorted(token_sampler *ts, const float *z, int k)
{
    int V = ts->n_vocab;
    if (k <= 0 || k >= V || k > INSERT_K) {
        for (int i = 0; i < V; i++)
            ts->c[i] = (cand){i, z[i]};
        qsort(ts->c, (size_t)V, sizeof *ts->c, cmp_cand);
        return k > 0 && k < V ? k : V;
    }
    int n = 0;
    for (int i = 0; i < V; i++) {
        cand x = {i, z[i]};
        if (n == k && !before(&x, &ts->c[n - 1]))
            continue;
        int j = n < k ? n++ : k - 1;
        while (j > 0 && before(&x, &ts->c[j - 1])) {
            ts->c[j] = ts->c[j - 1];
            j--;
        }
        ts->c[j] = x;
    }
    return n;
}

/* probs[0..n) = softmax(logit / temp) of the first n candidates. */
static void softmax_into(token_sampler *ts, int n, float temp)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double e = exp((double)(ts->c[i].logit - ts->c[0].logit) / temp);
        ts->probs[i] = (float)e;
        sum += e;
    }
    for (int i = 0; i < n; i++) {
        ts->probs[i] = (float)(ts->probs[i] / sum);
        ts->ids[i] = ts->c[i].id;
    }
}

static int cut_top_p(token_sampler *ts, int n)
{
    if (!(ts->p.top_p < 1.0f))
        return n;
    softmax_into(ts, n, 1.0f);
    double cum = 0;
    for (int i = 0; i < n; i++) {
        cum += ts->probs[i];
        if (cum >= ts->p.top_p)
            return i + 1;
    }
    return n;
}

static int cut_min_p(token_sampler *ts, int n)
{
    if (!(ts->p.min_p > 0.0f))
        return n;
    float floor_logit = ts->c[0].logit + logf(ts->p.min_p);
    int keep = 1;
    while (keep < n && ts->c[keep].logit >= floor_logit)
        keep++;
    return keep;
}

int tsample_dist(token_sampler *ts, const float *logits, const int32_t **ids,
                 const float **probs)
{
    const float *z = penalise(ts, logits);
    bool greedy = !(ts->p.temp > 0.0f);
    int n = top_sorted(ts, z, greedy ? 1 : ts->p.top_k);
    if (!greedy) {
        n = cut_top_p(ts, n);
        n = cut_min_p(ts, n);
    }
    softmax_into(ts, n, greedy ? 1.0f : ts->p.temp);
    *ids = ts->ids;
    *probs = ts->probs;
    return n;
}

int32_t tsample_next(token_sampler *ts, const float *logits)
{
    const int32_t *ids;
    const float *probs;
    int n = tsample_dist(ts, logits, &ids, &probs);
    if (n == 1)
        return ids[0];
    uint64_t key = prng_mix(ts->p.seed) ^ (ts->draws++ * 0x9e3779b97f4a7c15ull);
    double u = (double)(prng_mix(key) >> 11) * (1.0 / 9007199254740992.0), cum = 0;
    for (int i = 0; i < n; i++) {
        cum += probs[i];
        if (u < cum)
            return ids[i];
    }
    return ids[n - 1];
}
