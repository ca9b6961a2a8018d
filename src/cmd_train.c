/* cmd_train.c - `lathe train CONFIG.yaml`: loads and validates the config,
 * the model and its tokenizer, builds the training and validation sequences
 * (or takes them from the tokenized-data cache, train_cache.h), sets the
 * training mode, and only then creates the run directory (a failed setup
 * leaves none behind), runs the trainer on its own thread and, on this
 * one, drains its metrics ring into the run directory (metrics.jsonl,
 * events.jsonl) and the progress display. At the end (or after Ctrl-C, which
 * lets the current step finish) it writes the adapter or model and
 * summary.json. After each step the trainer thread evaluates (every
 * eval_steps) and then writes a checkpoint (every save_steps, and with
 * load_best_model_at_end after each new best evaluation; train_checkpoint.h),
 * so pruning always knows the newest evaluation; one more comes at the end; a
 * failed save is reported as an event and training goes on (the earlier
 * checkpoints stay intact), except the final one, which fails the run.
 * A run stopped by Ctrl-C always saves a final checkpoint. --resume
 * continues a run from its newest checkpoint so that its per-step losses
 * are those of an uninterrupted run (same thread count). With
 * load_best_model_at_end the adapter or model written at the end holds the
 * weights of the best evaluation's checkpoint (summary.json output_step). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapter.h"
#include "cli_opts.h"
#include "model_load.h"
#include "pipeline.h"
#include "pipeline_source.h"
#include "ring.h"
#include "run_dir.h"
#include "train_bind.h"
#include "train_cache.h"
#include "train_checkpoint.h"
#include "train_config.h"
#include "train_eval.h"
#include "train_progress.h"
#include "train_setup.h"
#include "trainer.h"

#define RING_CAPACITY 1024

typedef struct {
    const char *config;
    const char *output;
    const char *resume;       /* RUN_DIR or "auto" */
    cli_list sets;            /* --set KEY=VALUE, then max_steps=N from --max-steps */
    long long max_steps;      /* 0: the config's */
    char max_steps_set[64];
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

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL);  /* a second Ctrl-C ends the process at once */
}

/* ------------------------------------------------------------ options */

static int parse_options(const cli_command *cmd, int argc, char **argv, train_options *o)
{
    const cli_opt opts[] = {
        {"--resume", NULL, CLI_STRING, &o->resume, 0, 0, NULL},
        {"--set", NULL, CLI_LIST, &o->sets, 0, 0, NULL},
        {"--output", NULL, CLI_STRING, &o->output, 0, 0, NULL},
        {"--max-steps", NULL, CLI_LLONG, &o->max_steps, 1, 9e18, "a positive integer"},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, &o->config, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->config)
        return cli_usage_error(cmd, "CONFIG.yaml is required");
    if (o->max_steps) {
        snprintf(o->max_steps_set, sizeof o->max_steps_set, "max_steps=%lld", o->max_steps);
        if (cli_list_push(&o->sets, o->max_steps_set)) {  /* after --set: the flag wins */
            fprintf(stderr, "lathe train: out of memory\n");
            return CLI_FAIL;
        }
    }
    return CLI_OK;
}

/* ------------------------------------------------------------ checkpoints */

/* Writes the checkpoint after STEP steps and prunes beyond save_total_limit;
 * MSG says what happened. Runs on the trainer thread from the step hook, or
 * on this one after the trainer has ended. */
static int save_checkpoint(train_run *r, int64_t step, char *msg, size_t msglen)
{
    trainer_status st;
    trainer_get_status(r->t, &st);
    bool ev = r->eval.every > 0 && !isnan(r->eval.best);
    train_ckpt_state cs = {.step = step, .skipped = st.skipped,
                           .consecutive_skipped = st.consecutive_skipped, .loss = st.last_loss,
                           .epoch = (double)r->src.pos / (double)r->pipe.train.n,
                           .data_pos = r->src.pos, .tokens = r->tokens,
                           .best_eval = ev ? r->eval.best : NAN,
                           .best_step = ev ? r->eval.best_step : -1,
                           .since_best = ev ? r->eval.since_best : 0};
    memcpy(cs.config_hash, r->config_hash, sizeof cs.config_hash);
    char err[600] = "";
    int rc = train_ckpt_save(r->rd.path, &cs, r->tm.params, r->tm.n_params,
                             trainer_optim(r->t), err, sizeof err);
    if (!rc) {
        r->last_saved = step;
        rc = train_ckpt_prune(r->rd.path, r->cfg.save_total_limit, cs.best_step, err,
                              sizeof err);
    }
    if (rc)
        snprintf(msg, msglen, "checkpoint failed: %s", err);
    else
        snprintf(msg, msglen, "saved checkpoints/step-%lld", (long long)step);
    return rc;
}

/* On the trainer thread: waits until the main thread has logged STEP's row
 * (and its evaluation), so a run killed after the checkpoint of STEP has
 * logged everything up to it. */
static void wait_logged(train_run *r, int64_t step, bool evaluated)
{
    while (atomic_load(&r->handled) < step || (evaluated && atomic_load(&r->evaled) < step))
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
}

/* The trainer thread's step hook: evaluation first, then the checkpoint. */
static void on_step(void *ctx, int64_t step)
{
    train_run *r = ctx;
    bool best;
    bool evaluated = train_eval_step(&r->eval, step, &best) == 1;
    bool due = r->cfg.save_steps != CONFIG_UNSET && step % r->cfg.save_steps == 0;
    if (!due && !(best && r->cfg.load_best_model_at_end))
        return;
    wait_logged(r, step, evaluated);
    char msg[640];
    if (save_checkpoint(r, step, msg, sizeof msg))
        fprintf(stderr, "lathe train: %s; training goes on, the earlier checkpoints are "
                        "intact\n", msg);
    ring_record rec;
    ring_event(&rec, step, train_eval_now() - r->t0, "%s", msg);
    ring_push(r->metrics, &rec);
}

static int restore(train_run *r)
{
    train_ckpt_state cs;
    if (train_ckpt_load(r->rd.path, r->resume_step, &cs, r->tm.params, r->tm.n_params,
                        trainer_optim(r->t), r->err, sizeof r->err))
        return -1;
    if (cs.data_pos > r->src.set->n * (uint64_t)r->src.epochs) {
        snprintf(r->err, sizeof r->err, "the checkpoint is %llu sequences into the data, "
                 "beyond this config's data", (unsigned long long)cs.data_pos);
        return -1;
    }
    if (strcmp(cs.config_hash, r->config_hash))
        fprintf(stderr, "lathe train: warning: the config differs from the checkpoint's "
                        "(%s, now %s)\n", cs.config_hash, r->config_hash);
    trainer_restore_step(r->t, cs.step, cs.skipped, cs.consecutive_skipped);
    r->src.pos = cs.data_pos;
    r->tokens = cs.tokens;
    r->last_saved = cs.step;
    if (!isnan(cs.best_eval)) {
        r->eval.best = r->best_eval = cs.best_eval;
        r->eval.best_step = r->best_step = cs.best_step;
        r->eval.since_best = cs.since_best;
    }
    fprintf(stderr, "lathe train: resuming %s from checkpoints/step-%lld\n", r->rd.path,
            (long long)cs.step);
    return 0;
}

/* Chooses the run directory without creating it: a new one, or the one to
 * resume (its newest checkpoint in r->resume_step). */
static int pick_run(train_run *r, const train_options *o)
{
    const char *dir = o->output ? o->output : r->cfg.output_dir;
    if (!o->resume)
        return (r->run_path = run_dir_pick(dir, r->err, sizeof r->err)) ? 0 : -1;
    r->run_path = strcmp(o->resume, "auto") ? strdup(o->resume)
                                            : train_ckpt_auto(dir, r->err, sizeof r->err);
    if (!r->run_path) {
        if (!r->err[0])
            snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    r->resume_step = train_ckpt_latest(r->run_path);
    if (r->resume_step >= 0)
        return 0;
    snprintf(r->err, sizeof r->err, "%s: no checkpoint to resume from (checkpoints/step-N)",
             r->run_path);
    return -1;
}

static int log_event(train_run *r, int64_t step, double elapsed, const char *text);

/* Creates (or reopens, to resume) the run directory once the setup has
 * succeeded: the resolved config.yaml, its hash, the logs. */
static int open_run(train_run *r, const train_options *o)
{
    int rc = o->resume ? run_dir_reopen(&r->rd, r->run_path, r->resume_step, r->err,
                                        sizeof r->err)
                       : run_dir_open(&r->rd, r->run_path, r->err, sizeof r->err);
    char *cfg_path = rc ? NULL : run_dir_file(&r->rd, "config.yaml");
    if (!rc && !cfg_path) {
        snprintf(r->err, sizeof r->err, "out of memory");
        rc = -1;
    }
    if (!rc)
        rc = train_config_write(&r->cfg, cfg_path, r->err, sizeof r->err) ||
             train_ckpt_hash_file(cfg_path, r->config_hash, r->err, sizeof r->err);
    free(cfg_path);
    for (int i = 0; !rc && i < r->n_data_events; i++)
        if (log_event(r, 0, 0.0, r->data_events[i])) {
            snprintf(r->err, sizeof r->err, "%s: cannot write events.jsonl", r->rd.path);
            rc = -1;
        }
    return rc;
}

/* ------------------------------------------------------------ setup */

static int load_config(train_run *r, const train_options *o)
{
    config_diags d;
    int rc = train_config_load(&r->cfg, o->config, o->sets.v, o->sets.n, &d);
    config_diags_print(&d, stderr);
    return rc ? -1 : 0;
}

static void print_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "lathe train: skipped %s\n", msg);
}

static void data_event(train_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void data_event(train_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->data_events[r->n_data_events], sizeof r->data_events[0], fmt, ap);
    va_end(ap);
    fprintf(stderr, "lathe train: %s\n", r->data_events[r->n_data_events++]);
}

/* The sequences from the cache beside the run, or built (and cached). A
 * damaged or mismatching cache file is reported and rebuilt; failing to
 * write the cache is only a warning. */
static int cached_pipeline(train_run *r, const pipe_inputs *in)
{
    const train_config *c = &r->cfg;
    chat_tmpl t;
    uint64_t key;
    if (pipeline_template(c->chat_template, r->tmpl, &t, r->err, sizeof r->err) ||
        train_cache_key(c, r->vocab, t, &key, r->err, sizeof r->err))
        return -1;
    char *path = train_cache_path(r->run_path, key), why[900];
    if (!path) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    train_cache_status st = train_cache_load(path, key, &r->pipe, why, sizeof why);
    int rc = 0;
    if (st == TRAIN_CACHE_HIT) {
        data_event(r, "tokenized data from the cache %s", path);
    } else {
        if (st == TRAIN_CACHE_BAD)
            data_event(r, "warning: tokenized-data cache %s; rebuilding it", why);
        rc = pipeline_build(&r->pipe, c, in, r->err, sizeof r->err);
        if (!rc && train_cache_save(path, key, &r->pipe, why, sizeof why))
            data_event(r, "warning: cannot write the tokenized-data cache: %s", why);
        else if (!rc)
            data_event(r, "tokenized the data; cached in %s", path);
    }
    free(path);
    return rc;
}

static int build_data(train_run *r)
{
    const train_config *c = &r->cfg;
    if (!(r->vocab = tok_vocab_load(c->base_model, &r->tmpl, r->err, sizeof r->err)))
        return -1;
    pipe_inputs in = {.vocab = r->vocab, .model_template = r->tmpl, .note = print_note};
    if (cached_pipeline(r, &in))
        return -1;
    int32_t pad = tok_pad(r->vocab), eos = tok_eos(r->vocab);
    r->pad = pad != TOK_NONE ? pad : eos != TOK_NONE ? eos : 0;
    const pipe_counts *n = &r->pipe.train.counts;
    fprintf(stderr, "lathe train: %zu training sequences (%zu records, %zu tokens, %zu learned), "
                    "%zu validation records; template %s\n",
            n->sequences, n->records, n->tokens, n->learned, r->pipe.val.counts.records,
            chat_tmpl_name(r->pipe.tmpl));
    return 0;
}

static int threads(const train_config *c)
{
    if (c->threads != CONFIG_UNSET)
        return (int)c->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int load_model(train_run *r)
{
    const train_config *c = &r->cfg;
    model_train_spec spec;
    if (train_setup_spec(c, &spec, r->err, sizeof r->err) ||
        model_file_load(&r->mf, c->base_model, c->load_in_8bit || c->load_in_4bit, r->err,
                        sizeof r->err))
        return -1;
    model *m = r->mf.m;
    size_t nv = tok_vocab_size(r->vocab);
    if (nv > (size_t)model_get_config(m)->n_vocab) {
        snprintf(r->err, sizeof r->err, "%s: the tokenizer has %zu tokens but the model only %d "
                 "embedding rows", c->base_model, nv, model_get_config(m)->n_vocab);
        return -1;
    }
    int n = threads(c);
    if (model_set_training(m, &spec, r->err, sizeof r->err) ||
        train_setup_quantize(c, m, &r->quant, r->err, sizeof r->err) ||
        model_set_threads(m, n, n, r->err, sizeof r->err))
        return -1;
    model_set_checkpointing(m, c->gradient_checkpointing);
    fprintf(stderr, "lathe train: %s, %zu trainable parameters, %d threads\n",
            spec.mode == MODEL_TRAIN_LORA ? "LoRA"
            : spec.mode == MODEL_TRAIN_TOP ? "top layers"
                                           : "full fine-tune",
            model_n_trainable(m), n);
    return 0;
}

static int counted_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    train_run *r = ctx;
    int got = pipe_source_next(&r->src, out, err, errlen);
    if (got == 1)
        for (size_t i = 0; i < (size_t)out->B * (size_t)out->T; i++)
            r->tokens += !out->doc || out->doc[i] >= 0;
    return got;
}


static int start_trainer(train_run *r)
{
    const train_config *c = &r->cfg;
    size_t n_seq = r->pipe.train.n;
    r->total_steps = train_setup_total_steps(c, n_seq);
    trainer_config tc = train_setup_trainer(c, r->total_steps);
    trainer_model *tm = &r->tm;
    if (pipe_source_init(&r->src, &r->pipe.train, (size_t)c->micro_batch_size,
                         train_setup_epochs(c, n_seq), r->pad, r->err, sizeof r->err) ||
        !(r->metrics = ring_new(RING_CAPACITY, r->err, sizeof r->err)) ||
        train_bind_model(&r->bind, r->mf.m, tm, r->err, sizeof r->err))
        return -1;
    if (c->shuffle)
        pipe_source_reshuffle(&r->src, (uint64_t)c->seed);
    r->t0 = train_eval_now();
    if (c->eval_steps != CONFIG_UNSET && r->pipe.val.n > 0) {
        r->eval = (train_eval){.m = r->mf.m, .val = &r->pipe.val,
                               .micro = (size_t)c->micro_batch_size, .pad = r->pad,
                               .every = c->eval_steps, .metrics = r->metrics, .t0 = r->t0,
                               .best = NAN};
        if (c->early_stopping_patience != CONFIG_UNSET)
            r->eval.patience = c->early_stopping_patience;
    } else if (c->eval_steps != CONFIG_UNSET) {
        fprintf(stderr, "lathe train: warning: eval_steps is set but there is no validation "
                        "set (val_set_size or test_datasets)\n");
    }
    trainer_source ts = {r, counted_next};
    if (!(r->t = trainer_new(&tc, tm, &ts, r->metrics, r->err, sizeof r->err)))
        return -1;
    r->eval.t = r->t;
    trainer_set_step_hook(r->t, on_step, r);
    if (r->resume_step >= 0 && restore(r))
        return -1;
    train_progress_init(&r->progress, stderr, r->total_steps);
    char msg[RING_TEXT_MAX];
    if (r->resume_step >= 0)
        snprintf(msg, sizeof msg, "resumed at step %lld of %lld", (long long)r->resume_step,
                 (long long)r->total_steps);
    else
        snprintf(msg, sizeof msg, "started: %lld steps", (long long)r->total_steps);
    if (log_event(r, 0, 0.0, msg)) {
        snprintf(r->err, sizeof r->err, "%s: cannot write events.jsonl", r->rd.path);
        return -1;
    }
    return trainer_start(r->t, r->err, sizeof r->err);
}

/* ------------------------------------------------------------ logging */

/* JSON has no NaN or infinity: a skipped step's loss is logged as null. */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *step_row(const ring_record *s)
{
    return json_pack("{sI so so so so so so}", "step", (json_int_t)s->step, "epoch",
                     num(s->epoch), "loss", num(s->loss), "lr", num(s->lr), "grad_norm",
                     num(s->grad_norm), "tokens_per_s", num(s->tokens_per_s), "elapsed_s",
                     num(s->elapsed_s));
}

static int log_eval(train_run *r, int64_t step, double loss)
{
    json_t *row = step_row(&r->last);
    if (!row)
        return -1;
    json_object_set_new(row, "step", json_integer(step));
    json_object_set_new(row, "eval_loss", num(loss));
    json_object_set_new(row, "eval_ppl", num(exp(loss)));
    int rc = run_dir_log(r->rd.metrics, row);
    json_decref(row);
    if (isfinite(loss) && (isnan(r->best_eval) || loss < r->best_eval)) {
        r->best_eval = loss;
        r->best_step = step;
    }
    train_progress_note(&r->progress, "eval step %lld: loss %.4f  ppl %.3f", (long long)step,
                        loss, exp(loss));
    return rc;
}

static int log_event(train_run *r, int64_t step, double elapsed, const char *text)
{
    json_t *row = json_pack("{sI sf ss}", "step", (json_int_t)step, "elapsed_s", elapsed,
                            "event", text);
    int rc = row ? run_dir_log(r->rd.events, row) : -1;
    json_decref(row);
    return rc;
}

static int handle(train_run *r, const ring_record *rec)
{
    if (rec->kind == RING_EVAL)
        return log_eval(r, rec->step, rec->eval_loss);
    if (rec->kind == RING_EVENT) {
        if (!strncmp(rec->text, "early stopping", 14) || !strncmp(rec->text, "skipped", 7) ||
            !strncmp(rec->text, "eval failed", 11))
            train_progress_note(&r->progress, "lathe train: %s", rec->text);
        return log_event(r, rec->step, rec->elapsed_s, rec->text);
    }
    r->last = *rec;
    if (rec->step % r->cfg.logging_steps)
        return 0;
    json_t *row = step_row(rec);
    int rc = row ? run_dir_log(r->rd.metrics, row) : -1;
    json_decref(row);
    train_progress_step(&r->progress, rec);
    return rc;
}

static int drain(train_run *r)
{
    ring_record recs[64];
    size_t n;
    int rc = 0;
    while ((n = ring_drain(r->metrics, recs, 64)) > 0)
        for (size_t i = 0; i < n; i++) {
            rc |= handle(r, &recs[i]);
            if (recs[i].kind == RING_STEP)
                atomic_store(&r->handled, recs[i].step);
            else if (recs[i].kind == RING_EVAL)
                atomic_store(&r->evaled, recs[i].step);
        }
    return rc;
}

/* Drains the ring until the trainer ends, stopping it on Ctrl-C. */
static int follow(train_run *r)
{
    int rc = 0;
    for (;;) {
        rc |= drain(r);
        trainer_status st;
        trainer_get_status(r->t, &st);
        if (st.state >= TRAINER_FINISHED)
            break;
        if (interrupted && !r->stop_sent) {
            train_progress_note(&r->progress, "lathe train: interrupted; stopping after the "
                                              "current step");
            trainer_stop(r->t);
            r->stop_sent = true;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    trainer_join(r->t);
    rc |= drain(r);
    train_progress_done(&r->progress);
    if (rc)
        snprintf(r->err, sizeof r->err, "%s: writing the logs failed: %s", r->rd.path,
                 strerror(errno));
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ outputs */

static int save_adapter(train_run *r)
{
    const train_config *c = &r->cfg;
    adapter ad = {0};
    char *dir = run_dir_file(&r->rd, "adapter"), *gg = run_dir_file(&r->rd, "adapter/adapter.gguf");
    int rc = dir && gg ? 0 : -1;
    if (rc)
        snprintf(r->err, sizeof r->err, "out of memory");
    rc = rc ? rc : adapter_from_model(&ad, r->mf.m, (float)c->lora_alpha, c->peft_use_rslora,
                                      (float)c->lora_dropout, r->err, sizeof r->err);
    if (!rc)
        snprintf(ad.base_model, sizeof ad.base_model, "%s", c->base_model);
    rc = rc ? rc : adapter_peft_write(&ad, dir, r->err, sizeof r->err);
    rc = rc ? rc : adapter_gguf_write(&ad, gg, GGML_TYPE_F32, r->err, sizeof r->err);
    adapter_free(&ad);
    free(dir);
    free(gg);
    return rc;
}

static int save_model(train_run *r)
{
    char *path = run_dir_file(&r->rd, "model.gguf");
    if (!path) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    int rc = r->mf.src == MODEL_SRC_GGUF
                 ? model_save_gguf(r->mf.m, r->mf.gguf, path, GGML_TYPE_F32, r->err,
                                   sizeof r->err)
                 : model_save_gguf_hf(r->mf.m, r->cfg.base_model, path, GGML_TYPE_F32, NULL,
                                      r->err, sizeof r->err);
    free(path);
    return rc;
}

/* Evaluates the final weights, unless the step hook already did. */
static int final_eval(train_run *r, int64_t step)
{
    bool done = r->eval.every > 0 && step % r->eval.every == 0;
    if (r->pipe.val.n == 0 || step == 0 || done)
        return 0;
    double loss;
    if (train_eval_loss(r->mf.m, &r->pipe.val, (size_t)r->cfg.micro_batch_size, r->pad, &loss,
                        r->err, sizeof r->err))
        return -1;
    return log_eval(r, step, loss);
}

/* load_best_model_at_end: puts the weights of the best evaluation's
 * checkpoint back unless the last weights are the best. Returns the step
 * whose weights the outputs hold, or -1 with err. */
static int64_t output_weights(train_run *r, int64_t step)
{
    if (!r->cfg.load_best_model_at_end || isnan(r->best_eval) || r->best_step == step)
        return step;
    if (train_ckpt_load_weights(r->rd.path, r->best_step, r->tm.params, r->tm.n_params, r->err,
                                sizeof r->err))
        return -1;
    char msg[128];
    snprintf(msg, sizeof msg, "loaded the best checkpoint (step %lld, eval loss %.6g)",
             (long long)r->best_step, r->best_eval);
    fprintf(stderr, "lathe train: %s\n", msg);
    return log_event(r, step, train_eval_now() - r->t0, msg) ? -1 : r->best_step;
}

static const char *state_name(trainer_state s)
{
    return s == TRAINER_FINISHED ? "finished" : s == TRAINER_STOPPED ? "stopped" : "failed";
}

static int write_summary(train_run *r, const trainer_status *st, double wall, int64_t out_step)
{
    json_t *o = json_pack("{ss ss sI sI sI sf sf}", "state", state_name(st->state), "message",
                          st->message, "steps", (json_int_t)st->step, "skipped_steps",
                          (json_int_t)st->skipped, "tokens", (json_int_t)r->tokens, "wall_s",
                          wall, "tokens_per_s", wall > 0 ? (double)r->tokens / wall : 0.0);
    if (!o) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    json_object_set_new(o, "final_loss", st->step ? num(st->last_loss) : json_null());
    json_object_set_new(o, "best_eval_loss",
                        isnan(r->best_eval) ? json_null() : json_real(r->best_eval));
    json_object_set_new(o, "best_eval_step",
                        isnan(r->best_eval) ? json_null() : json_integer(r->best_step));
    json_object_set_new(o, "output", json_string(r->cfg.adapter == CONFIG_ADAPTER_LORA
                                                     ? "adapter/" : "model.gguf"));
    json_object_set_new(o, "output_step", out_step > 0 ? json_integer(out_step) : json_null());
    int rc = run_dir_write_json(&r->rd, "summary.json", o, r->err, sizeof r->err);
    json_decref(o);
    return rc;
}

static int finish(train_run *r)
{
    trainer_status st;
    trainer_get_status(r->t, &st);
    double wall = train_eval_now() - r->t0;
    int rc = 0;
    bool lora = r->cfg.adapter == CONFIG_ADAPTER_LORA;
    bool final_save = r->cfg.save_steps != CONFIG_UNSET || st.state == TRAINER_STOPPED;
    if (st.step > 0 && final_save && st.step != r->last_saved) {
        char msg[640];
        rc = save_checkpoint(r, st.step, msg, sizeof msg);
        if (log_event(r, st.step, wall, msg) || rc) {
            snprintf(r->err, sizeof r->err, "%s", msg);
            rc = -1;
        }
    }
    int64_t out_step = -1;
    if (st.step > 0 && !rc && !final_eval(r, st.step))
        out_step = output_weights(r, st.step);
    if (st.step > 0)
        rc = out_step < 0 ? -1 : lora ? save_adapter(r) : save_model(r);
    if (st.step > 0 && !rc)
        rc = log_event(r, st.step, wall, lora ? "saved adapter/" : "saved model.gguf");
    rc = write_summary(r, &st, wall, rc ? -1 : out_step) ? -1 : rc;
    if (!rc && st.state == TRAINER_FAILED) {
        snprintf(r->err, sizeof r->err, "training failed: %s", st.message);
        rc = -1;
    }
    fprintf(stderr, "lathe train: %s after %lld steps (%s), %.1f s, %.0f tokens/s; run in %s\n",
            state_name(st.state), (long long)st.step, st.message, wall,
            wall > 0 ? (double)r->tokens / wall : 0.0, r->rd.path);
    return rc;
}

/* ------------------------------------------------------------ the command */

static int run(train_run *r, const train_options *o)
{
    if (load_config(r, o) || pick_run(r, o))
        return CLI_FAIL;
    char *path = strdup(r->run_path);
    if (!path) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return CLI_FAIL;
    }
    free(r->cfg.output_dir);
    r->cfg.output_dir = path;
    if (build_data(r) || load_model(r) || open_run(r, o)) {
        run_dir_discard(&r->rd);
        return CLI_FAIL;
    }
    /* From the trainer's start to the last output Ctrl-C means "stop and
     * save"; before that there is nothing to save, so it keeps its default. */
    interrupted = 0;
    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    int rc = start_trainer(r);
    if (rc && !r->t)
        run_dir_discard(&r->rd);
    if (!rc) {
        rc = follow(r);
        rc = finish(r) ? -1 : rc;
    }
    sigaction(SIGINT, &old, NULL);
    return rc ? CLI_FAIL : CLI_OK;
}

static void run_free(train_run *r)
{
    trainer_free(r->t);
    train_bind_free(&r->bind);
    ring_free(r->metrics);
    pipe_source_free(&r->src);
    model_file_close(&r->mf);
    train_quant_free(&r->quant);
    pipeline_free(&r->pipe);
    tok_vocab_free(r->vocab);
    free(r->tmpl);
    train_config_free(&r->cfg);
    free(r->run_path);
}

int cmd_train(const cli_command *cmd, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return cli_print_help(cmd);
    train_options o = {0};
    int rc = parse_options(cmd, argc, argv, &o);
    if (rc != CLI_OK) {
        free(o.sets.v);
        return rc;
    }
    train_run *r = calloc(1, sizeof *r);
    if (!r) {
        free(o.sets.v);
        fprintf(stderr, "lathe train: out of memory\n");
        return CLI_FAIL;
    }
    r->best_eval = NAN;
    r->resume_step = r->last_saved = -1;
    rc = run(r, &o);
    char err[256] = "";
    if (r->rd.path && run_dir_close(&r->rd, err, sizeof err) && rc == CLI_OK) {
        snprintf(r->err, sizeof r->err, "%s", err);
        rc = CLI_FAIL;
    }
    if (rc != CLI_OK && r->err[0])
        fprintf(stderr, "lathe train: %s\n", r->err);
    run_free(r);
    free(r);
    free(o.sets.v);
    return rc;
}
