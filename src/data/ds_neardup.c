/* ds_neardup.c - MinHash signatures and LSH banding (ds_neardup.h). */
#include "config.h"

#include "ds_neardup.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_features.h"

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return x << k | x >> (64 - k);
}

/* Shingle state: the last words' hashes and the 64 bins. */
typedef struct {
    uint64_t word[DS_SHINGLE_WORDS];
    size_t words;
    uint64_t cur;        /* hash of the word being read */
    bool in_word;
    uint32_t bin[DS_MINHASH_K];
    bool filled[DS_MINHASH_K];
    size_t shingles;
} shingler;

static void add_shingle(shingler *s, uint64_t h)
{
    h = mix64(h);
    size_t b = (size_t)(h >> 58);
    uint32_t v = (uint32_t)h;
    if (!s->filled[b] || v < s->bin[b]) {
        s->bin[b] = v;
        s->filled[b] = true;
    }
    s->shingles++;
}

static uint64_t shingle_of(const uint64_t *w, size_t n)
{
    uint64_t h = 0;
    for (size_t k = 0; k < n; k++)
        h ^= rotl(w[k], (int)(21 * k + 1));
    return h;
}

static void end_word(shingler *s)
{
    if (!s->in_word)
        return;
    s->in_word = false;
    memmove(s->word, s->word + 1, (DS_SHINGLE_WORDS - 1) * sizeof s->word[0]);
    s->word[DS_SHINGLE_WORDS - 1] = mix64(s->cur);
    s->cur = 0;
    if (++s->words >= DS_SHINGLE_WORDS)
        add_shingle(s, shingle_of(s->word, DS_SHINGLE_WORDS));
}

static void word_byte(shingler *s, unsigned char c)
{
    s->cur = (s->cur ^ c) * 0x100000001B3ull;
    s->in_word = true;
}

static void feed(shingler *s, const char *text, size_t len)
{
    const unsigned char *t = (const unsigned char *)text;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = t[i];
        if (c >= 0xE3 && c <= 0xE9 && i + 2 < len) {   /* U+3000..U+9FFF: one word each */
            end_word(s);
            word_byte(s, c);
            word_byte(s, t[i + 1]);
            word_byte(s, t[i + 2]);
            end_word(s);
            i += 2;
        } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c >= 0x80) {
            word_byte(s, c);
        } else if (c >= 'A' && c <= 'Z') {
            word_byte(s, (unsigned char)(c | 0x20));
        } else {
            end_word(s);
        }
    }
    end_word(s);
}

static bool finish(shingler *s, ds_minhash *out)
{
    if (s->words > 0 && s->words < DS_SHINGLE_WORDS)
        add_shingle(s, shingle_of(s->word + DS_SHINGLE_WORDS - s->words, s->words));
    if (s->shingles == 0)
        return false;
    for (size_t b = 0; b < DS_MINHASH_K; b++) {
        size_t k = b, d = 0;
        while (!s->filled[k]) {
            k = (k + 1) % DS_MINHASH_K;
            d++;
        }
        out->v[b] = (uint8_t)mix64((uint64_t)s->bin[k] + d * 0x9E3779B97F4A7C15ull);
    }
    return true;
}

bool ds_minhash_text(const char *text, size_t len, ds_minhash *out)
{
    shingler s;
    memset(&s, 0, sizeof s);
    feed(&s, text, len);
    return finish(&s, out);
}

bool ds_minhash_record(const ds_record *rec, ds_minhash *out)
{
    shingler s;
    memset(&s, 0, sizeof s);
    size_t n = ds_record_piece_count(rec);
    for (size_t i = 0; i < n; i++) {
        ds_text x;
        ds_record_piece(rec, i, &x);
        feed(&s, x.text, x.len);
    }
    return finish(&s, out);
}

double ds_minhash_similarity(const ds_minhash *a, const ds_minhash *b)
{
    int same = 0;
    for (size_t k = 0; k < DS_MINHASH_K; k++)
        same += a->v[k] == b->v[k];
    double p = (double)same / DS_MINHASH_K, chance = 1.0 / 256;
    double j = (p - chance) / (1 - chance);
    return j < 0 ? 0 : j;
}

static int rows_for(double threshold)
{
    for (int r = 8; r > 1; r /= 2) {
        double b = DS_MINHASH_K / r;
        if (pow(1.0 / b, 1.0 / r) <= threshold - 0.1)
            return r;
    }
    return 1;
}

int ds_neardup_bands(double threshold)
{
    return DS_MINHASH_K / rows_for(threshold);
}

/* One worker: bands W, W + T, ... into its own FIRST (merged by minimum). */
typedef struct {
    const ds_minhash *sigs;
    const uint8_t *has_sig;
    size_t n;
    const ds_neardup_options *opt;
    int worker, rows;
    uint32_t *first;
    uint64_t *keys, *tmp;
    size_t *count;   /* radix sort digit counts, 65537 */
    int rc;
} band_job;

static uint32_t band_key(const ds_minhash *s, int band, int rows)
{
    uint64_t h = 0x9E3779B97F4A7C15ull * (uint64_t)(band + 1);
    for (int k = 0; k < rows; k++)
        h = mix64(h ^ s->v[band * rows + k]);
    return (uint32_t)h;
}

/* Stable LSD radix sort by the top 32 bits (16 bits a pass). */
static void sort_keys(uint64_t *a, uint64_t *tmp, size_t *count, size_t n)
{
    for (int shift = 32; shift < 64; shift += 16) {
        memset(count, 0, 65537 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[((a[i] >> shift) & 0xFFFF) + 1]++;
        for (size_t d = 0; d < 65536; d++)
            count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i] >> shift) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

/* Records of a bucket are in file order: each is compared with the earlier
 * ones from the first on, stopping at the first similar one (keep-first)
 * or at the earliest already found in another band. Past CHECK_HEAD
 * comparisons it skips to the CHECK_NEAR just before it, which bounds the
 * work in a bucket of thousands of copies of one template. */
static void check_bucket(band_job *j, const uint64_t *k, size_t m)
{
    enum { CHECK_HEAD = 16, CHECK_NEAR = 16 };
    for (size_t x = 1; x < m; x++) {
        uint32_t i = (uint32_t)k[x];
        for (size_t y = 0; y < x; y++) {
            if (y == CHECK_HEAD && x > CHECK_HEAD + CHECK_NEAR)
                y = x - CHECK_NEAR;
            uint32_t c = (uint32_t)k[y];
            if (c >= j->first[i])
                break;
            if (ds_minhash_similarity(&j->sigs[i], &j->sigs[c]) >= j->opt->threshold) {
                j->first[i] = c;
                break;
            }
        }
    }
}

static bool cancelled(const ds_neardup_options *o)
{
    return o->cancel && atomic_load_explicit(o->cancel, memory_order_relaxed);
}

static void *band_worker(void *arg)
{
    band_job *j = arg;
    int bands = DS_MINHASH_K / j->rows;
    for (int band = j->worker; band < bands; band += j->opt->threads) {
        if (cancelled(j->opt)) {
            j->rc = -1;
            return NULL;
        }
        size_t m = 0;
        for (size_t i = 0; i < j->n; i++)
            if (j->has_sig[i])
                j->keys[m++] = (uint64_t)band_key(&j->sigs[i], band, j->rows) << 32 | i;
        sort_keys(j->keys, j->tmp, j->count, m);
        for (size_t a = 0, b; a < m; a = b) {
            for (b = a + 1; b < m && j->keys[b] >> 32 == j->keys[a] >> 32;)
                b++;
            if (b - a > 1)
                check_bucket(j, j->keys + a, b - a);
        }
        if (j->opt->bands_done)
            atomic_fetch_add(j->opt->bands_done, 1);
    }
    return NULL;
}

static void free_jobs(band_job *jobs, int n)
{
    for (int w = 0; w < n; w++) {
        if (w > 0)
            free(jobs[w].first);
        free(jobs[w].keys);
        free(jobs[w].tmp);
        free(jobs[w].count);
    }
    free(jobs);
}

int ds_neardup_find(const ds_minhash *sigs, const uint8_t *has_sig, size_t n,
                    const ds_neardup_options *opt, uint32_t *first, char *err, size_t errlen)
{
    if (n >= DS_NEAR_NONE) {
        snprintf(err, errlen, "near-duplicate search handles fewer than %u records", DS_NEAR_NONE);
        return -1;
    }
    enum { MAX_THREADS = 64 };
    int t = opt->threads < 1 ? 1 : opt->threads > MAX_THREADS ? MAX_THREADS : opt->threads;
    band_job *jobs = calloc((size_t)t, sizeof *jobs);
    bool ok = jobs != NULL;
    for (int w = 0; ok && w < t; w++) {
        jobs[w] = (band_job){sigs, has_sig, n, opt, w, rows_for(opt->threshold),
                             w ? malloc((n + 1) * sizeof *first) : first,
                             malloc((n + 1) * sizeof(uint64_t)),
                             malloc((n + 1) * sizeof(uint64_t)),
                             malloc(65537 * sizeof(size_t)), 0};
        ok = jobs[w].first && jobs[w].keys && jobs[w].tmp && jobs[w].count;
        if (ok)
            for (size_t i = 0; i < n; i++)
                jobs[w].first[i] = DS_NEAR_NONE;
    }
    if (!ok) {
        if (jobs)
            free_jobs(jobs, t);
        snprintf(err, errlen, "out of memory for near-duplicate search over %zu records", n);
        return -1;
    }
    pthread_t tid[MAX_THREADS];
    bool running[MAX_THREADS] = {false};
    for (int w = 1; w < t; w++)
        if (!(running[w] = pthread_create(&tid[w], NULL, band_worker, &jobs[w]) == 0))
            jobs[w].rc = -1;
    band_worker(&jobs[0]);
    int rc = 0;
    for (int w = 0; w < t; w++) {
        if (running[w])
            pthread_join(tid[w], NULL);
        rc |= jobs[w].rc;
    }
    for (int w = 1; w < t && rc == 0; w++)
        for (size_t i = 0; i < n; i++)
            if (jobs[w].first[i] < first[i])
                first[i] = jobs[w].first[i];
    if (rc)
        snprintf(err, errlen, cancelled(opt) ? "cancelled" : "could not start a worker thread");
    free_jobs(jobs, t);
    return rc;
}
