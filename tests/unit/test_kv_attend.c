/* test_kv_attend.c - attention over the K/V cache against a double-precision
 * reference: each query row's softmax over its causal prefix of scaled
 * scores, mixed into the values, for grouped-query heads, prefixes of every
 * length from 1 (not only multiples of the vector width), scores far apart
 * (e^-100 and below, which the vector exponential clamps) and all equal,
 * head sizes of one, two, three and more vectors and one that is not whole
 * vectors (the portable path); alone on the calling thread and spread over
 * a pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kv_cache.h"
#include "pool.h"

enum { HEADS = 4, KV_HEADS = 2, HD_MAX = 72, CTX = 40 };

static int hd = 16;        /* the head size under test */

static uint32_t rng = 7;

static float uniform(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / (1 << 24) - 0.5f;
}

/* Row T (position P0 + T) of head H as the reference computes it. */
static void reference(const kv_cache *c, const float *q, int t, int p0, int h, double *out)
{
    int kvh = h / (HEADS / KV_HEADS), len = p0 + t + 1;
    const float *qr = q + ((size_t)t * HEADS + h) * hd;
    double s[CTX], mx = -INFINITY, sum = 0;
    for (int p = 0; p < len; p++) {
        const float *k = kv_cache_keys(c, 0, kvh) + p * hd;
        double d = 0;
        for (int i = 0; i < hd; i++)
            d += (double)qr[i] * k[i];
        s[p] = d / sqrt((double)hd);
        mx = s[p] > mx ? s[p] : mx;
    }
    for (int p = 0; p < len; p++)
        sum += s[p] = exp(s[p] - mx);
    for (int i = 0; i < hd; i++)
        out[i] = 0;
    for (int p = 0; p < len; p++)
        for (int i = 0; i < hd; i++)
            out[i] += s[p] / sum * kv_cache_values(c, 0, kvh)[p * hd + i];
}

/* Fills the cache and N query rows (SPREAD scales the keys: large spreads
 * put scores far apart), attends from P0 on and checks every output. */
static void check(pool *p, int n, int p0, float spread)
{
    kv_cache c;
    char err[128];
    assert_int_equal(kv_cache_init(&c, 1, CTX, HEADS, KV_HEADS, hd, err, sizeof err), 0);
    for (int i = 0; i < CTX * KV_HEADS * hd; i++) {
        c.k[i] = spread * uniform();
        c.v[i] = uniform();
    }
    float q[CTX * HEADS * HD_MAX], o[CTX * HEADS * HD_MAX];
    for (int i = 0; i < n * HEADS * hd; i++)
        q[i] = uniform();
    kv_cache_attend(p, &c, 0, q, o, n, p0);
    for (int t = 0; t < n; t++)
        for (int h = 0; h < HEADS; h++) {
            double want[HD_MAX];
            reference(&c, q, t, p0, h, want);
            for (int i = 0; i < hd; i++) {
                float got = o[((size_t)t * HEADS + h) * hd + i];
                if (!(fabs(got - want[i]) <= 2e-6 * (1 + fabs(want[i]))))
                    fail_msg("n %d p0 %d spread %g row %d head %d [%d]: %.9g, want %.9g", n,
                             p0, (double)spread, t, h, i, (double)got, want[i]);
            }
        }
    kv_cache_free(&c);
}

static void test_prefixes_of_every_length(void **state)
{
    (void)state;
    for (int p0 = 0; p0 < 20; p0++)
        check(NULL, 1, p0, 1.0f);
    check(NULL, CTX, 0, 1.0f);
    check(NULL, 13, 27, 1.0f);
}

static void test_scores_far_apart_and_equal(void **state)
{
    (void)state;
    check(NULL, 24, 3, 400.0f);
    check(NULL, 24, 3, 0.0f);
}

static void test_head_sizes(void **state)
{
    (void)state;
    static const int sizes[] = {8, 24, 40, 56, 12};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        hd = sizes[i];
        check(NULL, 1, 9, 1.0f);
        check(NULL, 23, 0, 1.0f);
    }
    hd = 16;
}

/* With H heads on KVH key/value heads and CTX positions: each row's output
 * is the same bits attended in a group of rows (prefill) as alone (a
 * decoded token, whose heads of one K/V head go together, or in phases from
 * a few hundred positions where the K/V heads do not divide among the
 * threads), at every prefix length: a cached decode must equal its
 * recompute. */
static void check_alone_equals_together(pool *p, int h, int kvh, int ctx)
{
    kv_cache c;
    char err[128];
    assert_int_equal(kv_cache_init(&c, 1, ctx, h, kvh, hd, err, sizeof err), 0);
    for (int i = 0; i < ctx * kvh * hd; i++) {
        c.k[i] = uniform();
        c.v[i] = uniform();
    }
    size_t row = (size_t)h * hd;
    float *q = malloc(sizeof(float) * ctx * row), *together = malloc(sizeof(float) * ctx * row);
    float *alone = malloc(sizeof(float) * row);
    assert_true(q && together && alone);
    for (size_t i = 0; i < ctx * row; i++)
        q[i] = uniform();
    kv_cache_attend(p, &c, 0, q, together, ctx, 0);
    for (int t = 0; t < ctx; t++) {
        kv_cache_attend(p, &c, 0, q + t * row, alone, 1, t);
        for (size_t i = 0; i < row; i++)
            if (memcmp(&alone[i], &together[t * row + i], sizeof(float)) != 0)
                fail_msg("%d heads on %d, head size %d, row %d [%zu]: alone %.9g, together %.9g",
                         h, kvh, hd, t, i, (double)alone[i], (double)together[t * row + i]);
    }
    free(q);
    free(together);
    free(alone);
    kv_cache_free(&c);
}

static void test_rows_alone_equal_rows_together(void **state)
{
    (void)state;
    static const int sizes[] = {8, 16, 48, 64, 12};
    static const int heads[][2] = {{4, 2}, {8, 2}, {6, 1}, {12, 1}, {3, 3}, {9, 3}, {14, 2}, {6, 3}};
    char err[128];
    pool *p = pool_new(2, err, sizeof err);
    assert_non_null(p);
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (size_t g = 0; g < sizeof heads / sizeof heads[0]; g++) {
            hd = sizes[z];
            check_alone_equals_together(NULL, heads[g][0], heads[g][1], CTX);
            check_alone_equals_together(p, heads[g][0], heads[g][1], CTX);
        }
    pool_free(p);
    hd = 16;
}

/* Long enough for the phases: scores in blocks of positions whose ends are
 * not multiples of 8, values in blocks of columns, over 2 and 3 threads. */
static void test_decoded_rows_in_phases(void **state)
{
    (void)state;
    static const int sizes[] = {64, 24};
    static const int heads[][2] = {{9, 3}, {12, 1}, {10, 5}};
    char err[128];
    for (int threads = 2; threads <= 3; threads++) {
        pool *p = pool_new(threads, err, sizeof err);
        assert_non_null(p);
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
            for (size_t g = 0; g < sizeof heads / sizeof heads[0]; g++) {
                hd = sizes[z];
                check_alone_equals_together(p, heads[g][0], heads[g][1], 450);
            }
        pool_free(p);
    }
    hd = 16;
}

static void test_spread_over_a_pool(void **state)
{
    (void)state;
    char err[128];
    pool *p = pool_new(2, err, sizeof err);
    assert_non_null(p);
    check(p, CTX, 0, 1.0f);
    check(p, 1, CTX - 1, 1.0f);
    pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefixes_of_every_length),
        cmocka_unit_test(test_scores_far_apart_and_equal),
        cmocka_unit_test(test_head_sizes),
        cmocka_unit_test(test_rows_alone_equal_rows_together),
        cmocka_unit_test(test_decoded_rows_in_phases),
        cmocka_unit_test(test_spread_over_a_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
