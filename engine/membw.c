/* membw.c - read bandwidth (membw.h). A streaming read with several
 * independent accumulators is what a decode step's weight reads are at best,
 * so its rate bounds decoding from above: a bound measured with narrower or
 * dependent loads (a sasum pass) underestimates the machine, and decode
 * then appears to beat it. Each thread reads STREAMS places of its share at
 * once, as the decode kernels read four weight rows: one stream per thread
 * left misses outstanding that the memory system could serve (on this 2-core
 * machine a 600 MB buffer read at 22 GB/s in one stream, 29-31 GB/s in
 * four). A buffer of the token's size still read slower than decode read a
 * 156 MB model once decode read its rows as four streams (1.05x "the
 * bound"): which of a model's bytes the last-level cache keeps depends on
 * where they lie, so the bound reads the token's own spans. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "membw.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_PATHS 1
#endif

/* Bytes per pool task, read as STREAMS parts (one accumulator each below). */
enum { SLICE = 1 << 20, STREAMS = 4, PART = SLICE / STREAMS };

typedef uint64_t v8u __attribute__((vector_size(64)));

/* XOR of the STREAMS * PART bytes at P, read as STREAMS streams PART bytes
 * apart (PART a multiple of 64) at once. */
static uint64_t read_plain(const uint8_t *p, size_t part)
{
    v8u a = {0}, b = {0}, c = {0}, d = {0};
    for (size_t i = 0; i < part; i += 64) {
        v8u x[4];
        for (int s = 0; s < STREAMS; s++)
            memcpy(&x[s], p + (size_t)s * part + i, sizeof x[s]);
        a ^= x[0];
        b ^= x[1];
        c ^= x[2];
        d ^= x[3];
    }
    a ^= b ^ c ^ d;
    return a[0] ^ a[7];
}

#ifdef HAVE_X86_PATHS
__attribute__((target("avx512f"))) static uint64_t read_avx512(const uint8_t *p, size_t part)
{
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    for (size_t i = 0; i < part; i += 64) {
        a = _mm512_xor_si512(a, _mm512_loadu_si512(p + i));
        b = _mm512_xor_si512(b, _mm512_loadu_si512(p + part + i));
        c = _mm512_xor_si512(c, _mm512_loadu_si512(p + 2 * part + i));
        d = _mm512_xor_si512(d, _mm512_loadu_si512(p + 3 * part + i));
    }
    a = _mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d));
    uint64_t lanes[8];   /* XOR, not a signed sum: any bytes are read */
    _mm512_storeu_si512(lanes, a);
    return lanes[0] ^ lanes[7];
}

__attribute__((target("avx2"))) static uint64_t read_avx2(const uint8_t *p, size_t part)
{
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (size_t i = 0; i < part; i += 32) {
        a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *)(p + i)));
        b = _mm256_xor_si256(b, _mm256_loadu_si256((const __m256i *)(p + part + i)));
        c = _mm256_xor_si256(c, _mm256_loadu_si256((const __m256i *)(p + 2 * part + i)));
        d = _mm256_xor_si256(d, _mm256_loadu_si256((const __m256i *)(p + 3 * part + i)));
    }
    a = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
    return (uint64_t)_mm256_extract_epi64(a, 0) ^ (uint64_t)_mm256_extract_epi64(a, 3);
}
#endif

typedef uint64_t (*reader)(const uint8_t *p, size_t part);

/* XOR of the LEN bytes at P: as streams, then the few bytes left over. */
static uint64_t read_len(reader read, const uint8_t *p, size_t len)
{
    size_t part = len / STREAMS / 64 * 64;
    uint64_t x = part ? read(p, part) : 0;
    for (size_t i = STREAMS * part; i < len; i++)
        x ^= p[i];
    return x;
}

typedef struct {
    const uint8_t *buf;
    const membw_span *spans;
    int n, pieces;
    reader read;
    uint64_t *sinks;
} bw_job;

static void bw_task(void *arg, int i)
{
    bw_job *j = arg;
    j->sinks[i] ^= j->read(j->buf + (size_t)i * SLICE, PART);
}

/* Piece I of J->pieces of every span in turn, cut at cache lines: no
 * thread waits for another between spans, as no step that also computes
 * can avoid. */
static void spans_task(void *arg, int i)
{
    bw_job *j = arg;
    for (int k = 0; k < j->n; k++) {
        const uint8_t *p = j->spans[k].p;
        if (!p)
            continue;
        size_t b = j->spans[k].bytes, per = (size_t)j->pieces;
        size_t lo = b * (size_t)i / per / 64 * 64;
        size_t hi = i + 1 == j->pieces ? b : b * (size_t)(i + 1) / per / 64 * 64;
        j->sinks[i] ^= read_len(j->read, p + lo, hi - lo);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static reader widest(void)
{
#ifdef HAVE_X86_PATHS
    if (__builtin_cpu_supports("avx512f"))
        return read_avx512;
    if (__builtin_cpu_supports("avx2"))
        return read_avx2;
#endif
    return read_plain;
}

double membw_read(pool *p, size_t bytes, int passes)
{
    int tasks = (int)((bytes + SLICE - 1) / SLICE);
    size_t size = (size_t)tasks * SLICE;
    uint8_t *buf = aligned_alloc(4096, size);
    uint64_t *sinks = calloc((size_t)tasks, sizeof *sinks);
    double best = 0;
    if (buf && sinks) {
        /* non-zero: untouched zero pages would all read one cached page */
        memset(buf, 1, size);
        bw_job j = {.buf = buf, .read = widest(), .sinks = sinks};
        for (int rep = 0; rep < passes; rep++) {
            double t0 = now_s();
            pool_run(p, tasks, bw_task, &j);
            double s = now_s() - t0;
            best = s > 0 && (double)size / s > best ? (double)size / s : best;
        }
    }
    free(buf);
    free(sinks);
    return best;
}

double membw_read_spans(pool *p, const membw_span *s, int n, int passes)
{
    int threads = pool_threads(p);
    uint64_t *sinks = calloc((size_t)threads, sizeof *sinks);
    size_t total = 0;
    for (int k = 0; k < n; k++)
        total += s[k].p ? s[k].bytes : 0;
    bw_job j = {.spans = s, .n = n, .pieces = threads, .read = widest(), .sinks = sinks};
    double best = 0;
    for (int rep = 0; sinks && total && rep < passes; rep++) {
        double t0 = now_s();
        pool_run(p, threads, spans_task, &j);
        double sec = now_s() - t0;
        best = sec > 0 && (double)total / sec > best ? (double)total / sec : best;
    }
    free(sinks);
    return best;
}

size_t membw_llc_bytes(void)
{
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[128], unit = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        FILE *f = fopen(path, "r");
        unsigned long v = 0;
        if (!f)
            continue;
        if (fscanf(f, "%lu%c", &v, &unit) >= 1) {
            size_t b = unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : v;
            best = b > best ? b : best;
        }
        fclose(f);
    }
    return best;
}
