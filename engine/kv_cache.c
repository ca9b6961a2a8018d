/* kv_cache.c - per-layer key/value storage and attention over it: one task
 * per query head (when the work is worth the pool), each scoring its rows
 * against the cached keys and mixing the values back. On CPUs with AVX2 the
 * scores, exponentials and mixing run eight lanes wide, four query rows at
 * a time in prefill (or, decoding one row, four heads that share a K/V
 * head), keys scored eight at a time, each row's sums in the same order as
 * alone, so a cached decode equals its recompute (the portable path,
 * SSE-wide with libm's expf, goes a row at a time). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_cache.h"
#include "vec.h"

/* Query rows a head scores and mixes together where the CPU path allows,
 * and how many positions ahead the vector path asks for keys and values: a
 * head's share of a position is a few lines a whole K/V row apart, which
 * the hardware prefetchers miss (prefetching cut a decoded token's
 * attention by 8-20 % on the bench shapes). */
enum { ATTEND_ROWS = 4, ATTEND_AHEAD = 16 };

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
    c->scores = malloc((size_t)n_heads * ATTEND_ROWS * n_ctx * sizeof *c->scores);
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

static size_t head_at(const kv_cache *c, int layer, int kvh)
{
    return ((size_t)layer * c->n_kv_heads + kvh) * c->n_ctx * c->head_dim;
}

float *kv_cache_keys(const kv_cache *c, int layer, int kvh)
{
    return c->k + head_at(c, layer, kvh);
}

float *kv_cache_values(const kv_cache *c, int layer, int kvh)
{
    return c->v + head_at(c, layer, kvh);
}

void kv_cache_store(kv_cache *c, int layer, int pos, int n, const float *k, const float *v)
{
    size_t hd = (size_t)c->head_dim, kw = kv_width(c);
    for (int h = 0; h < c->n_kv_heads; h++) {
        float *kh = kv_cache_keys(c, layer, h) + (size_t)pos * hd;
        float *vh = kv_cache_values(c, layer, h) + (size_t)pos * hd;
        for (int t = 0; t < n; t++) {
            memcpy(kh + t * hd, k + t * kw + h * hd, hd * sizeof *k);
            memcpy(vh + t * hd, v + t * kw + h * hd, hd * sizeof *v);
        }
    }
}

typedef struct {
    kv_cache *c;
    int layer, n, p0;
    int parts;              /* a decoded row in phases: blocks per K/V head */
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
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 mv = _mm256_set1_ps(s[0]);
    for (int j = 0; j < len; j += 8) {
        __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(len - j), lane);
        __m256 x = _mm256_maskload_ps(s + j, keep);
        mv = _mm256_blendv_ps(mv, _mm256_max_ps(mv, x), _mm256_castsi256_ps(keep));
    }
    float l[8];
    _mm256_storeu_ps(l, mv);
    float mx = l[0];
    for (int i = 1; i < 8; i++)
        mx = l[i] > mx ? l[i] : mx;
    __m256 m = _mm256_set1_ps(mx), sum = _mm256_setzero_ps();
    for (int j = 0; j < len; j += 8) {
        __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(len - j), lane);
        __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_maskload_ps(s + j, keep), m));
        e = _mm256_and_ps(e, _mm256_castsi256_ps(keep));
        _mm256_maskstore_ps(s + j, keep, e);
        sum = _mm256_add_ps(sum, e);
    }
    _mm256_storeu_ps(l, sum);
    __m256 inv = _mm256_set1_ps(1.0f / (((l[0] + l[4]) + (l[1] + l[5])) +
                                        ((l[2] + l[6]) + (l[3] + l[7]))));
    for (int j = 0; j < len; j += 8) {
        __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(len - j), lane);
        _mm256_maskstore_ps(s + j, keep, _mm256_mul_ps(_mm256_maskload_ps(s + j, keep), inv));
    }
}
#endif

/* Head H of the job's rows, one row at a time: the portable path. */
static void attend_plain(void *arg, int h)
{
    const attend_job *j = arg;
    const kv_cache *c = j->c;
    int hd = c->head_dim, kvh = h / (c->n_heads / c->n_kv_heads);
    size_t qw = (size_t)c->n_heads * hd;
    const float *k = kv_cache_keys(c, j->layer, kvh), *v = kv_cache_values(c, j->layer, kvh);
    float *s = c->scores + (size_t)h * ATTEND_ROWS * c->n_ctx;
    float scale = 1.0f / sqrtf((float)hd);
    for (int t = 0; t < j->n; t++) {
        int len = j->p0 + t + 1;
        const float *q = j->q + (size_t)t * qw + (size_t)h * hd;
        float *o = j->o + (size_t)t * qw + (size_t)h * hd;
        for (int p = 0; p < len; p++)
            s[p] = scale * vec_dot(q, k + (size_t)p * hd, hd);
        softmax(s, len);
        memset(o, 0, (size_t)hd * sizeof *o);
        for (int p = 0; p < len; p++)
            vec_axpy(o, v + (size_t)p * hd, s[p], hd);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
/* Q_i . K (HD floats, a multiple of 8) for the NR <= ATTEND_ROWS rows Q_i,
 * the key's loads shared: eight lanes of fused multiply-adds, then a fixed
 * tree; a row's dot is the same bits in a group or alone. */
AVX2 static inline __attribute__((always_inline)) void dots(const float *const *q, int nr,
                                                            const float *k, int hd, float *out)
{
    __m256 acc[ATTEND_ROWS];
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        acc[i] = _mm256_setzero_ps();
    for (int e = 0; e < hd; e += 8) {
        __m256 kv = _mm256_loadu_ps(k + e);
#pragma GCC unroll 4
        for (int i = 0; i < nr; i++)
            acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(q[i] + e), kv, acc[i]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++) {
        float l[8];
        _mm256_storeu_ps(l, acc[i]);
        out[i] = ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]));
    }
}

/* dots() of one row Q against the eight keys from K (KW floats apart), as
 * SCALE times each into OUT[0..8): a chain of fused multiply-adds per key,
 * so the eight overlap, and the same tree per key as dots() takes, done for
 * all eight at once: halves added, then two rounds of pairwise adds. */
AVX2 static inline __attribute__((always_inline)) void dots8(const float *q, const float *k,
                                                             size_t kw, int hd, float scale,
                                                             float *out)
{
    __m256 acc[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        acc[i] = _mm256_setzero_ps();
        for (int e = 0; e < hd; e += 16)
            __builtin_prefetch(k + (size_t)(i + ATTEND_AHEAD) * kw + e);
    }
    for (int e = 0; e < hd; e += 8) {
        __m256 qv = _mm256_loadu_ps(q + e);
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++)
            acc[i] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + (size_t)i * kw + e), acc[i]);
    }
    __m256 half[4];     /* keys i and i + 4: lanes l + l+4 of each, one key a 128-bit half */
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        half[i] = _mm256_add_ps(_mm256_permute2f128_ps(acc[i], acc[i + 4], 0x20),
                                _mm256_permute2f128_ps(acc[i], acc[i + 4], 0x31));
    __m256 sum = _mm256_hadd_ps(_mm256_hadd_ps(half[0], half[1]), _mm256_hadd_ps(half[2], half[3]));
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_set1_ps(scale), sum));
}

/* Elements E .. E + 8W of O_i = sum over p < LEN_i of S_i[p] V_p for NR
 * rows (NR and W constants after inlining): positions in order, one fused
 * multiply-add each, so a row's sums are the same bits in a group or alone;
 * W independent lanes of eight keep the adds' latency covered. */
AVX2 static inline __attribute__((always_inline)) void mix_pass(float *const *o, float *const *s,
                                                                const int *len, int nr,
                                                                const float *v, size_t kw,
                                                                int e, int w)
{
    __m256 acc[ATTEND_ROWS][8];
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
        for (int l = 0; l < w; l++)
            acc[i][l] = _mm256_setzero_ps();
    for (int p = 0; p < len[nr - 1]; p++) {
        const float *vp = v + (size_t)p * kw + e;
        for (int l = 0; l < w; l += 2)
            __builtin_prefetch(vp + ATTEND_AHEAD * kw + 8 * l);
#pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            if (p >= len[i])
                continue;
            __m256 sv = _mm256_set1_ps(s[i][p]);
#pragma GCC unroll 8
            for (int l = 0; l < w; l++)
                acc[i][l] = _mm256_fmadd_ps(sv, _mm256_loadu_ps(vp + 8 * l), acc[i][l]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
        for (int l = 0; l < w; l++)
            _mm256_storeu_ps(o[i] + e + 8 * l, acc[i][l]);
}

/* Elements E .. END of O_i for NR rows (NR <= ATTEND_ROWS, a constant
 * after inlining), at most eight accumulators a pass. */
AVX2 static inline __attribute__((always_inline)) void mix(float *const *o, float *const *s,
                                                           const int *len, int nr,
                                                           const float *v, size_t kw, int e,
                                                           int end)
{
    if (nr == 1) {
        for (; e + 64 <= end; e += 64)
            mix_pass(o, s, len, 1, v, kw, e, 8);
        for (; e + 32 <= end; e += 32)
            mix_pass(o, s, len, 1, v, kw, e, 4);
    }
    for (; e + 16 <= end; e += 16)
        mix_pass(o, s, len, nr, v, kw, e, 2);
    for (; e < end; e += 8)
        mix_pass(o, s, len, nr, v, kw, e, 1);
}

/* NR query rows (NR a constant after inlining) from row T of head H, a row
 * further and DH heads further each (DH 0: the rows of a prefill; DH 1: a
 * decoded row's heads that share a key/value head), all reading one K/V
 * head: each row's sums are the same bits as alone. */
AVX2 static inline __attribute__((always_inline)) void attend_rows(const attend_job *j, int h,
                                                                   int t, int nr, int dh)
{
    const kv_cache *c = j->c;
    int hd = c->head_dim, kvh = h / (c->n_heads / c->n_kv_heads), dt = dh ? 0 : 1;
    size_t qw = (size_t)c->n_heads * hd;
    const float *k = kv_cache_keys(c, j->layer, kvh), *v = kv_cache_values(c, j->layer, kvh);
    float scale = 1.0f / sqrtf((float)hd), d[ATTEND_ROWS];
    const float *q[ATTEND_ROWS];
    float *o[ATTEND_ROWS], *s[ATTEND_ROWS];
    int len[ATTEND_ROWS];
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++) {
        size_t at = (size_t)(t + i * dt) * qw + (size_t)(h + i * dh) * hd;
        q[i] = j->q + at;
        o[i] = j->o + at;
        s[i] = c->scores + ((size_t)(h + i * dh) * ATTEND_ROWS + (size_t)(i * dt)) * c->n_ctx;
        len[i] = j->p0 + t + i * dt + 1;
    }
    int p = 0;
    for (; p + 8 <= len[0]; p += 8)
#pragma GCC unroll 4
        for (int i = 0; i < nr; i++)
            dots8(q[i], k + (size_t)p * hd, (size_t)hd, hd, scale, s[i] + p);
    for (; p < len[nr - 1]; p++) {
        int first = 0;  /* rows before FIRST end before p */
        while (len[first] <= p)
            first++;
        if (first == 0)
            dots(q, nr, k + (size_t)p * hd, hd, d);
        else
#pragma GCC unroll 4
            for (int i = first; i < nr; i++)
                dots(q + i, 1, k + (size_t)p * hd, hd, d + i);
#pragma GCC unroll 4
        for (int i = first; i < nr; i++)
            s[i][p] = scale * d[i];
    }
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        softmax_avx2(s[i], len[i]);
    mix(o, s, len, nr, v, (size_t)hd, 0, hd);
}

/* Head H of every row of the job. */
AVX2 static void attend_avx2(void *arg, int h)
{
    const attend_job *j = arg;
    int t = 0;
    for (; t + ATTEND_ROWS <= j->n; t += ATTEND_ROWS)
        attend_rows(j, h, t, ATTEND_ROWS, 0);
    for (; t < j->n; t++)
        attend_rows(j, h, t, 1, 0);
}

/* The heads of one decoded row that share K/V head G, ATTEND_ROWS at a
 * time: their keys and values are read once, not once per head. */
AVX2 static void attend_group_avx2(void *arg, int g)
{
    const attend_job *j = arg;
    int per = j->c->n_heads / j->c->n_kv_heads, h = g * per, end = h + per;
    for (; h + ATTEND_ROWS <= end; h += ATTEND_ROWS)
        attend_rows(j, h, 0, ATTEND_ROWS, 1);
    for (; h < end; h++)
        attend_rows(j, h, 0, 1, 0);
}

/* ------------------------------------------------ a decoded row in phases
 * Where the K/V heads do not divide among the threads (9 heads on 3 K/V
 * heads, 2 threads), a decoded row goes in three pool calls that do: the
 * scores of each K/V head's heads in J->parts blocks of positions, the
 * softmax a head at a time, and the mixing of the values in J->parts blocks
 * of columns. Each score, softmax and output element is computed as
 * attend_rows computes it, so the row is the same bits as in prefill. */
static float *score_row(const kv_cache *c, int h)
{
    return c->scores + (size_t)h * ATTEND_ROWS * c->n_ctx;
}

/* Part I of PARTS of N items, in whole eights but the last: [*FROM, *TO). */
static void part_of(int n, int parts, int i, int *from, int *to)
{
    int span = (n + 8 * parts - 1) / (8 * parts) * 8;
    *from = i * span;
    *to = n - *from < span ? n : *from + span;
}

/* Part T % parts of the positions of K/V head T / parts. */
AVX2 static void score_task(void *arg, int t)
{
    const attend_job *j = arg;
    const kv_cache *c = j->c;
    int hd = c->head_dim, per = c->n_heads / c->n_kv_heads, g = t / j->parts, p, end;
    part_of(j->p0 + 1, j->parts, t % j->parts, &p, &end);
    const float *k = kv_cache_keys(c, j->layer, g);
    float scale = 1.0f / sqrtf((float)hd);
    for (; p + 8 <= end; p += 8)
        for (int h = g * per; h < (g + 1) * per; h++)
            dots8(j->q + (size_t)h * hd, k + (size_t)p * hd, (size_t)hd, hd, scale,
                  score_row(c, h) + p);
    for (; p < end; p++)
        for (int h = g * per; h < (g + 1) * per; h++) {
            const float *q = j->q + (size_t)h * hd;
            float d;
            dots(&q, 1, k + (size_t)p * hd, hd, &d);
            score_row(c, h)[p] = scale * d;
        }
}

AVX2 static void softmax_task(void *arg, int h)
{
    const attend_job *j = arg;
    softmax_avx2(score_row(j->c, h), j->p0 + 1);
}

/* NR <= ATTEND_ROWS heads from H: columns E .. END. */
AVX2 static void mix_heads(const attend_job *j, int h, int nr, const float *v, int e, int end)
{
    size_t hd = (size_t)j->c->head_dim;
    float *o[ATTEND_ROWS], *s[ATTEND_ROWS];
    int len[ATTEND_ROWS];
    for (int i = 0; i < nr; i++) {
        o[i] = j->o + (h + i) * hd;
        s[i] = score_row(j->c, h + i);
        len[i] = j->p0 + 1;
    }
    switch (nr) {
    case 4: mix(o, s, len, 4, v, hd, e, end); break;
    case 3: mix(o, s, len, 3, v, hd, e, end); break;
    case 2: mix(o, s, len, 2, v, hd, e, end); break;
    default: mix(o, s, len, 1, v, hd, e, end); break;
    }
}

/* Part T % parts of the value columns of K/V head T / parts. */
AVX2 static void mix_task(void *arg, int t)
{
    const attend_job *j = arg;
    const kv_cache *c = j->c;
    int per = c->n_heads / c->n_kv_heads, g = t / j->parts, e, end;
    part_of(c->head_dim, j->parts, t % j->parts, &e, &end);
    const float *v = kv_cache_values(c, j->layer, g);
    for (int h = g * per; e < end && h < (g + 1) * per; h += ATTEND_ROWS)
        mix_heads(j, h, (g + 1) * per - h < ATTEND_ROWS ? (g + 1) * per - h : ATTEND_ROWS, v, e,
                  end);
}

#endif

/* Below this many multiply-adds a call stays on the calling thread: a pool
 * call costs well under a microsecond while its thread spins, so a decoded
 * token's heads are split from short contexts on (at 1 << 16, the 15M
 * shape's attention stayed on one thread up to 227 positions). */
enum { ATTEND_SPLIT = 1 << 12 };
/* Positions from which a decoded row whose K/V heads do not divide among
 * the threads goes in phases: their two extra pool calls cost more than the
 * idle thread below (9 heads on 3 K/V heads, 2 threads, 30 layers: 0.82 of
 * the one-call time at 64 positions, 0.95 at 224, 1.15 at 512). */
enum { ATTEND_PHASED = 384 };

static bool worth_pool(const attend_job *j)
{
    const kv_cache *c = j->c;
    return (size_t)j->n * (size_t)(j->p0 + j->n) * (size_t)c->n_heads * c->head_dim >=
           ATTEND_SPLIT;
}

/* TASKS tasks of FN, on the pool where worth_pool(). */
static void run_tasks(pool *p, attend_job *j, pool_fn fn, int tasks)
{
    if (worth_pool(j)) {
        pool_run(p, tasks, fn, j);
        return;
    }
    for (int i = 0; i < tasks; i++)
        fn(j, i);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The fewest parts per K/V head that give the threads equal shares. */
static int phase_parts(const kv_cache *c, int threads)
{
    int parts = 1;
    while ((c->n_kv_heads * parts) % threads != 0)
        parts++;
    return parts;
}

/* The vector path takes heads of whole vectors (every common head size);
 * a decoded row goes a K/V head per task (a head per task where there are
 * fewer K/V heads than threads), or in phases. */
static void attend(pool *p, attend_job *j)
{
    const kv_cache *c = j->c;
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
        c->head_dim % 8 != 0) {
        run_tasks(p, j, attend_plain, c->n_heads);
        return;
    }
    if (j->n > 1) {
        run_tasks(p, j, attend_avx2, c->n_heads);
        return;
    }
    j->parts = phase_parts(c, pool_threads(p));
    bool phased = j->parts > 1 && j->p0 + 1 >= ATTEND_PHASED && worth_pool(j);
    if (!phased && c->n_kv_heads < pool_threads(p)) {
        /* fewer K/V heads than threads: a head per task keeps them all busy */
        run_tasks(p, j, attend_avx2, c->n_heads);
        return;
    }
    if (!phased) {
        run_tasks(p, j, attend_group_avx2, c->n_kv_heads);
        return;
    }
    pool_run(p, c->n_kv_heads * j->parts, score_task, j);
    pool_run(p, c->n_heads, softmax_task, j);
    pool_run(p, c->n_kv_heads * j->parts, mix_task, j);
}
#else
static void attend(pool *p, attend_job *j)
{
    run_tasks(p, j, attend_plain, j->c->n_heads);
}
#endif

void kv_cache_attend(pool *p, kv_cache *c, int layer, const float *q, float *o, int n, int p0)
{
    attend_job j = {.c = c, .layer = layer, .n = n, .p0 = p0, .q = q, .o = o};
    attend(p, &j);
}
