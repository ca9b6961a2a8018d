/* test_token_sample.c - the sampler chain (engine/token_sample.c) on
 * distributions worked out by hand: each filter alone, their order,
 * temperature, the repeat penalty's two signs and its window, greedy ties,
 * and seeded draws (reproducible, and with the right frequencies); top-k,
 * top-p and min-p together (each on the survivors of the one before) with
 * fixed seeds, and temperature 0 as the argmax after the penalty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "token_sample.h"

/* Probabilities .5 .3 .2 .0 for tokens 2, 0, 3, 1 (token 1 at -inf-ish). */
static const float logits4[4] = {-1.2039728f, -30.0f, -0.6931472f, -1.6094379f};

static tsample_params open_params(void)
{
    return (tsample_params){.temp = 1.0f, .repeat_penalty = 1.0f, .top_p = 1.0f};
}

/* The distribution under P must be WANT_IDS/WANT_P (n entries). */
static void check_dist(tsample_params p, const float *logits, int nv, int n,
                       const int32_t *want_ids, const double *want_p)
{
    char err[128];
    token_sampler *ts = tsample_new(&p, nv, err, sizeof err);
    assert_non_null(ts);
    const int32_t *ids;
    const float *probs;
    int got = tsample_dist(ts, logits, &ids, &probs);
    assert_int_equal(got, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(ids[i], want_ids[i]);
        if (fabs(probs[i] - want_p[i]) > 1e-5)
            fail_msg("p[%d] = %.7f, want %.7f", i, (double)probs[i], want_p[i]);
    }
    tsample_free(ts);
}

static void test_plain_softmax(void **state)
{
    (void)state;
    check_dist(open_params(), logits4, 4, 4, (int32_t[]){2, 0, 3, 1},
               (double[]){0.5, 0.3, 0.2, 0.5 * exp(-30.0 + 0.6931472)});
}

static void test_top_k(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.top_k = 2;
    check_dist(p, logits4, 4, 2, (int32_t[]){2, 0}, (double[]){0.625, 0.375});
    p.top_k = 1000; /* beyond the vocabulary: everything */
    check_dist(p, logits4, 4, 4, (int32_t[]){2, 0, 3, 1}, (double[]){0.5, 0.3, 0.2, 0.0});
}

static void test_top_p(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.top_p = 0.7f; /* .5 < .7 <= .8: two kept */
    check_dist(p, logits4, 4, 2, (int32_t[]){2, 0}, (double[]){0.625, 0.375});
    p.top_p = 0.5f; /* the first already reaches it */
    check_dist(p, logits4, 4, 1, (int32_t[]){2}, (double[]){1.0});
    p.top_p = 0.95f;
    check_dist(p, logits4, 4, 3, (int32_t[]){2, 0, 3}, (double[]){0.5, 0.3, 0.2});
}

static void test_min_p(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.min_p = 0.5f; /* keep p >= .25 */
    check_dist(p, logits4, 4, 2, (int32_t[]){2, 0}, (double[]){0.625, 0.375});
    p.min_p = 0.39f; /* .2 >= .195 stays */
    check_dist(p, logits4, 4, 3, (int32_t[]){2, 0, 3}, (double[]){0.5, 0.3, 0.2});
}

static void test_temperature(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.temp = 2.0f;
    p.top_k = 3; /* p^(1/2) normalised: sqrt(.5), sqrt(.3), sqrt(.2) */
    double s = sqrt(0.5) + sqrt(0.3) + sqrt(0.2);
    check_dist(p, logits4, 4, 3, (int32_t[]){2, 0, 3},
               (double[]){sqrt(0.5) / s, sqrt(0.3) / s, sqrt(0.2) / s});
    /* Filters see temperature-1 probabilities: top-p .7 keeps two before
     * the temperature flattens them. */
    p.top_p = 0.7f;
    check_dist(p, logits4, 4, 2, (int32_t[]){2, 0},
               (double[]){sqrt(0.5) / (sqrt(0.5) + sqrt(0.3)), sqrt(0.3) / (sqrt(0.5) + sqrt(0.3))});
}

static void test_greedy(void **state)
{
    (void)state;
    tsample_params p = tsample_defaults();
    p.temp = 0.0f;
    check_dist(p, logits4, 4, 1, (int32_t[]){2}, (double[]){1.0});
    const float tie[3] = {1.0f, 3.0f, 3.0f};
    check_dist(p, tie, 3, 1, (int32_t[]){1}, (double[]){1.0});
    char err[128];
    token_sampler *ts = tsample_new(&p, 4, err, sizeof err);
    for (int i = 0; i < 10; i++)
        assert_int_equal(tsample_next(ts, logits4), 2);
    tsample_free(ts);
}

static void test_repeat_penalty(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.repeat_penalty = 2.0f;
    p.repeat_last_n = 2;
    const float z[3] = {2.0f, -1.0f, 1.0f};
    char err[128];
    token_sampler *ts = tsample_new(&p, 3, err, sizeof err);
    assert_non_null(ts);
    tsample_accept(ts, 0);
    tsample_accept(ts, 1);
    tsample_accept(ts, 1); /* a repeat in the window counts once */
    /* window {1, 1}: token 1 -> -2; token 0 fell out of the window */
    const int32_t *ids;
    const float *probs;
    assert_int_equal(tsample_dist(ts, z, &ids, &probs), 3);
    double e0 = exp(2.0), e1 = exp(-2.0), e2 = exp(1.0), s = e0 + e1 + e2;
    assert_int_equal(ids[2], 1);
    assert_true(fabs(probs[2] - e1 / s) < 1e-6);
    tsample_accept(ts, 0); /* window {1, 0}: token 0 -> 1.0, ties token 2 */
    assert_int_equal(tsample_dist(ts, z, &ids, &probs), 3);
    assert_int_equal(ids[0], 0);
    assert_int_equal(ids[1], 2);
    assert_true(fabs(probs[0] - probs[1]) < 1e-7);
    tsample_reset(ts);
    assert_int_equal(tsample_dist(ts, z, &ids, &probs), 3);
    assert_true(fabs(probs[0] - e0 / (e0 + exp(-1.0) + e2)) < 1e-6);
    tsample_free(ts);
    p.repeat_penalty = 0.0f;
    assert_null(tsample_new(&p, 3, err, sizeof err));
}

static void test_seeded_draws(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.seed = 42;
    char err[128];
    token_sampler *a = tsample_new(&p, 4, err, sizeof err), *b = tsample_new(&p, 4, err, sizeof err);
    p.seed = 43;
    token_sampler *c = tsample_new(&p, 4, err, sizeof err);
    int count[4] = {0}, differ = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        int32_t x = tsample_next(a, logits4);
        assert_int_equal(x, tsample_next(b, logits4));
        differ += x != tsample_next(c, logits4);
        count[x]++;
    }
    assert_true(differ > n / 4);
    /* binomial sd at n = 20000 is under 0.0036: allow four of them */
    assert_true(fabs(count[2] / (double)n - 0.5) < 0.015);
    assert_true(fabs(count[0] / (double)n - 0.3) < 0.015);
    assert_true(fabs(count[3] / (double)n - 0.2) < 0.015);
    assert_int_equal(count[1], 0);
    tsample_free(a);
    tsample_free(b);
    tsample_free(c);
}

static void test_large_vocab_top_k(void **state)
{
    (void)state;
    enum { NV = 5000 };
    float *z = malloc(NV * sizeof *z);
    assert_non_null(z);
    for (int i = 0; i < NV; i++)
        z[i] = (float)((i * 7919) % NV) / 100.0f; /* a permutation of 0 .. 49.99 */
    tsample_params p = open_params();
    char err[128];
    for (int k = 5; k <= 600; k += 595) { /* insertion and qsort paths */
        p.top_k = k;
        token_sampler *ts = tsample_new(&p, NV, err, sizeof err);
        const int32_t *ids;
        const float *probs;
        assert_int_equal(tsample_dist(ts, z, &ids, &probs), k);
        for (int i = 0; i < k; i++)
            assert_true(fabsf(z[ids[i]] - (float)(NV - 1 - i) / 100.0f) < 1e-4f);
        tsample_free(ts);
    }
    free(z);
}

/* Probabilities .4 .25 .15 .1 .06 .04 for tokens 3, 0, 5, 1, 4, 2. */
static const float logits6[6] = {-1.3862944f, -2.3025851f, -3.2188758f, -0.9162907f,
                                 -2.8134107f, -1.8971200f};

static void test_filter_sets(void **state)
{
    (void)state;
    tsample_params p = open_params();
    /* top-k 4 renormalises to .444 .278 .167 .111; top-p .85 then keeps three */
    p.top_k = 4;
    p.top_p = 0.85f;
    check_dist(p, logits6, 6, 3, (int32_t[]){3, 0, 5}, (double[]){0.5, 0.3125, 0.1875});
    p.min_p = 0.4f; /* p >= .4 * .4: token 5 (.15) goes */
    check_dist(p, logits6, 6, 2, (int32_t[]){3, 0}, (double[]){0.4 / 0.65, 0.25 / 0.65});
    p = open_params();
    p.top_p = 0.6f;
    p.min_p = 0.3f;
    check_dist(p, logits6, 6, 2, (int32_t[]){3, 0}, (double[]){0.4 / 0.65, 0.25 / 0.65});
    p = open_params();
    p.top_k = 2;
    p.min_p = 0.7f;
    check_dist(p, logits6, 6, 1, (int32_t[]){3}, (double[]){1.0});
}

/* Draws under top-k 4 + top-p .85 with a fixed seed: the same sequence every
 * time, only the three survivors, at their renormalised frequencies. */
static void test_filter_set_draws(void **state)
{
    (void)state;
    tsample_params p = open_params();
    p.top_k = 4;
    p.top_p = 0.85f;
    p.seed = 1234;
    char err[128];
    token_sampler *a = tsample_new(&p, 6, err, sizeof err);
    token_sampler *b = tsample_new(&p, 6, err, sizeof err);
    int count[6] = {0};
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        int32_t x = tsample_next(a, logits6);
        assert_int_equal(x, tsample_next(b, logits6));
        count[x]++;
    }
    assert_int_equal(count[1] + count[2] + count[4], 0);
    assert_true(fabs(count[3] / (double)n - 0.5) < 0.015);
    assert_true(fabs(count[0] / (double)n - 0.3125) < 0.015);
    assert_true(fabs(count[5] / (double)n - 0.1875) < 0.015);
    tsample_free(a);
    tsample_free(b);
}

/* Temperature 0 picks the argmax of the penalised logits, whatever the
 * filters and the seed. */
static void test_greedy_after_penalty(void **state)
{
    (void)state;
    tsample_params p = tsample_defaults();
    p.temp = 0.0f;
    p.repeat_penalty = 1.5f;
    const float z[3] = {2.0f, 1.9f, 0.5f};
    char err[128];
    for (uint64_t seed = 0; seed < 3; seed++) {
        p.seed = seed;
        token_sampler *ts = tsample_new(&p, 3, err, sizeof err);
        assert_int_equal(tsample_next(ts, z), 0);
        tsample_accept(ts, 0); /* 2.0 / 1.5 < 1.9 */
        assert_int_equal(tsample_next(ts, z), 1);
        tsample_free(ts);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_softmax), cmocka_unit_test(test_top_k),
        cmocka_unit_test(test_top_p),         cmocka_unit_test(test_min_p),
        cmocka_unit_test(test_temperature),   cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_repeat_penalty), cmocka_unit_test(test_seeded_draws),
        cmocka_unit_test(test_large_vocab_top_k),
        cmocka_unit_test(test_filter_sets), cmocka_unit_test(test_filter_set_draws),
        cmocka_unit_test(test_greedy_after_penalty),
    };
    return cmocka_run_group_tests_name("token_sample", tests, NULL, NULL);
}
