/* adapter_peft.c - LoRA adapters as Hugging Face PEFT saves them:
 * adapter_config.json and adapter_model.safetensors with keys
 * base_model.model.<HF module>.lora_A.weight [r, in] / .lora_B.weight [out, r]
 * (r and lora_alpha in the config). The engine holds llama q/k rows in GGUF
 * (interleaved-rope) order, so their B rows are put back in HF order on write
 * and permuted again on read; A is the same either way. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter.h"
#include "atomic_file.h"
#include "hf_model.h"
#include "json_file.h"
#include "safetensors.h"

#define PEFT_PREFIX "base_model.model."

static model_config geometry(const adapter *ad)
{
    model_config c = {.n_heads = ad->n_heads, .n_kv_heads = ad->n_kv_heads,
                      .head_dim = ad->head_dim, .rope = ad->rope};
    snprintf(c.arch, sizeof c.arch, "%s", ad->arch);
    return c;
}

/* Heads whose B rows are reordered for pair P (0: none); -1 when the geometry
 * needed is unknown or does not fit P. */
static int qk_heads(const adapter *ad, const adapter_pair *p, char *err, size_t errlen)
{
    model_config c = geometry(ad);
    c.n_heads = c.n_kv_heads = 1;   /* probe: does this tensor need reordering at all */
    if (!hf_qk_permute_heads(&c, p->name))
        return 0;
    c = geometry(ad);
    int heads = hf_qk_permute_heads(&c, p->name);
    if (heads <= 0 || ad->head_dim <= 0 || (int64_t)heads * ad->head_dim != p->out) {
        snprintf(err, errlen, "%s: reordering q/k rows for Hugging Face needs the base model's "
                 "head geometry", p->name);
        return -1;
    }
    return heads;
}

/* "blk.3.attn_q.weight" -> "base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight" */
static bool peft_key(const char *gguf, char ab, char *out, size_t outlen)
{
    char hf[200];
    if (!hf_name_from_gguf(gguf, hf, sizeof hf))
        return false;
    size_t n = strlen(hf);
    if (n < 8 || strcmp(hf + n - 7, ".weight"))
        return false;
    int k = snprintf(out, outlen, PEFT_PREFIX "%.*s.lora_%c.weight", (int)(n - 7), hf, ab);
    return k > 0 && (size_t)k < outlen;
}

void adapter_module_name(const char *gguf, char *out, size_t outlen)
{
    char hf[200];
    out[0] = 0;
    if (!hf_name_from_gguf(gguf, hf, sizeof hf))
        return;
    hf[strlen(hf) - 7] = 0;
    const char *dot = strrchr(hf, '.');
    snprintf(out, outlen, "%s", dot ? dot + 1 : hf);
}

static json_t *config_json(const adapter *ad)
{
    json_t *j = json_object(), *targets = json_array();
    for (int i = 0; i < ad->n_pairs; i++) {
        char mod[64];
        adapter_module_name(ad->pairs[i].name, mod, sizeof mod);
        bool seen = false;
        for (size_t k = 0; k < json_array_size(targets); k++)
            seen |= !strcmp(json_string_value(json_array_get(targets, k)), mod);
        if (!seen && mod[0])
            json_array_append_new(targets, json_string(mod));
    }
    json_object_set_new(j, "peft_type", json_string("LORA"));
    json_object_set_new(j, "task_type", json_string("CAUSAL_LM"));
    json_object_set_new(j, "base_model_name_or_path", json_string(ad->base_model));
    json_object_set_new(j, "r", json_integer(ad->pairs[0].r));
    json_object_set_new(j, "lora_alpha", json_real(ad->alpha));
    json_object_set_new(j, "lora_dropout", json_real(ad->dropout));
    json_object_set_new(j, "target_modules", targets);
    json_object_set_new(j, "bias", json_string("none"));
    json_object_set_new(j, "use_rslora", json_boolean(ad->rslora));
    json_object_set_new(j, "fan_in_fan_out", json_false());
    json_object_set_new(j, "init_lora_weights", json_true());
    json_object_set_new(j, "inference_mode", json_true());
    json_object_set_new(j, "modules_to_save", json_null());
    return j;
}

static int write_json(json_t *j, const char *path, char *err, size_t errlen)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = atomic_file_write_text(path, text, err, errlen);
    free(text);
    return rc;
}

/* Adds pair P to W; reordered B rows go to *KEPT (freed by the caller). */
static int add_pair(st_writer *w, const adapter *ad, const adapter_pair *p, float **kept,
                    char *err, size_t errlen)
{
    char ka[256], kb[256];
    if (!peft_key(p->name, 'A', ka, sizeof ka) || !peft_key(p->name, 'B', kb, sizeof kb)) {
        snprintf(err, errlen, "%s: no Hugging Face module for this tensor", p->name);
        return -1;
    }
    int heads = qk_heads(ad, p, err, errlen);
    if (heads < 0)
        return -1;
    const float *b = p->b;
    if (heads) {
        *kept = malloc((size_t)p->out * (size_t)p->r * sizeof **kept);
        if (!*kept) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        hf_permute_qk_rows(p->b, *kept, heads, ad->head_dim, (size_t)p->r * sizeof(float), false);
        b = *kept;
    }
    int64_t sa[2] = {p->r, p->in}, sb[2] = {p->out, p->r};
    st_writer_add(w, ka, ST_F32, 2, sa, p->a, ST_F32);
    st_writer_add(w, kb, ST_F32, 2, sb, b, ST_F32);
    return 0;
}

int adapter_peft_write(const adapter *ad, const char *dir, char *err, size_t errlen)
{
    if (!ad->n_pairs) {
        snprintf(err, errlen, "%s: adapter has no tensors", dir);
        return -1;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(errno));
        return -1;
    }
    char path[4096];
    st_writer *w = st_writer_new();
    float **kept = calloc((size_t)ad->n_pairs, sizeof *kept);
    int rc = w && kept ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "out of memory");
    st_writer_set_metadata(w, "format", "pt");
    for (int i = 0; i < ad->n_pairs && !rc; i++)
        rc = add_pair(w, ad, &ad->pairs[i], &kept[i], err, errlen);
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    if (!rc)
        rc = st_writer_write(w, path, err, errlen);
    if (!rc) {
        json_t *j = config_json(ad);
        snprintf(path, sizeof path, "%s/adapter_config.json", dir);
        rc = write_json(j, path, err, errlen);
        json_decref(j);
    }
    for (int i = 0; kept && i < ad->n_pairs; i++)
        free(kept[i]);
    free(kept);
    st_writer_free(w);
    return rc;
}

/* ------------------------------------------------------------ reading */

static int read_config(adapter *ad, const char *dir, int *r, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    json_t *j = json_file_load(path, 0, err, errlen);
    if (!json_is_object(j)) {
        if (j)
            snprintf(err, errlen, "%s: not a JSON object", path);
        json_decref(j);
        return -1;
    }
    const char *type = json_string_value(json_object_get(j, "peft_type"));
    const char *bias = json_string_value(json_object_get(j, "bias"));
    json_t *alpha = json_object_get(j, "lora_alpha"), *jr = json_object_get(j, "r");
    const char *why = NULL;
    if (!type || strcmp(type, "LORA"))
        why = "peft_type must be \"LORA\"";
    else if (!json_is_integer(jr) || json_integer_value(jr) <= 0 || json_integer_value(jr) > 65536)
        why = "\"r\" must be a positive integer";
    else if (!json_is_number(alpha) || !(json_number_value(alpha) > 0))
        why = "\"lora_alpha\" must be a positive number";
    else if (bias && strcmp(bias, "none"))
        why = "only \"bias\": \"none\" adapters can be read";
    else if (json_is_true(json_object_get(j, "fan_in_fan_out")))
        why = "fan_in_fan_out adapters (Conv1D layers) do not fit Llama-family models";
    if (why)
        snprintf(err, errlen, "%s: %s", path, why);
    else {
        *r = (int)json_integer_value(jr);
        ad->alpha = (float)json_number_value(alpha);
        ad->rslora = json_is_true(json_object_get(j, "use_rslora"));
        ad->dropout = (float)json_number_value(json_object_get(j, "lora_dropout"));
        const char *base = json_string_value(json_object_get(j, "base_model_name_or_path"));
        snprintf(ad->base_model, sizeof ad->base_model, "%s", base ? base : "");
    }
    json_decref(j);
    return why ? -1 : 0;
}

/* The config of a local model: a Hugging Face directory or a GGUF file. */
static int local_config(const char *path, model_config *cfg)
{
    char ignored[256];
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (S_ISDIR(st.st_mode))
        return hf_config_load(path, cfg, ignored, sizeof ignored);
    gguf_file *g = gguf_open(path, ignored, sizeof ignored);
    int rc = g ? gguf_model_config(g, cfg, ignored, sizeof ignored) : -1;
    gguf_close(g);
    return rc;
}

/* Base geometry from CFG, or from a local base_model_name_or_path (a
 * directory, or the GGUF file lathe's own adapters name). */
static void find_base(adapter *ad, const model_config *cfg)
{
    model_config local;
    if (cfg)
        adapter_set_base(ad, cfg);
    else if (ad->base_model[0] && !local_config(ad->base_model, &local))
        adapter_set_base(ad, &local);
}

/* "base_model.model.<hf>.lora_A.weight" -> GGUF name of <hf>.weight */
static bool gguf_of_key(const char *key, char *out, size_t outlen)
{
    size_t n = strlen(key), p = strlen(PEFT_PREFIX), s = strlen(".lora_A.weight");
    char hf[256];
    if (n <= p + s || strncmp(key, PEFT_PREFIX, p) || strcmp(key + n - s, ".lora_A.weight") ||
        n - p - s + 8 > sizeof hf)
        return false;
    snprintf(hf, sizeof hf, "%.*s.weight", (int)(n - p - s), key + p);
    return hf_name_to_gguf(hf, out, outlen);
}

static int read_pair(adapter *ad, const st_file *f, const st_tensor *ta, int r, char *err,
                     size_t errlen)
{
    char name[64], kb[256];
    if (!gguf_of_key(ta->name, name, sizeof name)) {
        snprintf(err, errlen, "%s: not a LoRA weight of a Llama-family module", ta->name);
        return -1;
    }
    snprintf(kb, sizeof kb, "%.*s_B.weight", (int)(strlen(ta->name) - 9), ta->name);
    const st_tensor *tb = st_find(f, kb);
    if (!tb || ta->n_dims != 2 || tb->n_dims != 2 || ta->shape[0] != r || tb->shape[1] != r) {
        snprintf(err, errlen, "%s: %s", ta->name, tb ? "lora_A must be [r, in] and lora_B "
                 "[out, r] with the config's r" : "lora_B is missing");
        return -1;
    }
    adapter_pair *p = adapter_add_pair(ad, name, r, (int)ta->shape[1], (int)tb->shape[0]);
    if (!p || st_to_f32(ta, p->a) || st_to_f32(tb, p->b)) {
        snprintf(err, errlen, "%s: %s", ta->name, p ? "dtype is not F32, F16 or BF16" :
                 "out of memory");
        return -1;
    }
    int heads = qk_heads(ad, p, err, errlen);
    if (heads <= 0)
        return heads;
    float *tmp = malloc((size_t)p->out * (size_t)r * sizeof *tmp);
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    hf_permute_qk_rows(p->b, tmp, heads, ad->head_dim, (size_t)r * sizeof *tmp, true);
    free(p->b);
    p->b = tmp;
    return 0;
}

static int read_tensors(adapter *ad, const st_file *f, int r, char *err, size_t errlen)
{
    for (size_t i = 0; i < st_n_tensors(f); i++) {
        const st_tensor *t = st_tensor_at(f, i);
        size_t n = strlen(t->name);
        if (n > 14 && !strcmp(t->name + n - 14, ".lora_B.weight"))
            continue;
        if (n <= 14 || strcmp(t->name + n - 14, ".lora_A.weight")) {
            snprintf(err, errlen, "%s: only lora_A/lora_B weights are supported", t->name);
            return -1;
        }
        if (read_pair(ad, f, t, r, err, errlen))
            return -1;
    }
    if ((size_t)ad->n_pairs * 2 != st_n_tensors(f)) {
        snprintf(err, errlen, "a lora_B weight has no lora_A");
        return -1;
    }
    return 0;
}

int adapter_peft_read(adapter *ad, const char *dir, const model_config *cfg, char *err,
                      size_t errlen)
{
    memset(ad, 0, sizeof *ad);
    int r = 0;
    if (read_config(ad, dir, &r, err, errlen))
        return -1;
    find_base(ad, cfg);
    char path[4096], why[512];
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    st_file *f = st_open(path, err, errlen);
    if (!f) {
        adapter_free(ad);
        return -1;
    }
    int rc = read_tensors(ad, f, r, why, sizeof why);
    if (!rc && !ad->n_pairs) {
        snprintf(why, sizeof why, "no LoRA weights");
        rc = -1;
    }
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, why);
        adapter_free(ad);
    }
    st_close(f);
    return rc;
}
