/* test_ds_neardup.c - near duplicates on known pairs: identical after case,
 * punctuation and white-space changes; one word edited in a long text;
 * unrelated texts; keep-first over a set with planted copies; the same
 * answer with one and two threads; records without words; cancellation;
 * the band count for a threshold; a similar record in the middle of a bucket
 * (neither its first nor the one just before); and the share of records
 * found in large clusters of borderline copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_neardup.h"

/* N pseudo-random words from SEED, space separated. */
static void words(char *buf, size_t cap, unsigned seed, int n)
{
    size_t used = 0;
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < n && used + 16 < cap; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        used += (size_t)snprintf(buf + used, cap - used, i ? " w%u" : "w%u", (unsigned)(x % 5000));
    }
}

static double sim(const char *a, const char *b)
{
    ds_minhash ma, mb;
    assert_true(ds_minhash_text(a, strlen(a), &ma));
    assert_true(ds_minhash_text(b, strlen(b), &mb));
    return ds_minhash_similarity(&ma, &mb);
}

static void test_pairs(void **state)
{
    (void)state;
    assert_true(sim("The quick brown fox jumps over the lazy dog.",
                    "  the QUICK brown fox, jumps over\tthe lazy dog!!") == 1.0);
    char a[2048], b[2048], c[2048];
    words(a, sizeof a, 1, 60);
    strcpy(b, a);
    char *w = strchr(b + 200, ' ');   /* edit one word in the middle */
    assert_non_null(w);
    w[1] = 'x';
    double s = sim(a, b);
    if (s < 0.8 || s >= 1.0)
        fail_msg("one edited word: similarity %.3f", s);
    words(c, sizeof c, 2, 60);
    s = sim(a, c);
    if (s > 0.2)
        fail_msg("unrelated texts: similarity %.3f", s);
    assert_true(sim("just two", "just two") == 1.0);
    ds_minhash m;
    assert_false(ds_minhash_text(" ,.;! ", 6, &m));
    assert_false(ds_minhash_text("", 0, &m));
}

/* 400 texts: every 10th (from 10 on) copies text i - 7 with one word edited
 * (when i % 20 == 0) or its case changed; the rest are unrelated. */
enum { N = 400 };

static void planted(ds_minhash *sig, uint8_t *has, uint32_t *want)
{
    for (size_t i = 0; i < N; i++) {
        char t[2048];
        want[i] = DS_NEAR_NONE;
        words(t, sizeof t, (unsigned)(i + 100), 50);
        if (i >= 10 && i % 10 == 0) {
            words(t, sizeof t, (unsigned)(i - 7 + 100), 50);
            char *w = strchr(t + 150, ' ');
            if (i % 20 == 0)
                w[1] = 'z';
            else
                for (char *p = t; *p; p++)
                    *p = *p == 'w' ? 'W' : *p;
            want[i] = (uint32_t)(i - 7);
        }
        has[i] = ds_minhash_text(t, strlen(t), &sig[i]);
    }
    has[5] = 0;   /* a record without a signature takes no part */
}

static void find(int threads, uint32_t *first)
{
    static ds_minhash sig[N];
    static uint8_t has[N];
    uint32_t want[N];
    planted(sig, has, want);
    char err[128];
    atomic_size_t bands;
    atomic_init(&bands, 0);
    ds_neardup_options o = {DS_NEAR_THRESHOLD_DEFAULT, threads, NULL, &bands};
    if (ds_neardup_find(sig, has, N, &o, first, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(atomic_load(&bands), ds_neardup_bands(DS_NEAR_THRESHOLD_DEFAULT));
    for (size_t i = 0; i < N; i++)
        if (first[i] != want[i])
            fail_msg("record %zu: first similar %u, want %u", i, first[i], want[i]);
}

static void test_keep_first_and_threads(void **state)
{
    (void)state;
    static uint32_t one[N], two[N];
    find(1, one);
    find(2, two);
    assert_memory_equal(one, two, sizeof one);
}

static void test_copies_point_to_the_first(void **state)
{
    (void)state;
    const char *t[] = {"alpha beta gamma delta epsilon zeta eta theta",
                       "completely different words are written here now",
                       "Alpha beta gamma delta epsilon zeta eta theta.",
                       "ALPHA BETA GAMMA DELTA EPSILON ZETA ETA THETA"};
    ds_minhash sig[4];
    uint8_t has[4];
    for (int i = 0; i < 4; i++)
        has[i] = ds_minhash_text(t[i], strlen(t[i]), &sig[i]);
    uint32_t first[4];
    char err[128];
    ds_neardup_options o = {0.9, 2, NULL, NULL};
    assert_int_equal(ds_neardup_find(sig, has, 4, &o, first, err, sizeof err), 0);
    assert_int_equal(first[0], DS_NEAR_NONE);
    assert_int_equal(first[1], DS_NEAR_NONE);
    assert_int_equal(first[2], 0);
    assert_int_equal(first[3], 0);
}

/* Four signatures share band 0 (all bands of 4 bins at 0.7) and only there:
 * A, X, Y, C. Only X and C are similar (C differs in one bin of each other
 * band: 49 of 64 agree), and X is neither the bucket's first (A) nor the
 * record just before C (Y). */
static void test_similar_in_the_middle_of_a_bucket(void **state)
{
    (void)state;
    ds_minhash sig[4];
    uint8_t has[4] = {1, 1, 1, 1};
    for (int r = 0; r < 4; r++)
        memset(sig[r].v, 10 * (r + 1), DS_MINHASH_K);
    sig[3] = sig[1];
    for (int band = 1; band < 16; band++)
        sig[3].v[band * 4] = 99;
    for (int r = 0; r < 4; r++)
        memset(sig[r].v, 7, 4);
    uint32_t first[4];
    char err[128];
    ds_neardup_options o = {0.7, 1, NULL, NULL};
    assert_int_equal(ds_neardup_bands(0.7), 16);
    assert_int_equal(ds_neardup_find(sig, has, 4, &o, first, err, sizeof err), 0);
    assert_int_equal(first[1], DS_NEAR_NONE);
    assert_int_equal(first[2], DS_NEAR_NONE);
    assert_int_equal(first[3], 1);
}

/* 10 clusters of 100 copies of a 60-word text, each word replaced with
 * probability 3 %, shuffled: borderline pairs around the threshold. Of the
 * records with an earlier similar one (by signature), at least 99 % are
 * found, and never one that is not similar. */
static void test_recall_in_large_clusters(void **state)
{
    (void)state;
    enum { CL = 10, PER = 100, M = CL * PER, W = 60 };
    static ds_minhash sig[M];
    static uint8_t has[M];
    static uint32_t first[M];
    uint64_t x = 42;
    for (size_t i = 0; i < M; i++) {
        unsigned base[W], c = (unsigned)(i / PER);
        char t[1024];
        size_t used = 0;
        uint64_t y = c * 0x9E3779B97F4A7C15ull + 7;
        for (int w = 0; w < W; w++) {
            y ^= y << 13, y ^= y >> 7, y ^= y << 17;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            base[w] = x % 100 < 3 ? (unsigned)(x >> 20) % 5000 : (unsigned)(y % 5000);
            used += (size_t)snprintf(t + used, sizeof t - used, " w%u", base[w]);
        }
        has[i] = ds_minhash_text(t, used, &sig[i]);
    }
    for (size_t i = M - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t j = x % (i + 1);
        ds_minhash t = sig[i];
        sig[i] = sig[j];
        sig[j] = t;
    }
    char err[128];
    ds_neardup_options o = {0.8, 2, NULL, NULL};
    assert_int_equal(ds_neardup_find(sig, has, M, &o, first, err, sizeof err), 0);
    size_t want = 0, found = 0;
    for (size_t i = 0; i < M; i++) {
        if (first[i] != DS_NEAR_NONE)
            assert_true(ds_minhash_similarity(&sig[i], &sig[first[i]]) >= 0.8);
        for (size_t j = 0; j < i; j++)
            if (ds_minhash_similarity(&sig[i], &sig[j]) >= 0.8) {
                want++;
                found += first[i] != DS_NEAR_NONE;
                break;
            }
    }
    assert_true(want > M / 2);
    if (found * 100 < want * 99)
        fail_msg("found %zu of %zu near duplicates", found, want);
}

static void test_cancel_and_bands(void **state)
{
    (void)state;
    ds_minhash sig[2];
    uint8_t has[2] = {1, 1};
    memset(sig, 0, sizeof sig);
    atomic_bool cancel;
    atomic_init(&cancel, true);
    ds_neardup_options o = {0.8, 2, &cancel, NULL};
    uint32_t first[2];
    char err[128];
    assert_int_equal(ds_neardup_find(sig, has, 2, &o, first, err, sizeof err), -1);
    assert_string_equal(err, "cancelled");
    assert_int_equal(ds_neardup_bands(0.8), 16);
    assert_int_equal(ds_neardup_bands(0.9), 8);
    assert_int_equal(ds_neardup_bands(0.5), 32);
    assert_int_equal(ds_neardup_bands(0.1), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_keep_first_and_threads),
        cmocka_unit_test(test_copies_point_to_the_first),
        cmocka_unit_test(test_similar_in_the_middle_of_a_bucket),
        cmocka_unit_test(test_recall_in_large_clusters),
        cmocka_unit_test(test_cancel_and_bands),
    };
    return cmocka_run_group_tests_name("ds_neardup", tests, NULL, NULL);
}
