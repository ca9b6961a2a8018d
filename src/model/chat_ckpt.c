/* chat_ckpt.c - listing a run's checkpoints and loading one as a chat side
 * (chat_ckpt.h): the run's config.yaml gives the training mode, which fixes
 * the order and shapes of the tensors in weights.bin. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <jansson.h>

#include "chat_ckpt.h"
#include "optim.h"
#include "train_ckpt.h"
#include "train_config.h"
#include "train_setup.h"

static bool exists(const char *run, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    return snprintf(p, sizeof p, "%s/%s", run, name) < (int)sizeof p && !stat(p, &st);
}

static double ckpt_loss(const char *run, int64_t step)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/checkpoints/step-%" PRId64 "/state.json", run, step);
    json_t *o = json_load_file(p, 0, NULL);
    json_t *v = o ? json_object_get(o, "loss") : NULL;
    double loss = json_is_number(v) ? json_number_value(v) : NAN;
    json_decref(o);
    return loss;
}

static int check_run(const char *run, char *err, size_t errlen)
{
    if (exists(run, "config.yaml"))
        return 0;
    snprintf(err, errlen, "%s: not a run directory (it has no config.yaml)", run);
    return -1;
}

int chat_ckpt_list(const char *run, chat_ckpt **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (check_run(run, err, errlen))
        return -1;
    size_t k;
    int64_t *steps = train_ckpt_steps(run, &k);
    if (!k)
        return 0;
    if (!(*out = malloc(k * sizeof **out))) {
        free(steps);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < k; i++)
        (*out)[i] = (chat_ckpt){steps[i], ckpt_loss(run, steps[i])};
    *n = k;
    free(steps);
    return 0;
}

static bool same_file(const char *a, const char *b)
{
    struct stat x, y;
    return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* The checkpoint's tensors into M's trainable parameters, in their order. */
static int load_params(const char *run, int64_t step, model *m, char *err, size_t errlen)
{
    int np;
    const model_param *p = model_params(m, &np);
    optim_param *op = calloc(np ? (size_t)np : 1, sizeof *op);
    if (!op) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < np; i++)
        op[i] = (optim_param){p[i].name, p[i].data, p[i].grad, p[i].n, p[i].decay};
    int rc = train_ckpt_load_weights(run, step, op, (size_t)np, err, errlen);
    free(op);
    return rc;
}

static int load_lora(const char *run, int64_t step, const model_train_spec *spec,
                     chat_base *on, adapter *ad, char *err, size_t errlen)
{
    model *v = model_view_new(on->g.mf.m, err, errlen);
    int rc = !v || model_set_training(v, spec, err, errlen) ||
             load_params(run, step, v, err, errlen) ||
             adapter_from_model(ad, v, spec->lora_alpha, spec->rslora, spec->lora_dropout, err,
                                errlen) ? -1 : 0;
    model_free(v);
    return rc;
}

static int load_full(const char *run, int64_t step, const model_train_spec *spec, model *m,
                     char *err, size_t errlen)
{
    model_train_spec frozen = {.mode = MODEL_TRAIN_LORA};
    return model_set_training(m, spec, err, errlen) || load_params(run, step, m, err, errlen) ||
                   model_set_training(m, &frozen, err, errlen) ? -1 : 0;
}

static int read_config(const char *run, train_config *cfg, model_train_spec *spec, char *err,
                       size_t errlen)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/config.yaml", run);
    config_diags d;
    config_diags_init(&d);
    if (train_config_load(cfg, p, NULL, 0, &d)) {
        if (d.n)
            config_diag_format(&d.items[0], err, errlen);
        else
            snprintf(err, errlen, "%s: cannot be read", p);
        return -1;
    }
    return train_setup_spec(cfg, spec, err, errlen);
}

static int pick_step(const char *run, int64_t *step, char *err, size_t errlen)
{
    char name[64];
    if (*step < 0 && (*step = train_ckpt_latest(run)) < 0) {
        snprintf(err, errlen, "%s: no checkpoint yet (the run writes one every save_steps)",
                 run);
        return -1;
    }
    snprintf(name, sizeof name, "checkpoints/step-%" PRId64, *step);
    if (exists(run, name))
        return 0;
    int64_t last = train_ckpt_latest(run);
    if (last < 0)
        snprintf(err, errlen, "%s: no %s, and no checkpoint yet", run, name);
    else
        snprintf(err, errlen, "%s: no %s (never written, or pruned by save_total_limit); the "
                 "newest is step %" PRId64, run, name, last);
    return -1;
}

int chat_ckpt_load(const char *run, int64_t step, chat_base *base, chat_ckpt_weights *out,
                   char *err, size_t errlen)
{
    *out = (chat_ckpt_weights){0};
    train_config cfg = {0};
    model_train_spec spec = {0};
    int rc = check_run(run, err, errlen) || read_config(run, &cfg, &spec, err, errlen) ||
             pick_step(run, &step, err, errlen) ? -1 : 0;
    out->step = step;
    out->live = !exists(run, "summary.json");
    out->full = spec.mode != MODEL_TRAIN_LORA;
    if (!rc && (out->full || !same_file(cfg.base_model, base->path)))
        rc = (out->base = chat_base_open(cfg.base_model, out->full, err, errlen)) ? 0 : -1;
    chat_base *on = out->base ? out->base : base;
    if (!rc)
        rc = out->full ? load_full(run, step, &spec, on->g.mf.m, err, errlen)
                       : load_lora(run, step, &spec, on, &out->ad, err, errlen);
    train_config_free(&cfg);
    if (rc)
        chat_ckpt_weights_free(out);
    return rc;
}

void chat_ckpt_weights_free(chat_ckpt_weights *w)
{
    adapter_free(&w->ad);
    chat_base_unref(w->base);
    *w = (chat_ckpt_weights){0};
}
