/* workbench.c - workbench_run(): starts the terminal, the theme and the
 * system sampler, builds the four panes and runs the screen loop. When the
 * loop ends without the user (SIGTERM, SIGHUP, the terminal gone) the panes
 * keep what would be lost before anything is torn down, and the report goes
 * to stderr once the terminal is restored. Teardown runs in reverse order. */
#include "workbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "data_pane.h"
#include "pane.h"
#include "screen.h"
#include "sysmon.h"
#include "theme.h"

#define SAMPLE_INTERVAL_S 1.0

/* At every screen tick: the latest system figures. */
static void tick(void *ctx, pane_env *env)
{
    sysmon *mon = ctx;
    if (mon) {
        sysmon_read(mon, &env->snap);
        env->have_snap = true;
    }
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

/* The Config pane opens PATH as any pane's PANE_MSG_OPEN would have it. */
static void open_config(pane *p, const char *path, bool first)
{
    pane_msg m = {.kind = PANE_MSG_OPEN, .to = PANE_CONFIG};
    snprintf(m.path, sizeof m.path, "%s", path);
    pane_receive(p, &m);
    if (first)
        pane_focus(p, PANE_CONFIG);
}

static screen *build_screen(pane_env *env, const workbench_options *opt, char *err, size_t errlen)
{
    static const pane_class *const classes[] = {
        &data_pane_class, &config_pane_class, &train_pane_class, &chat_pane_class,
    };
    screen *s = screen_new(env, opt->title, err, errlen);
    for (size_t i = 0; s && i < sizeof classes / sizeof classes[0]; i++) {
        if (!screen_add(s, classes[i], err, errlen)) {
            screen_free(s);
            return NULL;
        }
    }
    /* A file that does not open is reported in the pane itself. */
    char open_err[512];
    if (s && opt->dataset)
        data_pane_open(screen_pane(s, PANE_DATA), opt->dataset, opt->model, opt->config,
                       open_err, sizeof open_err);
    if (s && opt->config)
        open_config(screen_pane(s, PANE_CONFIG), opt->config, opt->config_first);
    return s;
}

/* Why the loop ended without the user, and what the panes kept, on the
 * restored terminal's stderr. */
static void report(screen_end end, const char *why, const char *kept)
{
    if (!kept[0])
        return;
    fprintf(stderr, "lathe: %s (%s); nobody could be asked, so:\n%s\n",
            end == SCREEN_TERMINATED ? "terminated" : "the terminal went away", why, kept);
}

static int run(sysmon *mon, pane_env *env, const workbench_options *opt)
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
    screen_end end = screen_run(s, crt_input_fd(), tick, mon);
    char kept[4096] = "";
    int rc = end == SCREEN_QUIT ? 0 : screen_rescue(s, kept, sizeof kept);
    char why[128];
    snprintf(why, sizeof why, "%s", screen_end_why(s));
    screen_free(s);
    crt_done();
    report(end, why, kept);
    return rc == 0 ? 0 : 1;
}

int workbench_run(const workbench_options *opt)
{
    pane_env *env = calloc(1, sizeof *env);
    if (!env) {
        fprintf(stderr, "lathe: out of memory\n");
        return 1;
    }
    sysmon *mon = sysmon_start(SAMPLE_INTERVAL_S, env->sysmon_error, sizeof env->sysmon_error);
    int rc = run(mon, env, opt);
    if (mon)
        sysmon_stop(mon);
    free(env);
    return rc;
}
