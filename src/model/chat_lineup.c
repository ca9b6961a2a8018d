/* chat_lineup.c - building A and B and their labels (chat_lineup.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_path.h"
#include "chat_ckpt.h"
#include "chat_lineup.h"
#include "cpu_count.h"

static int side_threads(const chat_lineup_opts *o, bool with_b)
{
    if (o->threads > 0)
        return o->threads;
    int n = cpu_count();
    return with_b && n > 1 ? n / 2 : n;
}

static int side_ctx(const chat_base *b, const chat_lineup_opts *o)
{
    int model_ctx = model_get_config(b->g.mf.m)->context_len;
    if (o->n_ctx > 0)
        return o->n_ctx;
    return model_ctx > 0 && model_ctx < CHAT_CTX_MAX ? model_ctx : CHAT_CTX_MAX;
}

/* "1.0", "0.5", "0.25": a scale as a user reads it. */
static void scale_text(float scale, char *buf, size_t len)
{
    snprintf(buf, len, "%g", (double)scale);
    if (!strpbrk(buf, ".e"))
        snprintf(buf + strlen(buf), len - strlen(buf), ".0");
}

static void label_b(chat_lineup *l, const chat_base *on, bool full, float scale)
{
    char sc[32];
    scale_text(scale, sc, sizeof sc);
    if (!l->run)
        snprintf(l->label[1], sizeof l->label[1], "B: %s + %s, scale %s", chat_base_name(on),
                 l->adapter, sc);
    else if (!full)
        snprintf(l->label[1], sizeof l->label[1], "B: %s + %s checkpoint step %" PRId64
                 ", scale %s", chat_base_name(on), l->run, l->step, sc);
    else
        snprintf(l->label[1], sizeof l->label[1], "B: %s checkpoint step %" PRId64
                 " (full weights of %s)", l->run, l->step, chat_base_name(on));
    l->scale = full ? 1.0f : scale;
    l->full = full;
}

static int copy_spec(chat_lineup *l, const chat_b_spec *spec, char *err, size_t errlen)
{
    const char *src = spec->run ? spec->run : spec->adapter;
    char *dup = src ? strdup(src) : NULL;
    if (!dup) {
        snprintf(err, errlen, src ? "out of memory" : "B needs an adapter or a checkpoint");
        return -1;
    }
    *(spec->run ? &l->run : &l->adapter) = dup;
    return 0;
}

/* B's adapter (from a file or a checkpoint) and the base it goes on. */
static int b_weights(chat_lineup *l, const chat_b_spec *spec, chat_ckpt_weights *w,
                     adapter *file_ad, char *err, size_t errlen)
{
    if (!spec->run)
        return adapter_path_read(spec->adapter, model_get_config(l->base->g.mf.m), file_ad, err,
                                 errlen);
    if (chat_ckpt_load(spec->run, spec->step, l->base, w, err, errlen))
        return -1;
    l->step = w->step;
    l->live = w->live;
    return 0;
}

static int build_b(chat_lineup *l, const chat_b_spec *spec, const chat_lineup_opts *o,
                   char *err, size_t errlen)
{
    float scale = spec->scale > 0 ? spec->scale : 1.0f;
    adapter file_ad = {0};
    chat_ckpt_weights w = {0};
    int rc = copy_spec(l, spec, err, errlen) || b_weights(l, spec, &w, &file_ad, err, errlen);
    const chat_base *on = w.base ? w.base : l->base;
    adapter scaled = spec->run ? w.ad : file_ad;
    scaled.alpha *= scale;
    if (!rc && !(l->side[1] = chat_side_new(w.base ? w.base : l->base,
                                            w.full ? NULL : &scaled, side_threads(o, true),
                                            side_ctx(on, o), o->notify, o->notify_ctx, err,
                                            errlen)))
        rc = -1;
    if (!rc)
        label_b(l, on, w.full, scale);
    adapter_free(&file_ad);
    chat_ckpt_weights_free(&w);
    return rc;
}

int chat_lineup_build(chat_lineup *l, chat_base *base, const chat_b_spec *spec,
                      const chat_lineup_opts *o, char *err, size_t errlen)
{
    *l = (chat_lineup){.base = chat_base_ref(base)};
    l->side[0] = chat_side_new(base, NULL, side_threads(o, spec != NULL), side_ctx(base, o),
                               o->notify, o->notify_ctx, err, errlen);
    if (!l->side[0] || (spec && build_b(l, spec, o, err, errlen))) {
        chat_lineup_free(l);
        return -1;
    }
    snprintf(l->label[0], sizeof l->label[0], "A: %s, no adapter", chat_base_name(base));
    return 0;
}

static void free_b(chat_lineup *l)
{
    chat_side_free(l->side[1]);
    free(l->adapter);
    free(l->run);
}

void chat_lineup_free(chat_lineup *l)
{
    chat_side_free(l->side[0]);
    free_b(l);
    chat_base_unref(l->base);
    *l = (chat_lineup){0};
}

int chat_lineup_set_b(chat_lineup *l, const chat_b_spec *spec, const chat_lineup_opts *o,
                      char *err, size_t errlen)
{
    chat_lineup t = {.base = l->base};
    if (build_b(&t, spec, o, err, errlen)) {
        free_b(&t);
        return -1;
    }
    free_b(l);
    l->side[1] = t.side[1];
    memcpy(l->label[1], t.label[1], sizeof l->label[1]);
    l->adapter = t.adapter;
    l->run = t.run;
    l->step = t.step;
    l->scale = t.scale;
    l->full = t.full;
    l->live = t.live;
    return 0;
}

chat_vote_side chat_lineup_info(const chat_lineup *l, int i)
{
    if (i == 0)
        return (chat_vote_side){l->base->path, NULL, 1.0f, NULL, 0, false, l->label[0]};
    return (chat_vote_side){chat_side_base(l->side[1])->path, l->adapter, l->scale, l->run,
                            l->step, l->full, l->label[1]};
}

bool chat_lineup_b_spec(const chat_lineup *l, chat_b_spec *spec)
{
    if (!l->side[1])
        return false;
    *spec = (chat_b_spec){l->adapter, l->run, l->step, l->scale};
    return true;
}
