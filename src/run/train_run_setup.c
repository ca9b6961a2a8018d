/* train_run_setup.c - everything a `lathe train` run needs before the
 * trainer starts: the config (with --set and --max-steps), the run directory
 * (new, or the one --resume names), the training and validation sequences
 * (from the tokenized-data cache beside the run, train_cache.h, or built and
 * cached), the model in its training mode, and only then the run directory
 * itself, so a failed setup leaves none behind. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpu_count.h"
#include "train_cache.h"
#include "train_ckpt.h"
#include "train_run.h"

#define RING_CAPACITY 1024

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
        if (train_run_log_event(r, 0, 0.0, r->data_events[i])) {
            snprintf(r->err, sizeof r->err, "%s: cannot write events.jsonl", r->rd.path);
            rc = -1;
        }
    return rc;
}

/* ------------------------------------------------------------ setup */

static int load_config(train_run *r, const train_options *o)
{
    config_diags d;
    int rc = train_config_load(&r->cfg, o->config, o->sets, o->n_sets, &d);
    config_diags_print(&d, stderr);
    return rc ? -1 : 0;
}

static void print_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "lathe train: %s\n", msg);
}

static void data_event(train_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
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
        pipeline_report_replay(&r->pipe, in->note, in->note_ctx);
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
    return cpu_count();
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

int train_run_start(train_run *r)
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
    r->t0 = clock_s();
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
    trainer_set_step_hook(r->t, train_run_on_step, r);
    if (r->resume_step >= 0 && train_run_restore(r))
        return -1;
    train_progress_init(&r->progress, stderr, r->total_steps);
    char msg[RING_TEXT_MAX];
    if (r->resume_step >= 0)
        snprintf(msg, sizeof msg, "resumed at step %lld of %lld", (long long)r->resume_step,
                 (long long)r->total_steps);
    else
        snprintf(msg, sizeof msg, "started: %lld steps", (long long)r->total_steps);
    if (train_run_log_event(r, 0, 0.0, msg)) {
        snprintf(r->err, sizeof r->err, "%s: cannot write events.jsonl", r->rd.path);
        return -1;
    }
    return trainer_start(r->t, r->err, sizeof r->err);
}

void train_run_free(train_run *r)
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

int train_run_prepare(train_run *r, const train_options *o)
{
    if (load_config(r, o) || pick_run(r, o))
        return -1;
    char *path = strdup(r->run_path);
    if (!path) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    free(r->cfg.output_dir);
    r->cfg.output_dir = path;
    if (build_data(r) || load_model(r) || open_run(r, o)) {
        run_dir_discard(&r->rd);
        return -1;
    }
    return 0;
}
