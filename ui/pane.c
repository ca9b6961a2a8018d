/* pane.c - dispatch from the screen manager to a pane's class hooks. */
#include "pane.h"

#include <stdio.h>
#include <stdlib.h>

pane *pane_new(const pane_class *cls, char *err, size_t errlen)
{
    pane *p = calloc(1, cls->size);
    if (!p) {
        snprintf(err, errlen, "%s pane: out of memory", cls->name);
        return NULL;
    }
    p->cls = cls;
    if (cls->init && cls->init(p, err, errlen) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

void pane_free(pane *p)
{
    if (!p)
        return;
    if (p->cls->destroy)
        p->cls->destroy(p);
    free(p);
}

void pane_layout(pane *p, int y, int x, int h, int w)
{
    p->y = y;
    p->x = x;
    p->h = h;
    p->w = w;
    if (p->cls->layout)
        p->cls->layout(p);
}

void pane_draw(pane *p, WINDOW *w, const pane_env *env)
{
    p->cls->draw(p, w, env);
}

bool pane_handle_key(pane *p, int key)
{
    return p->cls->handle_key && p->cls->handle_key(p, key);
}

void pane_tick(pane *p, const pane_env *env)
{
    if (p->cls->tick)
        p->cls->tick(p, env);
}

bool pane_busy(const pane *p)
{
    return p->cls->busy && p->cls->busy(p);
}
