/* cmd_inspect.c - `lathe inspect MODEL`: what a GGUF file or a Hugging Face
 * model directory holds - architecture and hyperparameters, parameter count,
 * tensor types, tokenizer and chat template - read from the file headers only
 * (no tensor data is touched); for a LoRA adapter (llama.cpp GGUF or PEFT) its
 * rank, alpha, targets and base model, and for a run directory also how its
 * training went (summary.json). */
#include "config.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter.h"
#include "adapter_path.h"
#include "cli.h"
#include "gguf.h"
#include "hf_model.h"
#include "json_file.h"
#include "quant.h"
#include "safetensors.h"
#include "plural.h"

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
    char kind[64] = "", pre[64] = "";
    const gguf_kv *tokens = gguf_find_kv(g, "tokenizer.ggml.tokens");
    if (!gguf_get_strz(g, "tokenizer.ggml.model", kind, sizeof kind)) {
        printf("%-15snone\n", "tokenizer:");
    } else {
        bool has_pre = gguf_get_strz(g, "tokenizer.ggml.pre", pre, sizeof pre);
        printf("%-15s%s%s%s%s, %llu tokens\n", "tokenizer:", kind,
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
    json_t *tok = json_file_load(path, 0, NULL, 0);
    const char *type = json_string_value(json_object_get(json_object_get(tok, "model"), "type"));
    if (tok)
        printf("%-15s%s (tokenizer.json), %lld tokens\n", "tokenizer:", type ? type : "?",
               hf_vocab_size(tok));
    else
        printf("%-15snone\n", "tokenizer:");
    json_decref(tok);
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    json_t *tc = json_file_load(path, 0, NULL, 0);
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
           st_model_n_shards(m), plural_s(st_model_n_shards(m)));
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

/* ------------------------------------------------------------ adapters and runs */

static void print_targets(const adapter *ad)
{
    char mods[8][64];
    int n_mods = 0, layers = 0;
    long long params = 0;
    for (int i = 0; i < ad->n_pairs; i++) {
        const adapter_pair *p = &ad->pairs[i];
        params += (long long)p->r * (p->in + p->out);
        int layer;
        if (sscanf(p->name, "blk.%d.", &layer) == 1 && layer + 1 > layers)
            layers = layer + 1;
        char mod[64];
        adapter_module_name(p->name, mod, sizeof mod);
        int k = 0;
        while (k < n_mods && strcmp(mods[k], mod))
            k++;
        if (k == n_mods && n_mods < 8)
            snprintf(mods[n_mods++], sizeof mods[0], "%s", mod[0] ? mod : p->name);
    }
    printf("%-15s", "targets:");
    for (int k = 0; k < n_mods; k++)
        printf("%s%s", k ? ", " : "", mods[k]);
    printf(" (%d matrices over %d layer%s)\n", ad->n_pairs, layers, plural_s(layers));
    print_count("parameters:", params);
}

static int inspect_adapter(const char *path)
{
    char err[1024];
    adapter ad;
    if (adapter_path_read(path, NULL, &ad, err, sizeof err)) {
        fprintf(stderr, "lathe inspect: %s\n", err);
        return CLI_FAIL;
    }
    printf("%-15s%s (LoRA)\n", "adapter:", path);
    printf("%-15s%s\n", "base model:", ad.base_model[0] ? ad.base_model : "not recorded");
    printf("%-15s%s", "architecture:", ad.arch[0] ? ad.arch : "?");
    if (ad.n_heads > 0)
        printf(", %d heads / %d kv heads, head_dim %d", ad.n_heads, ad.n_kv_heads, ad.head_dim);
    printf("\n");
    int r = ad.n_pairs ? ad.pairs[0].r : 0;
    printf("%-15s%d\n", "rank:", r);
    printf("%-15s%g (scale %s = %g)\n", "alpha:", (double)ad.alpha,
           ad.rslora ? "alpha/sqrt(r), rsLoRA" : "alpha/r",
           ad.n_pairs ? (double)adapter_scale(&ad, &ad.pairs[0]) : 0.0);
    print_targets(&ad);
    adapter_free(&ad);
    return CLI_OK;
}

static bool gguf_is_adapter(const char *path)
{
    char err[256], type[32];
    gguf_file *g = gguf_open(path, err, sizeof err);
    bool yes = g && gguf_get_strz(g, "general.type", type, sizeof type) && !strcmp(type, "adapter");
    gguf_close(g);
    return yes;
}

static bool file_in(const char *dir, const char *name, char *path, size_t pathlen)
{
    struct stat st;
    snprintf(path, pathlen, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static void print_training(const char *dir)
{
    char path[4096 + 64];
    if (!file_in(dir, "summary.json", path, sizeof path)) {
        printf("%-15sno summary.json: running, or stopped before the end\n", "training:");
        return;
    }
    json_t *o = json_load_file(path, 0, NULL);
    const char *state = json_string_value(json_object_get(o, "state"));
    const char *msg = json_string_value(json_object_get(o, "message"));
    printf("%-15s%s%s%s%s: %lld steps, %lld tokens in %.1f s", "training:", state ? state : "?",
           msg && *msg ? " (" : "", msg ? msg : "", msg && *msg ? ")" : "",
           (long long)json_integer_value(json_object_get(o, "steps")),
           (long long)json_integer_value(json_object_get(o, "tokens")),
           json_number_value(json_object_get(o, "wall_s")));
    json_t *loss = json_object_get(o, "final_loss"), *best = json_object_get(o, "best_eval_loss");
    if (json_is_number(loss))
        printf(", final loss %.4f", json_number_value(loss));
    if (json_is_number(best))
        printf(", best eval loss %.4f at step %lld", json_number_value(best),
               (long long)json_integer_value(json_object_get(o, "best_eval_step")));
    printf("\n");
    json_decref(o);
}

/* A run directory (its adapter or model, then its training) or a PEFT adapter. */
static int inspect_dir(const char *dir)
{
    char path[4096 + 64];
    bool run = file_in(dir, "config.yaml", path, sizeof path);
    int rc;
    if (run && !file_in(dir, "adapter", path, sizeof path)
        && file_in(dir, "model.gguf", path, sizeof path))
        rc = inspect_gguf(path);
    else
        rc = inspect_adapter(dir);
    if (rc == CLI_OK && run) {
        printf("%-15s%s\n", "run:", dir);
        print_training(dir);
    }
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int cmd_inspect(const cli_command *cmd, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error(cmd, argc < 2 ? "which model? give a GGUF file, an HF "
                               "directory, an adapter or a run directory" : "one MODEL at most");
    const char *path = argv[1];
    struct stat st;
    char probe[4096 + 64];
    if (stat(path, &st) != 0) {
        fprintf(stderr, "lathe inspect: %s: no such file or directory\n", path);
        return CLI_FAIL;
    }
    if (S_ISDIR(st.st_mode) && !file_in(path, "config.json", probe, sizeof probe))
        return inspect_dir(path);
    if (S_ISDIR(st.st_mode) || ends_with(path, ".safetensors"))
        return inspect_hf(path);
    return gguf_is_adapter(path) ? inspect_adapter(path) : inspect_gguf(path);
}
