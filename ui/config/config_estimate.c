/* config_estimate.c - the run estimate in the Config pane: computed on a
 * worker once the edits settle (config_job.h) from the config as it is in
 * the form, saved or not (run_estimate_build reads the model's header, the
 * tokenizer and the datasets, as the run will), summed up in the pane's
 * header and shown in full in its own view; and on `m` a few real steps of
 * that config timed in the background (run_measure.h: the longest batch
 * first, cancellable) with the run's duration extrapolated.
 *
 * The measurement reads the estimate it started from, so an estimate that
 * arrives meanwhile does not replace that one until the measurement ends;
 * an edit stops the measurement, whose time would no longer be the
 * config's. */
#include "config_pane_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crt.h"
#include "plural.h"
#include "run_estimate.h"
#include "text.h"
#include "theme.h"

/* Steps `m` takes: the longest batch, then three of the run's (as
 * `lathe config --estimate --measure`). */
#define MEASURE_STEPS 4
#define BAR_W 24

struct config_est {
    train_config cfg;
    run_estimate e;
    unsigned gen;                 /* the text it was made from */
};

typedef struct {
    worker *w;
    size_t skipped;
} note_ctx;

static void note(void *ctx, const char *msg)
{
    note_ctx *n = ctx;
    n->skipped++;
    worker_say(n->w, "%s", msg);
}

static void free_est(void *arg)
{
    config_est *r = arg;
    run_estimate_free(&r->e);
    train_config_free(&r->cfg);
    free(r);
}

static void *compute(worker *w, const char *path, const char *text, size_t len, char *err,
                     size_t errlen)
{
    config_est *r = calloc(1, sizeof *r);
    note_ctx n = {w, 0};
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (config_job_load(&r->cfg, path, text, len, err, errlen) != 0) {
        train_config_free(&r->cfg);
        free(r);
        return NULL;
    }
    worker_say(w, "reading the model and the data");
    if (run_estimate_build(&r->e, &r->cfg, note, &n, err, errlen) != 0) {
        free_est(r);
        return NULL;
    }
    return r;
}

static const config_job_kind est_kind = {"estimate", compute, free_est};

int config_estimate_init(pane_config *p, char *err, size_t errlen)
{
    p->est_job = config_job_new(&est_kind, p->notify, err, errlen);
    return p->est_job ? 0 : -1;
}

static void drop(pane_config *p, config_est *r)
{
    if (r && r != p->measuring && r != p->est)
        free_est(r);
}

void config_estimate_free(pane_config *p)
{
    if (p->measure) {
        run_measure_cancel(p->measure);
        run_measure_finish(p->measure, &p->time, p->measure_error, sizeof p->measure_error);
        p->measure = NULL;
    }
    config_job_free(p->est_job);
    p->est_job = NULL;
    config_est *a = p->est, *b = p->measuring;
    p->est = p->measuring = NULL;
    drop(p, a);
    if (b != a)
        drop(p, b);
}

void config_estimate_touch(pane_config *p)
{
    config_job_touch(p->est_job, clock_ms());
    p->have_time = false;
    if (p->measure) {
        run_measure_cancel(p->measure);
        config_pane_say(p, false, "the measurement stops: the config changed (m measures the "
                        "new one)");
    }
}

/* A measurement that ended: its time, or why not. */
static void measure_poll(pane_config *p)
{
    run_measure_progress pr;
    if (!p->measure)
        return;
    run_measure_get_progress(p->measure, &pr);
    if (pr.state == RUN_MEASURE_LOADING || pr.state == RUN_MEASURE_STEPPING)
        return;
    run_measure_result t;
    bool ok = run_measure_finish(p->measure, &t, p->measure_error, sizeof p->measure_error) == 0;
    p->measure = NULL;
    if (ok && p->measuring == p->est) {
        char d[64];
        p->time = t;
        p->have_time = true;
        run_measure_duration(d, sizeof d, t.train_s);
        config_pane_say(p, false, "measured %d steps: the run takes about %s", t.steps, d);
    } else if (!ok && pr.state != RUN_MEASURE_CANCELLED) {
        config_pane_say(p, true, "the measurement failed: %s", p->measure_error);
    } else if (!ok) {
        config_pane_say(p, false, "the measurement stopped after %d of %d steps%s; m measures "
                        "again", pr.steps_done, pr.steps,
                        p->measuring && p->measuring->gen != p->gen ? " (the config changed)"
                                                                     : "");
    }
    config_est *m = p->measuring;
    p->measuring = NULL;
    drop(p, m);
}

static void start_measure(pane_config *p)
{
    char err[1024];
    p->measure_wanted = false;
    if (!(p->measure = run_measure_start(&p->est->e, MEASURE_STEPS, err, sizeof err))) {
        config_pane_say(p, true, "cannot measure: %s", err);
        return;
    }
    p->measuring = p->est;
    p->have_time = false;
    p->measure_error[0] = '\0';
    config_pane_say(p, false, "measuring %d real steps of this config, the longest batch first "
                    "(Esc stops it)", MEASURE_STEPS);
}

void config_estimate_measure(pane_config *p)
{
    config_job_state s = config_job_get(p->est_job, NULL);
    if (p->measure) {
        config_pane_say(p, false, "measuring already: Esc stops it");
    } else if (p->est && p->est->gen == p->gen) {
        start_measure(p);
    } else if (s == CONFIG_JOB_FAILED || s == CONFIG_JOB_CANCELLED) {
        config_pane_say(p, true, "nothing to measure without an estimate (%s)",
                        s == CONFIG_JOB_FAILED ? config_job_error(p->est_job) : "stopped; E makes it");
    } else {
        p->measure_wanted = true;
        config_pane_say(p, false, "the measurement starts once the estimate of this config is "
                        "made (Esc: not now)");
    }
}

void config_estimate_poll(pane_config *p)
{
    bool changed;
    config_est *r = config_job_poll(p->est_job, p->seen ? p->doc : NULL, p->gen, clock_ms(),
                                    &changed);
    if (r) {
        config_est *old = p->est;
        r->gen = p->gen;
        p->est = r;
        drop(p, old);
        if (p->measure_wanted && !p->measure)
            start_measure(p);
    }
    if (p->measure_wanted && config_job_get(p->est_job, NULL) == CONFIG_JOB_FAILED) {
        p->measure_wanted = false;
        config_pane_say(p, true, "nothing to measure: %s", config_job_error(p->est_job));
    }
    measure_poll(p);
}

bool config_estimate_busy(const pane_config *p)
{
    return p->measure || p->measure_wanted ||
           config_job_get(p->est_job, NULL) == CONFIG_JOB_RUNNING;
}

void config_estimate_cancel(pane_config *p)
{
    p->measure_wanted = false;
    if (p->measure) {
        run_measure_cancel(p->measure);
        config_pane_say(p, false, "stopping the measurement after the current step");
        return;
    }
    config_job_cancel(p->est_job);
    config_pane_say(p, false, "estimate stopped; E makes it again");
}

void config_estimate_view(pane_config *p)
{
    config_job_state s = config_job_get(p->est_job, NULL);
    if (s == CONFIG_JOB_CANCELLED || s == CONFIG_JOB_FAILED)
        config_job_touch(p->est_job, 0);
    p->view = CONFIG_VIEW_ESTIMATE;
    p->view_top = 0;
}

static bool fits(const run_estimate *e)
{
    return !e->mem_available || e->peak - e->reclaimable <= e->mem_available;
}

void config_estimate_summary(pane_config *p, char *buf, size_t n, bool *bad)
{
    const char *dot = crt_glyph(CRT_GLYPH_DOT), *more = crt_glyph(CRT_GLYPH_ELLIPSIS);
    config_job_state s = config_job_get(p->est_job, NULL);
    *bad = false;
    if (!p->est || s == CONFIG_JOB_FAILED) {
        *bad = s == CONFIG_JOB_FAILED;
        snprintf(buf, n, "%s", s == CONFIG_JOB_FAILED ? "no estimate (E says why)"
                             : s == CONFIG_JOB_CANCELLED ? "estimate stopped" : "");
        if (s == CONFIG_JOB_RUNNING || s == CONFIG_JOB_SETTLING)
            snprintf(buf, n, "estimating%s", more);
        return;
    }
    const run_estimate *e = &p->est->e;
    char peak[32], avail[32], time[48] = "";
    run_estimate_bytes(peak, sizeof peak, e->peak);
    run_estimate_bytes(avail, sizeof avail, e->mem_available);
    if (p->have_time)
        run_measure_duration(time, sizeof time, p->time.train_s);
    *bad = !fits(e);
    int k = snprintf(buf, n, "peak %s/%s %s %lld steps", peak, avail, dot,
                     (long long)e->total_steps);
    if (time[0] && k > 0 && (size_t)k < n)
        k += snprintf(buf + k, n - (size_t)k, " %s ~%s", dot, time);
    if (p->est->gen != p->gen && k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, " %s", more);
}

/* ------------------------------------------------------------ the view */

static void bar(config_lines *l, const char *label, double f, theme_role role)
{
    char cells[BAR_W * 4 + 1];
    size_t used = 0;
    int fill = (int)(f * BAR_W + 0.5);
    fill = fill < 0 ? 0 : fill > BAR_W ? BAR_W : fill;
    for (int i = 0; i < BAR_W; i++) {
        const char *g = crt_glyph(i < fill ? CRT_GLYPH_BAR_FULL : CRT_GLYPH_BAR_EMPTY);
        size_t k = strlen(g);
        if (used + k < sizeof cells) {
            memcpy(cells + used, g, k);
            used += k;
        }
    }
    cells[used] = '\0';
    config_lines_put(l, role, false, "             %s %s", cells, label);
}

static void memory(config_lines *l, const run_estimate *e)
{
    char a[32], b[32], c[32];
    run_estimate_bytes(a, sizeof a, e->peak);
    run_estimate_bytes(b, sizeof b, e->mem_available);
    run_estimate_bytes(c, sizeof c, e->mem_total);
    config_lines_put(l, fits(e) ? THEME_TEXT : THEME_ERROR, true, "memory       %s at the peak, "
                     "while %s; %s available of %s", a, e->peak == e->train_peak ? "training"
                     : "loading", b, c);
    double f = e->mem_available ? (double)(e->peak - e->reclaimable) / (double)e->mem_available
                                : 0;
    bar(l, fits(e) ? "peak against available memory" : "the peak does not fit in memory", f,
        !fits(e) ? THEME_GAUGE_CRITICAL : f > 0.75 ? THEME_GAUGE_WARN : THEME_GAUGE_OK);
}

static void parts(config_lines *l, const run_estimate *e)
{
    char a[32];
    config_lines_put(l, THEME_TEXT, false, "memory by part, at the training peak:");
    for (size_t i = 0; i < e->n_parts; i++) {
        if (!e->parts[i].bytes)
            continue;
        run_estimate_bytes(a, sizeof a, e->parts[i].bytes);
        config_lines_put(l, THEME_TEXT, false, "  %-24s %12s", e->parts[i].label, a);
    }
}

static void data(config_lines *l, const run_estimate *e)
{
    const train_config *c = e->cfg;
    size_t skipped = e->train.bad + e->train.duplicates + e->train.untrainable + e->val.bad +
                     e->val.duplicates + e->val.untrainable;
    config_lines_put(l, e->truncated_share > 0.05 ? THEME_GAUGE_WARN : THEME_TEXT, false,
                     "data         %zu records, %zu cut to sequence_len %lld (%.1f %%), %zu "
                     "skipped", e->train.records + e->val.records,
                     e->train.truncated + e->val.truncated, (long long)c->sequence_len,
                     100.0 * e->truncated_share, skipped);
    config_lines_put(l, THEME_TEXT, false, "             %zu sequences, %zu tokens per epoch (%zu "
                     "learned), longest %zu", e->train.sequences, e->train.tokens,
                     e->train.learned, e->longest);
    config_lines_put(l, THEME_TEXT, false, "steps        %lld per epoch, %lld in all (%lld "
                     "epoch%s)", (long long)e->steps_per_epoch, (long long)e->total_steps,
                     (long long)e->epochs, plural_s(e->epochs));
    config_lines_put(l, THEME_TEXT, false, "evaluation   %zu records, %llu evaluation%s",
                     e->val.records, (unsigned long long)e->evals, plural_s(e->evals));
}

static void timing(pane_config *p, config_lines *l)
{
    run_measure_progress pr;
    char d[64];
    if (p->measure) {
        run_measure_get_progress(p->measure, &pr);
        config_lines_put(l, THEME_ACCENT, false, "time         measuring: %s (step %d of %d; "
                         "Esc stops it)", pr.message, pr.steps_done, pr.steps);
        bar(l, "", pr.steps ? (double)pr.steps_done / pr.steps : 0, THEME_GAUGE_OK);
    } else if (p->have_time) {
        run_measure_duration(d, sizeof d, p->time.train_s);
        config_lines_put(l, THEME_TEXT, true, "time         %s estimated for the run", d);
        config_lines_put(l, THEME_TEXT, false, "             %d steps measured: first %.2f s on "
                         "the longest batch, then %.3f s per step; loading %.1f s",
                         p->time.steps, p->time.first_step_s, p->time.step_s, p->time.load_s);
        if (p->time.nonfinite)
            config_lines_put(l, THEME_ERROR, false, "             %lld measured step%s had a "
                             "non-finite loss or gradient", (long long)p->time.nonfinite,
                             plural_s(p->time.nonfinite));
    } else {
        config_lines_put(l, THEME_DIM, false, "time         not measured: m runs %d real steps "
                         "of this config, the longest batch first", MEASURE_STEPS);
    }
}

static void state_line(pane_config *p, config_lines *l)
{
    worker_status st;
    config_job_state s = config_job_get(p->est_job, &st);
    if (s == CONFIG_JOB_RUNNING)
        config_lines_put(l, THEME_ACCENT, false, "estimating%s %s (Esc stops it)",
                         crt_glyph(CRT_GLYPH_ELLIPSIS), st.text);
    else if (s == CONFIG_JOB_SETTLING)
        config_lines_put(l, THEME_DIM, false, "the estimate follows once the edits settle");
    else if (s == CONFIG_JOB_FAILED)
        config_lines_put(l, THEME_ERROR, false, "no estimate: %s", config_job_error(p->est_job));
    else if (s == CONFIG_JOB_CANCELLED)
        config_lines_put(l, THEME_DIM, false, "the estimate was stopped; E makes it again");
}

void config_estimate_draw(pane_config *p, WINDOW *w, int y, int h)
{
    config_lines l = {w, y, p->super.x + 1, h, p->super.w - 2, p->view_top, 0};
    state_line(p, &l);
    if (!p->est)
        return;
    const run_estimate *e = &p->est->e;
    config_lines_put(&l, THEME_ACCENT, true, "Estimate%s: %s on %s, %d threads",
                     p->est->gen != p->gen ? " (of the config before the last edits)" : "",
                     e->method, config_pane_short(p, e->cfg->base_model), e->threads);
    config_lines_put(&l, THEME_TEXT, false, "model        %s, %d layers, dim %d, %d heads (%d kv), "
                     "ffn %d, vocab %d", e->arch.arch, e->arch.n_layers, e->arch.dim,
                     e->arch.n_heads, e->arch.n_kv_heads, e->arch.ffn_dim, e->arch.n_vocab);
    config_lines_put(&l, THEME_TEXT, false, "parameters   %llu total, %llu trainable (%.3g %%)",
                     (unsigned long long)e->params, (unsigned long long)e->trainable,
                     100.0 * (double)e->trainable / (double)(e->params ? e->params : 1));
    memory(&l, e);
    data(&l, e);
    timing(p, &l);
    for (size_t i = 0; i < e->n_warnings; i++)
        config_lines_put(&l, THEME_GAUGE_WARN, false, "warning: %s", e->warnings[i].msg);
    parts(&l, e);
}
