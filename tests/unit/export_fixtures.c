/* export_fixtures.c - writes the files tests/cli/test_export.sh works on into
 * the directory given: a tiny random llama model as base.gguf (with tokenizer
 * metadata and a chat template) and as the HF directory base-hf/, a qwen2
 * model other.gguf, and a q/k/v LoRA of the llama model as lora.gguf and as
 * the PEFT directory peft/.
 * With --llama-cpp VOCAB_DIR it writes instead, for tests/interop/llama_cpp.sh,
 * a llama and a qwen2 model on the reference vocabularies, a LoRA for each and
 * the merged models (Q8_0, F16), and prints the engine's top-5 next-token
 * probabilities for each, in the format that script compares with llama.cpp's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter.h"
#include "gguf_write.h"
#include "model_load.h"

#define NV 16

static int fail(const char *what, const char *err)
{
    fprintf(stderr, "export_fixtures: %s: %s\n", what, err);
    return 1;
}

static void fill(model *m)
{
    uint64_t s = 12345;
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < p[i].n; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            p[i].data[k] = (strstr(p[i].name, "norm") ? 1.0f : 0.0f) +
                           (float)((double)(s >> 40) / (double)(1ull << 24) - 0.5);
        }
}

static int write_meta(const char *path, char *err, size_t errlen)
{
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
    const char *tmpl = "{% for message in messages %}<|im_start|>{{ message.content }}{% endfor %}";
    gguf_writer *w = gguf_writer_new(0);
    gguf_writer_set_str(w, "tokenizer.ggml.model", "llama", 5);
    gguf_writer_set_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, toks, NV);
    gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, NV);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, NV);
    gguf_writer_set_str(w, "tokenizer.chat_template", tmpl, strlen(tmpl));
    int rc = w ? gguf_writer_write(w, path, err, errlen) : -1;
    gguf_writer_free(w);
    return rc;
}

static int write_all(const char *dir, char *err, size_t errlen)
{
    model_config c = {.arch = "llama", .n_vocab = NV, .dim = 32, .n_layers = 1, .n_heads = 4,
                      .n_kv_heads = 2, .head_dim = 8, .ffn_dim = 32, .context_len = 64,
                      .rope_base = 10000.0f, .rope_dim = 8, .rope = ROPE_NORMAL, .norm_eps = 1e-5f};
    char p[4096], q[4096];
    snprintf(p, sizeof p, "%s/meta.gguf", dir);
    if (write_meta(p, err, errlen))
        return -1;
    gguf_file *meta = gguf_open(p, err, errlen);
    model *m = meta ? model_create(&c, 1, err, errlen) : NULL;
    if (!m)
        return -1;
    fill(m);
    snprintf(p, sizeof p, "%s/base.gguf", dir);
    int rc = model_save_gguf(m, meta, p, GGML_TYPE_F32, err, errlen);
    snprintf(p, sizeof p, "%s/base-hf", dir);
    snprintf(q, sizeof q, "%s/base-hf/config.json", dir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/base-hf/model.safetensors", dir);
    rc = rc ? rc : model_save_safetensors(m, p, ST_F32, q, err, errlen);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_Q | MODEL_MOD_K |
                          MODEL_MOD_V, .lora_r = 2, .lora_alpha = 4.0f};
    adapter ad = {0};
    rc = rc ? rc : model_set_training(m, &s, err, errlen);
    if (!rc)
        fill(m);
    rc = rc ? rc : adapter_from_model(&ad, m, 4.0f, false, 0.0f, err, errlen);
    snprintf(p, sizeof p, "%s/lora.gguf", dir);
    rc = rc ? rc : adapter_gguf_write(&ad, p, GGML_TYPE_F32, err, errlen);
    snprintf(p, sizeof p, "%s/peft", dir);
    rc = rc ? rc : adapter_peft_write(&ad, p, err, errlen);
    adapter_free(&ad);
    model_free(m);
    gguf_close(meta);
    strcpy(c.arch, "qwen2");
    c.rope = ROPE_NEOX;
    c.qkv_bias = true;
    m = rc ? NULL : model_create(&c, 2, err, errlen);
    snprintf(p, sizeof p, "%s/other.gguf", dir);
    rc = m ? model_save_gguf(m, NULL, p, GGML_TYPE_F32, err, errlen) : -1;
    model_free(m);
    return rc;
}

/* ------------------------------------------------------------ llama.cpp interop */

static const int32_t probe[6] = {1, 450, 4996, 17354, 1701, 29916};

/* "TAG: id=p id=p ..." for the 5 likeliest tokens after the probe prompt. */
static int print_top5(model *m, const char *tag, char *err, size_t errlen)
{
    int V = model_get_config(m)->n_vocab;
    float *lg = malloc(sizeof(float) * 6 * (size_t)V);
    model_batch b = {.B = 1, .T = 6, .tokens = probe};
    if (!lg || model_forward_logits(m, &b, lg, err, errlen)) {
        free(lg);
        return -1;
    }
    float *l = lg + 5 * (size_t)V;
    double mx = -1e30, z = 0;
    for (int i = 0; i < V; i++)
        mx = l[i] > mx ? l[i] : mx;
    for (int i = 0; i < V; i++)
        z += exp(l[i] - mx);
    printf("%s:", tag);
    for (int k = 0; k < 5; k++) {
        int best = 0;
        for (int i = 1; i < V; i++)
            best = l[i] > l[best] ? i : best;
        printf(" %d=%.6f", best, exp(l[best] - mx) / z);
        l[best] = -1e30f;
    }
    printf("\n");
    free(lg);
    return 0;
}

static int interop_arch(const char *arch, const char *vocab, const char *dir, char *err,
                        size_t errlen)
{
    char p[4096], tag[64];
    gguf_file *meta = gguf_open(vocab, err, errlen);
    const gguf_kv *toks = meta ? gguf_find_kv(meta, "tokenizer.ggml.tokens") : NULL;
    if (!toks) {
        gguf_close(meta);
        return -1;
    }
    bool qwen2 = !strcmp(arch, "qwen2");
    model_config c = {.n_vocab = (int)toks->n, .dim = 64, .n_layers = 2, .n_heads = 4,
                      .n_kv_heads = 2, .head_dim = 16, .ffn_dim = 128, .context_len = 128,
                      .rope_base = 10000.0f, .rope_dim = 16, .norm_eps = 1e-5f,
                      .rope = qwen2 ? ROPE_NEOX : ROPE_NORMAL, .qkv_bias = qwen2};
    snprintf(c.arch, sizeof c.arch, "%s", arch);
    model *m = model_create(&c, 1, err, errlen);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_LINEAR, .lora_r = 4,
                          .lora_alpha = 8.0f};
    adapter ad = {0};
    int rc = m ? 0 : -1;
    if (!rc)
        fill(m);
    snprintf(p, sizeof p, "%s/%s-base.gguf", dir, arch);
    snprintf(tag, sizeof tag, "%s base", arch);
    rc = rc ? rc : model_save_gguf(m, meta, p, GGML_TYPE_F32, err, errlen);
    rc = rc ? rc : print_top5(m, tag, err, errlen);
    rc = rc ? rc : model_set_training(m, &s, err, errlen);
    if (!rc)
        fill(m);
    snprintf(tag, sizeof tag, "%s lora", arch);
    rc = rc ? rc : print_top5(m, tag, err, errlen);
    rc = rc ? rc : adapter_from_model(&ad, m, 8.0f, false, 0.0f, err, errlen);
    snprintf(p, sizeof p, "%s/%s-lora.gguf", dir, arch);
    rc = rc ? rc : adapter_gguf_write(&ad, p, GGML_TYPE_F32, err, errlen);
    rc = rc ? rc : model_lora_merge(m, err, errlen);
    snprintf(tag, sizeof tag, "%s merged", arch);
    rc = rc ? rc : print_top5(m, tag, err, errlen);
    snprintf(p, sizeof p, "%s/%s-merged-q8.gguf", dir, arch);
    rc = rc ? rc : model_save_gguf(m, meta, p, GGML_TYPE_Q8_0, err, errlen);
    snprintf(p, sizeof p, "%s/%s-merged-f16.gguf", dir, arch);
    rc = rc ? rc : model_save_gguf(m, meta, p, GGML_TYPE_F16, err, errlen);
    adapter_free(&ad);
    model_free(m);
    gguf_close(meta);
    return rc;
}

int main(int argc, char **argv)
{
    char err[1024] = "", vocab[4096];
    if (argc == 4 && !strcmp(argv[1], "--llama-cpp")) {
        snprintf(vocab, sizeof vocab, "%s/ggml-vocab-llama-spm.gguf", argv[2]);
        if (interop_arch("llama", vocab, argv[3], err, sizeof err))
            return fail(vocab, err);
        snprintf(vocab, sizeof vocab, "%s/ggml-vocab-gpt-2.gguf", argv[2]);
        return interop_arch("qwen2", vocab, argv[3], err, sizeof err) ? fail(vocab, err) : 0;
    }
    if (argc != 2)
        return fail("usage", "export_fixtures DIR | export_fixtures --llama-cpp VOCAB_DIR DIR");
    return write_all(argv[1], err, sizeof err) ? fail(argv[1], err) : 0;
}
