/* test_perplexity.c - windowed scoring (engine/perplexity.c) against a direct
 * computation: log-softmax of the full logits of each window, first token of
 * every window unscored, windows independent; and llama.cpp's scoring: whole
 * windows only, BOS in place of each window's first token, second halves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "perplexity.h"

#define V 11

static model *make(void)
{
    model_config c = {.arch = "llama", .n_vocab = V, .dim = 8, .n_layers = 2, .n_heads = 2,
                      .n_kv_heads = 1, .head_dim = 4, .ffn_dim = 12, .context_len = 64,
                      .rope_base = 10000.0f, .rope_dim = 4, .rope = ROPE_NEOX, .norm_eps = 1e-5f};
    char err[256];
    model *m = model_create(&c, 3, err, sizeof err);
    if (!m)
        fail_msg("model_create: %s", err);
    size_t n;
    float *w = model_weight(m, "output.weight", &n);
    for (size_t i = 0; w && i < n; i++)
        w[i] *= 40.0f; /* logits far from uniform, so a wrong window shows */
    return m;
}

/* NLL of ids[first+1..len) given the window ids[0..len), from full logits. */
static double window_nll_from(model *m, const int32_t *ids, int len, int first)
{
    float *logits = malloc((size_t)len * V * sizeof *logits);
    assert_non_null(logits);
    model_batch b = {.B = 1, .T = len, .tokens = ids};
    char err[256];
    assert_int_equal(model_forward_logits(m, &b, logits, err, sizeof err), 0);
    double sum = 0;
    for (int t = first; t + 1 < len; t++) {
        const float *z = logits + (size_t)t * V;
        double mx = z[0], se = 0;
        for (int k = 1; k < V; k++)
            mx = z[k] > mx ? z[k] : mx;
        for (int k = 0; k < V; k++)
            se += exp(z[k] - mx);
        sum += mx + log(se) - z[ids[t + 1]];
    }
    free(logits);
    return sum;
}

/* NLL of ids[1..len) given the window ids[0..len). */
static double window_nll(model *m, const int32_t *ids, int len)
{
    return window_nll_from(m, ids, len, 0);
}

static void test_matches_direct_computation(void **state)
{
    (void)state;
    model *m = make();
    int32_t ids[23];
    for (int i = 0; i < 23; i++)
        ids[i] = (i * 7 + 3) % V;
    const int ctx = 8; /* windows of 8, 8, 7 tokens */
    perplexity_result r;
    char err[256];
    assert_int_equal(perplexity_score(m, ids, 23, ctx, &r, err, sizeof err), 0);
    assert_int_equal(r.windows, 3);
    assert_int_equal(r.scored, 7 + 7 + 6);
    double want = window_nll(m, ids, 8) + window_nll(m, ids + 8, 8) + window_nll(m, ids + 16, 7);
    assert_true(fabs(r.nll_sum - want) <= 1e-4 * fabs(want));
    model_free(m);
}

static void test_windows_are_independent(void **state)
{
    (void)state;
    model *m = make();
    int32_t ids[16];
    for (int i = 0; i < 16; i++)
        ids[i] = (i * 5 + 1) % V;
    perplexity_result whole, second;
    char err[256];
    assert_int_equal(perplexity_score(m, ids, 16, 8, &whole, err, sizeof err), 0);
    assert_int_equal(perplexity_score(m, ids + 8, 8, 8, &second, err, sizeof err), 0);
    double first = window_nll(m, ids, 8);
    assert_true(fabs(whole.nll_sum - (first + second.nll_sum)) <= 1e-4 * fabs(whole.nll_sum));
    model_free(m);
}

static void test_short_inputs(void **state)
{
    (void)state;
    model *m = make();
    int32_t ids[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    perplexity_result r;
    char err[256] = "";
    assert_int_equal(perplexity_score(m, ids, 1, 8, &r, err, sizeof err), 0);
    assert_int_equal(r.scored, 0);
    /* a trailing one-token window scores nothing */
    assert_int_equal(perplexity_score(m, ids, 9, 8, &r, err, sizeof err), 0);
    assert_int_equal(r.scored, 7);
    assert_int_equal(perplexity_score(m, ids, 9, 1, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "too short"));
    model_free(m);
}

static double llama_cpp_nll(model *m, const int32_t *ids, size_t n, int ctx, int32_t bos,
                            perplexity_result *r)
{
    char err[256];
    assert_int_equal(perplexity_score_llama_cpp(m, ids, n, ctx, bos, r, err, sizeof err), 0);
    return r->nll_sum;
}

static void test_llama_cpp_scoring(void **state)
{
    (void)state;
    model *m = make();
    int32_t ids[21], w[8];
    for (int i = 0; i < 21; i++)
        ids[i] = (i * 7 + 3) % V;
    const int ctx = 8, bos = 1;
    perplexity_result r;
    double got = llama_cpp_nll(m, ids, 21, ctx, bos, &r);
    /* two whole windows (the 5-token tail is left out), 8 - 4 - 1 = 3 scored in each */
    assert_int_equal(r.windows, 2);
    assert_int_equal(r.scored, 3 + 3);
    double want = 0;
    for (int k = 0; k < 2; k++) {
        memcpy(w, ids + k * ctx, sizeof w);
        w[0] = bos;
        want += window_nll_from(m, w, ctx, ctx / 2);
    }
    assert_true(fabs(got - want) <= 1e-4 * fabs(want));

    /* The tail and each window's first token (BOS stands in) do not count ... */
    int32_t other[21];
    memcpy(other, ids, sizeof other);
    other[8] = (other[8] + 1) % V;
    other[19] = (other[19] + 1) % V;
    assert_true(fabs(llama_cpp_nll(m, other, 21, ctx, bos, &r) - got) <= 1e-6 * fabs(got));
    /* ... but without a BOS the first token is the model's context. */
    assert_true(fabs(llama_cpp_nll(m, other, 21, ctx, -1, &r)
                     - llama_cpp_nll(m, ids, 21, ctx, -1, &r)) > 1e-6);
    /* Fewer tokens than a window: nothing scored; a window of 2 has no second half. */
    llama_cpp_nll(m, ids, 7, ctx, bos, &r);
    assert_int_equal(r.scored, 0);
    char err[256] = "";
    assert_int_equal(perplexity_score_llama_cpp(m, ids, 21, 2, bos, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "too short"));
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_direct_computation),
        cmocka_unit_test(test_windows_are_independent),
        cmocka_unit_test(test_short_inputs),
        cmocka_unit_test(test_llama_cpp_scoring),
    };
    return cmocka_run_group_tests_name("perplexity", tests, NULL, NULL);
}
