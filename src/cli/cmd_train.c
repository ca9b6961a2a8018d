/* cmd_train.c - `lathe train CONFIG.yaml`: the options, then a run
 * (train_run.h): setup, the trainer on its own thread while this one logs
 * its metrics and progress, and the outputs at the end. Ctrl-C during
 * training lets the current step finish and still writes the outputs and a
 * checkpoint; a second Ctrl-C ends the process at once. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_opts.h"
#include "train_run.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL);  /* a second Ctrl-C ends the process at once */
}

/* ------------------------------------------------------------ options */

/* What the command line gives: --set values, then max_steps=N for --max-steps. */
typedef struct {
    train_options run;
    cli_list sets;
    long long max_steps;      /* 0: the config's */
    char max_steps_set[64];
} train_args;

static int parse_options(const cli_command *cmd, int argc, char **argv, train_args *a)
{
    train_options *o = &a->run;
    const cli_opt opts[] = {
        {"--resume", NULL, CLI_STRING, &o->resume, 0, 0, NULL},
        {"--set", NULL, CLI_LIST, &a->sets, 0, 0, NULL},
        {"--output", NULL, CLI_STRING, &o->output, 0, 0, NULL},
        {"--max-steps", NULL, CLI_LLONG, &a->max_steps, 1, 9e18, "a positive integer"},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, &o->config, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->config)
        return cli_usage_error(cmd, "CONFIG.yaml is required");
    if (a->max_steps) {
        snprintf(a->max_steps_set, sizeof a->max_steps_set, "max_steps=%lld", a->max_steps);
        if (cli_list_push(&a->sets, a->max_steps_set)) {  /* after --set: the flag wins */
            fprintf(stderr, "lathe train: out of memory\n");
            return CLI_FAIL;
        }
    }
    o->sets = a->sets.v;
    o->n_sets = a->sets.n;
    return CLI_OK;
}

static int run(train_run *r, const train_options *o)
{
    if (train_run_prepare(r, o))
        return CLI_FAIL;
    /* From the trainer's start to the last output Ctrl-C means "stop and
     * save"; before that there is nothing to save, so it keeps its default. */
    interrupted = 0;
    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    int rc = train_run_start(r);
    if (rc && !r->t)
        run_dir_discard(&r->rd);
    if (!rc) {
        rc = train_run_follow(r, &interrupted);
        rc = train_run_finish(r) ? -1 : rc;
    }
    sigaction(SIGINT, &old, NULL);
    return rc ? CLI_FAIL : CLI_OK;
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
    train_run *r = calloc(1, sizeof *r);
    if (!r) {
        free(a.sets.v);
        fprintf(stderr, "lathe train: out of memory\n");
        return CLI_FAIL;
    }
    r->best_eval = NAN;
    r->resume_step = r->last_saved = -1;
    rc = run(r, &a.run);
    char err[256] = "";
    if (r->rd.path && run_dir_close(&r->rd, err, sizeof err) && rc == CLI_OK) {
        snprintf(r->err, sizeof r->err, "%s", err);
        rc = CLI_FAIL;
    }
    if (rc != CLI_OK && r->err[0])
        fprintf(stderr, "lathe train: %s\n", r->err);
    train_run_free(r);
    free(r);
    free(a.sets.v);
    return rc;
}
