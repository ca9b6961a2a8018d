/* cmd_train.c - `lathe train CONFIG.yaml`: the options, then a loop over a
 * run session (run_session.h) that prints its messages, steps and
 * evaluations on stderr (train_progress.h) until the run has written its
 * outputs. Ctrl-C during training lets the current step finish and still
 * writes a checkpoint and the outputs; a second Ctrl-C ends the process at
 * once. With --tui the same session runs in the workbench's Train pane.
 *
 * Under mpirun (run_dist.h) every process runs this command: process 0
 * shows the run as a single process does, and any process's failure that
 * the job agreed on; the others print only errors the job could not hear
 * of, each line naming its rank. They all exit with the same status. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "cli_opts.h"
#include "run_session.h"
#include "train_progress.h"
#include "workbench.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL);  /* a second Ctrl-C ends the process at once */
}

/* ------------------------------------------------------------ options */

typedef struct {
    run_session_options run;
    cli_list sets;
    long long max_steps;      /* 0: the config's */
    bool tui, no_color;
    const char *theme;
} train_args;

static int parse_options(const cli_command *cmd, int argc, char **argv, train_args *a)
{
    run_session_options *o = &a->run;
    const cli_opt opts[] = {
        {"--resume", NULL, CLI_STRING, &o->resume, 0, 0, NULL},
        {"--set", NULL, CLI_LIST, &a->sets, 0, 0, NULL},
        {"--output", NULL, CLI_STRING, &o->output, 0, 0, NULL},
        {"--max-steps", NULL, CLI_LLONG, &a->max_steps, 1, 9e18, "a positive integer"},
        {"--tui", NULL, CLI_FLAG, &a->tui, 0, 0, NULL},
        {"--theme", NULL, CLI_STRING, &a->theme, 0, 0, NULL},
        {"--no-color", NULL, CLI_FLAG, &a->no_color, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, &o->config, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->config)
        return cli_usage_error(cmd, "CONFIG.yaml is required");
    if (!a->tui && (a->theme || a->no_color))
        return cli_usage_error(cmd, "--theme and --no-color go with --tui");
    o->sets = a->sets.v;
    o->n_sets = a->sets.n;
    o->max_steps = a->max_steps;
    return CLI_OK;
}

/* ------------------------------------------------------------ the loop */

typedef struct {
    train_progress p;
    run_dist *dist;           /* the MPI job, or NULL alone */
    int rank;                 /* this process in it */
} train_out;

/* Process 0 speaks for the job, a failure of another process included;
 * the others say only what the job was not told. */
static void on_message(void *ctx, const run_message *m)
{
    train_out *o = ctx;
    if (o->rank > 0 && (m->severity != RUN_ERROR || m->diag || run_dist_failure_told(o->dist)))
        return;
    /* A configuration problem's line starts with its own place. */
    if (m->diag)
        train_progress_note(&o->p, "%s", m->text);
    else if (o->rank > 0)
        train_progress_note(&o->p, "lathe train: rank %d: %s", o->rank, m->text);
    else
        train_progress_note(&o->p, "lathe train: %s", m->text);
}

static void show(train_out *o, const run_poll *poll)
{
    train_progress *p = &o->p;
    for (size_t i = 0; i < poll->n && o->rank == 0; i++) {
        const run_record *r = &poll->records[i];
        if (r->kind == RUN_RECORD_STEP && r->logged)
            train_progress_step(p, r);
        else if (r->kind == RUN_RECORD_EVAL)
            train_progress_note(p, "eval step %lld: loss %.4f  ppl %.3f", (long long)r->step,
                                r->eval_loss, exp(r->eval_loss));
        else if (r->kind == RUN_RECORD_EVENT &&
                 (r->event == RUN_EVENT_END || r->event == RUN_EVENT_NONFINITE_STOP))
            train_progress_done(p);  /* the last bar stays on screen */
    }
}

/* From the trainer's start to the last output Ctrl-C means "stop and
 * save"; before that there is nothing to save, so it keeps its default.
 * mpirun ends the job on Ctrl-C but passes SIGUSR1 on to every process:
 * there SIGUSR1 means what Ctrl-C means alone. */
static int start(run_session *s, train_out *o, struct sigaction *old)
{
    train_progress *p = &o->p;
    interrupted = 0;
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old);
    if (o->dist)
        sigaction(SIGUSR1, &sa, NULL);
    run_session_status st;
    run_session_get_status(s, &st);
    p->total = st.total_steps;
    char err[512];
    if (run_session_start(s, err, sizeof err) == 0)
        return 0;
    train_progress_note(p, "lathe train: %s", err);
    run_dist_abort(o->dist, 1);  /* the others would wait for this one's steps */
    return -1;
}

static int follow(run_session *s, train_out *o)
{
    train_progress *p = &o->p;
    struct sigaction old;
    bool started = false, stop_sent = false;
    int rc = CLI_FAIL;
    for (;;) {
        run_poll poll;
        run_session_state st = run_session_poll(s, &poll);
        show(o, &poll);
        if (st == RUN_SESSION_DONE || st == RUN_SESSION_FAILED) {
            rc = st == RUN_SESSION_DONE ? CLI_OK : CLI_FAIL;
            break;
        }
        if (st == RUN_SESSION_READY) {
            started = true;
            if (start(s, o, &old))
                break;
        }
        if (interrupted && !stop_sent) {
            if (o->rank == 0)
                train_progress_note(p, "lathe train: interrupted; stopping after the current "
                                    "step");
            run_session_stop(s);
            stop_sent = true;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    train_progress_done(p);
    if (started)
        sigaction(SIGINT, &old, NULL);
    return rc;
}

int cmd_train(const cli_command *cmd, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return cli_print_help(cmd);
    train_args a = {0};
    int rc = parse_options(cmd, argc, argv, &a);
    if (rc != CLI_OK) {
        free(a.sets.v);
        return rc;
    }
    if (a.tui) {
        workbench_options w = {.title = a.run.config, .theme = a.theme, .no_color = a.no_color,
                               .train = &a.run};
        rc = workbench_run(&w);
        free(a.sets.v);
        return rc;
    }
    char err[256];
    if (run_dist_join(&a.run.dist, err, sizeof err)) {
        fprintf(stderr, "lathe train: %s\n", err);
        free(a.sets.v);
        return CLI_FAIL;
    }
    train_out o = {.dist = a.run.dist, .rank = run_dist_rank(a.run.dist)};
    train_progress_init(&o.p, stderr, 0);
    run_session_hooks hooks = {.ctx = &o, .message = on_message};
    run_session *s = run_session_new(&a.run, &hooks, err, sizeof err);
    if (!s || run_session_prepare(s, err, sizeof err)) {
        fprintf(stderr, "lathe train: %s\n", err);
        rc = CLI_FAIL;
        /* the others wait for this one's preparation: end them too */
        run_dist_abort(a.run.dist, 1);
    } else {
        rc = follow(s, &o);
    }
    run_session_free(s);
    free(a.sets.v);
    return run_dist_leave(a.run.dist, rc == CLI_OK) ? CLI_OK : CLI_FAIL;
}
