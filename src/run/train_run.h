/* train_run.h - the state of one `lathe train` run and the steps that
 * cmd_train.c takes it through: setup (train_run_setup.c), checkpoints
 * written and restored around the trainer thread (train_run_ckpt.c), the
 * metrics log loop (train_run_log.c) and the outputs at the end
 * (train_run_output.c). Internal to the command. */
#ifndef LATHE_TRAIN_RUN_H
#define LATHE_TRAIN_RUN_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "model_load.h"
#include "pipeline.h"
#include "pipe_source.h"
#include "ring.h"
#include "run_dir.h"
#include "train_bind.h"
#include "train_config.h"
#include "train_eval.h"
#include "train_progress.h"
#include "train_setup.h"
#include "trainer.h"

typedef struct {
    const char *config;
    const char *output;
    const char *resume;       /* RUN_DIR or "auto" */
    char **sets;              /* --set KEY=VALUE overrides, in order (max_steps=N last) */
    size_t n_sets;
} train_options;

typedef struct {
    train_config cfg;
    char *run_path;           /* the run directory, before it exists */
    run_dir rd;
    tok_vocab *vocab;
    char *tmpl;
    pipeline pipe;
    model_file mf;
    train_quant quant;
    train_bind bind;
    trainer_model tm;
    ring *metrics;
    trainer *t;
    pipe_source src;
    train_eval eval;
    train_progress progress;
    int32_t pad;
    int64_t total_steps;
    uint64_t tokens;          /* real (unpadded) tokens handed to the trainer */
    double t0;
    ring_record last;         /* the latest step record */
    double best_eval;
    int64_t best_step;
    bool stop_sent;           /* trainer_stop was called for Ctrl-C */
    int64_t resume_step;      /* the checkpoint resumed from, or -1 */
    int64_t last_saved;       /* the step of the newest checkpoint, or -1 */
    _Atomic int64_t handled;  /* the newest step record this thread has logged */
    _Atomic int64_t evaled;   /* the step of the newest evaluation it has logged */
    char config_hash[17];
    char data_events[2][1200]; /* what the cache did, logged once the run exists */
    int n_data_events;
    char err[1024];
} train_run;

/* Loads the config, the data (through the cache) and the model, then creates
 * or reopens the run directory; nothing is left behind on failure. -1 with
 * r->err (or the config's diagnostics on stderr). */
int train_run_prepare(train_run *r, const train_options *o);
/* Binds the model, restores the checkpoint when resuming, logs the start and
 * starts the trainer thread. -1 with r->err. */
int train_run_start(train_run *r);
void train_run_free(train_run *r);

/* Writes the checkpoint after STEP steps and prunes beyond
 * save_total_limit; MSG says what happened. Runs on the trainer thread from
 * the step hook, or on the main thread after the trainer has ended. */
int train_run_save_checkpoint(train_run *r, int64_t step, char *msg, size_t msglen);
/* The trainer thread's step hook (CTX is the run): evaluation first, then
 * the checkpoint when one is due. */
void train_run_on_step(void *ctx, int64_t step);
/* Puts the state of checkpoint r->resume_step back. -1 with r->err. */
int train_run_restore(train_run *r);

/* Drains the ring into the logs and the progress display until the trainer
 * ends, stopping it once *INTERRUPTED is set (Ctrl-C). -1 with r->err. */
int train_run_follow(train_run *r, const volatile sig_atomic_t *interrupted);
int train_run_log_event(train_run *r, int64_t step, double elapsed, const char *text);
int train_run_log_eval(train_run *r, int64_t step, double loss);
/* JSON has no NaN or infinity: a skipped step's loss is logged as null. */
json_t *train_run_json_num(double v);

/* The final checkpoint, evaluation, adapter or model, and summary.json. */
int train_run_finish(train_run *r);

#endif
