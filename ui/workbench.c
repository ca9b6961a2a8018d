/* workbench.c - workbench_run(): starts the terminal, the theme and the
 * system sampler, builds the four panes and runs the screen loop. When the
 * loop ends without the user (SIGTERM, SIGHUP, the terminal gone) the panes
 * keep what would be lost before anything is torn down, and the report goes
 * to stderr once the terminal is restored. Teardown runs in reverse order.
 *
 * A run being trained outlives the screen: the Train pane hands its session
 * over, and once the terminal is restored a loop without curses polls it to
 * its end, writing the same files as an uninterrupted run. When the
 * terminal went away, or the user chose to leave the run in the background,
 * the process first leaves the terminal (detach.h); when the user quit
 * stopping it, or on SIGTERM, the run is stopped (its checkpoint and outputs
 * written) while the terminal waits. */
#include "workbench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crt.h"
#include "data_pane.h"
#include "detach.h"
#include "pane.h"
#include "run_session.h"
#include "screen.h"
#include "sysmon.h"
#include "theme.h"
#include "train_pane.h"

#define SAMPLE_INTERVAL_S 1.0
#define HEADLESS_POLL_MS 20

/* The runs the panes handed over. */
typedef struct {
    run_session *runs[SCREEN_MAX_PANES];
    size_t n;
} kept_runs;

static void keep_run(void *ctx, struct run_session *run)
{
    kept_runs *k = ctx;
    if (k->n < SCREEN_MAX_PANES)
        k->runs[k->n++] = run;
    else
        run_session_free(run);
}

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

/* A pane opens PATH as any pane's PANE_MSG_OPEN would have it. */
static void post_open(pane *p, pane_id to, const char *path)
{
    pane_msg m = {.kind = PANE_MSG_OPEN, .to = to};
    snprintf(m.path, sizeof m.path, "%s", path);
    pane_receive(p, &m);
}

static void open_config(pane *p, const char *path, bool first)
{
    post_open(p, PANE_CONFIG, path);
    if (first)
        pane_focus(p, PANE_CONFIG);
}

/* The Chat pane is told its model and B as messages; it loads them once it
 * is shown, so the workbench starts at once. */
static void open_chat(pane *chat, const workbench_options *opt)
{
    const char *paths[] = {opt->chat_model, opt->chat_adapter};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (paths[i])
            post_open(chat, PANE_CHAT, paths[i]);
    if (!opt->dataset && !opt->config)
        pane_focus(chat, PANE_CHAT);
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
    if (s && opt->chat_model)
        open_chat(screen_pane(s, PANE_CHAT), opt);
    /* A file that does not open is reported in the pane itself. */
    char open_err[512];
    if (s && opt->dataset)
        data_pane_open(screen_pane(s, PANE_DATA), opt->dataset, opt->model, opt->config,
                       open_err, sizeof open_err);
    if (s && opt->config)
        open_config(screen_pane(s, PANE_CONFIG), opt->config, opt->config_first);
    if (s && opt->run_dir) {
        pane *train = screen_pane(s, PANE_TRAIN);
        pane_focus(train, PANE_TRAIN);
        train_pane_open(train, opt->run_dir, open_err, sizeof open_err);
    }
    if (s && opt->train)
        train_pane_launch(screen_pane(s, PANE_TRAIN), opt->train, open_err, sizeof open_err);
    return s;
}

/* Why the loop ended without the user, and what the panes kept, on the
 * restored terminal's stderr. */
static void report(screen_end end, const char *why, const char *kept)
{
    if (!kept[0])
        return;
    if (end == SCREEN_BACKGROUND)
        fprintf(stderr, "lathe: quit leaving a run in the background, so:\n%s\n", kept);
    else
        fprintf(stderr, "lathe: %s (%s); nobody could be asked, so:\n%s\n",
                end == SCREEN_TERMINATED ? "terminated" : "the terminal went away", why, kept);
}

/* ------------------------------------------------------------ runs left */

static volatile sig_atomic_t stop_asked;

static void on_stop_signal(int sig)
{
    stop_asked = 1;
    signal(sig, SIG_DFL);   /* a second one ends the process at once */
}

static void say_run(screen_end end, run_session *run)
{
    const char *dir = run_session_dir(run) ? run_session_dir(run) : "being prepared";
    if (end == SCREEN_QUIT || end == SCREEN_TERMINATED)
        fprintf(stderr, "lathe: stopping the run in %s after its current step; its checkpoint "
                        "and outputs are being written\n", dir);
    else
        fprintf(stderr, "lathe: the run in %s goes on in the background (PID %ld) to its end; "
                        "'lathe %s' follows it\n", dir, (long)getpid(), dir);
}

/* One poll of each run; a prepared one is started. Returns the runs still live. */
static size_t poll_runs(kept_runs *k, int *rc)
{
    size_t live = 0;
    for (size_t i = 0; i < k->n; i++) {
        char err[512];
        run_session_state st = run_session_poll(k->runs[i], NULL);
        if (st == RUN_SESSION_READY && run_session_start(k->runs[i], err, sizeof err) != 0)
            st = RUN_SESSION_FAILED;
        if (st == RUN_SESSION_FAILED)
            *rc = 1;
        live += st != RUN_SESSION_DONE && st != RUN_SESSION_FAILED;
    }
    return live;
}

/* Carries the runs to their end without a terminal: stopped first after a
 * quit or SIGTERM, else detached and left to finish. SIGTERM or SIGINT
 * meanwhile stop them (a checkpoint is saved). 1 when one failed. */
static int finish_runs(kept_runs *k, screen_end end)
{
    bool stop = end == SCREEN_QUIT || end == SCREEN_TERMINATED;
    for (size_t i = 0; i < k->n; i++) {
        say_run(end, k->runs[i]);
        run_session_set_hooks(k->runs[i], NULL);
        if (stop)
            run_session_stop(k->runs[i]);
    }
    signal(SIGHUP, SIG_IGN);
    if (!stop)
        detach_now();
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int rc = 0;
    while (poll_runs(k, &rc) > 0) {
        if (stop_asked)
            for (size_t i = 0; i < k->n; i++)
                run_session_stop(k->runs[i]);
        stop_asked = 0;
        nanosleep(&(struct timespec){0, HEADLESS_POLL_MS * 1000L * 1000L}, NULL);
    }
    for (size_t i = 0; i < k->n; i++)
        run_session_free(k->runs[i]);
    if (rc && stop)
        fprintf(stderr, "lathe: a run ended without everything written: its events.jsonl "
                        "and summary.json say what\n");
    return rc;
}

/* ------------------------------------------------------------ the screen */

static int run(sysmon *mon, pane_env *env, const workbench_options *opt, kept_runs *left,
               screen_end *end_out)
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
    screen_on_keep_running(s, keep_run, left);
    screen_end end = screen_run(s, crt_input_fd(), tick, mon);
    *end_out = end;
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
    int status;
    if (detach_launch(&status))
        return status;
    pane_env *env = calloc(1, sizeof *env);
    if (!env) {
        fprintf(stderr, "lathe: out of memory\n");
        return 1;
    }
    /* The terminal's hangup reaches this process more than once (the kernel,
     * the shell, the waiting parent). crt turns it into an end of the loop
     * and, on the way out, puts back the action it found: ignoring it, so a
     * second hangup during teardown cannot kill a run about to go on
     * headless. */
    signal(SIGHUP, SIG_IGN);
    sysmon *mon = sysmon_start(SAMPLE_INTERVAL_S, env->sysmon_error, sizeof env->sysmon_error);
    kept_runs left = {0};
    screen_end end = SCREEN_QUIT;
    int rc = run(mon, env, opt, &left, &end);
    if (mon)
        sysmon_stop(mon);
    free(env);
    if (left.n && finish_runs(&left, end))
        rc = 1;
    return rc;
}
