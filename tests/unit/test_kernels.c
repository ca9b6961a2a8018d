/* test_kernels.c - finite-difference gradient checks of every engine op on
 * tiny shapes (RMSNorm, RoPE in both pairings, SwiGLU, GQA attention with
 * document masking, linear with bias and LoRA dropout, chunked weighted CE),
 * plus equalities that must hold exactly (chunking, doc isolation, threads),
 * blocked attention against a naive reference and pool-split sgemm against
 * one OpenBLAS call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "fdcheck.h"
#include "kernels.h"
#include "linear.h"
#include "loss.h"
#include "pool.h"

#define TOL 2e-3
#define H 1e-2f
/* Larger step for objectives summed over thousands of outputs, where fp32
 * rounding of the objective would dominate a 1e-2 difference. */
#define HL 3e-2f

static float *buf(size_t n)
{
    float *p = calloc(n, sizeof *p);
    assert_non_null(p);
    return p;
}

static double dotd(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* ---------------------------------------------------------------- RMSNorm */
typedef struct {
    float *x, *g, *y, *r, *c;
    int n, d;
} norm_ctx;

static double norm_obj(void *v)
{
    norm_ctx *c = v;
    k_rmsnorm_fwd(NULL, c->x, c->g, c->y, c->r, c->n, c->d, 1e-5f);
    return dotd(c->y, c->c, (size_t)c->n * c->d);
}

static void test_rmsnorm_grad(void **state)
{
    (void)state;
    norm_ctx c = {.n = 5, .d = 70};
    size_t nd = (size_t)c.n * c.d;
    c.x = buf(nd), c.g = buf((size_t)c.d), c.y = buf(nd), c.r = buf((size_t)c.n), c.c = buf(nd);
    float *dx = buf(nd), *dg = buf((size_t)c.d);
    fd_fill(c.x, nd, 1, 0.1f, 1.0f);
    fd_fill(c.g, (size_t)c.d, 2, 1.0f, 0.3f);
    fd_fill(c.c, nd, 3, 0.0f, 1.0f);
    norm_obj(&c);
    k_rmsnorm_bwd(NULL, c.x, c.g, c.r, c.c, dx, dg, c.n, c.d);
    assert_true(fd_direction(c.x, dx, nd, 4, H, 1e-3, norm_obj, &c, "rmsnorm dx") < TOL);
    assert_true(fd_direction(c.g, dg, (size_t)c.d, 5, H, 1e-3, norm_obj, &c, "rmsnorm dg") < TOL);
    free(c.x), free(c.g), free(c.y), free(c.r), free(c.c), free(dx), free(dg);
}

/* ---------------------------------------------------------------- RoPE */
typedef struct {
    float *x, *y, *c, *cs, *sn;
    int *pos;
    int n, heads, hd, rd;
    rope_style style;
} rope_ctx;

static double rope_obj(void *v)
{
    rope_ctx *c = v;
    size_t nd = (size_t)c->n * c->heads * c->hd;
    memcpy(c->y, c->x, nd * sizeof *c->y);
    k_rope(NULL, c->y, c->pos, c->cs, c->sn, c->n, c->heads, c->hd, c->rd, c->style, false);
    return dotd(c->y, c->c, nd);
}

static void rope_case(rope_style style)
{
    rope_ctx c = {.n = 6, .heads = 2, .hd = 8, .rd = 6, .style = style};
    size_t nd = (size_t)c.n * c.heads * c.hd;
    int pos[6] = {0, 1, 2, 0, 1, 5};
    c.pos = pos;
    c.x = buf(nd), c.y = buf(nd), c.c = buf(nd);
    c.cs = buf(6 * 3), c.sn = buf(6 * 3);
    k_rope_table(c.cs, c.sn, 6, c.rd, 10000.0f);
    fd_fill(c.x, nd, 10, 0.0f, 1.0f);
    fd_fill(c.c, nd, 11, 0.0f, 1.0f);
    float *dx = buf(nd);
    memcpy(dx, c.c, nd * sizeof *dx);
    k_rope(NULL, dx, c.pos, c.cs, c.sn, c.n, c.heads, c.hd, c.rd, style, true);
    assert_true(fd_direction(c.x, dx, nd, 12, H, 1e-3, rope_obj, &c, "rope dx") < TOL);
    /* dims >= rope_dim pass through; position 0 is the identity */
    rope_obj(&c);
    for (int h = 0; h < c.heads; h++)
        for (int i = c.rd; i < c.hd; i++)
            assert_true(c.y[h * c.hd + i] == c.x[h * c.hd + i]);
    assert_memory_equal(c.y, c.x, (size_t)c.heads * c.hd * sizeof *c.y);
    free(c.x), free(c.y), free(c.c), free(c.cs), free(c.sn), free(dx);
}

static void test_rope_grad_normal(void **state)
{
    (void)state;
    rope_case(ROPE_NORMAL);
}

static void test_rope_grad_neox(void **state)
{
    (void)state;
    rope_case(ROPE_NEOX);
}

/* Pair layout: NORMAL rotates (0,1), NEOX rotates (0, rd/2). */
static void test_rope_pairing(void **state)
{
    (void)state;
    float cs[2 * 2], sn[2 * 2];
    k_rope_table(cs, sn, 2, 4, 10000.0f);
    int pos[1] = {1};
    float a[4] = {1, 0, 0, 0}, b[4] = {1, 0, 0, 0};
    k_rope(NULL, a, pos, cs, sn, 1, 1, 4, 4, ROPE_NORMAL, false);
    k_rope(NULL, b, pos, cs, sn, 1, 1, 4, 4, ROPE_NEOX, false);
    assert_float_equal(a[0], cosf(1.0f), 1e-6);
    assert_float_equal(a[1], sinf(1.0f), 1e-6);
    assert_float_equal(b[0], cosf(1.0f), 1e-6);
    assert_float_equal(b[2], sinf(1.0f), 1e-6);
    assert_float_equal(b[1], 0.0f, 0);
}

/* ---------------------------------------------------------------- SwiGLU */
typedef struct {
    float *a, *b, *h, *c;
    size_t n;
} swiglu_ctx;

static double swiglu_obj(void *v)
{
    swiglu_ctx *c = v;
    k_swiglu_fwd(NULL, c->a, c->b, c->h, c->n);
    return dotd(c->h, c->c, c->n);
}

static void test_swiglu_grad(void **state)
{
    (void)state;
    swiglu_ctx c = {.n = 300};
    c.a = buf(c.n), c.b = buf(c.n), c.h = buf(c.n), c.c = buf(c.n);
    float *da = buf(c.n), *db = buf(c.n);
    fd_fill(c.a, c.n, 20, 0.0f, 2.0f);
    fd_fill(c.b, c.n, 21, 0.0f, 1.0f);
    fd_fill(c.c, c.n, 22, 0.0f, 1.0f);
    k_swiglu_bwd(NULL, c.a, c.b, c.c, da, db, c.n);
    assert_true(fd_direction(c.a, da, c.n, 23, H, 1e-3, swiglu_obj, &c, "swiglu da") < TOL);
    assert_true(fd_direction(c.b, db, c.n, 24, H, 1e-3, swiglu_obj, &c, "swiglu db") < TOL);
    free(c.a), free(c.b), free(c.h), free(c.c), free(da), free(db);
}

/* ---------------------------------------------------------------- attention */
typedef struct {
    attn_shape s;
    float *q, *k, *v, *o, *lse, *c, *scratch;
    pool *p;
} attn_ctx;

static double attn_obj(void *v)
{
    attn_ctx *c = v;
    attn_fwd(c->p, &c->s, c->q, c->k, c->v, c->o, c->lse, c->scratch);
    return dotd(c->o, c->c, (size_t)c->s.B * c->s.T * c->s.n_heads * c->s.head_dim);
}

static void attn_setup_shape(attn_ctx *c, attn_shape shape, pool *p)
{
    c->s = shape;
    c->p = p;
    size_t N = (size_t)shape.B * shape.T;
    size_t qn = N * shape.n_heads * shape.head_dim, kn = N * shape.n_kv_heads * shape.head_dim;
    c->q = buf(qn), c->k = buf(kn), c->v = buf(kn), c->o = buf(qn), c->c = buf(qn);
    c->lse = buf(N * shape.n_heads), c->scratch = buf(attn_scratch_floats(&c->s));
    fd_fill(c->q, qn, 30, 0.0f, 1.0f);
    fd_fill(c->k, kn, 31, 0.0f, 1.0f);
    fd_fill(c->v, kn, 32, 0.0f, 1.0f);
    fd_fill(c->c, qn, 33, 0.0f, 1.0f);
}

static void attn_setup(attn_ctx *c, const int32_t *doc, pool *p)
{
    attn_setup_shape(c, (attn_shape){.B = 2, .T = 7, .n_heads = 4, .n_kv_heads = 2,
                                     .head_dim = 5, .doc = doc}, p);
}

static void attn_teardown(attn_ctx *c)
{
    free(c->q), free(c->k), free(c->v), free(c->o), free(c->c), free(c->lse), free(c->scratch);
}

static const int32_t two_docs[14] = {0, 0, 0, 1, 1, 1, 1, 5, 5, 6, 6, 6, 6, 6};

static void test_attention_grad(void **state)
{
    (void)state;
    attn_ctx c;
    attn_setup(&c, two_docs, NULL);
    float *dq = buf(14 * 20), *dk = buf(14 * 10), *dv = buf(14 * 10);
    attn_obj(&c);
    attn_bwd(NULL, &c.s, c.q, c.k, c.v, c.o, c.lse, c.c, dq, dk, dv, c.scratch);
    assert_true(fd_direction(c.q, dq, 14 * 20, 34, H, 1e-3, attn_obj, &c, "attention dq") < TOL);
    assert_true(fd_direction(c.k, dk, 14 * 10, 35, H, 1e-3, attn_obj, &c, "attention dk") < TOL);
    assert_true(fd_direction(c.v, dv, 14 * 10, 36, H, 1e-3, attn_obj, &c, "attention dv") < TOL);
    free(dq), free(dk), free(dv);
    attn_teardown(&c);
}

/* Changing the second document's keys/values leaves the first's output bit-equal. */
static void test_attention_doc_isolation(void **state)
{
    (void)state;
    attn_ctx c;
    attn_setup(&c, two_docs, NULL);
    attn_obj(&c);
    float before[3 * 20];
    memcpy(before, c.o, sizeof before);
    for (int t = 3; t < 7; t++)
        for (int i = 0; i < 10; i++)
            c.k[t * 10 + i] += 1.0f, c.v[t * 10 + i] -= 2.0f;
    attn_obj(&c);
    assert_memory_equal(before, c.o, sizeof before);
    attn_teardown(&c);
}

static void test_attention_threads_identical(void **state)
{
    (void)state;
    char err[128];
    pool *p = pool_new(3, err, sizeof err);
    assert_non_null(p);
    attn_ctx a, b;
    attn_setup(&a, two_docs, NULL);
    attn_setup(&b, two_docs, p);
    attn_obj(&a);
    attn_obj(&b);
    assert_memory_equal(a.o, b.o, 14 * 20 * sizeof(float));
    float *g[6];
    for (int i = 0; i < 6; i++)
        g[i] = buf(14 * 20);
    attn_bwd(NULL, &a.s, a.q, a.k, a.v, a.o, a.lse, a.c, g[0], g[1], g[2], a.scratch);
    attn_bwd(p, &b.s, b.q, b.k, b.v, b.o, b.lse, b.c, g[3], g[4], g[5], b.scratch);
    for (int i = 0; i < 3; i++)
        assert_memory_equal(g[i], g[i + 3], 14 * 20 * sizeof(float));
    for (int i = 0; i < 6; i++)
        free(g[i]);
    attn_teardown(&a);
    attn_teardown(&b);
    pool_free(p);
}

/* Naive softmax(q k^T / sqrt(hd)) v for one query of c (doc-masked, causal). */
static void attn_naive_row(const attn_ctx *c, int b, int i, int h, double *out)
{
    const attn_shape *s = &c->s;
    int hd = s->head_dim, kvh = h / (s->n_heads / s->n_kv_heads);
    size_t qi = ((size_t)b * s->T + i) * s->n_heads * hd + (size_t)h * hd;
    double w[256], mx = -INFINITY, sum = 0;
    for (int t = 0; t <= i; t++) {
        size_t kt = ((size_t)b * s->T + t) * s->n_kv_heads * hd + (size_t)kvh * hd;
        bool same = !s->doc || s->doc[b * s->T + t] == s->doc[b * s->T + i];
        w[t] = same ? dotd(c->q + qi, c->k + kt, (size_t)hd) / sqrt(hd) : -INFINITY;
        mx = w[t] > mx ? w[t] : mx;
    }
    for (int d = 0; d < hd; d++)
        out[d] = 0;
    for (int t = 0; t <= i; t++) {
        size_t kt = ((size_t)b * s->T + t) * s->n_kv_heads * hd + (size_t)kvh * hd;
        double e = exp(w[t] - mx);
        sum += e;
        for (int d = 0; d < hd; d++)
            out[d] += e * c->v[kt + d];
    }
    for (int d = 0; d < hd; d++)
        out[d] /= sum;
}

/* Rows longer than one query block (and a partial last block), three query
 * heads per kv head, a document boundary inside a block, on a pool. */
static void test_attention_blocks(void **state)
{
    (void)state;
    char err[128];
    pool *p = pool_new(2, err, sizeof err);
    assert_non_null(p);
    enum { T = 150 };
    int32_t doc[2 * T];
    for (int i = 0; i < 2 * T; i++)
        doc[i] = i < T ? (i < 70 ? 1 : 2) : 3;
    attn_ctx c;
    attn_setup_shape(&c, (attn_shape){.B = 2, .T = T, .n_heads = 3, .n_kv_heads = 1,
                                      .head_dim = 4, .doc = doc}, p);
    attn_obj(&c);
    double ref[4];
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < T; i += 7)
            for (int h = 0; h < 3; h++) {
                attn_naive_row(&c, b, i, h, ref);
                for (int d = 0; d < 4; d++)
                    assert_true(fabs(c.o[((size_t)b * T + i) * 12 + h * 4 + d] - ref[d]) < 1e-5);
            }
    size_t qn = 2 * T * 12, kn = 2 * T * 4;
    float *dq = buf(qn), *dk = buf(kn), *dv = buf(kn);
    attn_bwd(p, &c.s, c.q, c.k, c.v, c.o, c.lse, c.c, dq, dk, dv, c.scratch);
    assert_true(fd_direction(c.q, dq, qn, 37, HL, 1e-3, attn_obj, &c, "blocked dq") < TOL);
    assert_true(fd_direction(c.k, dk, kn, 38, HL, 1e-3, attn_obj, &c, "blocked dk") < TOL);
    assert_true(fd_direction(c.v, dv, kn, 39, HL, 1e-3, attn_obj, &c, "blocked dv") < TOL);
    free(dq), free(dk), free(dv);
    attn_teardown(&c);
    pool_free(p);
}

/* ---------------------------------------------------------------- split sgemm */
/* A matmul split across a pool equals one OpenBLAS call, with padded leading
 * dimensions, alpha and beta. */
static void check_split(pool *p, bool ta, bool tb, int M, int N, int K)
{
    enum { PAD = 3 };
    int lda = (ta ? M : K) + PAD, ldb = (tb ? K : N) + PAD, ldc = N + PAD;
    size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
    float *a = buf(na), *b = buf(nb), *c1 = buf(nc), *c2 = buf(nc);
    fd_fill(a, na, 60, 0.0f, 1.0f);
    fd_fill(b, nb, 61, 0.0f, 1.0f);
    fd_fill(c1, nc, 62, 0.0f, 1.0f);
    memcpy(c2, c1, nc * sizeof *c1);
    k_sgemm(NULL, ta, tb, M, N, K, 0.7f, a, lda, b, ldb, 0.5f, c1, ldc);
    k_sgemm(p, ta, tb, M, N, K, 0.7f, a, lda, b, ldb, 0.5f, c2, ldc);
    for (size_t i = 0; i < nc; i++)
        assert_true(fabsf(c1[i] - c2[i]) <= 1e-5f * (1.0f + fabsf(c1[i])));
    free(a), free(b), free(c1), free(c2);
}

/* Every transpose pairing, split by rows (tall) and by columns (wide). */
static void test_sgemm_split(void **state)
{
    (void)state;
    char err[128];
    pool *p = pool_new(3, err, sizeof err);
    assert_non_null(p);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_split(p, ta, tb, 150, 90, 120);
            check_split(p, ta, tb, 90, 150, 120);
        }
    pool_free(p);
}

/* ---------------------------------------------------------------- linear + LoRA */
typedef struct {
    linear l;
    linear_ctx lc;
    float *x, *y, *u, *c;
    int n;
} lin_ctx;

static double lin_obj(void *v)
{
    lin_ctx *c = v;
    linear_fwd(&c->lc, &c->l, c->x, c->y, c->u, c->n);
    return dotd(c->y, c->c, (size_t)c->n * c->l.out);
}

static void test_linear_lora_grad(void **state)
{
    (void)state;
    int n = 6, in = 9, out = 7, r = 3;
    lin_ctx c = {.n = n};
    c.l.in = in, c.l.out = out;
    c.l.w = buf((size_t)in * out), c.l.gw = buf((size_t)in * out);
    c.l.bias = buf((size_t)out), c.l.gbias = buf((size_t)out);
    c.l.lora = lora_new(in, out, r, 6.0f, false, 0.3f, 77);
    assert_non_null(c.l.lora);
    assert_float_equal(c.l.lora->scale, 2.0f, 0);
    for (int i = 0; i < r * in; i++)    /* kaiming-uniform bound 1/sqrt(in) */
        assert_true(fabsf(c.l.lora->a[i]) <= 1.0f / 3.0f);
    fd_fill(c.l.lora->b, (size_t)out * r, 40, 0.0f, 0.5f);
    fd_fill(c.l.w, (size_t)in * out, 41, 0.0f, 0.5f);
    fd_fill(c.l.bias, (size_t)out, 42, 0.0f, 0.5f);
    c.x = buf((size_t)n * in), c.y = buf((size_t)n * out), c.u = buf((size_t)n * r);
    c.c = buf((size_t)n * out);
    fd_fill(c.x, (size_t)n * in, 43, 0.0f, 1.0f);
    fd_fill(c.c, (size_t)n * out, 44, 0.0f, 1.0f);
    float *scratch = buf(linear_scratch_floats(n, in, out, r)), *dx = buf((size_t)n * in);
    c.lc = (linear_ctx){.scratch = scratch, .max_in = in, .max_out = out, .max_r = r,
                        .train = true, .step = 5};
    lin_obj(&c);
    linear_bwd(&c.lc, &c.l, c.x, c.c, c.u, dx, false, n);
    lora_adapter *a = c.l.lora;
    assert_true(fd_direction(c.x, dx, (size_t)n * in, 45, H, 1e-3, lin_obj, &c, "linear dx") < TOL);
    assert_true(fd_direction(c.l.w, c.l.gw, (size_t)in * out, 46, H, 1e-3, lin_obj, &c, "linear dW") < TOL);
    assert_true(fd_direction(c.l.bias, c.l.gbias, (size_t)out, 47, H, 1e-3, lin_obj, &c, "linear db") < TOL);
    assert_true(fd_direction(a->a, a->ga, (size_t)r * in, 48, H, 1e-3, lin_obj, &c, "lora dA") < TOL);
    assert_true(fd_direction(a->b, a->gb, (size_t)out * r, 49, H, 1e-3, lin_obj, &c, "lora dB") < TOL);
    /* some inputs were dropped, and the mask depends on the step */
    float xd[6 * 9], xd2[6 * 9];
    lora_dropout(a, 5, c.x, xd, n);
    lora_dropout(a, 6, c.x, xd2, n);
    int zeros = 0;
    for (int i = 0; i < n * in; i++)
        zeros += xd[i] == 0.0f;
    assert_true(zeros > 0 && zeros < n * in);
    assert_memory_not_equal(xd, xd2, sizeof xd);
    free(c.l.w), free(c.l.gw), free(c.l.bias), free(c.l.gbias), lora_free(c.l.lora);
    free(c.x), free(c.y), free(c.u), free(c.c), free(scratch), free(dx);
}

/* ---------------------------------------------------------------- cross-entropy */
typedef struct {
    ce_args a;
    linear head;
    float *scratch;
    int *rows;
} ce_ctx;

static double ce_obj(void *v)
{
    ce_ctx *c = v;
    ce_args a = c->a;
    a.dh = NULL;
    a.gw = NULL;
    return ce_run(NULL, &a, c->scratch, c->rows) / a.norm;
}

static void ce_setup(ce_ctx *c, int chunk, const int32_t *targets, const float *weights)
{
    int n = 8, d = 6, v = 13;
    c->a = (ce_args){.n = n, .d = d, .v = v, .chunk = chunk, .targets = targets, .weights = weights};
    float *h = buf((size_t)n * d), *w = buf((size_t)v * d);
    fd_fill(h, (size_t)n * d, 50, 0.0f, 1.0f);
    fd_fill(w, (size_t)v * d, 51, 0.0f, 1.0f);
    c->a.h = h;
    c->head = (linear){.in = d, .out = v, .w = w};
    c->a.head = &c->head;
    c->a.gw = buf((size_t)v * d), c->a.dh = buf((size_t)n * d);
    double ws = 0;
    for (int i = 0; i < n; i++)
        if (targets[i] >= 0)
            ws += weights ? weights[i] : 1.0;
    c->a.norm = ws;
    c->scratch = buf(ce_scratch_floats(chunk, d, v));
    c->rows = calloc(ce_scratch_ints(n), sizeof(int));
    assert_non_null(c->rows);
}

static void ce_teardown(ce_ctx *c)
{
    free((float *)c->a.h), free(c->head.w), free(c->a.gw), free(c->a.dh);
    free(c->scratch), free(c->rows);
}

static const int32_t ce_targets[8] = {3, -100, 12, 0, 5, 5, -1, 7};
static const float ce_weights[8] = {1.0f, 1.0f, 0.0f, 2.5f, 1.0f, 0.5f, 1.0f, 3.0f};

static void test_ce_grad(void **state)
{
    (void)state;
    ce_ctx c;
    ce_setup(&c, 3, ce_targets, ce_weights);
    ce_run(NULL, &c.a, c.scratch, c.rows);
    assert_true(fd_direction((float *)c.a.h, c.a.dh, 48, 52, H, 1e-3, ce_obj, &c, "ce dh") < TOL);
    assert_true(fd_direction(c.head.w, c.a.gw, 78, 53, H, 1e-3, ce_obj, &c, "ce dW") < TOL);
    /* masked rows (ignore target or zero weight) get no gradient */
    for (int j = 0; j < 6; j++) {
        assert_true(c.a.dh[1 * 6 + j] == 0.0f);
        assert_true(c.a.dh[2 * 6 + j] == 0.0f);
        assert_true(c.a.dh[6 * 6 + j] == 0.0f);
    }
    ce_teardown(&c);
}

/* Weighted mean: equals sum w*nll / sum w computed row by row in double. */
static void test_ce_weighted_mean(void **state)
{
    (void)state;
    ce_ctx c;
    ce_setup(&c, 2, ce_targets, ce_weights);
    double loss = ce_obj(&c), want = 0, ws = 0;
    for (int t = 0; t < 8; t++) {
        if (ce_targets[t] < 0)
            continue;
        double z[13], mx = -INFINITY, s = 0;
        for (int k = 0; k < 13; k++) {
            z[k] = dotd(c.a.h + t * 6, c.head.w + k * 6, 6);
            mx = z[k] > mx ? z[k] : mx;
        }
        for (int k = 0; k < 13; k++)
            s += exp(z[k] - mx);
        want += ce_weights[t] * (mx + log(s) - z[ce_targets[t]]);
        ws += ce_weights[t];
    }
    assert_float_equal(loss, want / ws, 1e-5);
    ce_teardown(&c);
}

static void test_ce_chunked_equals_whole(void **state)
{
    (void)state;
    ce_ctx a, b;
    ce_setup(&a, 1, ce_targets, ce_weights);
    ce_setup(&b, 64, ce_targets, ce_weights);
    double la = ce_run(NULL, &a.a, a.scratch, a.rows), lb = ce_run(NULL, &b.a, b.scratch, b.rows);
    assert_float_equal(la, lb, 1e-6);
    for (int i = 0; i < 48; i++)
        assert_float_equal(a.a.dh[i], b.a.dh[i], 1e-6);
    for (int i = 0; i < 78; i++)
        assert_float_equal(a.a.gw[i], b.a.gw[i], 1e-6);
    ce_teardown(&a);
    ce_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmsnorm_grad),
        cmocka_unit_test(test_rope_grad_normal),
        cmocka_unit_test(test_rope_grad_neox),
        cmocka_unit_test(test_rope_pairing),
        cmocka_unit_test(test_swiglu_grad),
        cmocka_unit_test(test_attention_grad),
        cmocka_unit_test(test_attention_doc_isolation),
        cmocka_unit_test(test_attention_threads_identical),
        cmocka_unit_test(test_attention_blocks),
        cmocka_unit_test(test_sgemm_split),
        cmocka_unit_test(test_linear_lora_grad),
        cmocka_unit_test(test_ce_grad),
        cmocka_unit_test(test_ce_weighted_mean),
        cmocka_unit_test(test_ce_chunked_equals_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
