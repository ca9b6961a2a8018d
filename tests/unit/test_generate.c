/* test_generate.c - the inference session (engine/generate.c) against the
 * training forward: logits after a prefill and after each single-token
 * decode step equal model_forward_logits on the whole sequence, and each
 * cached decode step equals recomputing its prefix, for a GQA
 * llama, a qwen2-style model (NEOX RoPE, q/k/v biases), with unmerged LoRA,
 * with Q8_0, Q4_0 and F16 frozen bases, on one thread and on several, and across a
 * prompt longer than one prefill chunk. Also its errors, the in-place
 * quantized row dots, and completion.h: the greedy loop against the full
 * forward, its stop at the end token or the limit, and UTF-8-whole text. */
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

#define V 97

typedef struct {
    bool neox, lora;
    bool big;               /* a head large enough to be split across threads */
    bool wide;              /* rows of 256, for the 256-element block types */
    bool tied;              /* the head is the embedding (quantized with the base) */
    int qtype;              /* 0: fp32 base, else a ggml type (never F32 = 0) */
    int threads;
} variant;

static model_config config(bool neox, bool big, bool wide, bool tied)
{
    model_config c = {.arch = "llama", .n_vocab = V, .dim = 32, .n_layers = 2, .n_heads = 4,
                      .n_kv_heads = 2, .head_dim = 8, .ffn_dim = 64, .context_len = 128,
                      .rope_base = 10000.0f, .rope_dim = 8, .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
    if (big) {
        c.n_vocab = 8200;
        c.dim = 64;
        c.head_dim = 16;
        c.rope_dim = 16;
    }
    c.tied_embeddings = tied;
    if (wide) {
        c.dim = 256;
        c.ffn_dim = 512;
        c.head_dim = 64;
        c.rope_dim = 64;
    }
    if (neox) {
        strcpy(c.arch, "qwen2");
        c.rope = ROPE_NEOX;
        c.qkv_bias = true;
        c.rope_dim = 6; /* partial rotary: the last pair of each head stays */
    }
    return c;
}

/* Deterministic values in [-scale, scale). */
static void scramble(float *w, size_t n, uint64_t seed, float scale)
{
    for (size_t k = 0; k < n; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        w[k] = scale * (float)((double)(seed >> 40) / (double)(1ull << 23) - 1.0);
    }
}

/* Quantized copies of every linear weight, kept alive for the model. */
typedef struct {
    void *data[64];
    int n;
} qstore;

static void quantize_base(model *m, int type, qstore *qs)
{
    const model_config *c = model_get_config(m);
    int count = model_tensor_count(c);
    model_tensor_info *info = calloc((size_t)count, sizeof *info);
    assert_non_null(info);
    model_tensor_table(c, info);
    char err[256];
    for (int i = 0; i < count; i++) {
        bool tied_embd = c->tied_embeddings && !strcmp(info[i].name, "token_embd.weight");
        if (!model_tensor_is_linear(info[i].name) && !tied_embd)
            continue;
        size_t n;
        float *w = model_weight(m, info[i].name, &n);
        assert_non_null(w);
        size_t bytes = ggml_row_bytes(type, info[i].ne[0]) * (size_t)info[i].ne[1];
        void *q = malloc(bytes);
        assert_non_null(q);
        quant_fixture_rows(type, w, (int64_t)n, q, (uint32_t)i);
        qs->data[qs->n++] = q;
        assert_int_equal(model_set_quantized(m, info[i].name, type, q, err, sizeof err), 0);
    }
    free(info);
}

static model *make(const variant *v, qstore *qs)
{
    model_config c = config(v->neox, v->big, v->wide, v->tied);
    char err[256];
    model *m = model_create(&c, 7, err, sizeof err);
    assert_non_null(m);
    size_t n;
    float *w = model_weight(m, v->tied ? "token_embd.weight" : "output.weight", &n);
    scramble(w, n, 11, 0.5f);
    for (int l = 0; v->neox && l < c.n_layers; l++) {
        const char *names[] = {"attn_q", "attn_k", "attn_v"};
        for (int i = 0; i < 3; i++) {
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.bias", l, names[i]);
            float *b = model_weight(m, name, &n);
            assert_non_null(b);
            scramble(b, n, 13 + (uint64_t)l * 3 + (uint64_t)i, 0.3f);
        }
    }
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = v->lora ? MODEL_MOD_LINEAR : 0,
                          .lora_r = 3, .lora_alpha = 6.0f};
    assert_int_equal(model_set_training(m, &s, err, sizeof err), 0);
    int np;
    const model_param *p = model_params(m, &np);
    for (int i = 0; i < np; i++)
        scramble(p[i].data, p[i].n, 100 + (uint64_t)i, 0.2f);
    if (v->qtype)
        quantize_base(m, v->qtype, qs);
    if (v->threads > 1)
        assert_int_equal(model_set_threads(m, v->threads, 1, err, sizeof err), 0);
    return m;
}

static void qstore_free(qstore *qs)
{
    for (int i = 0; i < qs->n; i++)
        free(qs->data[i]);
}

/* Within TOL of the row's scale, 1 + max |b|. */
static void assert_close(const float *a, const float *b, int n, float tol, const char *what)
{
    float scale = 1;
    for (int i = 0; i < n; i++)
        scale = fabsf(b[i]) + 1 > scale ? fabsf(b[i]) + 1 : scale;
    for (int i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= tol * scale))
            fail_msg("logit %d: session %.7g, %s %.7g", i, (double)a[i], what, (double)b[i]);
}

static bool int8_activations(const variant *v)
{
    return v->qtype && v->qtype != GGML_TYPE_F16 && v->qtype != GGML_TYPE_BF16;
}

/* Inference multiplies block-quantized weights against int8 activations, as
 * llama.cpp does; training's forward multiplies the dequantized weights in
 * fp32, so the two agree to about the activations' rounding only. */
static float forward_tolerance(const variant *v)
{
    return int8_activations(v) ? 0.05f : 1e-4f;
}

/* KV-cached decoding equals recomputing the whole prefix in one prefill, up
 * to float rounding, for every weight type: a quantized matrix gives a row
 * the same bits decoded or in a prefill tile (quant_dot.h), so int8
 * activations of the next layer cannot round differently. */
static void check_recompute(gen_session *s, const int32_t *ids, int t, const float *cached,
                            int nv)
{
    char err[256];
    gen_session_reset(s);
    const float *full = gen_session_feed(s, ids, t + 1, err, sizeof err);
    assert_non_null(full);
    assert_close(cached, full, nv, 1e-4f, "recomputed");
}

/* Prefill PREFILL tokens of a LEN-token sequence, then decode the rest one by
 * one; every returned row must equal the full forward's row. */
static void check_variant(const variant *v, int len, int prefill)
{
    qstore qs = {0};
    model *m = make(v, &qs);
    int nv = model_get_config(m)->n_vocab;
    int32_t *ids = malloc((size_t)len * sizeof *ids);
    float *want = malloc((size_t)len * nv * sizeof *want);
    assert_non_null(ids);
    assert_non_null(want);
    for (int i = 0; i < len; i++)
        ids[i] = (i * 37 + 5) % nv;
    char err[256];
    model_batch b = {.B = 1, .T = len, .tokens = ids};
    assert_int_equal(model_forward_logits(m, &b, want, err, sizeof err), 0);
    gen_session *s = gen_session_new(m, len, err, sizeof err);
    float *cached = malloc((size_t)len * nv * sizeof *cached);
    assert_non_null(s);
    assert_non_null(cached);
    float tol = forward_tolerance(v);
    for (int round = 0; round < 2; round++) { /* the second after a reset */
        const float *got = gen_session_feed(s, ids, prefill, err, sizeof err);
        assert_non_null(got);
        assert_close(got, want + (size_t)(prefill - 1) * nv, nv, tol, "forward");
        for (int t = prefill; t < len; t++) {
            got = gen_session_feed(s, ids + t, 1, err, sizeof err);
            assert_non_null(got);
            assert_close(got, want + (size_t)t * nv, nv, tol, "forward");
            memcpy(cached + (size_t)t * nv, got, (size_t)nv * sizeof *got);
        }
        assert_int_equal(gen_session_pos(s), len);
        gen_session_reset(s);
    }
    for (int t = prefill; t < len; t++)
        check_recompute(s, ids, t, cached + (size_t)t * nv, nv);
    free(cached);
    gen_session_free(s);
    free(ids);
    free(want);
    model_free(m);
    qstore_free(&qs);
}

static void test_gqa_llama(void **state)
{
    (void)state;
    check_variant(&(variant){0}, 24, 9);
    check_variant(&(variant){0}, 6, 1); /* decode from the first token */
}

static void test_qwen2_bias_neox(void **state)
{
    (void)state;
    check_variant(&(variant){.neox = true}, 24, 9);
}

static void test_lora(void **state)
{
    (void)state;
    check_variant(&(variant){.lora = true}, 20, 5);
    check_variant(&(variant){.lora = true, .neox = true}, 20, 5);
}

static void test_quantized_base(void **state)
{
    (void)state;
    check_variant(&(variant){.qtype = GGML_TYPE_Q8_0}, 20, 5);
    check_variant(&(variant){.qtype = GGML_TYPE_Q8_0, .lora = true}, 20, 5);
    check_variant(&(variant){.qtype = GGML_TYPE_Q4_0, .neox = true}, 20, 5);
    check_variant(&(variant){.qtype = GGML_TYPE_F16}, 20, 5);
    check_variant(&(variant){.qtype = GGML_TYPE_Q8_0, .tied = true, .lora = true}, 20, 5);
}

/* A tied head read from the quantized embedding keeps the fp32 rows for the
 * lookup, and no training mode may then train the embedding. */
static void test_tied_quantized_head(void **state)
{
    (void)state;
    qstore qs = {0};
    model *m = make(&(variant){.qtype = GGML_TYPE_Q4_0, .tied = true}, &qs);
    char err[256];
    assert_non_null(model_weight(m, "token_embd.weight", NULL));
    model_train_spec full = {.mode = MODEL_TRAIN_FULL};
    assert_int_equal(model_set_training(m, &full, err, sizeof err), -1);
    assert_non_null(strstr(err, "token_embd.weight is quantized"));
    model_free(m);
    qstore_free(&qs);
}

/* Every weight type lathe reads, as the frozen base of a session. */
static void test_every_type(void **state)
{
    (void)state;
    static const int types[] = {
        GGML_TYPE_BF16, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_IQ4_NL,
        GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K,
        GGML_TYPE_IQ4_XS,
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        int elems;
        ggml_type_info(types[i], &elems, NULL);
        check_variant(&(variant){.qtype = types[i], .wide = elems == 256, .lora = i % 2}, 12, 4);
    }
}

static void test_threads(void **state)
{
    (void)state;
    check_variant(&(variant){.lora = true, .threads = 3, .big = true}, 20, 5);
    check_variant(&(variant){.qtype = GGML_TYPE_Q8_0, .threads = 3, .big = true}, 20, 5);
    check_variant(&(variant){.qtype = GGML_TYPE_F16, .threads = 3, .big = true}, 20, 5);
}

static void test_long_prefill(void **state)
{
    (void)state;
    /* three prefill passes (256 rows each) */
    check_variant(&(variant){.neox = true, .lora = true}, 600, 590);
    check_variant(&(variant){.qtype = GGML_TYPE_Q8_0}, 600, 590);
    check_variant(&(variant){.qtype = GGML_TYPE_Q4_0}, 300, 290);
}

static void test_errors(void **state)
{
    (void)state;
    qstore qs = {0};
    model *m = make(&(variant){0}, &qs);
    char err[256];
    assert_null(gen_session_new(m, 0, err, sizeof err));
    gen_session *s = gen_session_new(m, 4, err, sizeof err);
    assert_non_null(s);
    int32_t bad = V, ids[5] = {1, 2, 3, 4, 5};
    assert_null(gen_session_feed(s, &bad, 1, err, sizeof err));
    assert_non_null(strstr(err, "vocabulary"));
    assert_null(gen_session_feed(s, ids, 5, err, sizeof err));
    assert_non_null(strstr(err, "context"));
    assert_non_null(gen_session_feed(s, ids, 4, err, sizeof err));
    assert_null(gen_session_feed(s, ids, 1, err, sizeof err));
    assert_int_equal(gen_session_pos(s), 4);
    assert_true(gen_decode_bytes(m, 4) > gen_decode_bytes(m, 0));
    /* the spans a decoded token reads are the bytes it counts */
    int n;
    membw_span *spans = gen_decode_spans(s, &n);
    assert_non_null(spans);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        assert_non_null(spans[i].p);
        total += spans[i].bytes;
    }
    assert_int_equal(total, gen_decode_bytes(m, 4));
    free(spans);
    gen_session_free(s);
    model_free(m);
}

static void test_utf8_prefix(void **state)
{
    (void)state;
    assert_int_equal(completion_utf8_prefix("ab", 2), 2);
    assert_int_equal(completion_utf8_prefix("a\xc3", 2), 1);
    assert_int_equal(completion_utf8_prefix("a\xc3\xa9", 3), 3);
    assert_int_equal(completion_utf8_prefix("\xe2\x82", 2), 0);
    assert_int_equal(completion_utf8_prefix("\xe2\x82\xac", 3), 3);
    assert_int_equal(completion_utf8_prefix("x\xf0\x9f\x98", 4), 1);
    assert_int_equal(completion_utf8_prefix("\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(completion_utf8_prefix("\x80", 1), 1);  /* stray continuation */
    assert_int_equal(completion_utf8_prefix("a\xff", 2), 2); /* never a lead byte */
    assert_int_equal(completion_utf8_prefix("", 0), 0);
}

/* ---------------------------------------------------------------- completion */
typedef struct {
    char text[4096];
    size_t n;
    bool last_cut;          /* the latest chunk ended inside a UTF-8 sequence */
    bool early_cut;         /* a chunk before the latest did */
} sink;

static void collect(void *ctx, const char *text, size_t len)
{
    sink *k = ctx;
    k->early_cut |= k->last_cut;
    k->last_cut = completion_utf8_prefix(text, len) != len;
    memcpy(k->text + k->n, text, len);
    k->n += len;
}

/* Token i's text: byte pieces that only form UTF-8 across tokens. */
static const char *piece_text(int i)
{
    static const char *const texts[] = {"\xc3", "\xa9", "\xe2", "\x82\xac", "\xe2\x82", "\xac"};
    return i == 0 ? "<unk>" : i == 1 ? "<s>" : i == 2 ? "</s>" : texts[i % 6];
}

static tok_vocab *vocab_with_eos(int32_t eos)
{
    const char *toks[V];
    int32_t types[V];
    for (int i = 0; i < V; i++) {
        toks[i] = piece_text(i);
        types[i] = i == 0 ? TOK_T_UNKNOWN : i < 3 ? TOK_T_CONTROL : TOK_T_NORMAL;
    }
    tok_spec spec;
    tok_spec_defaults(&spec, TOK_SPM, NULL);
    spec.n_tokens = V;
    spec.tokens = toks;
    spec.types = types;
    spec.eos = eos;
    char err[256];
    tok_vocab *v = tok_vocab_new(&spec, err, sizeof err);
    if (!v)
        fail_msg("tok_vocab_new: %s", err);
    return v;
}

/* Greedy ids after PROMPT, by the full forward over the growing sequence. */
static void greedy_reference(model *m, const int32_t *prompt, int np, int32_t *out, int n)
{
    int32_t seq[64];
    assert_true(np + n <= 64);
    memcpy(seq, prompt, (size_t)np * sizeof *seq);
    float *logits = malloc((size_t)(np + n) * V * sizeof *logits);
    assert_non_null(logits);
    char err[256];
    for (int i = 0; i < n; i++) {
        model_batch b = {.B = 1, .T = np + i, .tokens = seq};
        assert_int_equal(model_forward_logits(m, &b, logits, err, sizeof err), 0);
        const float *z = logits + (size_t)(np + i - 1) * V;
        int best = 0;
        for (int k = 1; k < V; k++)
            best = z[k] > z[best] ? k : best;
        out[i] = seq[np + i] = best;
    }
    free(logits);
}

/* Index of the first id in ids[from..n) that does not occur earlier. */
static int first_new(const int32_t *ids, int from, int n)
{
    for (int i = from; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= ids[j] == ids[i];
        if (!seen)
            return i;
    }
    return n;
}

static void test_completion(void **state)
{
    (void)state;
    qstore qs = {0};
    model *m = make(&(variant){.lora = true}, &qs);
    const int32_t prompt[4] = {5, 17, 42, 8};
    int32_t want[24];
    greedy_reference(m, prompt, 4, want, 24);
    int stop_at = first_new(want, 6, 24); /* its id becomes the end token */
    assert_true(stop_at < 24);
    tok_vocab *v = vocab_with_eos(want[stop_at]);
    char err[256];
    gen_session *s = gen_session_new(m, 32, err, sizeof err);
    tsample_params greedy = tsample_defaults();
    greedy.temp = 0.0f;
    token_sampler *ts = tsample_new(&greedy, V, err, sizeof err);
    sink k = {0};
    completion_opts o = {.max_new = 24, .on_text = collect, .ctx = &k};
    tok_ids out = {0};
    completion_stop why;
    assert_int_equal(completion_run(s, ts, v, prompt, 4, &o, &out, &why, err, sizeof err), 0);
    assert_int_equal(why, COMPLETION_EOG);
    assert_int_equal((int)out.n, stop_at);
    char joined[4096] = "";
    for (int i = 0; i < stop_at; i++) {
        assert_int_equal(out.ids[i], want[i]);
        strcat(joined, piece_text(want[i]));
    }
    assert_int_equal(k.n, strlen(joined));
    assert_memory_equal(k.text, joined, k.n);
    assert_false(k.early_cut); /* only the final flush may end inside a character */
    out.n = 0;
    o.max_new = stop_at > 1 ? stop_at - 1 : 1;
    o.on_text = NULL;
    assert_int_equal(completion_run(s, ts, v, prompt, 4, &o, &out, &why, err, sizeof err), 0);
    assert_int_equal(why, COMPLETION_LIMIT);
    assert_int_equal((int)out.n, o.max_new);
    tok_ids_free(&out);
    tsample_free(ts);
    gen_session_free(s);
    tok_vocab_free(v);
    model_free(m);
}

static void check_valid(const char *in, const char *want)
{
    char *got = completion_utf8_valid(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    check_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    check_valid("ab\xc3", "ab\xef\xbf\xbd");                        /* cut off */
    check_valid("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");              /* overlong */
    check_valid("\xed\xa0\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"); /* surrogate */
    check_valid("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    check_valid("", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gqa_llama),   cmocka_unit_test(test_qwen2_bias_neox),
        cmocka_unit_test(test_lora),        cmocka_unit_test(test_quantized_base),
        cmocka_unit_test(test_every_type),  cmocka_unit_test(test_tied_quantized_head),
        cmocka_unit_test(test_threads),     cmocka_unit_test(test_long_prefill),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_utf8_prefix),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_completion),
    };
    return cmocka_run_group_tests_name("generate", tests, NULL, NULL);
}
