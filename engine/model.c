/* model.c - the trainable decoder: tensor inventory and training modes,
 * activation arena, forward, chunked loss and backward through every block,
 * with optional per-block recomputation (activation checkpointing). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "kernels.h"
#include "linear.h"
#include "loss.h"
#include "model.h"
#include "model_impl.h"
#include "prng.h"
#include "quant.h"

static const char *const lin_names[LIN_COUNT] = {
    "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

static void note_peak(model *m)
{
    size_t now = m->bytes_weights + m->bytes_grads + m->bytes_acts;
    if (now > m->bytes_peak)
        m->bytes_peak = now;
}

/* ---------------------------------------------------------------- inventory */
static void add_ref(model *m, float **w, float **g, size_t n, bool decay, unsigned kind,
                    int layer, const char *name)
{
    tref *r = &m->refs[m->n_refs++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->w = w;
    r->g = g;
    r->n = n;
    r->decay = decay;
    r->kind = kind;
    r->layer = layer;
}

static void add_linear_refs(model *m, int l, int i)
{
    linear *ln = &m->blk[l].lin[i];
    char name[64];
    snprintf(name, sizeof name, "blk.%d.%s.weight", l, lin_names[i]);
    add_ref(m, &ln->w, &ln->gw, (size_t)ln->in * ln->out, true, 1u << i, l, name);
    if (m->cfg.qkv_bias && i <= LIN_V) {
        snprintf(name, sizeof name, "blk.%d.%s.bias", l, lin_names[i]);
        add_ref(m, &ln->bias, &ln->gbias, (size_t)ln->out, false, 1u << i, l, name);
    }
}

static int build_refs(model *m)
{
    int L = m->cfg.n_layers;
    m->refs = calloc((size_t)L * 12 + 3, sizeof *m->refs);
    if (!m->refs)
        return -1;
    size_t D = (size_t)m->cfg.dim;
    add_ref(m, &m->embd, &m->g_embd, (size_t)m->cfg.n_vocab * D, true, 0, -1, "token_embd.weight");
    for (int l = 0; l < L; l++) {
        char name[64];
        snprintf(name, sizeof name, "blk.%d.attn_norm.weight", l);
        add_ref(m, &m->blk[l].attn_norm, &m->blk[l].g_attn_norm, D, false, MODEL_MOD_NORM, l, name);
        for (int i = LIN_Q; i <= LIN_O; i++)
            add_linear_refs(m, l, i);
        snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", l);
        add_ref(m, &m->blk[l].ffn_norm, &m->blk[l].g_ffn_norm, D, false, MODEL_MOD_NORM, l, name);
        for (int i = LIN_GATE; i < LIN_COUNT; i++)
            add_linear_refs(m, l, i);
    }
    add_ref(m, &m->out_norm, &m->g_out_norm, D, false, 0, -1, "output_norm.weight");
    if (!m->cfg.tied_embeddings)
        add_ref(m, &m->output, &m->g_output, (size_t)m->cfg.n_vocab * D, true, 0, -1, "output.weight");
    return 0;
}

static uint64_t name_key(uint64_t seed, const char *name)
{
    uint64_t h = seed;
    for (const char *c = name; *c; c++)
        h = prng_mix(h ^ (unsigned char)*c);
    return h;
}

static bool is_norm_or_bias(const tref *r)
{
    return strstr(r->name, "norm") || strstr(r->name, ".bias");
}

/* Every tensor's storage: random (N(0, 0.02) matrices, norms 1, biases 0)
 * where RANDOM, else zeros from calloc, which a loader overwrites or
 * replaces (a quantized tensor's floats are freed untouched, so their pages
 * never become resident). */
static int init_weights(model *m, bool random)
{
    for (int i = 0; i < m->n_refs; i++) {
        tref *r = &m->refs[i];
        *r->w = random ? malloc(r->n * sizeof **r->w) : calloc(r->n, sizeof **r->w);
        if (!*r->w)
            return -1;
        m->bytes_weights += r->n * sizeof **r->w;
        if (!random)
            continue;
        uint64_t key = name_key(m->seed, r->name);
        bool norm = strstr(r->name, "norm") != NULL, constant = is_norm_or_bias(r);
        for (size_t k = 0; k < r->n; k++)
            (*r->w)[k] = constant ? (norm ? 1.0f : 0.0f) : 0.02f * prng_normal(key + k);
    }
    return 0;
}

static void setup_linears(model *m)
{
    const model_config *c = &m->cfg;
    int D = c->dim, Hd = c->n_heads * c->head_dim, KVd = c->n_kv_heads * c->head_dim;
    int ins[LIN_COUNT] = {D, D, D, Hd, D, D, c->ffn_dim};
    int outs[LIN_COUNT] = {Hd, KVd, KVd, D, c->ffn_dim, c->ffn_dim, D};
    for (int l = 0; l < c->n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++) {
            m->blk[l].lin[i].in = ins[i];
            m->blk[l].lin[i].out = outs[i];
        }
    m->head.in = D;
    m->head.out = c->n_vocab;
}

static int check_config(const model_config *c, char *err, size_t errlen)
{
    if (c->n_vocab <= 0 || c->dim <= 0 || c->n_layers <= 0 || c->n_heads <= 0 ||
        c->n_kv_heads <= 0 || c->head_dim <= 0 || c->ffn_dim <= 0) {
        snprintf(err, errlen, "model config: sizes must be positive (vocab %d dim %d layers %d "
                 "heads %d kv %d head_dim %d ffn %d)", c->n_vocab, c->dim, c->n_layers,
                 c->n_heads, c->n_kv_heads, c->head_dim, c->ffn_dim);
        return -1;
    }
    if ((int64_t)c->n_heads * c->head_dim > MODEL_MAX_WIDTH || c->dim > MODEL_MAX_WIDTH
        || c->ffn_dim > MODEL_MAX_WIDTH || c->n_vocab > MODEL_MAX_WIDTH) {
        snprintf(err, errlen, "model config: widths past %d (dim %d, heads %d x head_dim %d, ffn "
                 "%d, vocab %d)", MODEL_MAX_WIDTH, c->dim, c->n_heads, c->head_dim, c->ffn_dim,
                 c->n_vocab);
        return -1;
    }
    if (c->n_heads % c->n_kv_heads) {
        snprintf(err, errlen, "model config: n_kv_heads %d does not divide n_heads %d",
                 c->n_kv_heads, c->n_heads);
        return -1;
    }
    if (c->rope_dim < 0 || c->rope_dim > c->head_dim || c->rope_dim % 2) {
        snprintf(err, errlen, "model config: rope_dim %d must be even and <= head_dim %d",
                 c->rope_dim, c->head_dim);
        return -1;
    }
    if (!(c->rope_base > 0) || !(c->norm_eps > 0)) {
        snprintf(err, errlen, "model config: rope_base and norm_eps must be positive");
        return -1;
    }
    return 0;
}

/* A model of CFG with its tensors RANDOM or zero, in training mode MODE. */
static model *create(const model_config *cfg, uint64_t seed, bool random, model_train_mode mode,
                     char *err, size_t errlen)
{
    if (check_config(cfg, err, errlen))
        return NULL;
    model *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "model: out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->seed = seed;
    m->ce_chunk = MODEL_CE_CHUNK;
    m->blk = calloc((size_t)cfg->n_layers, sizeof *m->blk);
    m->pool = pool_new(1, err, errlen);
    if (m->blk)
        setup_linears(m);
    if (!m->blk || !m->pool || build_refs(m) || init_weights(m, random)) {
        snprintf(err, errlen, "model: out of memory for %d layers of dim %d", cfg->n_layers, cfg->dim);
        model_free(m);
        return NULL;
    }
    model_train_spec spec = {.mode = mode};
    if (model_set_training(m, &spec, err, errlen)) {
        model_free(m);
        return NULL;
    }
    return m;
}

model *model_create(const model_config *cfg, uint64_t seed, char *err, size_t errlen)
{
    return create(cfg, seed, true, MODEL_TRAIN_FULL, err, errlen);
}

model *model_create_blank(const model_config *cfg, char *err, size_t errlen)
{
    return create(cfg, 0, false, MODEL_TRAIN_LORA, err, errlen);
}

/* The view's layers: the base's tensors, without gradients or adapters. */
static void share_tensors(model *m, const model *base)
{
    memcpy(m->blk, base->blk, (size_t)base->cfg.n_layers * sizeof *m->blk);
    for (int l = 0; l < m->cfg.n_layers; l++) {
        block *bk = &m->blk[l];
        bk->g_attn_norm = bk->g_ffn_norm = NULL;
        for (int i = 0; i < LIN_COUNT; i++) {
            bk->lin[i].gw = bk->lin[i].gbias = NULL;
            bk->lin[i].lora = NULL;
        }
    }
    m->embd = base->embd;
    m->out_norm = base->out_norm;
    m->output = base->output;
    m->head = base->head;
    m->head.gw = m->head.gbias = NULL;
    m->head.lora = NULL;
}

model *model_view_new(const model *base, char *err, size_t errlen)
{
    model *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "model: out of memory");
        return NULL;
    }
    m->cfg = base->cfg;
    m->seed = base->seed;
    m->ce_chunk = base->ce_chunk;
    m->view = true;
    m->blk = malloc((size_t)base->cfg.n_layers * sizeof *m->blk);
    m->pool = pool_new(1, err, errlen);
    if (m->blk)
        share_tensors(m, base);
    if (!m->blk || !m->pool || build_refs(m)) {
        snprintf(err, errlen, "model: out of memory for a view of %d layers", base->cfg.n_layers);
        model_free(m);
        return NULL;
    }
    model_train_spec frozen = {.mode = MODEL_TRAIN_LORA};
    if (model_set_training(m, &frozen, err, errlen)) {
        model_free(m);
        return NULL;
    }
    return m;
}

static void free_acts(model *m)
{
    free(m->arena);
    free(m->iarena);
    free(m->acts);
    m->arena = NULL;
    m->iarena = NULL;
    m->acts = NULL;
    m->cap_n = m->cap_t = 0;
    m->bytes_acts = 0;
}

static void free_loras(model *m)
{
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++) {
            linear *ln = &m->blk[l].lin[i];
            if (ln->lora) {
                m->bytes_weights -= lora_floats(ln->in, ln->out, ln->lora->r) * sizeof(float);
                m->bytes_grads -= lora_floats(ln->in, ln->out, ln->lora->r) * sizeof(float);
            }
            lora_free(ln->lora);
            ln->lora = NULL;
        }
}

void model_free(model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_refs; i++) {
        if (!m->view)
            free(*m->refs[i].w);
        free(*m->refs[i].g);
    }
    if (m->blk)
        free_loras(m);
    free_acts(m);
    free(m->blk);
    free(m->refs);
    free(m->params);
    pool_free(m->pool);
    free(m);
}

const model_config *model_get_config(const model *m)
{
    return &m->cfg;
}

float *model_weight(model *m, const char *name, size_t *n)
{
    for (int i = 0; i < m->n_refs; i++)
        if (!strcmp(m->refs[i].name, name)) {
            if (n)
                *n = m->refs[i].n;
            return *m->refs[i].w;
        }
    return NULL;
}

/* ---------------------------------------------------------------- training modes */
static bool ref_trainable(const model *m, const tref *r)
{
    const model_train_spec *s = &m->spec;
    switch (s->mode) {
    case MODEL_TRAIN_FULL:
        return true;
    case MODEL_TRAIN_TOP: {
        if (r->layer < 0)
            return s->train_head;
        int top = s->top_layers;
        bool in_top = top <= 0 || r->layer >= m->cfg.n_layers - top;
        unsigned mods = s->modules ? s->modules : MODEL_MOD_ALL;
        return in_top && (mods & r->kind);
    }
    case MODEL_TRAIN_LORA:
        return false;
    }
    return false;
}

static int check_spec(const model *m, const model_train_spec *s, char *err, size_t errlen)
{
    if (s->mode != MODEL_TRAIN_FULL && s->mode != MODEL_TRAIN_TOP && s->mode != MODEL_TRAIN_LORA) {
        snprintf(err, errlen, "training mode %d unknown", (int)s->mode);
        return -1;
    }
    if (s->mode != MODEL_TRAIN_LORA)
        return 0;
    if (s->modules && (s->lora_r <= 0 || !(s->lora_alpha > 0))) {
        snprintf(err, errlen, "lora: rank %d and alpha %g must be positive", s->lora_r,
                 (double)s->lora_alpha);
        return -1;
    }
    if (!(s->lora_dropout >= 0.0f && s->lora_dropout < 1.0f)) {
        snprintf(err, errlen, "lora: dropout %g must be in [0, 1)", (double)s->lora_dropout);
        return -1;
    }
    if (s->modules & ~(unsigned)MODEL_MOD_LINEAR) {
        snprintf(err, errlen, "lora: targets must be linear modules (q,k,v,o,gate,up,down)");
        return -1;
    }
    return 0;
}

static int attach_loras(model *m)
{
    const model_train_spec *s = &m->spec;
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++) {
            if (!(s->modules & (1u << i)))
                continue;
            linear *ln = &m->blk[l].lin[i];
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, lin_names[i]);
            ln->lora = lora_new(ln->in, ln->out, s->lora_r, s->lora_alpha, s->rslora,
                                s->lora_dropout, name_key(s->lora_seed, name));
            if (!ln->lora)
                return -1;
            size_t bytes = lora_floats(ln->in, ln->out, s->lora_r) * sizeof(float);
            m->bytes_weights += bytes;
            m->bytes_grads += bytes;
        }
    return 0;
}

/* A quantized tensor has no fp32 copy to update; a tied head read from the
 * quantized embedding would no longer match an embedding that trains. */
static int check_quantized_frozen(const model *m, char *err, size_t errlen)
{
    for (int i = 0; i < m->n_refs; i++)
        if ((!*m->refs[i].w || (m->refs[i].w == &m->embd && m->head.qdata)) &&
            ref_trainable(m, &m->refs[i])) {
            snprintf(err, errlen, "%s is quantized (a frozen base); this training mode would "
                     "train it", m->refs[i].name);
            return -1;
        }
    return 0;
}

static int set_grads(model *m)
{
    for (int i = 0; i < m->n_refs; i++) {
        tref *r = &m->refs[i];
        bool want = ref_trainable(m, r) && *r->w;
        if (want && !*r->g) {
            *r->g = calloc(r->n, sizeof **r->g);
            if (!*r->g)
                return -1;
            m->bytes_grads += r->n * sizeof **r->g;
        } else if (!want && *r->g) {
            free(*r->g);
            *r->g = NULL;
            m->bytes_grads -= r->n * sizeof **r->g;
        }
    }
    bool tied_q = m->cfg.tied_embeddings && m->head.qdata;
    m->head.w = tied_q ? NULL : m->cfg.tied_embeddings ? m->embd : m->output;
    m->head.gw = tied_q ? NULL : m->cfg.tied_embeddings ? m->g_embd : m->g_output;
    return 0;
}

static void push_param(model *m, const char *name, float *w, float *g, size_t n, bool decay)
{
    model_param *p = &m->params[m->n_params++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->data = w;
    p->grad = g;
    p->n = n;
    p->decay = decay;
}

static int build_params(model *m)
{
    free(m->params);
    m->n_params = 0;
    m->params = calloc((size_t)m->n_refs + 2 * (size_t)m->cfg.n_layers * LIN_COUNT + 1,
                       sizeof *m->params);
    if (!m->params)
        return -1;
    for (int i = 0; i < m->n_refs; i++) {
        tref *r = &m->refs[i];
        if (*r->g)
            push_param(m, r->name, *r->w, *r->g, r->n, r->decay);
    }
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++) {
            lora_adapter *a = m->blk[l].lin[i].lora;
            if (!a)
                continue;
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight.lora_a", l, lin_names[i]);
            push_param(m, name, a->a, a->ga, (size_t)a->r * a->in, true);
            snprintf(name, sizeof name, "blk.%d.%s.weight.lora_b", l, lin_names[i]);
            push_param(m, name, a->b, a->gb, (size_t)a->out * a->r, true);
        }
    return 0;
}

int model_set_training(model *m, const model_train_spec *spec, char *err, size_t errlen)
{
    if (check_spec(m, spec, err, errlen))
        return -1;
    if (m->view && spec->mode != MODEL_TRAIN_LORA) {
        snprintf(err, errlen, "a model view reads its base's weights and cannot train them; "
                 "only LoRA goes on a view");
        return -1;
    }
    model_train_spec old = m->spec;
    m->spec = *spec;
    if (check_quantized_frozen(m, err, errlen)) {
        m->spec = old;
        return -1;
    }
    free_loras(m);
    free_acts(m);   /* LoRA bottleneck buffers depend on the adapters */
    if (set_grads(m) || (spec->mode == MODEL_TRAIN_LORA && attach_loras(m)) || build_params(m)) {
        snprintf(err, errlen, "model: out of memory for gradient buffers");
        return -1;
    }
    note_peak(m);
    return 0;
}

int model_lora_merge(model *m, char *err, size_t errlen)
{
    if (m->view) {
        snprintf(err, errlen, "lora merge: a model view cannot write its base's weights");
        return -1;
    }
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++) {
            linear *ln = &m->blk[l].lin[i];
            if (ln->lora && !ln->w) {
                snprintf(err, errlen, "lora merge: blk.%d.%s.weight is quantized; merge needs fp32",
                         l, lin_names[i]);
                return -1;
            }
        }
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++)
            if (m->blk[l].lin[i].lora)
                lora_merge_into(m->blk[l].lin[i].lora, m->blk[l].lin[i].w);
    model_train_spec frozen = {.mode = MODEL_TRAIN_LORA};
    return model_set_training(m, &frozen, err, errlen);
}

/* The linear layer whose weight a tensor reference points at, or NULL (the
 * embedding is the head's weight when tied). */
static linear *linear_of(model *m, const tref *r)
{
    if (r->w == &m->output || (r->w == &m->embd && m->cfg.tied_embeddings))
        return &m->head;
    if (r->layer < 0)
        return NULL;
    for (int i = 0; i < LIN_COUNT; i++)
        if (r->w == &m->blk[r->layer].lin[i].w)
            return &m->blk[r->layer].lin[i];
    return NULL;
}

int model_set_quantized(model *m, const char *name, int ggml_type, const void *data,
                        char *err, size_t errlen)
{
    if (m->view) {
        snprintf(err, errlen, "quantized base: %s: a model view cannot change its base's weights",
                 name);
        return -1;
    }
    tref *r = NULL;
    for (int i = 0; i < m->n_refs && !r; i++)
        if (!strcmp(m->refs[i].name, name))
            r = &m->refs[i];
    linear *ln = r ? linear_of(m, r) : NULL;
    if (!ln) {
        snprintf(err, errlen, "quantized base: %s is not a linear weight of this model", name);
        return -1;
    }
    if (*r->g) {
        snprintf(err, errlen, "quantized base: %s is trainable; set a training mode that "
                 "freezes it first", name);
        return -1;
    }
    float probe[QUANT_QK_K];
    if (!quant_can_dequantize(ggml_type) || quant_dequantize_rows(ggml_type, data, ln->in, 0, 0, probe)) {
        snprintf(err, errlen, "quantized base: %s: ggml type %d with %d columns cannot be "
                 "dequantized", name, ggml_type, ln->in);
        return -1;
    }
    if (*r->w && r->w != &m->embd) {   /* the lookup keeps fp32 embedding rows */
        free(*r->w);
        *r->w = NULL;
        m->bytes_weights -= r->n * sizeof(float);
    }
    ln->qdata = data;
    ln->qtype = ggml_type;
    if (ln == &m->head)
        m->head.w = NULL;
    return 0;
}

float model_lora_scale(const model *m)
{
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++)
            if (m->blk[l].lin[i].lora)
                return m->blk[l].lin[i].lora->scale;
    return 0.0f;
}

const model_param *model_params(const model *m, int *count)
{
    *count = m->n_params;
    return m->params;
}

size_t model_n_trainable(const model *m)
{
    size_t n = 0;
    for (int i = 0; i < m->n_params; i++)
        n += m->params[i].n;
    return n;
}

void model_zero_grad(model *m)
{
    for (int i = 0; i < m->n_params; i++)
        memset(m->params[i].grad, 0, m->params[i].n * sizeof(float));
}

void model_set_checkpointing(model *m, bool on)
{
    if (m->ckpt != on)
        free_acts(m);
    m->ckpt = on;
}

int model_set_threads(model *m, int kernel_threads, int blas_threads, char *err, size_t errlen)
{
    if (blas_threads > 0)
        k_blas_set_threads(blas_threads);
    if (kernel_threads <= 0 || kernel_threads == pool_threads(m->pool))
        return 0;
    pool *p = pool_new(kernel_threads, err, errlen);
    if (!p)
        return -1;
    pool_free(m->pool);
    m->pool = p;
    return 0;
}

pool *model_pool(const model *m)
{
    return m->pool;
}

void model_set_ce_chunk(model *m, int rows)
{
    if (rows > 0 && rows != m->ce_chunk) {
        m->ce_chunk = rows;
        free_acts(m);
    }
}

void model_set_step(model *m, uint64_t step)
{
    m->step = step;
}

model_memory model_get_memory(const model *m)
{
    model_memory mm = {m->bytes_weights, m->bytes_grads, m->bytes_acts, m->bytes_peak};
    return mm;
}

/* ---------------------------------------------------------------- activations */
typedef struct {
    float *base;
    size_t used;
    /* When planning (model_activation_size): what a step writes of it. */
    const model_act_shape *shape;
    size_t written, loss, loss_written;
} carve;

/* The arena's bytes: the carved floats and the position and loss-row indexes. */
static size_t arena_bytes(const carve *c, int N)
{
    return c->used * sizeof(float) + 2 * (size_t)N * sizeof(int);
}

/* N floats, of which WRITTEN are ever written. */
static float *take_part(carve *c, size_t n, size_t written)
{
    float *p = c->base ? c->base + c->used : NULL;
    c->used += (n + 15) & ~(size_t)15;
    c->written += written;
    return p;
}

static float *take(carve *c, size_t n)
{
    return take_part(c, n, n);
}

/* The rank of the adapter attach_loras gives linear kind I (0: none). */
static int lora_rank(const model *m, int i)
{
    const model_train_spec *s = &m->spec;
    return s->mode == MODEL_TRAIN_LORA && (s->modules & (1u << i)) ? s->lora_r : 0;
}

static void carve_block(model *m, carve *c, block_acts *a, int l, size_t N)
{
    const model_config *k = &m->cfg;
    size_t D = k->dim, Hd = (size_t)k->n_heads * k->head_dim, KVd = (size_t)k->n_kv_heads * k->head_dim;
    size_t F = k->ffn_dim;
    a->r1 = take(c, N);
    a->h1 = take(c, N * D);
    a->q = take(c, N * Hd);
    a->k = take(c, N * KVd);
    a->v = take(c, N * KVd);
    a->o = take(c, N * Hd);
    a->lse = take(c, N * k->n_heads);
    a->xm = take(c, N * D);
    a->r2 = take(c, N);
    a->h2 = take(c, N * D);
    a->a = take(c, N * F);
    a->b = take(c, N * F);
    a->hs = take(c, N * F);
    (void)l;
    for (int i = 0; i < LIN_COUNT; i++) {
        int r = lora_rank(m, i);
        a->u[i] = r ? take(c, N * (size_t)r) : NULL;
    }
}

/* Logits rows per loss chunk: a batch smaller than the chunk needs no more. */
static int ce_chunk_rows(const model *m, int N)
{
    return N < m->ce_chunk ? N : m->ce_chunk;
}

/* Lay out every buffer for N tokens; with c->base NULL only measures (and
 * m->acts may be NULL). */
static void carve_all(model *m, carve *c, int N, int T)
{
    const model_config *k = &m->cfg;
    size_t n = (size_t)N, D = k->dim, Hd = (size_t)k->n_heads * k->head_dim;
    size_t KVd = (size_t)k->n_kv_heads * k->head_dim, F = k->ffn_dim;
    int n_sets = m->ckpt ? 1 : k->n_layers;
    block_acts scratch;
    for (int l = 0; l < n_sets; l++)
        carve_block(m, c, m->acts ? &m->acts[l] : &scratch, l, n);
    m->xs = take(c, (size_t)(k->n_layers + 1) * n * D);
    m->rf = take(c, n);
    m->hf = take(c, n * D);
    m->dx = take(c, n * D);
    m->dh = take(c, n * D);
    m->dq = take(c, n * Hd);
    m->dout = take(c, n * Hd);
    m->dk = take(c, n * KVd);
    m->dv = take(c, n * KVd);
    m->da = take(c, n * F);
    m->db = take(c, n * F);
    m->dhs = take(c, n * F);
    m->lin_wide = (int)(D > F ? (D > Hd ? D : Hd) : (F > Hd ? F : Hd));
    m->lin_r = m->spec.mode == MODEL_TRAIN_LORA && m->spec.lora_r > 0 ? m->spec.lora_r : 0;
    const model_act_shape *a = c->shape;
    bool dropout = m->lin_r && m->spec.lora_dropout > 0.0f;
    m->lin_scratch = take_part(c, linear_scratch_floats(N, m->lin_wide, m->lin_wide, m->lin_r),
                               linear_scratch_written(N, m->lin_wide, m->lin_wide, m->lin_r,
                                                      dropout, a && a->quantized));
    attn_shape s = {.B = N / T, .T = T, .n_kv_heads = k->n_kv_heads};
    m->attn_scratch = take(c, attn_scratch_floats(&s));
    size_t before = c->used, written = c->written, chunk = ce_chunk_rows(m, N);
    m->ce_scratch = take_part(c, ce_scratch_floats((int)chunk, k->dim, k->n_vocab),
                              a ? ce_scratch_written((int)chunk, a->scored, k->dim, k->n_vocab,
                                                     a->quantized_head) : 0);
    c->loss = c->used - before;
    c->loss_written = c->written - written;
    size_t half = (size_t)(k->rope_dim / 2);
    m->rope_cs = take(c, (size_t)T * half);
    m->rope_sn = take(c, (size_t)T * half);
}

/* With checkpointing a single activation set is shared by every block. */
static block_acts *acts_of(model *m, int l)
{
    return &m->acts[m->ckpt ? 0 : l];
}

static int ensure_acts(model *m, int N, int T)
{
    if (m->arena && N <= m->cap_n && T == m->cap_t)
        return 0;
    free_acts(m);
    m->acts = calloc(m->ckpt ? 1 : (size_t)m->cfg.n_layers, sizeof *m->acts);
    if (!m->acts)
        return -1;
    carve c = {0};
    carve_all(m, &c, N, T);
    m->arena = malloc(c.used * sizeof(float));
    m->iarena = malloc(2 * (size_t)N * sizeof(int));
    if (!m->arena || !m->iarena) {
        free_acts(m);
        return -1;
    }
    c.base = m->arena;
    c.used = 0;
    carve_all(m, &c, N, T);
    m->pos = m->iarena;
    m->ce_rows = m->iarena + N;
    m->cap_n = N;
    m->cap_t = T;
    m->bytes_acts = arena_bytes(&c, N);
    note_peak(m);
    return 0;
}

/* ---------------------------------------------------------------- forward */
typedef struct {
    int N, T;
    const model_batch *batch;
    linear_ctx lc;
    attn_shape as;
} pass;

static void block_fwd(model *m, const pass *ps, int l, const float *x, float *xout)
{
    const model_config *k = &m->cfg;
    block *bk = &m->blk[l];
    block_acts *a = acts_of(m, l);
    int N = ps->N, D = k->dim;
    size_t nd = (size_t)N * D;
    k_rmsnorm_fwd(m->pool, x, bk->attn_norm, a->h1, a->r1, N, D, k->norm_eps);
    linear_fwd(&ps->lc, &bk->lin[LIN_Q], a->h1, a->q, a->u[LIN_Q], N);
    linear_fwd(&ps->lc, &bk->lin[LIN_K], a->h1, a->k, a->u[LIN_K], N);
    linear_fwd(&ps->lc, &bk->lin[LIN_V], a->h1, a->v, a->u[LIN_V], N);
    k_rope(m->pool, a->q, m->pos, m->rope_cs, m->rope_sn, N, k->n_heads, k->head_dim,
           k->rope_dim, k->rope, false);
    k_rope(m->pool, a->k, m->pos, m->rope_cs, m->rope_sn, N, k->n_kv_heads, k->head_dim,
           k->rope_dim, k->rope, false);
    attn_fwd(m->pool, &ps->as, a->q, a->k, a->v, a->o, a->lse, m->attn_scratch);
    linear_fwd(&ps->lc, &bk->lin[LIN_O], a->o, a->xm, a->u[LIN_O], N);
    for (size_t i = 0; i < nd; i++)
        a->xm[i] += x[i];
    k_rmsnorm_fwd(m->pool, a->xm, bk->ffn_norm, a->h2, a->r2, N, D, k->norm_eps);
    linear_fwd(&ps->lc, &bk->lin[LIN_GATE], a->h2, a->a, a->u[LIN_GATE], N);
    linear_fwd(&ps->lc, &bk->lin[LIN_UP], a->h2, a->b, a->u[LIN_UP], N);
    k_swiglu_fwd(m->pool, a->a, a->b, a->hs, (size_t)N * k->ffn_dim);
    linear_fwd(&ps->lc, &bk->lin[LIN_DOWN], a->hs, xout, a->u[LIN_DOWN], N);
    for (size_t i = 0; i < nd; i++)
        xout[i] += a->xm[i];
}

static int check_batch(const model *m, const model_batch *b, char *err, size_t errlen)
{
    if (b->B <= 0 || b->T <= 0 || !b->tokens) {
        snprintf(err, errlen, "batch: B %d and T %d must be positive, tokens non-NULL", b->B, b->T);
        return -1;
    }
    size_t n = (size_t)b->B * b->T;
    for (size_t i = 0; i < n; i++) {
        if (b->tokens[i] < 0 || b->tokens[i] >= m->cfg.n_vocab) {
            snprintf(err, errlen, "batch: token %d at index %zu outside vocab of %d",
                     b->tokens[i], i, m->cfg.n_vocab);
            return -1;
        }
        if (b->targets && b->targets[i] >= m->cfg.n_vocab) {
            snprintf(err, errlen, "batch: target %d at index %zu outside vocab of %d",
                     b->targets[i], i, m->cfg.n_vocab);
            return -1;
        }
        if (b->weights && !(b->weights[i] >= 0.0f && isfinite(b->weights[i]))) {
            snprintf(err, errlen, "batch: weight at index %zu is negative or not finite", i);
            return -1;
        }
    }
    return 0;
}

/* Positions restart at every document start so a packed document sees the
 * same RoPE angles as it would alone. */
static void set_positions(model *m, const model_batch *b)
{
    for (int r = 0; r < b->B; r++) {
        int p = 0;
        for (int t = 0; t < b->T; t++) {
            size_t i = (size_t)r * b->T + t;
            if (t > 0 && b->doc && b->doc[i] != b->doc[i - 1])
                p = 0;
            m->pos[i] = p++;
        }
    }
}

static int begin_pass(model *m, const model_batch *b, bool train, pass *ps, char *err,
                      size_t errlen)
{
    if (check_batch(m, b, err, errlen))
        return -1;
    ps->N = b->B * b->T;
    ps->T = b->T;
    ps->batch = b;
    if (ensure_acts(m, ps->N, b->T)) {
        snprintf(err, errlen, "model: out of memory for activations of %d x %d tokens", b->B, b->T);
        return -1;
    }
    ps->lc = (linear_ctx){.pool = m->pool, .scratch = m->lin_scratch, .max_in = m->lin_wide,
                          .max_out = m->lin_wide, .max_r = m->lin_r, .train = train, .step = m->step};
    ps->as = (attn_shape){.B = b->B, .T = b->T, .n_heads = m->cfg.n_heads,
                          .n_kv_heads = m->cfg.n_kv_heads, .head_dim = m->cfg.head_dim, .doc = b->doc};
    set_positions(m, b);
    k_rope_table(m->rope_cs, m->rope_sn, b->T, m->cfg.rope_dim, m->cfg.rope_base);
    return 0;
}

/* Embedding lookup, every block, final norm: leaves hf ready for the head. */
static void forward(model *m, const pass *ps)
{
    size_t D = (size_t)m->cfg.dim;
    for (int i = 0; i < ps->N; i++)
        memcpy(m->xs + i * D, m->embd + (size_t)ps->batch->tokens[i] * D, D * sizeof(float));
    for (int l = 0; l < m->cfg.n_layers; l++)
        block_fwd(m, ps, l, m->xs + (size_t)l * ps->N * D, m->xs + (size_t)(l + 1) * ps->N * D);
    k_rmsnorm_fwd(m->pool, m->xs + (size_t)m->cfg.n_layers * ps->N * D, m->out_norm, m->hf, m->rf,
                  ps->N, (int)D, m->cfg.norm_eps);
}

static double weight_sum(const model_batch *b)
{
    double s = 0;
    size_t n = (size_t)b->B * b->T;
    for (size_t i = 0; i < n && b->targets; i++)
        if (b->targets[i] >= 0)
            s += b->weights ? b->weights[i] : 1.0;
    return s;
}

/* ---------------------------------------------------------------- backward */
static bool lin_trainable(const linear *ln)
{
    return ln->gw || ln->gbias || ln->lora;
}

static bool block_trainable(const block *bk)
{
    for (int i = 0; i < LIN_COUNT; i++)
        if (lin_trainable(&bk->lin[i]))
            return true;
    return bk->g_attn_norm || bk->g_ffn_norm;
}

static bool attn_trainable(const block *bk)
{
    for (int i = LIN_Q; i <= LIN_O; i++)
        if (lin_trainable(&bk->lin[i]))
            return true;
    return bk->g_attn_norm != NULL;
}

/* Lowest block backward must reach (n_layers: none, only the head trains). */
static int lowest_block(const model *m)
{
    if (m->g_embd)
        return 0;
    for (int l = 0; l < m->cfg.n_layers; l++)
        if (block_trainable(&m->blk[l]))
            return l;
    return m->cfg.n_layers;
}

static void mlp_bwd(model *m, const pass *ps, int l, const float *x, bool need_dx)
{
    const model_config *k = &m->cfg;
    block *bk = &m->blk[l];
    block_acts *a = acts_of(m, l);
    int N = ps->N;
    (void)x;
    linear_bwd(&ps->lc, &bk->lin[LIN_DOWN], a->hs, m->dx, a->u[LIN_DOWN], m->dhs, false, N);
    k_swiglu_bwd(m->pool, a->a, a->b, m->dhs, m->da, m->db, (size_t)N * k->ffn_dim);
    linear_bwd(&ps->lc, &bk->lin[LIN_GATE], a->h2, m->da, a->u[LIN_GATE], m->dh, false, N);
    linear_bwd(&ps->lc, &bk->lin[LIN_UP], a->h2, m->db, a->u[LIN_UP], m->dh, true, N);
    k_rmsnorm_bwd(m->pool, a->xm, bk->ffn_norm, a->r2, m->dh, need_dx ? m->dx : NULL,
                  bk->g_ffn_norm, N, k->dim);
}

static void attn_block_bwd(model *m, const pass *ps, int l, const float *x, bool need_in)
{
    const model_config *k = &m->cfg;
    block *bk = &m->blk[l];
    block_acts *a = acts_of(m, l);
    int N = ps->N;
    linear_bwd(&ps->lc, &bk->lin[LIN_O], a->o, m->dx, a->u[LIN_O], m->dout, false, N);
    attn_bwd(m->pool, &ps->as, a->q, a->k, a->v, a->o, a->lse, m->dout, m->dq, m->dk, m->dv,
             m->attn_scratch);
    k_rope(m->pool, m->dq, m->pos, m->rope_cs, m->rope_sn, N, k->n_heads, k->head_dim,
           k->rope_dim, k->rope, true);
    k_rope(m->pool, m->dk, m->pos, m->rope_cs, m->rope_sn, N, k->n_kv_heads, k->head_dim,
           k->rope_dim, k->rope, true);
    bool need_dh = need_in || bk->g_attn_norm;
    float *dh = need_dh ? m->dh : NULL;
    linear_bwd(&ps->lc, &bk->lin[LIN_Q], a->h1, m->dq, a->u[LIN_Q], dh, false, N);
    linear_bwd(&ps->lc, &bk->lin[LIN_K], a->h1, m->dk, a->u[LIN_K], dh, true, N);
    linear_bwd(&ps->lc, &bk->lin[LIN_V], a->h1, m->dv, a->u[LIN_V], dh, true, N);
    if (need_dh)
        k_rmsnorm_bwd(m->pool, x, bk->attn_norm, a->r1, m->dh, need_in ? m->dx : NULL,
                      bk->g_attn_norm, N, k->dim);
}

/* dx holds the gradient of the block output; on return, of its input
 * (when anything below needs it). */
static void block_bwd(model *m, const pass *ps, int l, bool need_in)
{
    size_t nd = (size_t)ps->N * m->cfg.dim;
    const float *x = m->xs + (size_t)l * nd;
    if (m->ckpt)
        block_fwd(m, ps, l, x, m->xs + (size_t)(l + 1) * nd);
    bool attn = need_in || attn_trainable(&m->blk[l]);
    mlp_bwd(m, ps, l, x, attn);
    if (attn)
        attn_block_bwd(m, ps, l, x, need_in);
}

static void embed_bwd(model *m, const pass *ps)
{
    size_t D = (size_t)m->cfg.dim;
    for (int i = 0; i < ps->N; i++) {
        float *g = m->g_embd + (size_t)ps->batch->tokens[i] * D;
        const float *d = m->dx + i * D;
        for (size_t j = 0; j < D; j++)
            g[j] += d[j];
    }
}

static double head_loss(model *m, const pass *ps, double norm, bool backward)
{
    ce_args a = {.h = m->hf, .head = &m->head, .gw = backward ? m->head.gw : NULL,
                 .dh = backward ? m->dh : NULL, .targets = ps->batch->targets,
                 .weights = ps->batch->weights, .n = ps->N, .d = m->cfg.dim,
                 .v = m->cfg.n_vocab, .norm = norm, .chunk = ce_chunk_rows(m, ps->N)};
    return ce_run(m->pool, &a, m->ce_scratch, m->ce_rows);
}

static void backward(model *m, const pass *ps)
{
    int L = m->cfg.n_layers, low = lowest_block(m);
    if (low == L && !m->g_out_norm)
        return;
    size_t nd = (size_t)ps->N * m->cfg.dim;
    memset(m->dx, 0, nd * sizeof(float));
    k_rmsnorm_bwd(m->pool, m->xs + (size_t)L * nd, m->out_norm, m->rf, m->dh,
                  low < L ? m->dx : NULL, m->g_out_norm, ps->N, m->cfg.dim);
    for (int l = L - 1; l >= low; l--)
        block_bwd(m, ps, l, l > low || m->g_embd);
    if (m->g_embd)
        embed_bwd(m, ps);
}

static int run_loss(model *m, const model_batch *b, bool train, double *loss, double *wsum,
                    char *err, size_t errlen)
{
    if (!b->targets) {
        snprintf(err, errlen, "batch: targets are required for the loss");
        return -1;
    }
    pass ps;
    if (begin_pass(m, b, train, &ps, err, errlen))
        return -1;
    double ws = weight_sum(b);
    double norm = b->loss_norm > 0 ? b->loss_norm : ws;
    forward(m, &ps);
    double total = norm > 0 ? head_loss(m, &ps, norm, train) : 0.0;
    if (train && norm > 0)
        backward(m, &ps);
    if (loss)
        *loss = norm > 0 ? total / norm : 0.0;
    if (wsum)
        *wsum = ws;
    return 0;
}

int model_forward_backward(model *m, const model_batch *batch, double *loss, double *weight_sum_out,
                           char *err, size_t errlen)
{
    return run_loss(m, batch, true, loss, weight_sum_out, err, errlen);
}

int model_forward_loss(model *m, const model_batch *batch, double *loss, double *weight_sum_out,
                       char *err, size_t errlen)
{
    return run_loss(m, batch, false, loss, weight_sum_out, err, errlen);
}

int model_forward_logits(model *m, const model_batch *batch, float *logits, char *err, size_t errlen)
{
    pass ps;
    if (begin_pass(m, batch, false, &ps, err, errlen))
        return -1;
    forward(m, &ps);
    linear_base_fwd(&ps.lc, &m->head, m->hf, logits, ps.N);
    return 0;
}

/* ---------------------------------------------------------------- planning */
model_act_size model_activation_size(const model_config *c, const model_train_spec *s,
                                     const model_act_shape *a)
{
    model plan = {.cfg = *c, .spec = *s, .ckpt = a->ckpt, .ce_chunk = MODEL_CE_CHUNK};
    carve cv = {.shape = a};
    int N = a->B * a->T;
    carve_all(&plan, &cv, N, a->T);
    size_t ints = arena_bytes(&cv, N) - cv.used * sizeof(float);
    return (model_act_size){arena_bytes(&cv, N), cv.written * sizeof(float) + ints,
                            cv.loss * sizeof(float), cv.loss_written * sizeof(float)};
}

int model_plan_sizes(const model_config *c, const model_train_spec *s, model_sizes *out,
                     char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    model plan = {.cfg = *c, .spec = *s};
    if (check_config(c, err, errlen) || check_spec(&plan, s, err, errlen))
        return -1;
    plan.blk = calloc((size_t)c->n_layers, sizeof *plan.blk);
    if (plan.blk)
        setup_linears(&plan);
    if (!plan.blk || build_refs(&plan)) {
        free(plan.blk);
        snprintf(err, errlen, "model: out of memory");
        return -1;
    }
    for (int i = 0; i < plan.n_refs; i++) {
        const tref *r = &plan.refs[i];
        out->params += r->n;
        out->trainable += ref_trainable(&plan, r) ? r->n : 0;
        /* a tied embedding keeps its fp32 rows for the lookup when the head
         * reads it quantized, so quantizing saves nothing there */
        out->linear_params += linear_of(&plan, r) && r->w != &plan.embd ? r->n : 0;
    }
    for (int l = 0; l < c->n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++)
            if (lora_rank(&plan, i))
                out->lora += lora_floats(plan.blk[l].lin[i].in, plan.blk[l].lin[i].out, s->lora_r);
    out->trainable += out->lora;
    free(plan.refs);
    free(plan.blk);
    return 0;
}
