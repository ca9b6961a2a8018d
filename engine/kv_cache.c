/* kv_cache.c - per-layer key/value storage and attention over it: one task
 * per query head (when the work is worth the pool), each scoring its rows
 * against the cached keys and mixing the values back. On CPUs with AVX2 the
 * scores, exponentials and mixing run eight lanes wide (the generic build
 * is SSE-wide and calls libm's expf per score). */
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

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))

/* e^x for x <= 0 (x below -87 gives e^-87), within two units in the last
 * place: x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, so r is
 * exact), e^r by Cephes' expf polynomial, 2^n in the exponent bits. */
AVX2 static inline __m256 exp_nonpos(__m256 x)
{
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    static const float c[] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                              4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
    __m256 p = _mm256_set1_ps(c[0]);
    for (int i = 1; i < 6; i++)
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c[i]));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    __m256i two_n = _mm256_slli_epi32(biased, 23);
    return _mm256_mul_ps(e, _mm256_castsi256_ps(two_n));
}

/* softmax() eight lanes at a time; lanes past LEN are masked out of the sum,
 * which adds up in a fixed order. */
AVX2 static void softmax_avx2(float *s, int len)
{
    float mx = s[0];
    for (int j = 1; j < len; j++)
        mx = s[j] > mx ? s[j] : mx;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 m = _mm256_set1_ps(mx), sum = _mm256_setzero_ps();
    for (int j = 0; j < len; j += 8) {
        int n = len - j < 8 ? len - j : 8;
        float x[8] = {0};
        memcpy(x, s + j, (size_t)n * sizeof *x);
        __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane));
        __m256 e = _mm256_and_ps(exp_nonpos(_mm256_sub_ps(_mm256_loadu_ps(x), m)), keep);
        _mm256_storeu_ps(x, e);
        memcpy(s + j, x, (size_t)n * sizeof *x);
        sum = _mm256_add_ps(sum, e);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    float inv = 1.0f / (((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
                        ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])));
    for (int j = 0; j < len; j++)
        s[j] *= inv;
}
#endif

/* Head H of the job's rows. Inlined into one function per instruction set:
 * the generic build's dot products are SSE-wide; every row of a run takes
 * the same one, so a cached decode adds up as its recompute does. */
static inline __attribute__((always_inline)) void attend(const attend_job *j, int h,
                                                         void (*norm)(float *, int))
{
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
        norm(s, len);
        memset(o, 0, (size_t)hd * sizeof *o);
        for (int p = 0; p < len; p++)
            vec_axpy(o, v + (size_t)p * kw, s[p], hd);
    }
}

static void attend_plain(void *arg, int h)
{
    attend(arg, h, softmax);
}

#if defined(__x86_64__) && defined(__GNUC__)
AVX2 static void attend_avx2(void *arg, int h)
{
    attend(arg, h, softmax_avx2);
}

static pool_fn attend_head_fn(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? attend_avx2
                                                                           : attend_plain;
}
#else
static pool_fn attend_head_fn(void)
{
    return attend_plain;
}
#endif

/* Below this many multiply-adds a call stays on the calling thread. */
enum { ATTEND_SPLIT = 1 << 16 };

void kv_cache_attend(pool *p, kv_cache *c, int layer, const float *q, float *o, int n, int p0)
{
    attend_job j = {.c = c, .layer = layer, .n = n, .p0 = p0, .q = q, .o = o};
    size_t work = (size_t)n * (size_t)(p0 + n) * (size_t)c->n_heads * c->head_dim;
    pool_fn head = attend_head_fn();
    if (work < ATTEND_SPLIT)
        for (int h = 0; h < c->n_heads; h++)
            head(&j, h);
    else
        pool_run(p, c->n_heads, head, &j);
}
