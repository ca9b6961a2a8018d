/* optim.c - AdamW and SGD-with-momentum updates in torch.optim's order of
 * operations (torch/optim/adamw.py and sgd.py, single-tensor implementations).
 * Scalars are formed in double and applied in float, as PyTorch forms its
 * Python-float scalars in double. */
#include "optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "grad.h"
#include "vec.h"

struct optim {
    optim_config c;
    optim_param *params;
    size_t n_params;
    float **m;          /* AdamW first moment or SGD momentum buffer, per param */
    float **v;          /* AdamW second moment; NULL entries for SGD */
    int64_t t;
    size_t state_bytes;
    grad_plan *plan;
    pool *pool;
};

optim_config optim_defaults(void)
{
    optim_config c = {OPTIM_ADAMW, 0.0, 0.9, 0.999, 1e-8, 0.0, false};
    return c;
}

int optim_kind_parse(const char *name, optim_kind *out)
{
    if (!strcmp(name, "adamw")) {
        *out = OPTIM_ADAMW;
        return 0;
    }
    if (!strcmp(name, "sgd")) {
        *out = OPTIM_SGD;
        return 0;
    }
    return -1;
}

static int check_config(const optim_config *c, char *err, size_t errlen)
{
    if (!(c->weight_decay >= 0.0)) {
        snprintf(err, errlen, "weight_decay must be >= 0, got %g", c->weight_decay);
        return -1;
    }
    if (c->kind == OPTIM_ADAMW
        && !(c->beta1 >= 0.0 && c->beta1 < 1.0 && c->beta2 >= 0.0 && c->beta2 < 1.0)) {
        snprintf(err, errlen, "adam betas must be in [0, 1), got %g and %g", c->beta1, c->beta2);
        return -1;
    }
    if (c->kind == OPTIM_ADAMW && !(c->eps >= 0.0)) {
        snprintf(err, errlen, "adam_epsilon must be >= 0, got %g", c->eps);
        return -1;
    }
    if (c->kind == OPTIM_SGD && !(c->momentum >= 0.0)) {
        snprintf(err, errlen, "momentum must be >= 0, got %g", c->momentum);
        return -1;
    }
    if (c->kind == OPTIM_SGD && c->nesterov && c->momentum <= 0.0) {
        snprintf(err, errlen, "nesterov momentum needs momentum > 0");
        return -1;
    }
    return 0;
}

size_t optim_state_floats(const optim_config *c, size_t n)
{
    return n * (c->kind == OPTIM_ADAMW ? 2 : c->momentum > 0.0 ? 1 : 0);
}

static int alloc_state(optim *o, char *err, size_t errlen)
{
    bool adam = optim_state_floats(&o->c, 1) == 2;
    bool buffers = optim_state_floats(&o->c, 1) > 0;
    o->m = calloc(o->n_params ? o->n_params : 1, sizeof *o->m);
    o->v = calloc(o->n_params ? o->n_params : 1, sizeof *o->v);
    if (!o->m || !o->v)
        goto oom;
    for (size_t i = 0; i < o->n_params && buffers; i++) {
        size_t n = o->params[i].n;
        o->m[i] = calloc(n ? n : 1, sizeof(float));
        if (!o->m[i])
            goto oom;
        o->state_bytes += n * sizeof(float);
        if (adam) {
            o->v[i] = calloc(n ? n : 1, sizeof(float));
            if (!o->v[i])
                goto oom;
            o->state_bytes += n * sizeof(float);
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory for optimizer state (%zu tensors)", o->n_params);
    return -1;
}

optim *optim_new(const optim_config *c, const optim_param *params, size_t n_params,
                 char *err, size_t errlen)
{
    if (check_config(c, err, errlen))
        return NULL;
    optim *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory for the optimizer");
        return NULL;
    }
    o->c = *c;
    o->n_params = n_params;
    o->params = malloc((n_params ? n_params : 1) * sizeof *params);
    if (!o->params) {
        snprintf(err, errlen, "out of memory for the optimizer's parameter list");
        optim_free(o);
        return NULL;
    }
    if (n_params)
        memcpy(o->params, params, n_params * sizeof *params);
    if (alloc_state(o, err, errlen) || !(o->plan = grad_plan_new(o->params, n_params, err, errlen))) {
        optim_free(o);
        return NULL;
    }
    return o;
}

void optim_free(optim *o)
{
    if (!o)
        return;
    for (size_t i = 0; o->m && i < o->n_params; i++)
        free(o->m[i]);
    for (size_t i = 0; o->v && i < o->n_params; i++)
        free(o->v[i]);
    free(o->m);
    free(o->v);
    free(o->params);
    grad_plan_free(o->plan);
    free(o);
}

/* The scalars of one step, formed once in double and rounded to float. */
typedef struct {
    const optim *o;
    float scale;                /* gradient multiplier (clipping) */
    bool zero;                  /* zero the gradients after use */
    float decay;                /* AdamW: 1 - lr*wd, for decayed tensors */
    float one_b1, b2, one_b2, step_size, bc2_sqrt, eps;
    float lr;                   /* SGD */
} step_job;

static step_job step_consts(const optim *o, double lr, double grad_scale, bool zero)
{
    const optim_config *c = &o->c;
    double bc1 = 1.0 - pow(c->beta1, (double)o->t);
    double bc2 = 1.0 - pow(c->beta2, (double)o->t);
    return (step_job){
        .o = o, .scale = (float)grad_scale, .zero = zero,
        .decay = (float)(1.0 - lr * c->weight_decay),
        .one_b1 = (float)(1.0 - c->beta1), .b2 = (float)c->beta2,
        .one_b2 = (float)(1.0 - c->beta2), .step_size = (float)(lr / bc1),
        .bc2_sqrt = (float)sqrt(bc2), .eps = (float)c->eps, .lr = (float)lr,
    };
}

static inline vf4 vf4_sqrt(vf4 x)
{
#ifdef __SSE__
    return (vf4)_mm_sqrt_ps((__m128)x);
#else
    for (int k = 0; k < 4; k++)
        x[k] = sqrtf(x[k]);
    return x;
#endif
}

/* Four lanes of torch.optim.AdamW, _single_tensor_adamw with amsgrad and
 * maximize off; every lane does the scalar float operations in torch's order,
 * so the result is the same bits as one element at a time. */
static inline void adamw_lanes(const step_job *j, float decay, float *w, float *g, float *m,
                               float *v, size_t n)
{
    vf4 gv = {0}, wv = {0}, mv = {0}, vv = {0};
    memcpy(&gv, g, n * sizeof(float));
    memcpy(&wv, w, n * sizeof(float));
    memcpy(&mv, m, n * sizeof(float));
    memcpy(&vv, v, n * sizeof(float));
    gv = gv * j->scale;
    wv = wv * decay;
    mv += (gv - mv) * j->one_b1;                /* exp_avg.lerp_(grad, 1 - beta1) */
    vv = vv * j->b2 + j->one_b2 * gv * gv;
    vf4 denom = vf4_sqrt(vv) / j->bc2_sqrt + j->eps;
    wv = wv - j->step_size * (mv / denom);
    memcpy(w, &wv, n * sizeof(float));
    memcpy(m, &mv, n * sizeof(float));
    memcpy(v, &vv, n * sizeof(float));
}

static void adamw_piece(const step_job *j, const optim_param *p, float *m, float *v,
                        size_t off, size_t len)
{
    float decay = p->decay ? j->decay : 1.0f;
    float *w = p->w + off, *g = p->g + off;
    size_t k = 0;
    for (; k + 4 <= len; k += 4)
        adamw_lanes(j, decay, w + k, g + k, m + k, v + k, 4);
    if (k < len)
        adamw_lanes(j, decay, w + k, g + k, m + k, v + k, len - k);
}

/* torch.optim.SGD, _single_tensor_sgd with dampening 0: the buffer starts as
 * a copy of the first gradient. */
static void sgd_piece(const step_job *j, const optim_param *p, float *buf, size_t off, size_t len)
{
    const optim_config *c = &j->o->c;
    float wd = p->decay ? (float)c->weight_decay : 0.0f;
    float mom = (float)c->momentum;
    bool first = j->o->t == 1;
    float *w = p->w + off, *gp = p->g + off;
    for (size_t k = 0; k < len; k++) {
        float g = gp[k] * j->scale + wd * w[k];
        if (buf) {
            buf[k] = first ? g : buf[k] * mom + g;
            g = c->nesterov ? g + mom * buf[k] : buf[k];
        }
        w[k] -= j->lr * g;
    }
}

static void step_piece(void *arg, size_t i, size_t off, size_t len)
{
    const step_job *j = arg;
    const optim *o = j->o;
    const optim_param *p = &o->params[i];
    if (o->c.kind == OPTIM_ADAMW)
        adamw_piece(j, p, o->m[i] + off, o->v[i] + off, off, len);
    else
        sgd_piece(j, p, o->m[i] ? o->m[i] + off : NULL, off, len);
    if (j->zero)
        memset(p->g + off, 0, len * sizeof(float));
}

static void step(optim *o, double lr, double grad_scale, bool zero)
{
    o->t++;
    step_job j = step_consts(o, lr, grad_scale, zero);
    grad_plan_run(o->plan, o->pool, step_piece, &j);
}

void optim_step(optim *o, double lr)
{
    step(o, lr, 1.0, false);
}

void optim_step_clipped(optim *o, double lr, double grad_scale)
{
    step(o, lr, grad_scale, true);
}

void optim_set_pool(optim *o, pool *p)
{
    o->pool = p;
}

double optim_grad_norm(optim *o)
{
    return grad_global_norm(o->plan, o->pool);
}

void optim_zero_grad(optim *o)
{
    grad_zero(o->plan, o->pool);
}

int64_t optim_steps(const optim *o)
{
    return o->t;
}

size_t optim_state_bytes(const optim *o)
{
    return o->state_bytes;
}

/* Layout: "LOPT", kind, t, n_params, then per parameter n and its m (and v
 * for AdamW) floats. */
int optim_state_save(const optim *o, FILE *fp)
{
    uint32_t head[2] = {0x54504f4cu, (uint32_t)o->c.kind};
    uint64_t nums[2] = {(uint64_t)o->t, (uint64_t)o->n_params};
    bool ok = fwrite(head, sizeof head, 1, fp) == 1 && fwrite(nums, sizeof nums, 1, fp) == 1;
    for (size_t i = 0; ok && i < o->n_params; i++) {
        uint64_t n = o->params[i].n;
        ok = fwrite(&n, sizeof n, 1, fp) == 1 && (!o->m[i] || fwrite(o->m[i], 4, n, fp) == n) &&
             (!o->v || !o->v[i] || fwrite(o->v[i], 4, n, fp) == n);
    }
    return ok ? 0 : -1;
}

int optim_state_load(optim *o, FILE *fp, char *err, size_t errlen)
{
    uint32_t head[2];
    uint64_t nums[2];
    if (fread(head, sizeof head, 1, fp) != 1 || fread(nums, sizeof nums, 1, fp) != 1 ||
        head[0] != 0x54504f4cu || head[1] != (uint32_t)o->c.kind || nums[1] != o->n_params) {
        snprintf(err, errlen, "optimizer state: not a %s state over %zu tensors",
                 o->c.kind == OPTIM_ADAMW ? "AdamW" : "SGD", o->n_params);
        return -1;
    }
    for (size_t i = 0; i < o->n_params; i++) {
        uint64_t n;
        if (fread(&n, sizeof n, 1, fp) != 1 || n != o->params[i].n ||
            (o->m[i] && fread(o->m[i], 4, n, fp) != n) ||
            (o->v && o->v[i] && fread(o->v[i], 4, n, fp) != n)) {
            snprintf(err, errlen, "optimizer state: tensor %zu is short or of another size", i);
            return -1;
        }
    }
    o->t = (int64_t)nums[0];
    return 0;
}
