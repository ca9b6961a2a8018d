/* pane.c - dispatch from the screen manager to a pane's class hooks, and
 * from a pane to its host. */
#include "pane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "run_session.h"

pane *pane_new(const pane_class *cls, pane_host *host, char *err, size_t errlen)
{
    pane *p = calloc(1, cls->size);
    if (!p) {
        snprintf(err, errlen, "%s pane: out of memory", cls->name);
        return NULL;
    }
    p->cls = cls;
    p->host = host;
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

pane_result pane_handle_key(pane *p, int key)
{
    return p->cls->handle_key ? p->cls->handle_key(p, key) : PANE_IGNORED;
}

int pane_tick(pane *p, const pane_env *env)
{
    return p->cls->tick ? p->cls->tick(p, env) : 0;
}

bool pane_receive(pane *p, pane_msg *m)
{
    return p->cls->receive && p->cls->receive(p, m);
}

bool pane_at_risk(const pane *p, char *what, size_t n)
{
    if (n)
        what[0] = '\0';
    return p->cls->at_risk && p->cls->at_risk(p, what, n);
}

int pane_rescue(pane *p, char *what, size_t n)
{
    if (n)
        what[0] = '\0';
    return p->cls->rescue ? p->cls->rescue(p, what, n) : 0;
}

bool pane_background(const pane *p)
{
    return p->cls->background && p->cls->background(p);
}

void pane_status(pane *p, bool error, const char *fmt, ...)
{
    if (!p->host)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    p->host->status(p->host, error, text);
}

void pane_focus(pane *p, pane_id to)
{
    if (p->host)
        p->host->focus(p->host, to);
}

int pane_post(pane *p, pane_id to, const pane_msg *m)
{
    if (!p->host)
        return -1;
    pane_msg copy = *m;
    copy.from = p->cls->id;
    copy.to = to;
    return p->host->post(p->host, &copy);
}

void pane_wake(pane *p)
{
    if (p->host)
        p->host->wake(p->host);
}

void pane_cursor(pane *p, int y, int x)
{
    if (p->host)
        p->host->cursor(p->host, p, y, x);
}

void pane_keep_running(pane *p, struct run_session *s)
{
    if (p->host)
        p->host->keep_running(p->host, s);
    else
        run_session_free(s);
}
