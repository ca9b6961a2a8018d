/* adapter.c - LoRA adapters in memory: pairs, scale, taking them from a
 * trained model and attaching them to a loaded one. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "model_load.h"

/* Module kinds in model.h's bit order, by GGUF tensor suffix. */
static const char *const kind_names[] = {"attn_q", "attn_k", "attn_v", "attn_output",
                                         "ffn_gate", "ffn_up", "ffn_down"};

void adapter_free(adapter *ad)
{
    for (int i = 0; i < ad->n_pairs; i++) {
        free(ad->pairs[i].a);
        free(ad->pairs[i].b);
    }
    free(ad->pairs);
    memset(ad, 0, sizeof *ad);
}

float adapter_scale(const adapter *ad, const adapter_pair *p)
{
    return ad->rslora ? ad->alpha / sqrtf((float)p->r) : ad->alpha / (float)p->r;
}

adapter_pair *adapter_add_pair(adapter *ad, const char *name, int r, int in, int out)
{
    adapter_pair *np = realloc(ad->pairs, (size_t)(ad->n_pairs + 1) * sizeof *np);
    if (!np)
        return NULL;
    ad->pairs = np;
    adapter_pair *p = &np[ad->n_pairs];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->r = r;
    p->in = in;
    p->out = out;
    p->a = calloc((size_t)r * (size_t)in, sizeof *p->a);
    p->b = calloc((size_t)out * (size_t)r, sizeof *p->b);
    if (!p->a || !p->b) {
        free(p->a);
        free(p->b);
        return NULL;
    }
    ad->n_pairs++;
    return p;
}

const adapter_pair *adapter_find(const adapter *ad, const char *name)
{
    for (int i = 0; i < ad->n_pairs; i++)
        if (!strcmp(ad->pairs[i].name, name))
            return &ad->pairs[i];
    return NULL;
}

void adapter_set_base(adapter *ad, const model_config *cfg)
{
    snprintf(ad->arch, sizeof ad->arch, "%s", cfg->arch);
    ad->n_heads = cfg->n_heads;
    ad->n_kv_heads = cfg->n_kv_heads;
    ad->head_dim = cfg->head_dim;
    ad->rope = cfg->rope;
}

/* The model_params entry NAME + suffix, or NULL. */
static const model_param *param(const model_param *p, int n, const char *name, const char *sfx)
{
    char full[80];
    snprintf(full, sizeof full, "%s%s", name, sfx);
    for (int i = 0; i < n; i++)
        if (!strcmp(p[i].name, full))
            return &p[i];
    return NULL;
}

/* Shape of the base matrix NAME under C: ne[0] = in, ne[1] = out. */
static bool base_shape(const model_config *c, const char *name, int *in, int *out)
{
    model_tensor_info *t = calloc((size_t)model_tensor_count(c), sizeof *t);
    int n = t ? model_tensor_table(c, t) : 0;
    bool found = false;
    for (int i = 0; i < n && !found; i++)
        if (!strcmp(t[i].name, name) && t[i].n_dims == 2) {
            *in = (int)t[i].ne[0];
            *out = (int)t[i].ne[1];
            found = true;
        }
    free(t);
    return found;
}

static int copy_pair(adapter *ad, const model_config *c, const model_param *pa,
                     const model_param *pb, const char *base, char *err, size_t errlen)
{
    int in, out;
    if (!pb || !base_shape(c, base, &in, &out) || pa->n % (size_t)in ||
        pb->n != pa->n / (size_t)in * (size_t)out) {
        snprintf(err, errlen, "%s: LoRA tensors do not match the base matrix", base);
        return -1;
    }
    adapter_pair *p = adapter_add_pair(ad, base, (int)(pa->n / (size_t)in), in, out);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(p->a, pa->data, pa->n * sizeof *p->a);
    memcpy(p->b, pb->data, pb->n * sizeof *p->b);
    return 0;
}

int adapter_from_model(adapter *ad, const model *m, float alpha, bool rslora, float dropout,
                       char *err, size_t errlen)
{
    memset(ad, 0, sizeof *ad);
    const model_config *c = model_get_config(m);
    adapter_set_base(ad, c);
    ad->alpha = alpha;
    ad->rslora = rslora;
    ad->dropout = dropout;
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(p[i].name);
        if (len < 8 || strcmp(p[i].name + len - 7, ".lora_a"))
            continue;
        char base[64];
        snprintf(base, sizeof base, "%.*s", (int)(len - 7), p[i].name);
        if (copy_pair(ad, c, &p[i], param(p, n, base, ".lora_b"), base, err, errlen)) {
            adapter_free(ad);
            return -1;
        }
    }
    if (!ad->n_pairs) {
        snprintf(err, errlen, "the model has no LoRA adapters");
        return -1;
    }
    return 0;
}

/* The module-kind bit of a blk.N.<kind>.weight name, 0 if none. */
static unsigned kind_of(const char *name)
{
    const char *dot = strchr(name, '.');
    const char *kind = dot && !strncmp(name, "blk.", 4) ? strchr(dot + 1, '.') : NULL;
    for (size_t i = 0; kind && i < sizeof kind_names / sizeof kind_names[0]; i++) {
        size_t k = strlen(kind_names[i]);
        if (!strncmp(kind + 1, kind_names[i], k) && !strcmp(kind + 1 + k, ".weight"))
            return 1u << i;
    }
    return 0;
}

static int check_attach(const adapter *ad, const model_config *c, unsigned *mods, char *err,
                        size_t errlen)
{
    if (ad->arch[0] && strcmp(ad->arch, c->arch)) {
        snprintf(err, errlen, "adapter is for architecture '%s', the model is '%s'", ad->arch,
                 c->arch);
        return -1;
    }
    *mods = 0;
    for (int i = 0; i < ad->n_pairs; i++) {
        const adapter_pair *p = &ad->pairs[i];
        int in, out;
        unsigned k = kind_of(p->name);
        if (!k || !base_shape(c, p->name, &in, &out)) {
            snprintf(err, errlen, "adapter tensor %s: no such matrix in the model (LoRA "
                     "targets q,k,v,o,gate,up,down)", p->name);
            return -1;
        }
        if (in != p->in || out != p->out || p->r != ad->pairs[0].r) {
            snprintf(err, errlen, "adapter tensor %s: %d x %d with rank %d does not fit the "
                     "model's %d x %d (or differs in rank from %s)", p->name, p->out, p->in,
                     p->r, out, in, ad->pairs[0].name);
            return -1;
        }
        *mods |= k;
    }
    return 0;
}

int adapter_attach(const adapter *ad, model *m, char *err, size_t errlen)
{
    unsigned mods;
    if (!ad->n_pairs) {
        snprintf(err, errlen, "adapter has no tensors");
        return -1;
    }
    if (check_attach(ad, model_get_config(m), &mods, err, errlen))
        return -1;
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = mods, .lora_r = ad->pairs[0].r,
                          .lora_alpha = ad->alpha, .rslora = ad->rslora};
    if (model_set_training(m, &s, err, errlen))
        return -1;
    int n;
    const model_param *p = model_params(m, &n);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(p[i].name);
        bool is_a = len > 7 && !strcmp(p[i].name + len - 7, ".lora_a");
        char base[64];
        snprintf(base, sizeof base, "%.*s", (int)(len > 7 ? len - 7 : 0), p[i].name);
        const adapter_pair *ap = adapter_find(ad, base);
        if (ap)
            memcpy(p[i].data, is_a ? ap->a : ap->b, p[i].n * sizeof(float));
        else if (!is_a)
            memset(p[i].data, 0, p[i].n * sizeof(float));
    }
    return 0;
}
