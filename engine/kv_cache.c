/* kv_cache.c - per-layer key/value storage and attention over it: one task
 * per query head (when the work is worth the pool), each scoring its rows
 * against the cached keys and mixing the values back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_cache.h"
#include "vec.h"

static size_t kv_width(const kv_cache *c)
{
    return (size_t)c->n_kv_heads * c->head_dim;
}

int kv_cache_init(kv_cache *c, int n_layers, int n_ctx, int n_heads, int n_kv_heads,
                  int head_dim, char *err, size_t errlen)
{
    *c = (kv_cache){.n_layers = n_layers, .n_ctx = n_ctx, .n_heads = n_heads,
                    .n_kv_heads = n_kv_heads, .head_dim = head_dim};
    size_t n = (size_t)n_layers * n_ctx * kv_width(c);
    c->k = malloc(n * sizeof *c->k);
    c->v = malloc(n * sizeof *c->v);
    c->scores = malloc((size_t)n_heads * n_ctx * sizeof *c->scores);
    if (!c->k || !c->v || !c->scores) {
        snprintf(err, errlen, "kv cache: out of memory for %d layers x %d positions", n_layers,
                 n_ctx);
        kv_cache_free(c);
        return -1;
    }
    return 0;
}

void kv_cache_free(kv_cache *c)
{
    free(c->k);
    free(c->v);
    free(c->scores);
    c->k = c->v = c->scores = NULL;
}

size_t kv_cache_bytes(const kv_cache *c)
{
    return 2 * (size_t)c->n_layers * c->n_ctx * kv_width(c) * sizeof(float);
}

float *kv_cache_k(const kv_cache *c, int layer, int pos)
{
    return c->k + ((size_t)layer * c->n_ctx + pos) * kv_width(c);
}

float *kv_cache_v(const kv_cache *c, int layer, int pos)
{
    return c->v + ((size_t)layer * c->n_ctx + pos) * kv_width(c);
}

typedef struct {
    kv_cache *c;
    int layer, n, p0;
    const float *q;
    float *o;
} attend_job;

/* s[0..len) = softmax(s), in place. */
static void softmax(float *s, int len)
{
    float mx = s[0];
    for (int j = 1; j < len; j++)
        mx = s[j] > mx ? s[j] : mx;
    double sum = 0;
    for (int j = 0; j < len; j++) {
        s[j] = expf(s[j] - mx);
        sum += s[j];
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < len; j++)
        s[j] *= inv;
}

static void attend_head(void *arg, int h)
{
    const attend_job *j = arg;
    const kv_cache *c = j->c;
    int hd = c->head_dim, kvh = h / (c->n_heads / c->n_kv_heads);
    size_t qw = (size_t)c->n_heads * hd, kw = kv_width(c);
    const float *k = kv_cache_k(c, j->layer, 0) + (size_t)kvh * hd;
    const float *v = kv_cache_v(c, j->layer, 0) + (size_t)kvh * hd;
    float *s = c->scores + (size_t)h * c->n_ctx;
    float scale = 1.0f / sqrtf((float)hd);
    for (int t = 0; t < j->n; t++) {
        int len = j->p0 + t + 1;
        const float *q = j->q + (size_t)t * qw + (size_t)h * hd;
        float *o = j->o + (size_t)t * qw + (size_t)h * hd;
        for (int p = 0; p < len; p++)
            s[p] = scale * vec_dot(q, k + (size_t)p * kw, hd);
        softmax(s, len);
        memset(o, 0, (size_t)hd * sizeof *o);
        for (int p = 0; p < len; p++)
            vec_axpy(o, v + (size_t)p * kw, s[p], hd);
    }
}

/* Below this many multiply-adds a call stays on the calling thread. */
enum { ATTEND_SPLIT = 1 << 16 };

void kv_cache_attend(pool *p, kv_cache *c, int layer, const float *q, float *o, int n, int p0)
{
    attend_job j = {.c = c, .layer = layer, .n = n, .p0 = p0, .q = q, .o = o};
    size_t work = (size_t)n * (size_t)(p0 + n) * (size_t)c->n_heads * c->head_dim;
    if (work < ATTEND_SPLIT)
        for (int h = 0; h < c->n_heads; h++)
            attend_head(&j, h);
    else
        pool_run(p, c->n_heads, attend_head, &j);
}
