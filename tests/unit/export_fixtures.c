/* export_fixtures.c - writes the files tests/cli/test_export.sh works on into
 * the directory given: a tiny random llama model as base.gguf (with tokenizer
 * metadata and a chat template) and as the HF directory base-hf/, a qwen2
 * model other.gguf, and a q/k/v LoRA of the llama model as lora.gguf and as
 * the PEFT directory peft/. */
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
            p[i].data[k] = (float)((double)(s >> 40) / (double)(1ull << 24) - 0.5) * 0.5f;
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

int main(int argc, char **argv)
{
    char err[1024] = "";
    if (argc != 2)
        return fail("usage", "export_fixtures DIR");
    return write_all(argv[1], err, sizeof err) ? fail(argv[1], err) : 0;
}
