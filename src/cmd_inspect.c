/* cmd_inspect.c - `lathe inspect MODEL`: what a GGUF file or a Hugging Face
 * model directory holds - architecture and hyperparameters, parameter count,
 * tensor types, tokenizer and chat template - read from the file headers only
 * (no tensor data is touched). */
#include "config.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gguf.h"
#include "hf_model.h"
#include "quant.h"
#include "safetensors.h"

/* One row of the tensor-type histogram. */
typedef struct {
    const char *type;
    const char *note;       /* GGUF: whether lathe computes with the type */
    long long tensors, params;
} type_count;

typedef struct {
    type_count rows[32];
    int n;
    long long params, tensors;
} histogram;

static void hist_add(histogram *h, const char *type, const char *note, long long params)
{
    int i = 0;
    while (i < h->n && strcmp(h->rows[i].type, type))
        i++;
    if (i == h->n) {
        if (h->n == (int)(sizeof h->rows / sizeof h->rows[0]))
            return;
        h->rows[h->n++] = (type_count){type, note, 0, 0};
    }
    h->rows[i].tensors++;
    h->rows[i].params += params;
    h->tensors++;
    h->params += params;
}

static int by_params(const void *a, const void *b)
{
    const type_count *x = a, *y = b;
    return x->params < y->params ? 1 : x->params > y->params ? -1 : strcmp(x->type, y->type);
}

static void print_count(const char *label, long long n)
{
    if (n >= 1000000000LL)
        printf("%-15s%.2f B (%lld)\n", label, (double)n / 1e9, n);
    else if (n >= 1000000LL)
        printf("%-15s%.1f M (%lld)\n", label, (double)n / 1e6, n);
    else
        printf("%-15s%.1f K (%lld)\n", label, (double)n / 1e3, n);
}

static void print_histogram(histogram *h)
{
    qsort(h->rows, (size_t)h->n, sizeof h->rows[0], by_params);
    print_count("parameters:", h->params);
    printf("%-15s%lld\n", "tensors:", h->tensors);
    for (int i = 0; i < h->n; i++)
        printf("  %-12s%6lld tensors %14lld params (%.1f%%)%s%s\n", h->rows[i].type,
               h->rows[i].tensors, h->rows[i].params,
               h->params ? 100.0 * (double)h->rows[i].params / (double)h->params : 0.0,
               h->rows[i].note ? "  " : "", h->rows[i].note ? h->rows[i].note : "");
}

static void print_config(const model_config *c)
{
    printf("%-15s%s\n", "architecture:", c->arch);
    printf("%-15sdim %d, %d layers, %d heads / %d kv heads, head_dim %d, ffn %d\n", "shape:",
           c->dim, c->n_layers, c->n_heads, c->n_kv_heads, c->head_dim, c->ffn_dim);
    printf("%-15s%s, base %g, %d dims; rms eps %g; context %d\n", "rope:",
           c->rope == ROPE_NEOX ? "neox" : "normal", (double)c->rope_base, c->rope_dim,
           (double)c->norm_eps, c->context_len);
    printf("%-15s%d%s%s\n", "vocab:", c->n_vocab,
           c->tied_embeddings ? ", tied embeddings" : "", c->qkv_bias ? ", qkv bias" : "");
}

/* The chat template line: present or not, and its first line, shortened. */
static void print_template(const char *tpl, size_t len)
{
    if (!tpl) {
        printf("%-15snone\n", "chat template:");
        return;
    }
    size_t first = 0;
    while (first < len && tpl[first] != '\n')
        first++;
    int shown = first > 72 ? 72 : (int)first;
    printf("%-15syes, %zu bytes; first line: %.*s%s\n", "chat template:", len, shown, tpl,
           first > 72 || first < len ? " ..." : "");
}

/* ------------------------------------------------------------ GGUF */

static void print_gguf_tokenizer(const gguf_file *g)
{
    char model[64] = "", pre[64] = "";
    const gguf_kv *tokens = gguf_find_kv(g, "tokenizer.ggml.tokens");
    if (!gguf_get_strz(g, "tokenizer.ggml.model", model, sizeof model)) {
        printf("%-15snone\n", "tokenizer:");
    } else {
        bool has_pre = gguf_get_strz(g, "tokenizer.ggml.pre", pre, sizeof pre);
        printf("%-15s%s%s%s%s, %llu tokens\n", "tokenizer:", model,
               has_pre ? " (pre: " : "", pre, has_pre ? ")" : "",
               tokens && tokens->type == GGUF_TYPE_ARRAY ? (unsigned long long)tokens->n : 0ULL);
    }
    const char *tpl = NULL;
    size_t len = 0;
    gguf_get_str(g, "tokenizer.chat_template", &tpl, &len);
    print_template(tpl, len);
}

static int inspect_gguf(const char *path)
{
    char err[512], name[256];
    gguf_file *g = gguf_open(path, err, sizeof err);
    if (!g) {
        fprintf(stderr, "lathe inspect: %s\n", err);
        return CLI_FAIL;
    }
    printf("%-15s%s (GGUF v%u, %.1f MiB, %zu metadata keys)\n", "model:", path,
           gguf_version(g), (double)gguf_file_size(g) / (1 << 20), gguf_n_kv(g));
    if (gguf_get_strz(g, "general.name", name, sizeof name))
        printf("%-15s%s\n", "name:", name);
    model_config cfg;
    if (gguf_model_config(g, &cfg, err, sizeof err) == 0) {
        print_config(&cfg);
    } else {
        bool has_arch = gguf_get_strz(g, "general.architecture", name, sizeof name);
        printf("%-15s%s (cannot run: %s)\n", "architecture:", has_arch ? name : "?", err);
    }
    histogram h = {0};
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        hist_add(&h, ggml_type_name(t->type),
                 quant_can_dequantize(t->type) ? "supported" : "not supported", t->n_elems);
    }
    print_histogram(&h);
    print_gguf_tokenizer(g);
    gguf_close(g);
    return CLI_OK;
}

/* ------------------------------------------------------------ HF directory */

/* Vocabulary size of a tokenizer.json: one past the largest id it assigns. */
static long long hf_vocab_size(json_t *tok)
{
    long long n = 0;
    json_t *vocab = json_object_get(json_object_get(tok, "model"), "vocab"), *v, *added;
    const char *k;
    size_t i;
    if (json_is_object(vocab)) {
        json_object_foreach(vocab, k, v)
            if (json_is_integer(v) && json_integer_value(v) >= n)
                n = json_integer_value(v) + 1;
    } else if (json_is_array(vocab)) {
        n = (long long)json_array_size(vocab);
    }
    json_array_foreach(json_object_get(tok, "added_tokens"), i, added) {
        json_t *id = json_object_get(added, "id");
        if (json_is_integer(id) && json_integer_value(id) >= n)
            n = json_integer_value(id) + 1;
    }
    return n;
}

static void print_hf_tokenizer(const char *dir)
{
    char path[4096 + 64];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    json_t *tok = json_load_file(path, 0, NULL);
    const char *type = json_string_value(json_object_get(json_object_get(tok, "model"), "type"));
    if (tok)
        printf("%-15s%s (tokenizer.json), %lld tokens\n", "tokenizer:", type ? type : "?",
               hf_vocab_size(tok));
    else
        printf("%-15snone\n", "tokenizer:");
    json_decref(tok);
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    json_t *tc = json_load_file(path, 0, NULL);
    json_t *tpl = json_object_get(tc, "chat_template");
    if (json_is_array(tpl))     /* [{"name": "default", "template": ...}, ...] */
        tpl = json_object_get(json_array_get(tpl, 0), "template");
    print_template(json_string_value(tpl), json_string_length(tpl));
    json_decref(tc);
}

static int inspect_hf(const char *path)
{
    char err[512], dir[4096];
    struct stat st;
    snprintf(dir, sizeof dir, "%s", path);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        dirname(dir);   /* a single .safetensors file: config.json lives beside it */
    st_model *m = st_model_open(path, err, sizeof err);
    if (!m) {
        fprintf(stderr, "lathe inspect: %s\n", err);
        return CLI_FAIL;
    }
    printf("%-15s%s (Hugging Face safetensors, %zu shard%s)\n", "model:", path,
           st_model_n_shards(m), st_model_n_shards(m) == 1 ? "" : "s");
    model_config cfg;
    if (hf_config_load(dir, &cfg, err, sizeof err) == 0)
        print_config(&cfg);
    else
        printf("%-15s? (%s)\n", "architecture:", err);
    histogram h = {0};
    for (size_t i = 0; i < st_model_n_tensors(m); i++) {
        const st_tensor *t = st_model_tensor_at(m, i);
        hist_add(&h, st_dtype_name(t->dtype), NULL, t->n_elems);
    }
    print_histogram(&h);
    print_hf_tokenizer(dir);
    st_model_close(m);
    return CLI_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int cmd_inspect(const cli_command *cmd, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error(cmd, argc < 2 ? "which model? give a GGUF file or an HF "
                               "directory" : "one MODEL at most");
    const char *path = argv[1];
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "lathe inspect: %s: no such file or directory\n", path);
        return CLI_FAIL;
    }
    if (S_ISDIR(st.st_mode) || ends_with(path, ".safetensors"))
        return inspect_hf(path);
    return inspect_gguf(path);
}
