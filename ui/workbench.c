/* workbench.c - workbench_run(): starts the terminal, the theme, the system
 * sampler and the metrics ring, builds the four panes and runs the screen
 * loop; tears everything down in reverse order on the way out. */
#include "workbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "data_pane.h"
#include "pane.h"
#include "ring.h"
#include "screen.h"
#include "sysmon.h"
#include "theme.h"

#define RING_CAPACITY 4096
#define DRAIN_BATCH 256
#define SAMPLE_INTERVAL_S 1.0

typedef struct {
    sysmon *mon;
    ring *metrics;
} workbench;

/* Once per frame: the latest system figures and whatever the trainer pushed.
 * Nothing produces records yet; the drain keeps the ring's contract honest and
 * the counts on the Train pane real. */
static void tick(void *ctx, pane_env *env)
{
    workbench *wb = ctx;
    if (wb->mon) {
        sysmon_read(wb->mon, &env->snap);
        env->have_snap = true;
    }
    ring_record batch[DRAIN_BATCH];
    size_t got;
    while ((got = ring_drain(wb->metrics, batch, DRAIN_BATCH)) > 0)
        env->ring_records += got;
    env->ring_dropped = ring_dropped(wb->metrics);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

bool workbench_is_dataset(const char *path)
{
    static const char *const kinds[] = {".jsonl", ".json", ".gz"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (ends_with(path, kinds[i]))
            return true;
    return false;
}

static screen *build_screen(pane_env *env, const workbench_options *opt, char *err, size_t errlen)
{
    static const pane_class *const classes[] = {
        &data_pane_class, &config_pane_class, &train_pane_class, &chat_pane_class,
    };
    enum { N = sizeof classes / sizeof classes[0] };
    pane *panes[N] = {0};
    for (size_t i = 0; i < N; i++) {
        panes[i] = pane_new(classes[i], err, errlen);
        if (!panes[i]) {
            for (size_t j = 0; j < i; j++)
                pane_free(panes[j]);
            return NULL;
        }
    }
    /* A file that does not open is reported in the pane itself. */
    char open_err[512];
    if (opt->dataset)
        data_pane_open(panes[0], opt->dataset, opt->model, opt->config, open_err,
                       sizeof open_err);
    char title[256];
    snprintf(title, sizeof title, "%s", opt->title);
    screen *s = screen_new(panes, N, env, title);
    if (!s) {
        for (size_t i = 0; i < N; i++)
            pane_free(panes[i]);
        snprintf(err, errlen, "out of memory");
    }
    return s;
}

static int run(workbench *wb, pane_env *env, const workbench_options *opt)
{
    char err[512] = "";
    if (crt_init(err, sizeof err) != 0) {
        fprintf(stderr, "lathe: %s\n", err);
        return 1;
    }
    char theme_err[512] = "";
    int theme_rc = theme_init(opt->theme ? opt->theme : "default", opt->no_color, theme_err,
                              sizeof theme_err);
    screen *s = build_screen(env, opt, err, sizeof err);
    if (!s) {
        crt_done();
        fprintf(stderr, "lathe: %s\n", err);
        return 1;
    }
    if (theme_rc != 0)
        screen_status(s, true, "theme: %s (using default)", theme_err);
    screen_run(s, tick, wb);
    screen_free(s);
    crt_done();
    return 0;
}

int workbench_run(const workbench_options *opt)
{
    char err[256];
    workbench wb = {0};
    pane_env *env = calloc(1, sizeof *env);
    wb.metrics = ring_new(RING_CAPACITY, err, sizeof err);
    if (!env || !wb.metrics) {
        fprintf(stderr, "lathe: %s\n", env ? err : "out of memory");
        free(env);
        ring_free(wb.metrics);
        return 1;
    }
    env->ring_capacity = ring_capacity(wb.metrics);
    wb.mon = sysmon_start(SAMPLE_INTERVAL_S, env->sysmon_error, sizeof env->sysmon_error);
    int rc = run(&wb, env, opt);
    if (wb.mon)
        sysmon_stop(wb.mon);
    ring_free(wb.metrics);
    free(env);
    return rc;
}
