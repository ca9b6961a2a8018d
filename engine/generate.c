/* generate.c - the inference session: per chunk of new rows, every block
 * (RMSNorm, q/k/v projections written into the K/V cache, RoPE, attention
 * over the cache, output projection, SwiGLU MLP) and, for the last row only,
 * the final norm and the head. Chunks of several rows use the training
 * forward's linear layer (sgemm, or quant_dot's tiles for quantized weights);
 * a single row uses the row-split matrix-vector product below, because
 * decoding is bound by reading weights: quantized rows are multiplied in
 * their blocks against the row quantized once per product, wherever the
 * chunks' tiles are too (quant_dot_blocks), so that a token's logits do not
 * depend on whether it was decoded or prefilled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate.h"
#include "gguf.h"
#include "kernels.h"
#include "kv_cache.h"
#include "model_impl.h"
#include "quant.h"
#include "quant_dot.h"
#include "vec.h"

/* Rows per prefill pass (or the context, if shorter): bounds the
 * activation scratch, not the prompt. Passes of 64 rows redid sgemm's
 * packing of the weights (and the unpacking of quantized ones) four times
 * as often: 256 prefill 10-34 % faster in F32 and 1.8x in F16 on the bench
 * shapes, for about 270 KB of scratch per row on a 7B model. */
enum { CHUNK = 256 };
/* Matrix-vector pieces per pool thread, and the fewest rows in one. One
 * piece each, contiguous, decoded 7 % faster than four taken in turns (the
 * 15M and 55M bench shapes, Q8_0): each thread reads one stream, and no
 * piece's prefetch runs into rows the other thread reads. */
enum { MV_PER_THREAD = 1, MV_MIN_ROWS = 16 };
/* Matrices read in one pool call: q, k and v (or gate and up) share x. */
enum { MV_MAX = 3 };
/* Matrices smaller than this (bytes, about) are multiplied on one thread. */
#define MV_SPLIT_BYTES ((size_t)64 << 10)

struct gen_session {
    model *m;
    kv_cache kv;
    int pos, max_r, wide, mv_slots, chunk;
    float *x, *h, *r, *q, *k, *v, *o, *xm, *a, *b, *hs, *u, *lin_scratch, *qrow, *logits;
    float *rope_cs, *rope_sn;
    int *rows_pos;
    void *act;              /* activations quantized for quant_dot (chunk rows) */
};

static int max_lora_rank(const model *m)
{
    int r = 0;
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int i = 0; i < LIN_COUNT; i++)
            if (m->blk[l].lin[i].lora && m->blk[l].lin[i].lora->r > r)
                r = m->blk[l].lin[i].lora->r;
    return r;
}

static float *alloc_floats(size_t n, bool *ok)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    *ok = *ok && p;
    return p;
}

static bool alloc_scratch(gen_session *s)
{
    const model_config *c = &s->m->cfg;
    size_t C = (size_t)s->chunk, D = c->dim, Hd = (size_t)c->n_heads * c->head_dim, F = c->ffn_dim;
    size_t KVd = (size_t)c->n_kv_heads * c->head_dim;
    size_t half = (size_t)(c->rope_dim / 2);
    bool ok = true;
    s->x = alloc_floats(C * D, &ok);
    s->h = alloc_floats(C * D, &ok);
    s->r = alloc_floats(C, &ok);
    s->q = alloc_floats(C * Hd, &ok);
    s->k = alloc_floats(C * KVd, &ok);
    s->v = alloc_floats(C * KVd, &ok);
    s->o = alloc_floats(C * Hd, &ok);
    s->xm = alloc_floats(C * D, &ok);
    s->a = alloc_floats(C * F, &ok);
    s->b = alloc_floats(C * F, &ok);
    s->hs = alloc_floats(C * F, &ok);
    s->u = alloc_floats(C * (size_t)s->max_r, &ok);
    s->lin_scratch =
        alloc_floats(linear_scratch_floats(s->chunk, s->wide, s->wide, s->max_r), &ok);
    s->qrow = alloc_floats((size_t)s->mv_slots * s->wide, &ok);
    s->logits = alloc_floats((size_t)c->n_vocab, &ok);
    s->rope_cs = alloc_floats((size_t)s->kv.n_ctx * half, &ok);
    s->rope_sn = alloc_floats((size_t)s->kv.n_ctx * half, &ok);
    s->rows_pos = malloc(C * sizeof *s->rows_pos);
    s->act = malloc(quant_act_bytes(s->chunk, s->wide));
    return ok && s->rows_pos && s->act;
}

gen_session *gen_session_new(model *m, int n_ctx, char *err, size_t errlen)
{
    const model_config *c = &m->cfg;
    if (n_ctx <= 0) {
        snprintf(err, errlen, "generate: context of %d positions must be positive", n_ctx);
        return NULL;
    }
    gen_session *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "generate: out of memory");
        return NULL;
    }
    s->m = m;
    s->max_r = max_lora_rank(m);
    int Hd = c->n_heads * c->head_dim;
    s->wide = c->dim > c->ffn_dim ? c->dim : c->ffn_dim;
    s->wide = s->wide > Hd ? s->wide : Hd;
    s->mv_slots = MV_MAX * MV_PER_THREAD * pool_threads(m->pool);
    s->chunk = n_ctx < CHUNK ? n_ctx : CHUNK;
    if (kv_cache_init(&s->kv, c->n_layers, n_ctx, c->n_heads, c->n_kv_heads, c->head_dim, err,
                      errlen)) {
        free(s);
        return NULL;
    }
    if (!alloc_scratch(s)) {
        snprintf(err, errlen, "generate: out of memory for a context of %d positions", n_ctx);
        gen_session_free(s);
        return NULL;
    }
    k_rope_table(s->rope_cs, s->rope_sn, n_ctx, c->rope_dim, c->rope_base);
    return s;
}

void gen_session_free(gen_session *s)
{
    if (!s)
        return;
    kv_cache_free(&s->kv);
    float *bufs[] = {s->x, s->h, s->r, s->q, s->k, s->v, s->o, s->xm, s->a, s->b, s->hs, s->u,
                     s->lin_scratch, s->qrow, s->logits, s->rope_cs, s->rope_sn};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(s->rows_pos);
    free(s->act);
    free(s);
}

void gen_session_reset(gen_session *s)
{
    s->pos = 0;
}

int gen_session_rewind(gen_session *s, int pos)
{
    if (pos < 0 || pos > s->pos)
        return -1;
    s->pos = pos;
    return 0;
}

int gen_session_pos(const gen_session *s)
{
    return s->pos;
}

int gen_session_ctx(const gen_session *s)
{
    return s->kv.n_ctx;
}

/* ---------------------------------------------------------------- one row */
typedef struct {
    int count;
    const linear *l[MV_MAX];
    float *y[MV_MAX];
    int per[MV_MAX];
    int first[MV_MAX + 1];  /* task index of each matrix's first row piece */
    const float *x;
    const quant_act *act;   /* x quantized, for quantized matrices */
    float *qrow;
    int wide;
} mv_job;

static void mv_rows(const mv_job *j, const linear *l, float *y, int r0, int r1, float *row)
{
    if (l->w) {
        quant_dot_rows(GGML_TYPE_F32, l->w, (size_t)l->in * sizeof(float), r0, r1, j->act, y, 1);
    } else if (quant_dot_blocks(l->qtype) || l->qtype == GGML_TYPE_F16 ||
               l->qtype == GGML_TYPE_BF16) {
        quant_dot_rows(l->qtype, l->qdata, ggml_row_bytes(l->qtype, l->in), r0, r1, j->act, y, 1);
    } else {
        for (int r = r0; r < r1; r++) {
            quant_dequantize_rows(l->qtype, l->qdata, l->in, r, 1, row);
            y[r] = vec_dot(row, j->x, l->in);
        }
    }
}

static void mv_task(void *arg, int i)
{
    const mv_job *j = arg;
    int k = 0;
    while (i >= j->first[k + 1])
        k++;
    const linear *l = j->l[k];
    int r0 = (i - j->first[k]) * j->per[k];
    int r1 = l->out - r0 < j->per[k] ? l->out : r0 + j->per[k];
    mv_rows(j, l, j->y[k], r0, r1, j->qrow + (size_t)i * j->wide);
}

/* Rows per piece of L: a matrix worth waking the pool for is cut into
 * MV_PER_THREAD pieces per thread, a small one is read whole by one thread. */
static int piece_rows(const gen_session *s, const linear *l)
{
    bool split = (size_t)l->in * l->out * (l->w ? sizeof(float) : 1) >= MV_SPLIT_BYTES;
    int pieces = split ? MV_PER_THREAD * pool_threads(s->m->pool) : 1;
    int per = (l->out + pieces - 1) / pieces;
    return per < MV_MIN_ROWS ? MV_MIN_ROWS : per;
}

static void bias_lora(gen_session *s, const linear *l, const float *x, float *y)
{
    if (l->bias)
        for (int i = 0; i < l->out; i++)
            y[i] += l->bias[i];
    if (l->lora)
        lora_apply_row(l->lora, x, s->u, y);
}

/* ys[k] = ls[k] x (+ bias) (+ s B A x) for one row, all in one pool call. */
static void matvec(gen_session *s, const linear *const *ls, float *const *ys, int count,
                   const float *x)
{
    quant_act act;
    mv_job j = {.count = count, .x = x, .act = &act, .qrow = s->qrow, .wide = s->wide};
    bool quantized = false;
    for (int k = 0; k < count; k++)
        quantized |= !ls[k]->w;
    if (quantized)
        quant_act_init(&act, s->act, x, 1, ls[0]->in);
    else    /* float rows read x alone */
        act = (quant_act){.n = 1, .k = ls[0]->in, .x = x};
    for (int k = 0; k < count; k++) {
        j.l[k] = ls[k];
        j.y[k] = ys[k];
        j.per[k] = piece_rows(s, ls[k]);
        j.first[k + 1] = j.first[k] + (ls[k]->out + j.per[k] - 1) / j.per[k];
    }
    pool_run(s->m->pool, j.first[count], mv_task, &j);
    for (int k = 0; k < count; k++)
        bias_lora(s, ls[k], x, ys[k]);
}

/* ---------------------------------------------------------------- n rows */
/* ys[k] = ls[k] applied to n rows of x: one row as above, more as one group
 * of linear layers (sgemm, or tiles against x quantized once for all). */
static void project(gen_session *s, const linear *const *ls, float *const *ys, int count,
                    const float *x, int n)
{
    if (n == 1) {
        matvec(s, ls, ys, count, x);
        return;
    }
    linear_ctx lc = {.pool = s->m->pool, .scratch = s->lin_scratch, .max_in = s->wide,
                     .max_out = s->wide, .max_r = s->max_r, .act = s->act};
    linear_fwd_group(&lc, ls, ys, count, x, s->u, n);
}

static void project1(gen_session *s, const linear *l, const float *x, float *y, int n)
{
    project(s, &l, &y, 1, x, n);
}

static void add(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* s->x holds n block inputs at positions s->pos..; on return the outputs. */
static void run_block(gen_session *s, int l, int n)
{
    const model_config *c = &s->m->cfg;
    pool *p = s->m->pool;
    const block *bk = &s->m->blk[l];
    size_t nd = (size_t)n * c->dim;
    k_rmsnorm_fwd(p, s->x, bk->attn_norm, s->h, s->r, n, c->dim, c->norm_eps);
    const linear *qkv[] = {&bk->lin[LIN_Q], &bk->lin[LIN_K], &bk->lin[LIN_V]};
    float *qkv_out[] = {s->q, s->k, s->v};
    project(s, qkv, qkv_out, 3, s->h, n);
    k_rope(p, s->q, s->rows_pos, s->rope_cs, s->rope_sn, n, c->n_heads, c->head_dim, c->rope_dim,
           c->rope, false);
    k_rope(p, s->k, s->rows_pos, s->rope_cs, s->rope_sn, n, c->n_kv_heads, c->head_dim,
           c->rope_dim, c->rope, false);
    kv_cache_store(&s->kv, l, s->pos, n, s->k, s->v);
    kv_cache_attend(p, &s->kv, l, s->q, s->o, n, s->pos);
    project1(s, &bk->lin[LIN_O], s->o, s->xm, n);
    add(s->xm, s->x, nd);
    k_rmsnorm_fwd(p, s->xm, bk->ffn_norm, s->h, s->r, n, c->dim, c->norm_eps);
    const linear *gate_up[] = {&bk->lin[LIN_GATE], &bk->lin[LIN_UP]};
    float *gate_up_out[] = {s->a, s->b};
    project(s, gate_up, gate_up_out, 2, s->h, n);
    k_swiglu_fwd(p, s->a, s->b, s->hs, (size_t)n * c->ffn_dim);
    project1(s, &bk->lin[LIN_DOWN], s->hs, s->x, n);
    add(s->x, s->xm, nd);
}

static void run_chunk(gen_session *s, const int32_t *tokens, int n)
{
    const model_config *c = &s->m->cfg;
    size_t D = (size_t)c->dim;
    for (int t = 0; t < n; t++) {
        memcpy(s->x + t * D, s->m->embd + (size_t)tokens[t] * D, D * sizeof(float));
        s->rows_pos[t] = s->pos + t;
    }
    for (int l = 0; l < c->n_layers; l++)
        run_block(s, l, n);
    s->pos += n;
}

static int check_feed(const gen_session *s, const int32_t *tokens, int n, char *err,
                      size_t errlen)
{
    if (n <= 0 || n > s->kv.n_ctx - s->pos) {
        snprintf(err, errlen, "generate: %d more tokens do not fit a context of %d holding %d",
                 n, s->kv.n_ctx, s->pos);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= s->m->cfg.n_vocab) {
            snprintf(err, errlen, "generate: token %d outside the vocabulary of %d", tokens[i],
                     s->m->cfg.n_vocab);
            return -1;
        }
    if (max_lora_rank(s->m) > s->max_r) {
        snprintf(err, errlen, "generate: the model's LoRA rank grew after the session began");
        return -1;
    }
    return 0;
}

/* Row-piece scratch for the pool as it is now (model_set_threads may have
 * grown it since the session began). */
static int ensure_slots(gen_session *s)
{
    int want = MV_MAX * MV_PER_THREAD * pool_threads(s->m->pool);
    if (want <= s->mv_slots)
        return 0;
    float *q = realloc(s->qrow, (size_t)want * s->wide * sizeof *q);
    if (!q)
        return -1;
    s->qrow = q;
    s->mv_slots = want;
    return 0;
}

const float *gen_session_feed(gen_session *s, const int32_t *tokens, int n, char *err,
                              size_t errlen)
{
    if (check_feed(s, tokens, n, err, errlen))
        return NULL;
    if (ensure_slots(s)) {
        snprintf(err, errlen, "generate: out of memory");
        return NULL;
    }
    int done = 0, last = 0;
    while (done < n) {
        last = n - done < s->chunk ? n - done : s->chunk;
        run_chunk(s, tokens + done, last);
        done += last;
    }
    const model_config *c = &s->m->cfg;
    float *x = s->x + (size_t)(last - 1) * c->dim;
    k_rmsnorm_fwd(s->m->pool, x, s->m->out_norm, s->h, s->r, 1, c->dim, c->norm_eps);
    project1(s, &s->m->head, s->h, s->logits, 1);
    return s->logits;
}

/* ---------------------------------------------------------------- traffic */
/* Appends the span P, BYTES to OUT (when there is one) at *N; its bytes. */
static size_t span(membw_span *out, int *n, const void *p, size_t bytes)
{
    if (out)
        out[*n] = (membw_span){p, bytes};
    ++*n;
    return bytes;
}

/* A linear layer's product reads its weights, bias and adapter. */
static size_t linear_spans(const linear *l, membw_span *out, int *n)
{
    size_t b = l->w ? span(out, n, l->w, (size_t)l->in * l->out * sizeof(float))
                    : span(out, n, l->qdata, ggml_row_bytes(l->qtype, l->in) * (size_t)l->out);
    if (l->bias)
        b += span(out, n, l->bias, (size_t)l->out * sizeof(float));
    if (l->lora) {
        const lora_adapter *a = l->lora;
        b += span(out, n, a->a, (size_t)a->r * a->in * sizeof(float));
        b += span(out, n, a->b, (size_t)a->out * a->r * sizeof(float));
    }
    return b;
}

/* The memory a token decoded at POS reads, in the order it reads it, into
 * OUT (NULL: counted only) at *N: an embedding row, per block its norms,
 * matrices and the keys and values of the POS earlier positions (from KV,
 * or from nowhere when KV is NULL), the final norm and the head. Returns
 * the bytes. */
static size_t decode_spans(const model *m, const kv_cache *kv, int pos, membw_span *out, int *n)
{
    const model_config *c = &m->cfg;
    size_t D = (size_t)c->dim * sizeof(float);
    size_t kv_bytes = (size_t)pos * c->head_dim * sizeof(float);
    size_t b = span(out, n, m->embd, D);
    for (int l = 0; l < c->n_layers; l++) {
        const block *bk = &m->blk[l];
        b += span(out, n, bk->attn_norm, D);
        for (int i = LIN_Q; i <= LIN_V; i++)
            b += linear_spans(&bk->lin[i], out, n);
        for (int h = 0; h < c->n_kv_heads; h++) {
            b += span(out, n, kv ? kv_cache_keys(kv, l, h) : NULL, kv_bytes);
            b += span(out, n, kv ? kv_cache_values(kv, l, h) : NULL, kv_bytes);
        }
        b += linear_spans(&bk->lin[LIN_O], out, n);
        b += span(out, n, bk->ffn_norm, D);
        for (int i = LIN_GATE; i < LIN_COUNT; i++)
            b += linear_spans(&bk->lin[i], out, n);
    }
    b += span(out, n, m->out_norm, D);
    return b + linear_spans(&m->head, out, n);
}

size_t gen_decode_bytes(const model *m, int pos)
{
    int n = 0;
    return decode_spans(m, NULL, pos, NULL, &n);
}

membw_span *gen_decode_spans(const gen_session *s, int *n)
{
    *n = 0;
    decode_spans(s->m, &s->kv, s->pos, NULL, n);
    membw_span *out = malloc((size_t)*n * sizeof *out);
    if (out) {
        *n = 0;
        decode_spans(s->m, &s->kv, s->pos, out, n);
    }
    return out;
}
