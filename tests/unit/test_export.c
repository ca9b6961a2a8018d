/* test_export.c - model files in and out of the engine: the same random model
 * written as GGUF and as a Hugging Face directory loads to identical logits
 * (llama with q/k permutation, qwen2 without); saved GGUFs carry tokenizer
 * metadata with llama.cpp's key types; LoRA adapters round-trip through
 * llama.cpp's adapter GGUF (keys, types and shapes checked the way
 * llama_adapter_lora_init checks them) and through PEFT, whose q/k lora_B rows
 * are checked against an HF-space merge computed from the raw files; merged
 * models match base + adapter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdir.h"
#include "adapter.h"
#include "gguf_write.h"
#include "hf_model.h"
#include "model_load.h"

#define NV 32
#define NT 8

static const int32_t tokens[NT] = {1, 5, 9, 30, 2, 17, 4, 11};

static uint64_t rng = 88172645463325252ull;

static float urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 40) / (double)(1ull << 24)) * 2.0f - 1.0f;
}

static void fill(float *x, size_t n, float scale, float offset)
{
    for (size_t i = 0; i < n; i++)
        x[i] = offset + scale * urand();
}

static model_config llama_cfg(void)
{
    model_config c = {.arch = "llama", .n_vocab = NV, .dim = 32, .n_layers = 2, .n_heads = 4,
                      .n_kv_heads = 2, .head_dim = 8, .ffn_dim = 64, .context_len = 64,
                      .rope_base = 10000.0f, .rope_dim = 8, .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
    return c;
}

static model_config qwen2_cfg(void)
{
    model_config c = llama_cfg();
    strcpy(c.arch, "qwen2");
    c.rope = ROPE_NEOX;
    c.qkv_bias = true;
    c.tied_embeddings = true;
    c.rope_base = 1000000.0f;
    c.norm_eps = 1e-6f;
    return c;
}

/* A model with weights large enough that every tensor moves the logits. */
static model *make_model(const model_config *c)
{
    char err[256] = "";
    model *m = model_create(c, 3, err, sizeof err);
    if (!m)
        fail_msg("model_create: %s", err);
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++) {
        bool norm = strstr(p[i].name, "norm") != NULL;
        fill(p[i].data, p[i].n, norm ? 0.2f : 0.3f, norm ? 1.0f : 0.0f);
    }
    return m;
}

static float *logits(model *m)
{
    char err[256] = "";
    float *out = malloc(sizeof(float) * NT * NV);
    assert_non_null(out);
    model_batch b = {.B = 1, .T = NT, .tokens = tokens};
    if (model_forward_logits(m, &b, out, err, sizeof err))
        fail_msg("forward: %s", err);
    return out;
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return d;
}

static void load(model_file *mf, const char *path, bool quantized)
{
    char err[512] = "";
    if (model_file_load(mf, path, quantized, err, sizeof err))
        fail_msg("load %s: %s", path, err);
}

/* Writes M as GGUF (F32) and as an HF directory, loads both back, and
 * checks both against M's own logits bit for bit. */
static void same_logits_both_ways(const model_config *c, const char *tag)
{
    char err[512] = "", gg[64], hf[64], st[96], cj[96];
    snprintf(gg, sizeof gg, "%s.gguf", tag);
    snprintf(hf, sizeof hf, "%s-hf", tag);
    model *m = make_model(c);
    float *want = logits(m);
    const char *gpath = testdir_path(gg), *hdir = testdir_path(hf);
    assert_int_equal(mkdir(hdir, 0777), 0);
    snprintf(st, sizeof st, "%s/model.safetensors", hf);
    snprintf(cj, sizeof cj, "%s/config.json", hf);
    if (model_save_gguf(m, NULL, gpath, GGML_TYPE_F32, err, sizeof err) ||
        model_save_safetensors(m, testdir_path(st), ST_F32, testdir_path(cj), err, sizeof err))
        fail_msg("save: %s", err);
    model_file a, b;
    load(&a, gpath, false);
    load(&b, hdir, false);
    assert_int_equal(a.src, MODEL_SRC_GGUF);
    assert_int_equal(b.src, MODEL_SRC_HF);
    float *la = logits(a.m), *lb = logits(b.m);
    assert_memory_equal(la, want, sizeof(float) * NT * NV);
    assert_memory_equal(lb, want, sizeof(float) * NT * NV);
    const model_config *ca = model_get_config(a.m), *cb = model_get_config(b.m);
    assert_int_equal(ca->rope, c->rope);
    assert_int_equal(cb->rope, c->rope);
    assert_int_equal(cb->tied_embeddings, c->tied_embeddings);
    assert_int_equal(cb->qkv_bias, c->qkv_bias);
    free(la);
    free(lb);
    free(want);
    model_file_close(&a);
    model_file_close(&b);
    model_free(m);
}

static void test_llama_gguf_and_hf_logits_identical(void **state)
{
    (void)state;
    model_config c = llama_cfg();
    same_logits_both_ways(&c, "llama");
}

static void test_qwen2_gguf_and_hf_logits_identical(void **state)
{
    (void)state;
    model_config c = qwen2_cfg();
    same_logits_both_ways(&c, "qwen2");
}

/* The HF file really holds q rows in HF order: row h*hd + j*hd/2 + p of
 * q_proj is GGUF row h*hd + 2p + j (FORMATS.md 1.6), for llama only. */
static void test_hf_file_qk_row_order(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    const char *p = testdir_path("order.safetensors");
    if (model_save_safetensors(m, p, ST_F32, NULL, err, sizeof err))
        fail_msg("%s", err);
    st_file *f = st_open(p, err, sizeof err);
    assert_non_null(f);
    const st_tensor *q = st_find(f, "model.layers.1.self_attn.q_proj.weight");
    const st_tensor *k = st_find(f, "model.layers.1.self_attn.k_proj.weight");
    assert_non_null(q);
    assert_non_null(k);
    assert_int_equal(q->shape[0], 32);
    assert_int_equal(k->shape[0], 16);
    float *hq = malloc(sizeof(float) * 32 * 32);
    assert_int_equal(st_to_f32(q, hq), 0);
    const float *gq = model_weight(m, "blk.1.attn_q.weight", NULL);
    int hd = c.head_dim;
    for (int h = 0; h < c.n_heads; h++)
        for (int pp = 0; pp < hd / 2; pp++)
            for (int j = 0; j < 2; j++)
                assert_memory_equal(hq + (size_t)(h * hd + j * hd / 2 + pp) * 32,
                                    gq + (size_t)(h * hd + 2 * pp + j) * 32, 32 * sizeof(float));
    free(hq);
    st_close(f);
    model_free(m);
}

/* A source GGUF holding only tokenizer metadata and a chat template. */
static gguf_file *tokenizer_meta(void)
{
    char err[256] = "";
    const char *toks[NV];
    char buf[NV][8];
    float scores[NV];
    int32_t types[NV];
    for (int i = 0; i < NV; i++) {
        snprintf(buf[i], sizeof buf[i], "t%d", i);
        toks[i] = buf[i];
        scores[i] = -(float)i;
        types[i] = i < 3 ? 3 : 1;
    }
    gguf_writer *w = gguf_writer_new(0);
    const char *tmpl = "{% for message in messages %}<|im_start|>{{ message.content }}{% endfor %}";
    gguf_writer_set_str(w, "general.architecture", "llama", 5);
    gguf_writer_set_str(w, "general.name", "tiny", 4);
    gguf_writer_set_str(w, "tokenizer.ggml.model", "llama", 5);
    gguf_writer_set_str(w, "tokenizer.ggml.pre", "default", 7);
    gguf_writer_set_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, toks, NV);
    gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, NV);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, NV);
    gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", true);
    gguf_writer_set_str(w, "tokenizer.chat_template", tmpl, strlen(tmpl));
    if (gguf_writer_write(w, testdir_path("meta.gguf"), err, sizeof err))
        fail_msg("%s", err);
    gguf_writer_free(w);
    gguf_file *g = gguf_open(testdir_path("meta.gguf"), err, sizeof err);
    assert_non_null(g);
    return g;
}

static void expect_type(const gguf_file *g, const char *key, gguf_type type, gguf_type arr)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    if (!kv)
        fail_msg("key %s missing", key);
    if (kv->type != type || (type == GGUF_TYPE_ARRAY && kv->arr_type != arr))
        fail_msg("key %s: type %s, expected %s", key, gguf_type_name(kv->type),
                 gguf_type_name(type));
}

static void test_saved_gguf_keys_and_tokenizer(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    gguf_file *meta = tokenizer_meta();
    const char *p = testdir_path("tok.gguf");
    if (model_save_gguf(m, meta, p, GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    gguf_file *g = gguf_open(p, err, sizeof err);
    assert_non_null(g);
    /* the types llama.cpp's loader requires (FORMATS.md 1.1 and 1.4) */
    expect_type(g, "general.architecture", GGUF_TYPE_STRING, 0);
    expect_type(g, "general.file_type", GGUF_TYPE_UINT32, 0);
    const char *u32[] = {"context_length", "embedding_length", "block_count",
                         "feed_forward_length", "attention.head_count",
                         "attention.head_count_kv", "rope.dimension_count", "vocab_size"};
    for (size_t i = 0; i < sizeof u32 / sizeof u32[0]; i++) {
        char key[96];
        snprintf(key, sizeof key, "llama.%s", u32[i]);
        expect_type(g, key, GGUF_TYPE_UINT32, 0);
    }
    expect_type(g, "llama.attention.layer_norm_rms_epsilon", GGUF_TYPE_FLOAT32, 0);
    expect_type(g, "llama.rope.freq_base", GGUF_TYPE_FLOAT32, 0);
    expect_type(g, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY, GGUF_TYPE_STRING);
    expect_type(g, "tokenizer.ggml.scores", GGUF_TYPE_ARRAY, GGUF_TYPE_FLOAT32);
    expect_type(g, "tokenizer.ggml.token_type", GGUF_TYPE_ARRAY, GGUF_TYPE_INT32);
    expect_type(g, "tokenizer.ggml.bos_token_id", GGUF_TYPE_UINT32, 0);
    expect_type(g, "tokenizer.ggml.add_bos_token", GGUF_TYPE_BOOL, 0);
    const char *s1, *s2;
    size_t n1, n2;
    assert_true(gguf_get_str(g, "tokenizer.chat_template", &s1, &n1));
    assert_true(gguf_get_str(meta, "tokenizer.chat_template", &s2, &n2));
    assert_int_equal(n1, n2);
    assert_memory_equal(s1, s2, n1);
    assert_true(gguf_kv_arr_str(gguf_find_kv(g, "tokenizer.ggml.tokens"), 31, &s1, &n1));
    assert_int_equal(n1, 3);
    assert_memory_equal(s1, "t31", 3);
    const gguf_tensor *t = gguf_find_tensor(g, "blk.0.attn_norm.weight");
    assert_non_null(t);
    assert_int_equal(t->n_dims, 1);
    t = gguf_find_tensor(g, "blk.0.ffn_down.weight");
    assert_non_null(t);
    assert_int_equal(t->ne[0], 64);
    assert_int_equal(t->ne[1], 32);
    gguf_close(g);
    /* and it loads, tokenizer and all, to the same logits */
    model_file mf;
    load(&mf, p, false);
    float *a = logits(m), *b = logits(mf.m);
    assert_memory_equal(a, b, sizeof(float) * NT * NV);
    free(a);
    free(b);
    model_file_close(&mf);
    gguf_close(meta);
    model_free(m);
}

/* Q8_0 and F16 saves load, dequantized or kept as a frozen quantized base. */
static void test_quantized_saves_load(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    float *want = logits(m);
    const int types[] = {GGML_TYPE_F16, GGML_TYPE_Q8_0};
    const double tol[] = {2e-2, 1.5e-1};
    for (int i = 0; i < 2; i++) {
        const char *p = testdir_path(i ? "q8.gguf" : "f16.gguf");
        if (model_save_gguf(m, NULL, p, types[i], err, sizeof err))
            fail_msg("%s", err);
        gguf_file *g = gguf_open(p, err, sizeof err);
        assert_non_null(g);
        assert_int_equal(gguf_find_tensor(g, "blk.0.attn_q.weight")->type, types[i]);
        assert_int_equal(gguf_find_tensor(g, "output_norm.weight")->type, GGML_TYPE_F32);
        int64_t ft;
        assert_true(gguf_get_int(g, "general.file_type", &ft));
        assert_int_equal(ft, i ? 7 : 1);
        gguf_close(g);
        model_file a, b;
        load(&a, p, false);
        load(&b, p, true);
        assert_null(model_weight(b.m, "blk.0.attn_q.weight", NULL));
        assert_non_null(model_weight(a.m, "blk.0.attn_q.weight", NULL));
        float *la = logits(a.m), *lb = logits(b.m);
        assert_true(max_diff(la, lb, NT * NV) < 1e-4);
        double d = max_diff(la, want, NT * NV);
        if (!(d < tol[i]) || d == 0)
            fail_msg("%s: logits differ by %g from fp32", ggml_type_name(types[i]), d);
        /* a quantized base is refused by a full save */
        assert_int_equal(model_save_gguf(b.m, NULL, testdir_path("x.gguf"), GGML_TYPE_F32, err,
                                         sizeof err), -1);
        assert_non_null(strstr(err, "quantized"));
        free(la);
        free(lb);
        model_file_close(&a);
        model_file_close(&b);
    }
    free(want);
    model_free(m);
}

/* LoRA on MODS with random A and B (B nonzero so the adapter matters). */
static void add_lora(model *m, unsigned mods, int r, float alpha, bool rslora)
{
    char err[256] = "";
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = mods, .lora_r = r,
                          .lora_alpha = alpha, .rslora = rslora, .lora_seed = 5};
    if (model_set_training(m, &s, err, sizeof err))
        fail_msg("%s", err);
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++)
        fill(p[i].data, p[i].n, 0.3f, 0.0f);
}

static void assert_adapters_equal(const adapter *a, const adapter *b)
{
    assert_int_equal(a->n_pairs, b->n_pairs);
    for (int i = 0; i < a->n_pairs; i++) {
        const adapter_pair *q = adapter_find(b, a->pairs[i].name);
        assert_non_null(q);
        assert_int_equal(q->r, a->pairs[i].r);
        assert_int_equal(q->in, a->pairs[i].in);
        assert_int_equal(q->out, a->pairs[i].out);
        assert_memory_equal(q->a, a->pairs[i].a, sizeof(float) * (size_t)q->r * (size_t)q->in);
        assert_memory_equal(q->b, a->pairs[i].b, sizeof(float) * (size_t)q->r * (size_t)q->out);
    }
}

static void expect_str(const gguf_file *g, const char *key, const char *want)
{
    expect_type(g, key, GGUF_TYPE_STRING, 0);
    const char *s;
    size_t n;
    assert_true(gguf_get_str(g, key, &s, &n));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(s, want, n);
}

/* Every pair checked as llama_adapter_lora_init does against the base GGUF:
 * a.ne0 == W.ne0, b.ne1 == W.ne1, a.ne1 == b.ne0, and each tensor 2-D. */
static void check_llama_cpp_shapes(const gguf_file *ad, const gguf_file *base, int r)
{
    int pairs = 0;
    for (size_t i = 0; i < gguf_n_tensors(ad); i++) {
        const gguf_tensor *a = gguf_tensor_at(ad, i);
        size_t n = strlen(a->name);
        if (strcmp(a->name + n - 7, ".lora_a"))
            continue;
        char wname[64], bname[72];
        snprintf(wname, sizeof wname, "%.*s", (int)(n - 7), a->name);
        snprintf(bname, sizeof bname, "%s.lora_b", wname);
        const gguf_tensor *b = gguf_find_tensor(ad, bname), *w = gguf_find_tensor(base, wname);
        assert_non_null(b);
        assert_non_null(w);
        assert_int_equal(a->n_dims, 2);
        assert_int_equal(b->n_dims, 2);
        assert_int_equal(a->ne[0], w->ne[0]);
        assert_int_equal(b->ne[1], w->ne[1]);
        assert_int_equal(a->ne[1], b->ne[0]);
        assert_int_equal(a->ne[1], r);
        assert_int_equal(a->type, GGML_TYPE_F32);
        pairs++;
    }
    assert_int_equal((size_t)pairs * 2, gguf_n_tensors(ad));
}

static void test_adapter_gguf_layout_and_round_trip(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    if (model_save_gguf(m, NULL, testdir_path("base.gguf"), GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    add_lora(m, MODEL_MOD_Q | MODEL_MOD_K | MODEL_MOD_V | MODEL_MOD_O | MODEL_MOD_DOWN, 4, 8.0f,
             true);
    adapter ad, back;
    if (adapter_from_model(&ad, m, 8.0f, true, 0.05f, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(ad.n_pairs, 2 * 5);
    const char *p = testdir_path("lora.gguf");
    if (adapter_gguf_write(&ad, p, GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    gguf_file *g = gguf_open(p, err, sizeof err), *base = gguf_open(testdir_path("base.gguf"), err,
                                                                      sizeof err);
    assert_non_null(g);
    assert_non_null(base);
    expect_str(g, "general.type", "adapter");
    expect_str(g, "adapter.type", "lora");
    expect_str(g, "general.architecture", "llama");
    expect_type(g, "adapter.lora.alpha", GGUF_TYPE_FLOAT32, 0);
    double alpha;
    assert_true(gguf_get_float(g, "adapter.lora.alpha", &alpha));
    /* rsLoRA scale alpha/sqrt(r) = 4 must come out of llama.cpp's alpha/r */
    assert_float_equal(alpha / 4.0, 8.0f / 2.0f, 1e-6);
    check_llama_cpp_shapes(g, base, 4);
    gguf_close(g);
    gguf_close(base);
    if (adapter_gguf_read(&back, p, err, sizeof err))
        fail_msg("%s", err);
    assert_adapters_equal(&ad, &back);
    assert_string_equal(back.arch, "llama");
    assert_int_equal(back.n_heads, 4);
    assert_int_equal(back.n_kv_heads, 2);
    assert_int_equal(back.head_dim, 8);
    assert_float_equal(adapter_scale(&back, &back.pairs[0]), adapter_scale(&ad, &ad.pairs[0]),
                       1e-6);
    /* attached to a fresh copy of the base it gives the trained model's logits */
    model_file mf;
    load(&mf, testdir_path("base.gguf"), false);
    if (adapter_attach(&back, mf.m, err, sizeof err))
        fail_msg("%s", err);
    float *la = logits(m), *lb = logits(mf.m);
    assert_true(max_diff(la, lb, NT * NV) < 1e-6);
    free(la);
    free(lb);
    model_file_close(&mf);
    adapter_free(&ad);
    adapter_free(&back);
    model_free(m);
}

static void write_bad_adapter(const char *path, const char *type_val, bool f64_alpha, bool drop_b)
{
    char err[256] = "";
    float a[32 * 2] = {0}, b[2 * 32] = {0};
    int64_t ne_a[2] = {32, 2}, ne_b[2] = {2, 32};
    gguf_writer *w = gguf_writer_new(0);
    gguf_writer_set_str(w, "general.type", type_val, strlen(type_val));
    gguf_writer_set_str(w, "general.architecture", "llama", 5);
    gguf_writer_set_str(w, "adapter.type", "lora", 4);
    double al = 4;
    if (f64_alpha)
        gguf_writer_set_scalar(w, "adapter.lora.alpha", GGUF_TYPE_FLOAT64, &al);
    else
        gguf_writer_set_f32(w, "adapter.lora.alpha", 4.0f);
    gguf_writer_add_tensor(w, "blk.0.attn_q.weight.lora_a", GGML_TYPE_F32, 2, ne_a, a,
                           GGML_TYPE_F32);
    if (!drop_b)
        gguf_writer_add_tensor(w, "blk.0.attn_q.weight.lora_b", GGML_TYPE_F32, 2, ne_b, b,
                               GGML_TYPE_F32);
    if (gguf_writer_write(w, path, err, sizeof err))
        fail_msg("%s", err);
    gguf_writer_free(w);
}

static void test_adapter_gguf_rejects_what_llama_cpp_rejects(void **state)
{
    (void)state;
    char err[512] = "";
    adapter ad;
    const char *p = testdir_path("bad.gguf");
    write_bad_adapter(p, "adapter", false, false);
    assert_int_equal(adapter_gguf_read(&ad, p, err, sizeof err), 0);
    adapter_free(&ad);
    write_bad_adapter(p, "model", false, false);
    assert_int_equal(adapter_gguf_read(&ad, p, err, sizeof err), -1);
    assert_non_null(strstr(err, "general.type"));
    write_bad_adapter(p, "adapter", true, false);
    assert_int_equal(adapter_gguf_read(&ad, p, err, sizeof err), -1);
    assert_non_null(strstr(err, "FLOAT32"));
    write_bad_adapter(p, "adapter", false, true);
    assert_int_equal(adapter_gguf_read(&ad, p, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing one component"));
    /* a model file is not an adapter */
    model_config c = llama_cfg();
    model *m = make_model(&c);
    if (model_save_gguf(m, NULL, p, GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(adapter_gguf_read(&ad, p, err, sizeof err), -1);
    assert_non_null(strstr(err, "general.type"));
    model_free(m);
}

static json_t *load_json(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

static void check_peft_config(const char *dir, int r)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/adapter_config.json", dir);
    json_t *j = load_json(p);
    assert_string_equal(json_string_value(json_object_get(j, "peft_type")), "LORA");
    assert_string_equal(json_string_value(json_object_get(j, "task_type")), "CAUSAL_LM");
    assert_string_equal(json_string_value(json_object_get(j, "bias")), "none");
    assert_true(json_is_integer(json_object_get(j, "r")));
    assert_int_equal(json_integer_value(json_object_get(j, "r")), r);
    assert_true(json_is_number(json_object_get(j, "lora_alpha")));
    assert_true(json_is_number(json_object_get(j, "lora_dropout")));
    assert_true(json_is_boolean(json_object_get(j, "use_rslora")));
    assert_true(json_is_string(json_object_get(j, "base_model_name_or_path")));
    json_t *t = json_object_get(j, "target_modules");
    assert_true(json_is_array(t));
    assert_int_equal(json_array_size(t), 2);
    assert_string_equal(json_string_value(json_array_get(t, 0)), "q_proj");
    assert_string_equal(json_string_value(json_array_get(t, 1)), "k_proj");
    json_decref(j);
}

/* W_hf + s B_peft A_peft computed from the raw files equals the HF q/k of
 * the merged model: the PEFT B rows are in HF order. */
static void check_hf_space_merge(const char *hf_base, const char *peft, const char *merged,
                                 const char *tensor, float s)
{
    char err[256] = "", p[1024];
    st_file *fb = st_open(hf_base, err, sizeof err), *fm = st_open(merged, err, sizeof err);
    snprintf(p, sizeof p, "%s/adapter_model.safetensors", peft);
    st_file *fa = st_open(p, err, sizeof err);
    assert_non_null(fb);
    assert_non_null(fm);
    assert_non_null(fa);
    char key[200];
    snprintf(key, sizeof key, "base_model.model.%s.lora_A.weight", tensor);
    const st_tensor *ta = st_find(fa, key);
    snprintf(key, sizeof key, "base_model.model.%s.lora_B.weight", tensor);
    const st_tensor *tb = st_find(fa, key);
    snprintf(key, sizeof key, "%s.weight", tensor);
    const st_tensor *tw = st_find(fb, key), *tm = st_find(fm, key);
    assert_non_null(ta);
    assert_non_null(tb);
    assert_non_null(tw);
    assert_non_null(tm);
    int r = (int)ta->shape[0], in = (int)ta->shape[1], out = (int)tb->shape[0];
    assert_int_equal(tb->shape[1], r);
    assert_int_equal(tw->shape[0], out);
    assert_int_equal(tw->shape[1], in);
    float *a = malloc(sizeof(float) * (size_t)(r * in)), *b = malloc(sizeof(float) * (size_t)(out * r));
    float *w = malloc(sizeof(float) * (size_t)(out * in)), *mw = malloc(sizeof(float) * (size_t)(out * in));
    assert_int_equal(st_to_f32(ta, a) | st_to_f32(tb, b) | st_to_f32(tw, w) | st_to_f32(tm, mw), 0);
    for (int o = 0; o < out; o++)
        for (int i = 0; i < in; i++) {
            double acc = w[o * in + i];
            for (int k = 0; k < r; k++)
                acc += (double)s * b[o * r + k] * a[k * in + i];
            assert_float_equal(acc, mw[o * in + i], 1e-5);
        }
    free(a);
    free(b);
    free(w);
    free(mw);
    st_close(fa);
    st_close(fb);
    st_close(fm);
}

/* A q/k LoRA through PEFT onto the HF-loaded model equals the same LoRA
 * through adapter GGUF onto the GGUF-loaded model. */
static void peft_vs_gguf(const model_config *c, const char *tag)
{
    char err[512] = "", name[128], apath[512], peft[400], hfdir[400], st[512], merged[512];
    model *m = make_model(c);
    snprintf(name, sizeof name, "%s-base.gguf", tag);
    const char *gpath = testdir_path(name);
    snprintf(hfdir, sizeof hfdir, "%s/%s-hf", testdir(), tag);
    snprintf(st, sizeof st, "%s/model.safetensors", hfdir);
    snprintf(peft, sizeof peft, "%s/%s-peft", testdir(), tag);
    snprintf(merged, sizeof merged, "%s/%s-merged.safetensors", testdir(), tag);
    char cj[512];
    snprintf(cj, sizeof cj, "%s/config.json", hfdir);
    assert_int_equal(mkdir(hfdir, 0777), 0);
    if (model_save_gguf(m, NULL, gpath, GGML_TYPE_F32, err, sizeof err) ||
        model_save_safetensors(m, st, ST_F32, cj, err, sizeof err))
        fail_msg("%s", err);
    add_lora(m, MODEL_MOD_Q | MODEL_MOD_K, 2, 4.0f, false);
    adapter ad;
    if (adapter_from_model(&ad, m, 4.0f, false, 0.0f, err, sizeof err) ||
        adapter_gguf_write(&ad, testdir_path("qk.gguf"), GGML_TYPE_F32, err, sizeof err) ||
        adapter_peft_write(&ad, peft, err, sizeof err))
        fail_msg("%s", err);
    check_peft_config(peft, 2);
    model_file a, b;
    adapter ga, pa;
    load(&a, gpath, false);
    load(&b, hfdir, false);
    if (adapter_gguf_read(&ga, testdir_path("qk.gguf"), err, sizeof err) ||
        adapter_peft_read(&pa, peft, model_get_config(b.m), err, sizeof err) ||
        adapter_attach(&ga, a.m, err, sizeof err) || adapter_attach(&pa, b.m, err, sizeof err))
        fail_msg("%s", err);
    assert_adapters_equal(&ad, &pa);
    float *la = logits(a.m), *lb = logits(b.m), *lm = logits(m);
    assert_memory_equal(la, lb, sizeof(float) * NT * NV);
    assert_memory_equal(la, lm, sizeof(float) * NT * NV);
    if (model_lora_merge(a.m, err, sizeof err) ||
        model_save_safetensors(a.m, merged, ST_F32, NULL, err, sizeof err))
        fail_msg("%s", err);
    check_hf_space_merge(st, peft, merged, "model.layers.1.self_attn.q_proj", 2.0f);
    check_hf_space_merge(st, peft, merged, "model.layers.0.self_attn.k_proj", 2.0f);
    /* llama: PEFT B rows differ from the engine's (they were reordered); qwen2: same */
    snprintf(apath, sizeof apath, "%s/adapter_model.safetensors", peft);
    st_file *f = st_open(apath, err, sizeof err);
    assert_non_null(f);
    const st_tensor *tb = st_find(f, "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
    assert_non_null(tb);
    bool same = !memcmp(tb->data, adapter_find(&ad, "blk.0.attn_q.weight")->b,
                        (size_t)tb->n_elems * sizeof(float));
    assert_int_equal(same, c->rope == ROPE_NEOX);
    st_close(f);
    free(la);
    free(lb);
    free(lm);
    adapter_free(&ad);
    adapter_free(&ga);
    adapter_free(&pa);
    model_file_close(&a);
    model_file_close(&b);
    model_free(m);
}

static void test_peft_llama_qk_reordered(void **state)
{
    (void)state;
    model_config c = llama_cfg();
    peft_vs_gguf(&c, "pllama");
}

static void test_peft_qwen2_as_is(void **state)
{
    (void)state;
    model_config c = qwen2_cfg();
    peft_vs_gguf(&c, "pqwen2");
}

static void test_peft_needs_geometry_for_llama(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    add_lora(m, MODEL_MOD_Q, 2, 4.0f, false);
    adapter ad;
    if (adapter_from_model(&ad, m, 4.0f, false, 0.0f, err, sizeof err) ||
        adapter_peft_write(&ad, testdir_path("geo"), err, sizeof err))
        fail_msg("%s", err);
    adapter back;
    assert_int_equal(adapter_peft_read(&back, testdir_path("geo"), NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "head geometry"));
    ad.head_dim = 0;
    assert_int_equal(adapter_peft_write(&ad, testdir_path("geo2"), err, sizeof err), -1);
    adapter_free(&ad);
    model_free(m);
}

/* Merged weights give the unmerged base + adapter logits; saved merged
 * models in every output type load back. */
static void test_merge_matches_unmerged(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    add_lora(m, MODEL_MOD_LINEAR, 4, 16.0f, false);
    float *want = logits(m);
    if (model_lora_merge(m, err, sizeof err))
        fail_msg("%s", err);
    assert_float_equal(model_lora_scale(m), 0.0f, 0);
    float *got = logits(m);
    double d = max_diff(want, got, NT * NV);
    if (!(d <= 1e-5))
        fail_msg("merged logits differ by %g", d);
    const int types[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_Q8_0};
    for (int i = 0; i < 3; i++) {
        const char *p = testdir_path(i == 0 ? "m32.gguf" : i == 1 ? "m16.gguf" : "mq8.gguf");
        if (model_save_gguf(m, NULL, p, types[i], err, sizeof err))
            fail_msg("%s", err);
        model_file mf;
        load(&mf, p, false);
        float *l = logits(mf.m);
        double dd = max_diff(l, got, NT * NV);
        if (!(dd < (i == 0 ? 1e-30 : i == 1 ? 2e-2 : 1.5e-1)))
            fail_msg("%s merged: logits differ by %g", ggml_type_name(types[i]), dd);
        free(l);
        model_file_close(&mf);
    }
    free(want);
    free(got);
    model_free(m);
}

static void test_load_errors(void **state)
{
    (void)state;
    char err[512] = "";
    model_file mf;
    assert_int_equal(model_file_load(&mf, testdir_path("nope.gguf"), false, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such file"));
    /* a GGUF whose tensors disagree with its metadata names the tensor */
    model_config c = llama_cfg();
    model *m = make_model(&c);
    const char *p = testdir_path("shape.gguf"), *q = testdir_path("shape2.gguf");
    if (model_save_gguf(m, NULL, p, GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    model_free(m);
    c.ffn_dim = 32;
    m = make_model(&c);
    if (model_save_gguf(m, NULL, q, GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    model_free(m);
    gguf_file *meta = gguf_open(p, err, sizeof err), *data = gguf_open(q, err, sizeof err);
    assert_non_null(meta);
    assert_non_null(data);
    gguf_writer *w = gguf_writer_new(0);
    for (size_t i = 0; i < gguf_n_kv(meta); i++)
        gguf_writer_copy_kv(w, gguf_kv_at(meta, i));
    for (size_t i = 0; i < gguf_n_tensors(data); i++) {
        const gguf_tensor *t = gguf_tensor_at(data, i);
        gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->type);
    }
    if (gguf_writer_write(w, testdir_path("mixed.gguf"), err, sizeof err))
        fail_msg("%s", err);
    gguf_writer_free(w);
    /* a weight type lathe does not compute with is refused by type and tensor */
    w = gguf_writer_new(0);
    static uint8_t q8_1[32 * 36];
    for (size_t i = 0; i < gguf_n_kv(meta); i++)
        gguf_writer_copy_kv(w, gguf_kv_at(meta, i));
    for (size_t i = 0; i < gguf_n_tensors(meta); i++) {
        const gguf_tensor *t = gguf_tensor_at(meta, i);
        bool odd = !strcmp(t->name, "blk.0.attn_q.weight");
        gguf_writer_add_tensor(w, t->name, odd ? GGML_TYPE_Q8_1 : t->type, t->n_dims, t->ne,
                               odd ? (const void *)q8_1 : t->data, odd ? GGML_TYPE_Q8_1 : t->type);
    }
    char odd_path[600];
    snprintf(odd_path, sizeof odd_path, "%s/q8_1.gguf", testdir());
    if (gguf_writer_write(w, odd_path, err, sizeof err))
        fail_msg("%s", err);
    gguf_writer_free(w);
    assert_int_equal(model_file_load(&mf, odd_path, true, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor blk.0.attn_q.weight: type Q8_1 is not supported"));
    gguf_close(meta);
    gguf_close(data);
    assert_int_equal(model_file_load(&mf, testdir_path("mixed.gguf"), false, err, sizeof err), -1);
    assert_non_null(strstr(err, "mixed.gguf: tensor blk.0.ffn_gate.weight: shape [32, 32, 1, 1], "
                                "expected [32, 64]"));
    /* the adapter of one model does not attach to another shape */
    model_file a;
    load(&a, q, false);
    model_config c2 = llama_cfg();
    model *m2 = make_model(&c2);
    add_lora(m2, MODEL_MOD_DOWN, 2, 4.0f, false);
    adapter ad;
    if (adapter_from_model(&ad, m2, 4.0f, false, 0, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(adapter_attach(&ad, a.m, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not fit"));
    strcpy(ad.arch, "qwen2");
    assert_int_equal(adapter_attach(&ad, a.m, err, sizeof err), -1);
    assert_non_null(strstr(err, "architecture"));
    adapter_free(&ad);
    model_free(m2);
    model_file_close(&a);
    /* an HF directory whose config disagrees with its tensors */
    char dir[600], st[700], cj[700];
    snprintf(dir, sizeof dir, "%s/mismatch", testdir());
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(st, sizeof st, "%s/model.safetensors", dir);
    snprintf(cj, sizeof cj, "%s/config.json", dir);
    m = make_model(&c2);
    if (model_save_safetensors(m, st, ST_F32, NULL, err, sizeof err))
        fail_msg("%s", err);
    model_free(m);
    m = make_model(&c);
    if (model_save_safetensors(m, testdir_path("other.safetensors"), ST_F32, cj, err, sizeof err))
        fail_msg("%s", err);
    model_free(m);
    assert_int_equal(model_file_load(&mf, dir, false, err, sizeof err), -1);
    assert_non_null(strstr(err, "mlp.gate_proj.weight: shape does not match config.json"));
}

/* A model whose HF tensors are split over two shards plus the index. */
static void test_sharded_hf_directory(void **state)
{
    (void)state;
    char err[512] = "", dir[400], path[512];
    model_config c = llama_cfg();
    model *m = make_model(&c);
    float *want = logits(m);
    snprintf(dir, sizeof dir, "%s/sharded", testdir());
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (model_save_safetensors(m, testdir_path("single.safetensors"), ST_F32, path, err, sizeof err))
        fail_msg("%s", err);
    st_file *f = st_open(testdir_path("single.safetensors"), err, sizeof err);
    assert_non_null(f);
    static const char *const shard[2] = {"model-00001-of-00002.safetensors",
                                         "model-00002-of-00002.safetensors"};
    st_writer *w[2] = {st_writer_new(), st_writer_new()};
    json_t *map = json_object();
    size_t n = st_n_tensors(f);
    for (size_t i = 0; i < n; i++) {
        const st_tensor *t = st_tensor_at(f, i);
        int k = i < n / 2 ? 0 : 1;
        st_writer_add(w[k], t->name, t->dtype, t->n_dims, t->shape, t->data, t->dtype);
        json_object_set_new(map, t->name, json_string(shard[k]));
    }
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, shard[k]);
        if (st_writer_write(w[k], path, err, sizeof err))
            fail_msg("%s", err);
        st_writer_free(w[k]);
    }
    json_t *index = json_pack("{s:{},s:o}", "metadata", "weight_map", map);
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    assert_int_equal(json_dump_file(index, path, 0), 0);
    json_decref(index);
    st_close(f);
    model_file mf;
    load(&mf, dir, false);
    float *got = logits(mf.m);
    assert_memory_equal(got, want, sizeof(float) * NT * NV);
    free(got);
    free(want);
    model_file_close(&mf);
    model_free(m);
}

/* PATH: the F32 GGUF at SRC with every matrix converted to TYPE. */
static void retype_gguf(const char *src, const char *path, int type)
{
    char err[512] = "";
    gguf_file *g = gguf_open(src, err, sizeof err);
    assert_non_null(g);
    gguf_writer *w = gguf_writer_new(0);
    for (size_t i = 0; i < gguf_n_kv(g); i++)
        gguf_writer_copy_kv(w, gguf_kv_at(g, i));
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        gguf_writer_add_tensor(w, t->name, t->n_dims == 2 ? type : GGML_TYPE_F32, t->n_dims, t->ne,
                               t->data, GGML_TYPE_F32);
    }
    if (gguf_writer_write(w, path, err, sizeof err))
        fail_msg("%s", err);
    gguf_writer_free(w);
    gguf_close(g);
}

/* GGUFs with Q4_0 (as llama.cpp's quantizer lays them out) or BF16 matrices
 * load dequantized and as a frozen quantized base, to the same logits, and
 * LoRA can train on top of that base. */
static void test_q4_0_and_bf16_gguf_load_both_ways(void **state)
{
    (void)state;
    char err[512] = "";
    model_config c = llama_cfg();
    model *m = make_model(&c);
    float *want = logits(m);
    if (model_save_gguf(m, NULL, testdir_path("f32.gguf"), GGML_TYPE_F32, err, sizeof err))
        fail_msg("%s", err);
    const int types[] = {GGML_TYPE_Q4_0, GGML_TYPE_BF16};
    const double min_cos[] = {0.95, 0.9999};
    for (int k = 0; k < 2; k++) {
        retype_gguf(testdir_path("f32.gguf"), testdir_path("retyped.gguf"), types[k]);
        model_file a, b;
        load(&a, testdir_path("retyped.gguf"), false);
        load(&b, testdir_path("retyped.gguf"), true);
        assert_null(model_weight(b.m, "blk.0.attn_q.weight", NULL));
        assert_null(model_weight(b.m, "output.weight", NULL));
        assert_non_null(model_weight(b.m, "token_embd.weight", NULL));
        assert_non_null(model_weight(a.m, "blk.0.attn_q.weight", NULL));
        float *la = logits(a.m), *lb = logits(b.m);
        assert_true(max_diff(la, lb, NT * NV) < 1e-4);
        double d = max_diff(la, want, NT * NV), dot = 0, na = 0, nw = 0;
        for (int i = 0; i < NT * NV; i++) {
            dot += (double)la[i] * want[i];
            na += (double)la[i] * la[i];
            nw += (double)want[i] * want[i];
        }
        if (!(d > 0 && dot / sqrt(na * nw) > min_cos[k]))
            fail_msg("%s logits: max diff %g, cosine %g to fp32", ggml_type_name(types[k]), d,
                     dot / sqrt(na * nw));
        model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_Q, .lora_r = 2,
                              .lora_alpha = 2.0f};
        assert_int_equal(model_set_training(b.m, &s, err, sizeof err), 0);
        model_train_spec full = {.mode = MODEL_TRAIN_FULL};
        assert_int_equal(model_set_training(b.m, &full, err, sizeof err), -1);
        free(la);
        free(lb);
        model_file_close(&a);
        model_file_close(&b);
    }
    free(want);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_gguf_and_hf_logits_identical),
        cmocka_unit_test(test_qwen2_gguf_and_hf_logits_identical),
        cmocka_unit_test(test_hf_file_qk_row_order),
        cmocka_unit_test(test_saved_gguf_keys_and_tokenizer),
        cmocka_unit_test(test_quantized_saves_load),
        cmocka_unit_test(test_sharded_hf_directory),
        cmocka_unit_test(test_q4_0_and_bf16_gguf_load_both_ways),
        cmocka_unit_test(test_adapter_gguf_layout_and_round_trip),
        cmocka_unit_test(test_adapter_gguf_rejects_what_llama_cpp_rejects),
        cmocka_unit_test(test_peft_llama_qk_reordered),
        cmocka_unit_test(test_peft_qwen2_as_is),
        cmocka_unit_test(test_peft_needs_geometry_for_llama),
        cmocka_unit_test(test_merge_matches_unmerged),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
