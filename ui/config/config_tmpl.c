/* config_tmpl.c - the template check in the Config pane (template_check.h):
 * the first records of the first dataset through the chat_template the
 * form says, trained tokens coloured and masked ones dimmed (token_view.h,
 * as the Data pane's preview shows them), under the warnings about the
 * template. It runs on a worker once the view has been opened, and again
 * whenever the edits settle while the pane keeps it. */
#include "config_pane_impl.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "crt.h"
#include "token_view.h"

static void *compute(worker *w, const char *path, const char *text, size_t len, char *err,
                     size_t errlen)
{
    (void)w;
    train_config cfg;
    template_check *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = config_job_load(&cfg, path, text, len, err, errlen);
    if (rc == 0)
        rc = template_check_run(c, &cfg, TEMPLATE_CHECK_RECORDS, err, errlen);
    train_config_free(&cfg);
    if (rc != 0) {
        template_check_free(c);
        free(c);
        return NULL;
    }
    return c;
}

static void free_check(void *arg)
{
    template_check_free(arg);
    free(arg);
}

static const config_job_kind tmpl_kind = {"template check", compute, free_check};

int config_tmpl_init(pane_config *p, char *err, size_t errlen)
{
    p->tmpl_job = config_job_new(&tmpl_kind, p->notify, err, errlen);
    return p->tmpl_job ? 0 : -1;
}

void config_tmpl_free(pane_config *p)
{
    config_job_free(p->tmpl_job);
    p->tmpl_job = NULL;
    if (p->tmpl)
        free_check(p->tmpl);
    p->tmpl = NULL;
}

void config_tmpl_open(pane_config *p)
{
    p->tmpl_wanted = true;
    config_job_state s = config_job_get(p->tmpl_job, NULL);
    if ((!p->tmpl || p->tmpl_gen != p->gen) && s != CONFIG_JOB_RUNNING)
        config_job_touch(p->tmpl_job, 0);
}

void config_tmpl_touch(pane_config *p)
{
    if (p->tmpl_wanted)
        config_job_touch(p->tmpl_job, clock_ms());
}

void config_tmpl_poll(pane_config *p)
{
    bool changed;
    template_check *c = config_job_poll(p->tmpl_job, p->doc, p->gen, clock_ms(), &changed);
    if (!c)
        return;
    if (p->tmpl)
        free_check(p->tmpl);
    p->tmpl = c;
    p->tmpl_gen = p->gen;
}

/* ------------------------------------------------------------ the view */

/* A token line into the view's window, when it is in sight. */
static int token_line(void *ctx, const token_view_line *tl)
{
    config_lines *l = ctx;
    size_t row = l->row++;
    if (row >= l->top && row < l->top + (size_t)l->h)
        token_view_draw(l->w, l->y + (int)(row - l->top), l->x, l->width, tl);
    return 0;
}

static void heading(pane_config *p, config_lines *l)
{
    const template_check *c = p->tmpl;
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    config_lines_put(l, THEME_ACCENT, true, "Template check%s: %s%s on %s %s first %zu of %zu "
                     "records %s sequence_len %lld",
                     p->tmpl_gen != p->gen ? " (of the config before the last edits)" : "",
                     chat_tmpl_name(c->tmpl), c->model_tmpl == c->tmpl ? " (the model's own)" : "",
                     config_pane_short(p, c->dataset), dot, c->n_records, c->dataset_records, dot,
                     (long long)c->sequence_len);
    for (size_t i = 0; i < c->n_warnings; i++)
        config_lines_put(l, THEME_GAUGE_WARN, true, "! %s", c->warnings[i]);
    if (!c->n_warnings)
        config_lines_put(l, THEME_GAUGE_OK, false, "no warning: the template is the one the "
                         "config asks for, it ends turns with a token of the vocabulary, and "
                         "only replies are trained");
}

static void record(const template_check *c, const template_check_record *r, config_lines *l)
{
    config_lines_put(l, THEME_TEXT, false, "%s", "");
    config_lines_put(l, THEME_TEXT, true, "record %zu %s %zu tokens", r->index + 1,
                     crt_glyph(CRT_GLYPH_DOT), r->doc.n);
    if (r->error[0]) {
        config_lines_put(l, THEME_ERROR, false, "cannot render it: %s", r->error);
        return;
    }
    token_view_legend(&r->doc, c->sequence_len, token_line, l);
    token_view_lines(&r->doc, c->vocab, c->sequence_len, l->width, token_line, l);
}

static void state_line(pane_config *p, config_lines *l)
{
    worker_status st;
    config_job_state s = config_job_get(p->tmpl_job, &st);
    if (s == CONFIG_JOB_RUNNING || s == CONFIG_JOB_SETTLING)
        config_lines_put(l, THEME_ACCENT, false, "rendering the first records%s",
                         crt_glyph(CRT_GLYPH_ELLIPSIS));
    else if (s == CONFIG_JOB_FAILED)
        config_lines_put(l, THEME_ERROR, false, "no template check: %s",
                         config_job_error(p->tmpl_job));
}

void config_tmpl_draw(pane_config *p, WINDOW *w, int y, int h)
{
    config_lines l = {w, y, p->super.x + 1, h, p->super.w - 2, p->view_top, 0};
    state_line(p, &l);
    if (!p->tmpl)
        return;
    heading(p, &l);
    for (size_t i = 0; i < p->tmpl->n_records; i++)
        record(p->tmpl, &p->tmpl->records[i], &l);
}
