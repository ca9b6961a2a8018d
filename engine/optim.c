/* optim.c - AdamW and SGD-with-momentum updates in torch.optim's order of
 * operations (torch/optim/adamw.py and sgd.py, single-tensor implementations).
 * Scalars are formed in double and applied in float, as PyTorch forms its
 * Python-float scalars in double. */
#include "optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct optim {
    optim_config c;
    optim_param *params;
    size_t n_params;
    float **m;          /* AdamW first moment or SGD momentum buffer, per param */
    float **v;          /* AdamW second moment; NULL entries for SGD */
    int64_t t;
    size_t state_bytes;
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

static int alloc_state(optim *o, char *err, size_t errlen)
{
    bool adam = o->c.kind == OPTIM_ADAMW;
    bool buffers = adam || o->c.momentum > 0.0;
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
    if (alloc_state(o, err, errlen)) {
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
    free(o);
}

/* torch.optim.AdamW, _single_tensor_adamw with amsgrad off, maximize off. */
static void adamw_tensor(const optim *o, const optim_param *p, float *m, float *v, double lr)
{
    const optim_config *c = &o->c;
    float decay = p->decay ? (float)(1.0 - lr * c->weight_decay) : 1.0f;
    float one_b1 = (float)(1.0 - c->beta1), b2 = (float)c->beta2, one_b2 = (float)(1.0 - c->beta2);
    double bc1 = 1.0 - pow(c->beta1, (double)o->t);
    double bc2 = 1.0 - pow(c->beta2, (double)o->t);
    float step_size = (float)(lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float eps = (float)c->eps;
    for (size_t j = 0; j < p->n; j++) {
        float g = p->g[j];
        float w = p->w[j] * decay;
        m[j] += (g - m[j]) * one_b1;          /* exp_avg.lerp_(grad, 1 - beta1) */
        v[j] = v[j] * b2 + one_b2 * g * g;
        float denom = sqrtf(v[j]) / bc2_sqrt + eps;
        p->w[j] = w - step_size * (m[j] / denom);
    }
}

/* torch.optim.SGD, _single_tensor_sgd with dampening 0: the buffer starts as
 * a copy of the first gradient. */
static void sgd_tensor(const optim *o, const optim_param *p, float *buf, double lr)
{
    const optim_config *c = &o->c;
    float wd = p->decay ? (float)c->weight_decay : 0.0f;
    float mom = (float)c->momentum, flr = (float)lr;
    bool first = o->t == 1;
    for (size_t j = 0; j < p->n; j++) {
        float g = p->g[j] + wd * p->w[j];
        if (buf) {
            buf[j] = first ? g : buf[j] * mom + g;
            g = c->nesterov ? g + mom * buf[j] : buf[j];
        }
        p->w[j] -= flr * g;
    }
}

void optim_step(optim *o, double lr)
{
    o->t++;
    for (size_t i = 0; i < o->n_params; i++) {
        if (o->c.kind == OPTIM_ADAMW)
            adamw_tensor(o, &o->params[i], o->m[i], o->v[i], lr);
        else
            sgd_tensor(o, &o->params[i], o->m[i], lr);
    }
}

int64_t optim_steps(const optim *o)
{
    return o->t;
}

size_t optim_state_bytes(const optim *o)
{
    return o->state_bytes;
}
