/* adapter_gguf.c - LoRA adapters in llama.cpp's GGUF layout, as its
 * llama_adapter_lora_init reads them: the string keys general.type,
 * general.architecture and adapter.type, the float32 adapter.lora.alpha, and
 * per base matrix W (ne=[in,out]) the pair W.lora_a ne=[in,r], W.lora_b
 * ne=[r,out]. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "gguf_write.h"
#include "quant.h"

#define KEY_HEADS "lathe.adapter.head_count"
#define KEY_KV_HEADS "lathe.adapter.head_count_kv"
#define KEY_HEAD_DIM "lathe.adapter.key_length"
#define KEY_BASE "lathe.adapter.base_model"

/* ggml_n_dims: trailing 1s dropped, at least 1. */
static uint32_t n_dims_of(const int64_t ne[2])
{
    return ne[1] == 1 ? 1u : 2u;
}

static void add_pair(gguf_writer *w, const adapter_pair *p, int type)
{
    char name[GGUF_NAME_MAX + 8];
    int64_t ne_a[2] = {p->in, p->r}, ne_b[2] = {p->r, p->out};
    snprintf(name, sizeof name, "%s.lora_a", p->name);
    gguf_writer_add_tensor(w, name, type, n_dims_of(ne_a), ne_a, p->a, GGML_TYPE_F32);
    snprintf(name, sizeof name, "%s.lora_b", p->name);
    gguf_writer_add_tensor(w, name, type, n_dims_of(ne_b), ne_b, p->b, GGML_TYPE_F32);
}

int adapter_gguf_write(const adapter *ad, const char *path, int type, char *err, size_t errlen)
{
    if (type != GGML_TYPE_F32 && type != GGML_TYPE_F16) {
        snprintf(err, errlen, "%s: adapter tensors are written as F32 or F16", path);
        return -1;
    }
    if (!ad->arch[0] || !ad->n_pairs) {
        snprintf(err, errlen, "%s: adapter without %s", path,
                 ad->arch[0] ? "tensors" : "a base architecture");
        return -1;
    }
    gguf_writer *w = gguf_writer_new(0);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* llama.cpp scales by alpha/r; an rsLoRA scale alpha/sqrt(r) needs alpha*sqrt(r) */
    float r = (float)ad->pairs[0].r;
    float alpha = ad->rslora ? ad->alpha * sqrtf(r) : ad->alpha;
    gguf_writer_set_str(w, "general.type", "adapter", 7);
    gguf_writer_set_str(w, "general.architecture", ad->arch, strlen(ad->arch));
    gguf_writer_set_str(w, "adapter.type", "lora", 4);
    gguf_writer_set_f32(w, "adapter.lora.alpha", alpha);
    if (ad->n_heads) {
        gguf_writer_set_u32(w, KEY_HEADS, (uint32_t)ad->n_heads);
        gguf_writer_set_u32(w, KEY_KV_HEADS, (uint32_t)ad->n_kv_heads);
        gguf_writer_set_u32(w, KEY_HEAD_DIM, (uint32_t)ad->head_dim);
    }
    if (ad->base_model[0])
        gguf_writer_set_str(w, KEY_BASE, ad->base_model, strlen(ad->base_model));
    for (int i = 0; i < ad->n_pairs; i++)
        add_pair(w, &ad->pairs[i], type);
    int rc = gguf_writer_write(w, path, err, errlen);
    gguf_writer_free(w);
    return rc;
}

/* ------------------------------------------------------------ reading */

/* A string key that must hold WANT; llama.cpp aborts on a non-string type. */
static int want_str(const gguf_file *g, const char *key, const char *want, char *out,
                    size_t outlen, char *why, size_t whylen)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    const char *s;
    size_t n;
    if (!kv || !gguf_kv_str(kv, &s, &n)) {
        snprintf(why, whylen, "%s %s", key, kv ? "is not a string" : "is missing");
        return -1;
    }
    if (want && (n != strlen(want) || memcmp(s, want, n))) {
        snprintf(why, whylen, "%s is '%.*s', expected '%s'", key, (int)(n > 64 ? 64 : n), s, want);
        return -1;
    }
    if (out)
        snprintf(out, outlen, "%.*s", (int)(n < outlen ? n : outlen - 1), s);
    return 0;
}

static int read_meta(adapter *ad, const gguf_file *g, char *why, size_t whylen)
{
    if (want_str(g, "general.type", "adapter", NULL, 0, why, whylen) ||
        want_str(g, "adapter.type", "lora", NULL, 0, why, whylen) ||
        want_str(g, "general.architecture", NULL, ad->arch, sizeof ad->arch, why, whylen))
        return -1;
    const gguf_kv *kv = gguf_find_kv(g, "adapter.lora.alpha");
    if (kv && kv->type != GGUF_TYPE_FLOAT32) {
        snprintf(why, whylen, "adapter.lora.alpha is %s, llama.cpp requires FLOAT32",
                 gguf_type_name(kv->type));
        return -1;
    }
    double alpha = 0;
    if (kv)
        gguf_kv_float(kv, &alpha);
    ad->alpha = (float)alpha;
    int64_t v;
    if (gguf_get_int(g, KEY_HEADS, &v) && v > 0 && v < 65536)
        ad->n_heads = (int)v;
    if (gguf_get_int(g, KEY_KV_HEADS, &v) && v > 0 && v < 65536)
        ad->n_kv_heads = (int)v;
    if (gguf_get_int(g, KEY_HEAD_DIM, &v) && v > 0 && v < 65536)
        ad->head_dim = (int)v;
    gguf_get_strz(g, KEY_BASE, ad->base_model, sizeof ad->base_model);
    ad->rope = strcmp(ad->arch, "llama") ? ROPE_NEOX : ROPE_NORMAL;
    return 0;
}

static int to_f32(const gguf_tensor *t, float *dst, char *why, size_t whylen)
{
    if (!quant_can_dequantize(t->type) || quant_dequantize_row(t->type, t->data, dst, t->n_elems)) {
        snprintf(why, whylen, "%s: type %s cannot be read", t->name, ggml_type_name(t->type));
        return -1;
    }
    return 0;
}

/* The pair for base NAME from A and B, shapes checked as llama.cpp does. */
static int read_pair(adapter *ad, const char *name, const gguf_tensor *a, const gguf_tensor *b,
                     char *why, size_t whylen)
{
    if (!a || !b) {
        snprintf(why, whylen, "LoRA tensor pair for '%s' is missing one component", name);
        return -1;
    }
    if (a->ne[2] != 1 || a->ne[3] != 1 || b->ne[2] != 1 || b->ne[3] != 1 ||
        a->ne[1] != b->ne[0]) {
        snprintf(why, whylen, "%s: lora_a ne=[%lld,%lld] and lora_b ne=[%lld,%lld] do not "
                 "chain (lora_a must be [in, r], lora_b [r, out])", name, (long long)a->ne[0],
                 (long long)a->ne[1], (long long)b->ne[0], (long long)b->ne[1]);
        return -1;
    }
    adapter_pair *p = adapter_add_pair(ad, name, (int)a->ne[1], (int)a->ne[0], (int)b->ne[1]);
    if (!p) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return to_f32(a, p->a, why, whylen) || to_f32(b, p->b, why, whylen) ? -1 : 0;
}

static bool has_suffix(const char *s, const char *sfx)
{
    size_t n = strlen(s), k = strlen(sfx);
    return n > k && !strcmp(s + n - k, sfx);
}

static int read_tensors(adapter *ad, const gguf_file *g, char *why, size_t whylen)
{
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        bool is_a = has_suffix(t->name, ".lora_a");
        if (has_suffix(t->name, "_norm.weight") || (!is_a && has_suffix(t->name, ".lora_b")))
            continue;   /* norms are skipped by llama.cpp too; a B is read with its A */
        if (!is_a) {
            snprintf(why, whylen, "LoRA tensor '%s' has unexpected suffix", t->name);
            return -1;
        }
        char base[GGUF_NAME_MAX], bname[GGUF_NAME_MAX + 8];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(t->name) - 7), t->name);
        snprintf(bname, sizeof bname, "%s.lora_b", base);
        if (read_pair(ad, base, t, gguf_find_tensor(g, bname), why, whylen))
            return -1;
    }
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        char base[GGUF_NAME_MAX];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(t->name) - 7), t->name);
        if (has_suffix(t->name, ".lora_b") && !adapter_find(ad, base)) {
            snprintf(why, whylen, "LoRA tensor pair for '%s' is missing one component", base);
            return -1;
        }
    }
    return 0;
}

int adapter_gguf_read(adapter *ad, const char *path, char *err, size_t errlen)
{
    memset(ad, 0, sizeof *ad);
    gguf_file *g = gguf_open(path, err, errlen);
    if (!g)
        return -1;
    char why[512];
    int rc = read_meta(ad, g, why, sizeof why) || read_tensors(ad, g, why, sizeof why) ? -1 : 0;
    if (!rc && !ad->n_pairs) {
        snprintf(why, sizeof why, "no lora_a/lora_b tensors");
        rc = -1;
    }
    if (!rc && !(ad->alpha > 0))
        ad->alpha = (float)ad->pairs[0].r;   /* llama.cpp: no alpha means scale 1 */
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, why);
        adapter_free(ad);
    }
    gguf_close(g);
    return rc;
}
