/* test_torch_ref.c - the engine against PyTorch: tests/ref/make_fixtures.py
 * built a tiny Llama (HF module layout, GQA, SwiGLU, untied head) in torch and
 * saved its weights, batch, loss, logits, gradients and three AdamW steps
 * (full and LoRA, clipped, warmup+cosine). Here the same weights go into our
 * model and the same steps run through our trainer thread, optimizer and
 * schedule. Scalars must agree to 1e-4 relative; a tensor's largest error must
 * be within 1e-4 of its largest magnitude. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "train_bind.h"
#include "trainer.h"

#define REL 1e-4

typedef struct {
    json_t *doc;
    float *blob;
    size_t n_blob;
    int B, T;
    int32_t tokens[64], targets[64];
} fixture;

static fixture fx;

static int load_fixture(void **state)
{
    (void)state;
    const char *src = getenv("LATHE_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/ref/fixtures/llama_tiny.json", src ? src : ".");
    json_error_t je;
    fx.doc = json_load_file(path, 0, &je);
    if (!fx.doc) {
        fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
        return -1;
    }
    snprintf(path, sizeof path, "%s/tests/ref/fixtures/llama_tiny.bin", src ? src : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    fx.n_blob = (size_t)bytes / sizeof(float);
    fx.blob = malloc((size_t)bytes);
    size_t got = fx.blob ? fread(fx.blob, 1, (size_t)bytes, f) : 0;
    fclose(f);
    if (got != (size_t)bytes)
        return -1;
    json_t *batch = json_object_get(fx.doc, "batch");
    fx.B = (int)json_integer_value(json_object_get(batch, "B"));
    fx.T = (int)json_integer_value(json_object_get(batch, "T"));
    for (int i = 0; i < fx.B * fx.T && i < 64; i++) {
        fx.tokens[i] = (int32_t)json_integer_value(json_array_get(json_object_get(batch, "tokens"), (size_t)i));
        fx.targets[i] = (int32_t)json_integer_value(json_array_get(json_object_get(batch, "targets"), (size_t)i));
    }
    return 0;
}

static int free_fixture(void **state)
{
    (void)state;
    json_decref(fx.doc);
    free(fx.blob);
    return 0;
}

/* A stored tensor by name; *n receives its float count. */
static const float *tensor(const char *name, size_t *n)
{
    json_t *t = json_object_get(json_object_get(fx.doc, "tensors"), name);
    if (!t)
        fail_msg("fixture has no tensor %s", name);
    size_t count = 1, i;
    json_t *dim;
    json_array_foreach(json_object_get(t, "shape"), i, dim)
        count *= (size_t)json_integer_value(dim);
    size_t off = (size_t)json_integer_value(json_object_get(t, "offset"));
    assert_true(off + count <= fx.n_blob);
    *n = count;
    return fx.blob + off;
}

static double number(const char *section, const char *key)
{
    return json_number_value(json_object_get(json_object_get(fx.doc, section), key));
}

static double list_at(const char *section, const char *key, size_t i)
{
    return json_number_value(json_array_get(json_object_get(json_object_get(fx.doc, section), key), i));
}

static void assert_rel(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= REL * fabs(want)))
        fail_msg("%s: got %.9g, torch %.9g", what, got, want);
}

static void assert_tensor(const float *got, const float *want, size_t n, const char *what)
{
    double maxref = 0.0, maxerr = 0.0;
    for (size_t i = 0; i < n; i++) {
        maxref = fmax(maxref, fabs(want[i]));
        maxerr = fmax(maxerr, fabs((double)got[i] - want[i]));
    }
    if (!(maxerr <= REL * maxref))
        fail_msg("%s: max error %.3g, max |torch| %.3g", what, maxerr, maxref);
}

static model *build(rope_style rope)
{
    json_t *c = json_object_get(fx.doc, "config");
    model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "llama");
#define I(k) (int)json_integer_value(json_object_get(c, k))
    cfg.n_vocab = I("n_vocab");
    cfg.dim = I("dim");
    cfg.n_layers = I("n_layers");
    cfg.n_heads = I("n_heads");
    cfg.n_kv_heads = I("n_kv_heads");
    cfg.head_dim = I("head_dim");
    cfg.ffn_dim = I("ffn_dim");
#undef I
    cfg.context_len = fx.T;
    cfg.rope_base = (float)json_number_value(json_object_get(c, "rope_base"));
    cfg.rope_dim = cfg.head_dim;
    cfg.rope = rope;
    cfg.norm_eps = (float)json_number_value(json_object_get(c, "norm_eps"));
    char err[256];
    model *m = model_create(&cfg, 7, err, sizeof err);
    if (!m)
        fail_msg("model_create: %s", err);
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(fx.doc, "tensors"), key, v) {
        if (strncmp(key, "w/", 2))
            continue;
        size_t n, have;
        const float *src = tensor(key, &n);
        float *dst = model_weight(m, key + 2, &have);
        assert_non_null(dst);
        if (have != n)
            fail_msg("%s: model %zu, fixture %zu", key, have, n);
        memcpy(dst, src, n * sizeof(float));
    }
    return m;
}

static model_batch batch(void)
{
    model_batch b = {fx.B, fx.T, fx.tokens, fx.targets, NULL, NULL, 0.0};
    return b;
}

static const model_param *param(model *m, const char *name)
{
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++)
        if (!strcmp(p[i].name, name))
            return &p[i];
    fail_msg("model has no trainable tensor %s", name);
    return NULL;
}

/* Loss, logits at the saved positions and the saved gradients of one RoPE variant. */
static void check_variant(rope_style rope, const char *tag)
{
    model *m = build(rope);
    model_batch b = batch();
    char err[256], name[128];
    double loss;
    model_zero_grad(m);
    assert_int_equal(model_forward_backward(m, &b, &loss, NULL, err, sizeof err), 0);
    assert_rel(loss, number(tag, "loss"), "loss");

    size_t V = (size_t)model_get_config(m)->n_vocab, n;
    float *logits = malloc((size_t)(fx.B * fx.T) * V * sizeof(float));
    assert_non_null(logits);
    assert_int_equal(model_forward_logits(m, &b, logits, err, sizeof err), 0);
    snprintf(name, sizeof name, "%s/logits", tag);
    const float *want = tensor(name, &n);
    json_t *pos = json_object_get(fx.doc, "logit_positions");
    for (size_t k = 0; k < json_array_size(pos); k++) {
        size_t at = (size_t)json_integer_value(json_array_get(pos, k));
        assert_tensor(logits + at * V, want + k * V, V, "logits");
    }
    free(logits);

    int checked = 0;
    const char *key;
    json_t *v;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s/grad/", tag);
    json_object_foreach(json_object_get(fx.doc, "tensors"), key, v) {
        if (strncmp(key, prefix, strlen(prefix)))
            continue;
        const model_param *p = param(m, key + strlen(prefix));
        want = tensor(key, &n);
        assert_int_equal(p->n, n);
        assert_tensor(p->grad, want, n, key);
        checked++;
    }
    assert_true(checked >= 4);
    model_free(m);
}

static void test_neox_loss_logits_grads(void **state)
{
    (void)state;
    check_variant(ROPE_NEOX, "neox");
}

static void test_adjacent_pair_rope(void **state)
{
    (void)state;
    check_variant(ROPE_NORMAL, "normal");
}

static int same_batch(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    *out = (trainer_batch){fx.B, fx.T, fx.tokens, fx.targets, NULL, NULL, 0.0};
    return 1;
}

/* Three optimizer steps through the trainer thread, then the final loss. */
static void run_steps(model *m, double lr, const char *tag)
{
    json_t *o = json_object_get(fx.doc, "optim");
#define D(k) json_number_value(json_object_get(o, k))
    trainer_config c = trainer_defaults();
    c.learning_rate = lr;
    c.optim.beta1 = D("beta1");
    c.optim.beta2 = D("beta2");
    c.optim.eps = D("eps");
    c.optim.weight_decay = D("weight_decay");
    c.max_grad_norm = D("max_grad_norm");
    c.schedule = (schedule_config){SCHED_COSINE, (int64_t)D("warmup_steps"), 0.0,
                                   (int64_t)D("total_steps"), D("min_lr_ratio")};
    c.max_steps = (int64_t)D("steps");
#undef D
    char err[256];
    ring *r = ring_new(64, err, sizeof err);
    train_bind bind;
    trainer_model tm;
    trainer_source src = {NULL, same_batch};
    assert_int_equal(train_bind_model(&bind, m, &tm, err, sizeof err), 0);
    trainer *t = trainer_new(&c, &tm, &src, r, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(trainer_start(t, err, sizeof err), 0);
    trainer_join(t);
    trainer_status st;
    trainer_get_status(t, &st);
    assert_int_equal(st.state, TRAINER_FINISHED);
    ring_record rec;
    size_t i = 0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_STEP) {
            assert_rel(rec.loss, list_at(tag, "losses", i), "step loss");
            assert_rel(rec.grad_norm, list_at(tag, "grad_norms", i), "grad norm");
            assert_true(fabs(rec.lr - list_at(tag, "lrs", i)) <= 1e-12);
            i++;
        }
        ring_record_clear(&rec);
    }
    assert_int_equal(i, 3);
    model_batch b = batch();
    double loss;
    assert_int_equal(model_forward_loss(m, &b, &loss, NULL, err, sizeof err), 0);
    assert_rel(loss, list_at(tag, "losses", 3), "loss after 3 steps");
    trainer_free(t);
    train_bind_free(&bind);
    ring_free(r);
}

static void test_adamw_full_three_steps(void **state)
{
    (void)state;
    model *m = build(ROPE_NEOX);
    assert_false(param(m, "output_norm.weight")->decay);
    assert_true(param(m, "blk.0.attn_q.weight")->decay);
    /* On a pool of two (the LoRA run below keeps one): the kernels and the
     * optimizer's passes split across threads, as lathe trains. */
    char err[256];
    assert_int_equal(model_set_threads(m, 2, 0, err, sizeof err), 0);
    run_steps(m, json_number_value(json_object_get(json_object_get(fx.doc, "optim"), "lr")), "full");
    size_t n;
    const float *want = tensor("full/final/blk.1.attn_q.weight", &n);
    assert_tensor(param(m, "blk.1.attn_q.weight")->data, want, n, "final attn_q");
    want = tensor("full/final/output_norm.weight", &n);
    assert_tensor(param(m, "output_norm.weight")->data, want, n, "final output_norm");
    model_free(m);
}

static void test_adamw_lora_three_steps(void **state)
{
    (void)state;
    model *m = build(ROPE_NEOX);
    json_t *l = json_object_get(fx.doc, "lora");
    model_train_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.mode = MODEL_TRAIN_LORA;
    spec.modules = MODEL_MOD_LINEAR;
    spec.lora_r = (int)json_integer_value(json_object_get(l, "r"));
    spec.lora_alpha = (float)json_number_value(json_object_get(l, "alpha"));
    spec.lora_seed = 1;
    char err[256];
    assert_int_equal(model_set_training(m, &spec, err, sizeof err), 0);
    int np, loaded = 0;
    const model_param *p = model_params(m, &np);
    assert_int_equal(np, 2 * 7 * 2);
    for (int i = 0; i < np; i++) {
        char key[128];
        size_t n;
        snprintf(key, sizeof key, "lora/%s", p[i].name);
        const float *src = tensor(key, &n);
        assert_int_equal(p[i].n, n);
        memcpy(p[i].data, src, n * sizeof(float));
        loaded++;
    }
    assert_int_equal(loaded, 28);
    run_steps(m, json_number_value(json_object_get(json_object_get(fx.doc, "optim"), "lora_lr")),
              "lora_train");
    size_t n;
    const float *want = tensor("lora_final/blk.0.attn_v.weight.lora_b", &n);
    assert_tensor(param(m, "blk.0.attn_v.weight.lora_b")->data, want, n, "final lora_b");
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neox_loss_logits_grads),
        cmocka_unit_test(test_adjacent_pair_rope),
        cmocka_unit_test(test_adamw_full_three_steps),
        cmocka_unit_test(test_adamw_lora_three_steps),
    };
    return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
