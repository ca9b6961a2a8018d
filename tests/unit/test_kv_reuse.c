/* test_kv_reuse.c - what a follow-up chat turn relies on: logits computed
 * with the K/V cache (a prefill, single-token decode steps, a rewind to a
 * shorter prefix and a chunk fed after it) equal those of recomputing the
 * whole sequence from an empty cache, to 1e-5, for a frozen base of every
 * weight type the engine computes with: F32, F16, BF16, Q4_0, Q4_1, Q5_0,
 * Q5_1, Q8_0, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_XS (the rows
 * quant_fixture.h makes). And completion_run with a cached prefix generates exactly the
 * tokens of a run from scratch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"
#include "generate.h"
#include "gguf.h"
#include "model_load.h"
#include "quant.h"
#include "quant_fixture.h"

enum { V = 64, LEN = 30, PREFILL = 12, REWIND = 16 };

/* Every matrix has 256 columns: one K-quant super-block per row. */
static model_config config(void)
{
    return (model_config){.arch = "llama", .n_vocab = V, .dim = 256, .n_layers = 2,
                          .n_heads = 4, .n_kv_heads = 2, .head_dim = 64, .ffn_dim = 256,
                          .context_len = 64, .rope_base = 10000.0f, .rope_dim = 64,
                          .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
}

typedef struct {
    void *data[32];
    int n;
} qstore;

static void quantize(model *m, int type, qstore *qs)
{
    const model_config *c = model_get_config(m);
    int count = model_tensor_count(c);
    model_tensor_info *info = calloc((size_t)count, sizeof *info);
    assert_non_null(info);
    model_tensor_table(c, info);
    char err[256];
    for (int i = 0; i < count; i++) {
        if (!model_tensor_is_linear(info[i].name))
            continue;
        size_t n;
        float *w = model_weight(m, info[i].name, &n);
        size_t bytes = ggml_row_bytes(type, info[i].ne[0]) * (size_t)info[i].ne[1];
        void *q = malloc(bytes);
        assert_non_null(q);
        quant_fixture_rows(type, w, (int64_t)n, q, 1000 + (uint32_t)i);
        qs->data[qs->n++] = q;
        if (model_set_quantized(m, info[i].name, type, q, err, sizeof err))
            fail_msg("%s", err);
    }
    free(info);
}

static model *make(int type, qstore *qs)
{
    model_config c = config();
    char err[256];
    model *m = model_create(&c, 11, err, sizeof err);
    assert_non_null(m);
    model_train_spec frozen = {.mode = MODEL_TRAIN_LORA};
    assert_int_equal(model_set_training(m, &frozen, err, sizeof err), 0);
    if (type != GGML_TYPE_F32)
        quantize(m, type, qs);
    return m;
}

static void free_all(model *m, qstore *qs)
{
    model_free(m);
    for (int i = 0; i < qs->n; i++)
        free(qs->data[i]);
}

static void assert_same(const float *got, const float *want, int type, int pos)
{
    for (int i = 0; i < V; i++)
        if (!(fabsf(got[i] - want[i]) <= 1e-5f * fmaxf(1.0f, fabsf(want[i]))))
            fail_msg("type %d, position %d, logit %d: cached %.9g, recomputed %.9g", type, pos,
                     i, (double)got[i], (double)want[i]);
}

/* The logits after SEQ[0..n) from an empty cache. */
static void recompute(model *m, const int32_t *seq, int n, float *out)
{
    char err[256];
    gen_session *s = gen_session_new(m, LEN, err, sizeof err);
    assert_non_null(s);
    const float *z = gen_session_feed(s, seq, n, err, sizeof err);
    assert_non_null(z);
    memcpy(out, z, V * sizeof *z);
    gen_session_free(s);
}

/* A first turn (prefill, then decode steps up to LEN), a rewind to REWIND
 * and a follow-up chunk: every cached result against a recomputation. */
static void check_type(int type)
{
    qstore qs = {0};
    model *m = make(type, &qs);
    int32_t seq[LEN], follow[LEN];
    for (int i = 0; i < LEN; i++) {
        seq[i] = (i * 37 + 5) % V;
        follow[i] = i < REWIND ? seq[i] : (i * 11 + 3) % V;
    }
    char err[256];
    float want[V];
    gen_session *s = gen_session_new(m, LEN, err, sizeof err);
    assert_non_null(s);
    const float *got = gen_session_feed(s, seq, PREFILL, err, sizeof err);
    recompute(m, seq, PREFILL, want);
    assert_same(got, want, type, PREFILL);
    for (int t = PREFILL; t < LEN; t++) {
        got = gen_session_feed(s, seq + t, 1, err, sizeof err);
        assert_non_null(got);
        recompute(m, seq, t + 1, want);
        assert_same(got, want, type, t + 1);
    }
    assert_int_equal(gen_session_rewind(s, LEN + 1), -1);
    assert_int_equal(gen_session_rewind(s, REWIND), 0);
    got = gen_session_feed(s, follow + REWIND, LEN - REWIND, err, sizeof err);
    assert_non_null(got);
    recompute(m, follow, LEN, want);
    assert_same(got, want, type, LEN);
    gen_session_free(s);
    free_all(m, &qs);
}

static void test_f32(void **state) { (void)state; check_type(GGML_TYPE_F32); }
static void test_f16(void **state) { (void)state; check_type(GGML_TYPE_F16); }
static void test_bf16(void **state) { (void)state; check_type(GGML_TYPE_BF16); }
static void test_q8_0(void **state) { (void)state; check_type(GGML_TYPE_Q8_0); }
static void test_q4_0(void **state) { (void)state; check_type(GGML_TYPE_Q4_0); }
static void test_q4_k(void **state) { (void)state; check_type(GGML_TYPE_Q4_K); }
static void test_q6_k(void **state) { (void)state; check_type(GGML_TYPE_Q6_K); }
static void test_q4_1(void **state) { (void)state; check_type(GGML_TYPE_Q4_1); }
static void test_q5_0(void **state) { (void)state; check_type(GGML_TYPE_Q5_0); }
static void test_q5_1(void **state) { (void)state; check_type(GGML_TYPE_Q5_1); }
static void test_iq4_nl(void **state) { (void)state; check_type(GGML_TYPE_IQ4_NL); }
static void test_q2_k(void **state) { (void)state; check_type(GGML_TYPE_Q2_K); }
static void test_q3_k(void **state) { (void)state; check_type(GGML_TYPE_Q3_K); }
static void test_q5_k(void **state) { (void)state; check_type(GGML_TYPE_Q5_K); }
static void test_iq4_xs(void **state) { (void)state; check_type(GGML_TYPE_IQ4_XS); }

/* completion_run: a follow-up prompt with its first REWIND tokens cached
 * gives the tokens of the same prompt from scratch. */
static void test_completion_cached(void **state)
{
    (void)state;
    qstore qs = {0};
    model *m = make(GGML_TYPE_Q8_0, &qs);
    tok_spec spec;
    tok_spec_defaults(&spec, TOK_SPM, NULL);
    const char *toks[V];
    int32_t types[V];
    char names[V][8];
    for (int i = 0; i < V; i++) {
        snprintf(names[i], sizeof names[i], "t%d", i);
        toks[i] = names[i];
        types[i] = TOK_T_NORMAL;
    }
    spec.n_tokens = V;
    spec.tokens = toks;
    spec.types = types;
    char err[256];
    tok_vocab *v = tok_vocab_new(&spec, err, sizeof err);
    assert_non_null(v);
    tsample_params p = tsample_defaults();
    p.temp = 0.0f;
    token_sampler *ts = tsample_new(&p, V, err, sizeof err);
    gen_session *s = gen_session_new(m, 64, err, sizeof err);
    int32_t first[PREFILL], second[REWIND + 4];
    for (int i = 0; i < REWIND + 4; i++) {
        if (i < PREFILL)
            first[i] = (i * 7 + 1) % V;
        second[i] = i < PREFILL ? first[i] : (i * 5 + 2) % V;
    }
    tok_ids a = {0}, b = {0}, c = {0};
    completion_opts o = {.max_new = 8};
    assert_int_equal(completion_run(s, ts, v, first, PREFILL, &o, &a, NULL, err, sizeof err), 0);
    o.cached = PREFILL;     /* the first prompt's positions are in the cache */
    assert_int_equal(completion_run(s, ts, v, second, REWIND + 4, &o, &b, NULL, err,
                                    sizeof err), 0);
    o.cached = 0;
    assert_int_equal(completion_run(s, ts, v, second, REWIND + 4, &o, &c, NULL, err,
                                    sizeof err), 0);
    assert_int_equal(b.n, c.n);
    assert_memory_equal(b.ids, c.ids, b.n * sizeof *b.ids);
    tok_ids_free(&a);
    tok_ids_free(&b);
    tok_ids_free(&c);
    gen_session_free(s);
    tsample_free(ts);
    tok_vocab_free(v);
    free_all(m, &qs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32),  cmocka_unit_test(test_f16),  cmocka_unit_test(test_bf16),
        cmocka_unit_test(test_q8_0), cmocka_unit_test(test_q4_0), cmocka_unit_test(test_q4_k),
        cmocka_unit_test(test_q6_k), cmocka_unit_test(test_q4_1), cmocka_unit_test(test_q5_0),
        cmocka_unit_test(test_q5_1), cmocka_unit_test(test_iq4_nl), cmocka_unit_test(test_q2_k),
        cmocka_unit_test(test_q3_k), cmocka_unit_test(test_q5_k), cmocka_unit_test(test_iq4_xs),
        cmocka_unit_test(test_completion_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
