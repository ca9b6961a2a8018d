/* test_model.c - the whole decoder on a tiny 2-layer shape: finite-difference
 * checks of every trainable tensor in each training mode and architecture
 * variant, and the equalities the trainer relies on (checkpointing, LoRA with
 * B = 0, merge, chunked loss, document isolation, threads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fdcheck.h"
#include "lora.h"
#include "model.h"
#include "quant.h"

#define NB 2
#define NT 6
#define N (NB * NT)
#define V 11

static const int32_t tokens[N] = {1, 4, 2, 9, 0, 3, 7, 7, 5, 10, 6, 2};
static const int32_t targets[N] = {4, 2, 9, 0, 3, -100, 7, 5, 10, 6, 2, 8};
static const float weights[N] = {1, 1, 2, 0, 1, 1, 1, 0.5f, 1, 3, 1, 1};
static const int32_t docs[N] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3};

static model_config tiny(void)
{
    model_config c = {.arch = "llama", .n_vocab = V, .dim = 8, .n_layers = 2, .n_heads = 2,
                      .n_kv_heads = 2, .head_dim = 4, .ffn_dim = 12, .context_len = 32,
                      .rope_base = 10000.0f, .rope_dim = 4, .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
    return c;
}

static model_batch batch(void)
{
    model_batch b = {.B = NB, .T = NT, .tokens = tokens, .targets = targets};
    return b;
}

/* Larger-than-init weights so every gradient is well above fp32 noise. */
static model *make(const model_config *c)
{
    char err[256] = "";
    model *m = model_create(c, 7, err, sizeof err);
    if (!m)
        fail_msg("model_create: %s", err);
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++) {
        bool norm = strstr(p[i].name, "norm") != NULL, bias = strstr(p[i].name, "bias") != NULL;
        fd_fill(p[i].data, p[i].n, 100 + (uint64_t)i, norm ? 1.0f : 0.0f,
                norm ? 0.2f : bias ? 0.3f : 0.35f);
    }
    return m;
}

static void set_mode(model *m, const model_train_spec *s)
{
    char err[256] = "";
    if (model_set_training(m, s, err, sizeof err))
        fail_msg("model_set_training: %s", err);
}

typedef struct {
    model *m;
    model_batch b;
} loss_ctx;

static double loss_obj(void *v)
{
    loss_ctx *c = v;
    double loss;
    char err[256];
    assert_int_equal(model_forward_loss(c->m, &c->b, &loss, NULL, err, sizeof err), 0);
    return loss;
}

static double grads(model *m, const model_batch *b)
{
    double loss, ws;
    char err[256] = "";
    model_zero_grad(m);
    if (model_forward_backward(m, b, &loss, &ws, err, sizeof err))
        fail_msg("forward_backward: %s", err);
    return loss;
}

/* FD-check every trainable tensor; returns how many were checked. */
static int check_all(model *m, const model_batch *b)
{
    grads(m, b);
    int n;
    const model_param *p = model_params(m, &n);
    loss_ctx c = {m, *b};
    for (int i = 0; i < n; i++) {
        double rel = fd_direction(p[i].data, p[i].grad, p[i].n, 200 + (uint64_t)i, 2e-2f, 5e-3,
                                  loss_obj, &c, p[i].name);
        if (!(rel < 5e-3))
            fail_msg("%s: gradient relative error %.3g", p[i].name, rel);
    }
    return n;
}

static void test_full_grad(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_batch b = batch();
    assert_int_equal(check_all(m, &b), 1 + 2 * 9 + 2);
    model_free(m);
}

static void test_full_tied_gqa_neox_bias(void **state)
{
    (void)state;
    model_config c = tiny();
    c.tied_embeddings = true;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    c.head_dim = 2;
    c.rope_dim = 2;
    c.rope = ROPE_NEOX;
    c.qkv_bias = true;
    model *m = make(&c);
    model_batch b = batch();
    assert_int_equal(check_all(m, &b), 1 + 2 * 12 + 1);
    model_free(m);
}

static void test_gqa_one_kv_head_normal(void **state)
{
    (void)state;
    model_config c = tiny();
    c.n_kv_heads = 1;
    model *m = make(&c);
    model_batch b = batch();
    check_all(m, &b);
    model_free(m);
}

static void test_packed_weighted_grad(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_batch b = batch();
    b.doc = docs;
    b.weights = weights;
    check_all(m, &b);
    model_free(m);
}

static void test_lora_grad(void **state)
{
    (void)state;
    model_config c = tiny();
    c.qkv_bias = true;
    model *m = make(&c);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_LINEAR, .lora_r = 2,
                          .lora_alpha = 4.0f, .lora_seed = 3};
    set_mode(m, &s);
    int n;
    const model_param *p = model_params(m, &n);
    assert_int_equal(n, 2 * 7 * 2);
    for (int i = 0; i < n; i++)
        if (strstr(p[i].name, "lora_b"))
            fd_fill(p[i].data, p[i].n, 300 + (uint64_t)i, 0.0f, 0.3f);
    model_batch b = batch();
    b.doc = docs;
    check_all(m, &b);
    model_free(m);
}

static void test_lora_rslora_scale(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_Q | MODEL_MOD_V,
                          .lora_r = 4, .lora_alpha = 8.0f, .rslora = true};
    set_mode(m, &s);
    assert_float_equal(model_lora_scale(m), 4.0f, 1e-6);
    s.rslora = false;
    set_mode(m, &s);
    assert_float_equal(model_lora_scale(m), 2.0f, 1e-6);
    int n;
    model_params(m, &n);
    assert_int_equal(n, 2 * 2 * 2);
    model_free(m);
}

static void test_lora_zero_b_is_base(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_batch b = batch();
    b.weights = weights;
    double base = loss_obj(&(loss_ctx){m, b});
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_LINEAR, .lora_r = 3,
                          .lora_alpha = 16.0f, .lora_seed = 9};
    set_mode(m, &s);
    assert_true(loss_obj(&(loss_ctx){m, b}) == base);
    model_free(m);
}

static void test_lora_merge_logits(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_LINEAR, .lora_r = 2,
                          .lora_alpha = 4.0f, .lora_dropout = 0.2f, .lora_seed = 5};
    set_mode(m, &s);
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++)
        if (strstr(p[i].name, "lora_b"))
            fd_fill(p[i].data, p[i].n, 400 + (uint64_t)i, 0.0f, 0.3f);
    model_batch b = batch();
    float before[N * V], after[N * V];
    char err[256];
    assert_int_equal(model_forward_logits(m, &b, before, err, sizeof err), 0);
    assert_int_equal(model_lora_merge(m, err, sizeof err), 0);
    model_params(m, &n);
    assert_int_equal(n, 0);
    assert_float_equal(model_lora_scale(m), 0.0f, 0);
    assert_int_equal(model_forward_logits(m, &b, after, err, sizeof err), 0);
    double diff = 0;
    for (int i = 0; i < N * V; i++)
        diff = fmax(diff, fabs(before[i] - after[i]));
    assert_true(diff < 1e-5);
    assert_true(fabs(before[0]) > 1e-3);
    model_free(m);
}

static void test_top_layers(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_memory full = model_get_memory(m);
    model_train_spec s = {.mode = MODEL_TRAIN_TOP, .top_layers = 1,
                          .modules = MODEL_MOD_Q | MODEL_MOD_DOWN | MODEL_MOD_NORM};
    set_mode(m, &s);
    int n;
    const model_param *p = model_params(m, &n);
    assert_int_equal(n, 4);
    for (int i = 0; i < n; i++)
        assert_non_null(strstr(p[i].name, "blk.1."));
    assert_true(model_get_memory(m).grads < full.grads / 4);
    model_batch b = batch();
    check_all(m, &b);
    s.train_head = true;
    s.modules = MODEL_MOD_K;
    set_mode(m, &s);
    assert_int_equal(check_all(m, &b), 4);
    model_free(m);
}

/* All gradients of the current mode, concatenated. */
static float *grad_copy(model *m, const model_batch *b, double *loss)
{
    *loss = grads(m, b);
    int n;
    const model_param *p = model_params(m, &n);
    float *g = malloc(model_n_trainable(m) * sizeof *g);
    assert_non_null(g);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(g + off, p[i].grad, p[i].n * sizeof *g);
        off += p[i].n;
    }
    return g;
}

static void ckpt_case(const model_train_spec *s)
{
    model_config c = tiny();
    c.qkv_bias = true;
    model *m = make(&c);
    model_batch b = batch();
    b.doc = docs;
    b.weights = weights;
    set_mode(m, s);
    model_set_step(m, 3);
    double l0, l1;
    float *g0 = grad_copy(m, &b, &l0);
    model_set_checkpointing(m, true);
    float *g1 = grad_copy(m, &b, &l1);
    assert_true(l0 == l1);
    assert_memory_equal(g0, g1, model_n_trainable(m) * sizeof *g0);
    free(g0);
    free(g1);
    model_free(m);
}

/* Recomputing each block in backward gives bit-identical gradients, also
 * with LoRA dropout (the masks are a function of the step). */
static void test_checkpointing_identical(void **state)
{
    (void)state;
    model_train_spec full = {.mode = MODEL_TRAIN_FULL};
    ckpt_case(&full);
    model_train_spec lora = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_LINEAR, .lora_r = 2,
                             .lora_alpha = 4.0f, .lora_dropout = 0.25f, .lora_seed = 2};
    ckpt_case(&lora);
}

/* Two micro-batches with loss_norm = the total weight accumulate exactly the
 * gradient of the whole batch (up to fp32 summation order). */
static void test_accumulation(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_batch whole = batch();
    whole.weights = weights;
    double lw, wsum = 0;
    float *gw = grad_copy(m, &whole, &lw);
    for (int i = 0; i < N; i++)
        wsum += targets[i] >= 0 ? weights[i] : 0.0;
    model_zero_grad(m);
    double total = 0;
    for (int h = 0; h < 2; h++) {
        model_batch half = {.B = 1, .T = NT, .tokens = tokens + h * NT, .targets = targets + h * NT,
                            .weights = weights + h * NT, .loss_norm = wsum};
        double loss, ws;
        char err[256];
        assert_int_equal(model_forward_backward(m, &half, &loss, &ws, err, sizeof err), 0);
        total += loss;
    }
    assert_float_equal(total, lw, 1e-6);
    int n;
    const model_param *p = model_params(m, &n);
    size_t off = 0;
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < p[i].n; k++, off++)
            assert_float_equal(p[i].grad[k], gw[off], 1e-6);
    free(gw);
    model_free(m);
}

static void test_chunked_ce_and_threads(void **state)
{
    (void)state;
    model_config c = tiny();
    model *a = make(&c), *t = make(&c);
    model_batch b = batch();
    b.weights = weights;
    model_set_ce_chunk(a, 1);
    model_set_ce_chunk(t, 1000);
    char err[256];
    assert_int_equal(model_set_threads(t, 3, 0, err, sizeof err), 0);
    double la = grads(a, &b), lt = grads(t, &b);
    assert_float_equal(la, lt, 1e-6);
    int n;
    const model_param *pa = model_params(a, &n), *pt = model_params(t, &n);
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < pa[i].n; k++)
            assert_float_equal(pa[i].grad[k], pt[i].grad[k], 1e-6);
    model_free(a);
    model_free(t);
}

/* A packed document's logits do not see other documents, and equal the
 * logits of the document run alone (positions restart). */
static void test_doc_isolation(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_batch b = batch();
    b.doc = docs;
    float l1[N * V], l2[N * V], alone[3 * V];
    char err[256];
    assert_int_equal(model_forward_logits(m, &b, l1, err, sizeof err), 0);
    int32_t changed[N];
    memcpy(changed, tokens, sizeof changed);
    changed[0] = 5;
    changed[1] = 6;
    changed[2] = 3;
    changed[10] = 1;
    b.tokens = changed;
    assert_int_equal(model_forward_logits(m, &b, l2, err, sizeof err), 0);
    assert_memory_equal(l1 + 3 * V, l2 + 3 * V, 7 * V * sizeof(float));
    assert_memory_not_equal(l1, l2, 3 * V * sizeof(float));
    model_batch one = {.B = 1, .T = 3, .tokens = tokens + 3};
    assert_int_equal(model_forward_logits(m, &one, alone, err, sizeof err), 0);
    for (int i = 0; i < 3 * V; i++)
        assert_float_equal(alone[i], l1[3 * V + i], 1e-5);
    model_free(m);
}

static void test_rejects_bad_input(void **state)
{
    (void)state;
    model_config c = tiny();
    char err[256] = "";
    c.n_kv_heads = 3;
    assert_null(model_create(&c, 1, err, sizeof err));
    assert_non_null(strstr(err, "divide"));
    c = tiny();
    model *m = make(&c);
    int32_t bad[N];
    memcpy(bad, tokens, sizeof bad);
    bad[4] = V;
    model_batch b = batch();
    b.tokens = bad;
    double loss;
    assert_int_equal(model_forward_backward(m, &b, &loss, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "outside vocab"));
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_NORM, .lora_r = 2,
                          .lora_alpha = 1};
    assert_int_equal(model_set_training(m, &s, err, sizeof err), -1);
    model_free(m);
}

static void test_memory_report(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    model_memory mm = model_get_memory(m);
    size_t params = (size_t)V * 8 * 2 + 8 + 2 * (8 * 2 + 8 * 8 * 4 + 3 * 8 * 12);
    assert_int_equal(mm.weights, params * sizeof(float));
    assert_int_equal(mm.grads, params * sizeof(float));
    model_batch b = batch();
    grads(m, &b);
    mm = model_get_memory(m);
    assert_true(mm.activations > 0);
    assert_true(mm.peak >= mm.weights + mm.grads + mm.activations);
    model_free(m);
}

/* A loader's model: every weight zero (a load overwrites each; zero, unlike
 * the random init, leaves the pages of a tensor it replaces by a quantized
 * one untouched), frozen with no gradient buffers, the same weight bytes. */
static void test_blank_for_loaders(void **state)
{
    (void)state;
    char err[256];
    model_config c = tiny();
    model *m = model_create_blank(&c, err, sizeof err);
    assert_non_null(m);
    model_memory mm = model_get_memory(m);
    size_t params = (size_t)V * 8 * 2 + 8 + 2 * (8 * 2 + 8 * 8 * 4 + 3 * 8 * 12);
    assert_int_equal(mm.weights, params * sizeof(float));
    assert_int_equal(mm.grads, 0);
    assert_int_equal(model_n_trainable(m), 0);
    size_t n;
    const float *w = model_weight(m, "blk.1.ffn_down.weight", &n);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++)
        assert_true(w[i] == 0.0f);
    model_free(m);
}

/* The planned sizes (no model) are what a model in that setup allocates:
 * trainable elements in each mode, and the activation arena after a pass,
 * with and without checkpointing. */
static void plan_case(const model_train_spec *s, bool ckpt)
{
    char err[256];
    model_config c = tiny();
    c.tied_embeddings = s->mode == MODEL_TRAIN_TOP;
    model *m = make(&c);
    set_mode(m, s);
    model_set_checkpointing(m, ckpt);
    model_sizes z;
    assert_int_equal(model_plan_sizes(&c, s, &z, err, sizeof err), 0);
    assert_int_equal(z.trainable, model_n_trainable(m));
    size_t embd = (size_t)V * 8 * (c.tied_embeddings ? 1 : 2);
    assert_int_equal(z.params, embd + 8 + 2 * (8 * 2 + 8 * 8 * 4 + 3 * 8 * 12));
    assert_int_equal(z.linear_params, embd - (size_t)V * 8 + 2 * (8 * 8 * 4 + 3 * 8 * 12));
    model_batch b = batch();
    double loss;
    assert_int_equal(model_forward_backward(m, &b, &loss, NULL, err, sizeof err), 0);
    model_act_shape shape = {.B = NB, .T = NT, .scored = 5, .ckpt = ckpt};
    model_act_size a = model_activation_size(&c, s, &shape);
    assert_int_equal(a.bytes, model_get_memory(m).activations);
    assert_true(a.loss >= (size_t)N * V * sizeof(float));
    /* logits for the 5 scored rows only, of the 12 the chunk holds */
    assert_true(a.loss_written >= (size_t)5 * V * sizeof(float));
    assert_true(a.loss_written < (size_t)6 * V * sizeof(float) + (size_t)6 * 2 * 8 * sizeof(float));
    assert_true(a.written < a.bytes);
    shape.scored = N;
    assert_true(model_activation_size(&c, s, &shape).loss_written > a.loss_written);
    model_free(m);
}

static void test_plan_sizes(void **state)
{
    (void)state;
    model_train_spec full = {.mode = MODEL_TRAIN_FULL};
    model_train_spec top = {.mode = MODEL_TRAIN_TOP, .top_layers = 1, .modules = MODEL_MOD_ALL,
                            .train_head = true};
    model_train_spec lora = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_Q | MODEL_MOD_DOWN,
                             .lora_r = 3, .lora_alpha = 6};
    plan_case(&full, false);
    plan_case(&full, true);
    plan_case(&top, false);
    plan_case(&lora, false);
    plan_case(&lora, true);
    model_sizes z;
    char err[256];
    model_config c = tiny();
    assert_int_equal(model_plan_sizes(&c, &lora, &z, err, sizeof err), 0);
    assert_int_equal(z.lora, 2 * (lora_floats(8, 8, 3) + lora_floats(12, 8, 3)));
    c.n_kv_heads = 3;
    assert_int_equal(model_plan_sizes(&c, &lora, &z, err, sizeof err), -1);
}

/* A frozen base in F16/BF16/Q8_0/Q4_0 gives the logits of the fp32 model
 * holding the same (dequantized) values, and LoRA gradients through it pass
 * the finite-difference check. */
static void quant_case(int type)
{
    model_config c = tiny();
    c.dim = 32;
    c.head_dim = 16;
    c.rope_dim = 16;
    c.ffn_dim = 64;
    model *q = make(&c), *f = make(&c);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_Q | MODEL_MOD_DOWN,
                          .lora_r = 2, .lora_alpha = 4.0f, .lora_seed = 1};
    set_mode(q, &s);
    set_mode(f, &s);
    static const char *const names[] = {"blk.0.attn_q.weight", "blk.1.attn_k.weight",
                                        "blk.0.ffn_down.weight", "blk.1.ffn_gate.weight",
                                        "output.weight"};
    void *data[5];
    char err[256] = "";
    for (int i = 0; i < 5; i++) {
        size_t n;
        float *w = model_weight(q, names[i], &n), *wf = model_weight(f, names[i], NULL);
        data[i] = malloc(n * sizeof(float));
        assert_non_null(data[i]);
        assert_int_equal(quant_quantize_row(type, w, data[i], (int64_t)n), 0);
        assert_int_equal(quant_dequantize_row(type, data[i], wf, (int64_t)n), 0);
        if (model_set_quantized(q, names[i], type, data[i], err, sizeof err))
            fail_msg("set_quantized: %s", err);
        assert_null(model_weight(q, names[i], NULL));
    }
    int n;
    const model_param *pq = model_params(q, &n), *pf = model_params(f, &n);
    for (int i = 0; i < n; i++)
        if (strstr(pq[i].name, "lora_b")) {
            fd_fill(pq[i].data, pq[i].n, 500 + (uint64_t)i, 0.0f, 0.3f);
            memcpy(pf[i].data, pq[i].data, pq[i].n * sizeof(float));
        }
    model_batch b = batch();
    float lq[N * V], lf[N * V];
    assert_int_equal(model_forward_logits(q, &b, lq, err, sizeof err), 0);
    assert_int_equal(model_forward_logits(f, &b, lf, err, sizeof err), 0);
    for (int i = 0; i < N * V; i++)
        assert_float_equal(lq[i], lf[i], 1e-5);
    check_all(q, &b);
    /* a quantized tensor cannot be made trainable */
    model_train_spec full = {.mode = MODEL_TRAIN_FULL};
    assert_int_equal(model_set_training(q, &full, err, sizeof err), -1);
    assert_non_null(strstr(err, "quantized"));
    assert_int_equal(model_lora_merge(q, err, sizeof err), -1);
    model_free(q);
    model_free(f);
    for (int i = 0; i < 5; i++)
        free(data[i]);
}

static void test_quantized_base(void **state)
{
    (void)state;
    quant_case(1);      /* F16 */
    quant_case(30);     /* BF16 */
    quant_case(8);      /* Q8_0 */
    quant_case(2);      /* Q4_0 */
}

static void test_quantized_rejects(void **state)
{
    (void)state;
    model_config c = tiny();
    model *m = make(&c);
    char err[256] = "";
    static uint8_t blob[4096];
    assert_int_equal(model_set_quantized(m, "blk.0.attn_q.weight", 1, blob, err, sizeof err), -1);
    assert_non_null(strstr(err, "trainable"));
    model_train_spec s = {.mode = MODEL_TRAIN_LORA};
    set_mode(m, &s);
    assert_int_equal(model_set_quantized(m, "blk.0.attn_q.weight", 8, blob, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot be dequantized"));
    assert_int_equal(model_set_quantized(m, "token_embd.weight", 1, blob, err, sizeof err), -1);
    assert_int_equal(model_set_quantized(m, "blk.0.attn_norm.weight", 1, blob, err, sizeof err), -1);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_grad),
        cmocka_unit_test(test_full_tied_gqa_neox_bias),
        cmocka_unit_test(test_gqa_one_kv_head_normal),
        cmocka_unit_test(test_packed_weighted_grad),
        cmocka_unit_test(test_lora_grad),
        cmocka_unit_test(test_lora_rslora_scale),
        cmocka_unit_test(test_lora_zero_b_is_base),
        cmocka_unit_test(test_lora_merge_logits),
        cmocka_unit_test(test_top_layers),
        cmocka_unit_test(test_checkpointing_identical),
        cmocka_unit_test(test_accumulation),
        cmocka_unit_test(test_chunked_ce_and_threads),
        cmocka_unit_test(test_doc_isolation),
        cmocka_unit_test(test_rejects_bad_input),
        cmocka_unit_test(test_memory_report),
        cmocka_unit_test(test_blank_for_loaders),
        cmocka_unit_test(test_plan_sizes),
        cmocka_unit_test(test_quantized_base),
        cmocka_unit_test(test_quantized_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
