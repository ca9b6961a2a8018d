/* run_session_setup.c - everything a run needs before the trainer starts,
 * done on the session's worker thread: the config (with --set and
 * --max-steps), the run directory (new, or the one --resume names: locked
 * at once, and refused when resuming would go back behind outputs already
 * written), the training and validation sequences (from the
 * tokenized-data cache beside the run, train_cache.h, or built and cached),
 * the model in its training mode, the trainer, and only then the run
 * directory itself, so a failed setup leaves none behind. What it finds is
 * told through the session's queue; the events for the log wait until
 * training starts. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_count.h"
#include "run_session_impl.h"
#include "train_cache.h"
#include "train_ckpt.h"

#define RING_CAPACITY 1024

/* ------------------------------------------------------------ the config */

static int load_config(run_session *s)
{
    config_diags d;
    int rc = train_config_load(&s->cfg, s->config, s->sets, s->n_sets, &d);
    char line[1024];
    for (size_t i = 0; i < d.n; i++) {
        config_diag_format(&d.items[i], line, sizeof line);
        run_session_say(s, d.items[i].sev == CONFIG_ERROR ? RUN_ERROR : RUN_WARNING,
                        &d.items[i], "%s", line);
    }
    if (d.dropped)
        run_session_say(s, RUN_INFO, NULL, "(%zu more not shown)", d.dropped);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ the run directory */

/* The step summary.json says the run's outputs are from, or -1. */
static int64_t outputs_step(const char *run, char *what, size_t whatlen)
{
    size_t n = strlen(run) + sizeof "/summary.json";
    char *p = malloc(n);
    if (!p)
        return -1;
    snprintf(p, n, "%s/summary.json", run);
    json_t *o = json_load_file(p, 0, NULL);
    free(p);
    json_t *steps = json_object_get(o, "steps"), *out = json_object_get(o, "output");
    int64_t step = json_is_integer(steps) ? (int64_t)json_integer_value(steps) : -1;
    snprintf(what, whatlen, "summary.json%s%s", json_is_string(out) ? " and " : "",
             json_is_string(out) ? json_string_value(out) : "");
    json_decref(o);
    return step;
}

/* --resume: the run to continue and the step to continue from (its newest
 * checkpoint, or 0 when it has none), locked. */
static int pick_resumed(run_session *s, const char *dir, char *err, size_t errlen)
{
    s->run_path = strcmp(s->resume, "auto") ? strdup(s->resume)
                                            : train_ckpt_auto(dir, err, errlen);
    if (!s->run_path) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *run = s->run_path;
    if (!run_dir_holds_run(run)) {
        snprintf(err, errlen, "%s: no run to resume there (no metrics.jsonl)", run);
        return -1;
    }
    if (run_dir_lock(&s->rd, run, err, errlen))
        return -1;
    int64_t ckpt = train_ckpt_latest(run);
    char what[128];
    int64_t out = outputs_step(run, what, sizeof what);
    if (ckpt < 0 && out > 0) {
        snprintf(err, errlen, "%s: no checkpoint to resume from (checkpoints/step-N), and its "
                 "outputs (%s) are from step %lld: resuming would start again from step 0 and "
                 "overwrite them; start a new run with --output instead", run, what,
                 (long long)out);
        return -1;
    }
    if (out > ckpt) {
        snprintf(err, errlen, "%s: its outputs (%s) are from step %lld but the newest "
                 "checkpoint is checkpoints/step-%lld: resuming would go back to step %lld and "
                 "overwrite them; start a new run with --output instead", run, what,
                 (long long)out, (long long)ckpt, (long long)ckpt);
        return -1;
    }
    s->resume_step = ckpt > 0 ? ckpt : 0;
    if (ckpt <= 0)
        run_session_say(s, RUN_INFO, NULL, "%s has no checkpoint yet: training it again from "
                        "step 0, in the same data order", run);
    return 0;
}

/* Chooses the run directory: a new one (made only at the end of the
 * setup), or the one to resume. */
static int pick_run(run_session *s, char *err, size_t errlen)
{
    const char *dir = s->output ? s->output : s->cfg.output_dir;
    if (s->resume)
        return pick_resumed(s, dir, err, errlen);
    return (s->run_path = run_dir_pick(dir, err, errlen)) ? 0 : -1;
}

/* Creates (or reopens, to resume) the run directory once the setup has
 * succeeded: the resolved config.yaml, its hash, the logs. */
static int open_run(run_session *s, char *err, size_t errlen)
{
    int rc = s->resume ? run_dir_reopen(&s->rd, s->resume_step, err, errlen)
                       : run_dir_open(&s->rd, s->run_path, err, errlen);
    char *cfg_path = rc ? NULL : run_dir_file(&s->rd, "config.yaml");
    if (!rc && !cfg_path) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (!rc)
        rc = train_config_write(&s->cfg, cfg_path, err, errlen) ||
             train_ckpt_hash_file(cfg_path, s->config_hash, err, errlen);
    free(cfg_path);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ the data */

static void pipeline_note(void *ctx, const char *msg)
{
    run_session_say(ctx, RUN_WARNING, NULL, "%s", msg);
}

static bool pipeline_progress(void *ctx, const char *path, size_t done, size_t total)
{
    run_session *s = ctx;
    const char *name = strrchr(path, '/');
    char phase[128];
    snprintf(phase, sizeof phase, "tokenizing %s", name ? name + 1 : path);
    run_session_set_phase(s, phase, total ? (double)done / (double)total : -1.0);
    return !run_session_cancelled(s);
}

/* Tells the user and, once the run starts, the log. */
static void data_note(run_session *s, run_severity sev, const char *text)
{
    run_session_say(s, sev, NULL, "%s", text);
    run_session_pending_event(s, sev == RUN_INFO ? RUN_EVENT_DATA : RUN_EVENT_WARNING, "%s",
                              text);
}

/* The sequences from the cache beside the run, or built (and cached). A
 * damaged or mismatching cache file is reported and rebuilt; one that is
 * not this user's alone is ignored; failing to write the cache is only a
 * warning. */
static int cached_pipeline(run_session *s, const pipe_inputs *in, char *err, size_t errlen)
{
    const train_config *c = &s->cfg;
    chat_tmpl t;
    uint64_t key;
    if (pipeline_template(c->chat_template, s->tmpl, &t, err, errlen) ||
        train_cache_key(c, s->vocab, t, &key, err, errlen))
        return -1;
    char *path = train_cache_path(s->run_path, key), why[1200], text[1400];
    if (!path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    run_session_set_phase(s, "reading the tokenized-data cache", -1.0);
    train_cache_status st = train_cache_load(path, key, &s->pipe, why, sizeof why);
    int rc = 0;
    if (st == TRAIN_CACHE_HIT) {
        pipeline_report_replay(&s->pipe, in->note, in->note_ctx);
        snprintf(text, sizeof text, "tokenized data from the cache %s", path);
        data_note(s, RUN_INFO, text);
    } else {
        if (st == TRAIN_CACHE_BAD || st == TRAIN_CACHE_UNSAFE) {
            snprintf(text, sizeof text, st == TRAIN_CACHE_BAD
                     ? "warning: tokenized-data cache %s; rebuilding it"
                     : "warning: ignoring the tokenized-data cache: %s", why);
            data_note(s, RUN_WARNING, text);
        }
        rc = pipeline_build(&s->pipe, c, in, err, errlen);
        if (!rc && st != TRAIN_CACHE_UNSAFE &&
            train_cache_save(path, key, &s->pipe, why, sizeof why)) {
            snprintf(text, sizeof text, "warning: cannot write the tokenized-data cache: %s",
                     why);
            data_note(s, RUN_WARNING, text);
        } else if (!rc && st != TRAIN_CACHE_UNSAFE) {
            snprintf(text, sizeof text, "tokenized the data; cached in %s", path);
            data_note(s, RUN_INFO, text);
        }
    }
    free(path);
    return rc;
}

static int build_data(run_session *s, char *err, size_t errlen)
{
    const train_config *c = &s->cfg;
    run_session_set_phase(s, "loading the tokenizer", -1.0);
    if (!(s->vocab = tok_vocab_load(c->base_model, &s->tmpl, err, errlen)))
        return -1;
    pipe_inputs in = {.vocab = s->vocab, .model_template = s->tmpl, .note = pipeline_note,
                      .note_ctx = s, .progress = pipeline_progress, .progress_ctx = s};
    if (cached_pipeline(s, &in, err, errlen))
        return -1;
    int32_t pad = tok_pad(s->vocab), eos = tok_eos(s->vocab);
    s->pad = pad != TOK_NONE ? pad : eos != TOK_NONE ? eos : 0;
    const pipe_counts *n = &s->pipe.train.counts;
    run_session_say(s, RUN_INFO, NULL, "%zu training sequences (%zu records, %zu tokens, %zu "
                    "learned), %zu validation records; template %s", n->sequences, n->records,
                    n->tokens, n->learned, s->pipe.val.counts.records,
                    chat_tmpl_name(s->pipe.tmpl));
    return 0;
}

/* ------------------------------------------------------------ the model */

static int load_model(run_session *s, char *err, size_t errlen)
{
    const train_config *c = &s->cfg;
    model_train_spec spec;
    run_session_set_phase(s, "loading the model", -1.0);
    if (train_setup_spec(c, &spec, err, errlen) ||
        model_file_load(&s->mf, c->base_model, c->load_in_8bit || c->load_in_4bit, err, errlen))
        return -1;
    model *m = s->mf.m;
    size_t nv = tok_vocab_size(s->vocab);
    if (nv > (size_t)model_get_config(m)->n_vocab) {
        snprintf(err, errlen, "%s: the tokenizer has %zu tokens but the model only %d "
                 "embedding rows", c->base_model, nv, model_get_config(m)->n_vocab);
        return -1;
    }
    int n = c->threads != CONFIG_UNSET ? (int)c->threads : cpu_count();
    if (model_set_training(m, &spec, err, errlen) ||
        train_setup_quantize(c, m, &s->quant, err, errlen) ||
        model_set_threads(m, n, n, err, errlen))
        return -1;
    model_set_checkpointing(m, c->gradient_checkpointing);
    run_session_say(s, RUN_INFO, NULL, "%s, %zu trainable parameters, %d threads",
                    spec.mode == MODEL_TRAIN_LORA  ? "LoRA"
                    : spec.mode == MODEL_TRAIN_TOP ? "top layers"
                                                   : "full fine-tune",
                    model_n_trainable(m), n);
    return 0;
}

/* ------------------------------------------------------------ the trainer */

static int counted_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    run_session *s = ctx;
    int got = pipe_source_next(&s->src, out, err, errlen);
    if (got == 1) {
        uint64_t real = 0;
        for (size_t i = 0; i < (size_t)out->B * (size_t)out->T; i++)
            real += !out->doc || out->doc[i] >= 0;
        atomic_fetch_add(&s->tokens, real);
    }
    return got;
}

static int make_trainer(run_session *s, char *err, size_t errlen)
{
    const train_config *c = &s->cfg;
    size_t n_seq = s->pipe.train.n;
    int64_t total = train_setup_total_steps(c, n_seq);
    trainer_config tc = train_setup_trainer(c, total);
    if (pipe_source_init(&s->src, &s->pipe.train, (size_t)c->micro_batch_size,
                         train_setup_epochs(c, n_seq), s->pad, err, errlen) ||
        !(s->metrics = ring_new(RING_CAPACITY, err, errlen)) ||
        train_bind_model(&s->bind, s->mf.m, &s->tm, err, errlen))
        return -1;
    if (c->shuffle)
        pipe_source_reshuffle(&s->src, (uint64_t)c->seed);
    bool val = s->pipe.val.n > 0;
    s->eval = (train_eval){.m = s->mf.m, .val = &s->pipe.val,
                           .micro = (size_t)c->micro_batch_size, .pad = s->pad,
                           .every = val && c->eval_steps != CONFIG_UNSET ? c->eval_steps : 0,
                           .patience = c->early_stopping_patience != CONFIG_UNSET
                                           ? c->early_stopping_patience : 0,
                           .best = NAN, .best_step = -1, .last_step = -1};
    if (c->eval_steps != CONFIG_UNSET && !val)
        run_session_say(s, RUN_WARNING, NULL, "warning: eval_steps is set but there is no "
                        "validation set (val_set_size or test_datasets)");
    trainer_source ts = {s, counted_next};
    if (!(s->t = trainer_new(&tc, &s->tm, &ts, s->metrics, err, errlen)))
        return -1;
    trainer_set_step_hook(s->t, run_session_on_step, s);
    trainer_set_end_hook(s->t, run_session_on_end, s);
    s->total_steps = total;
    return 0;
}

/* Puts the state of checkpoint s->resume_step back. */
static int restore(run_session *s, char *err, size_t errlen)
{
    train_ckpt_state cs;
    run_session_set_phase(s, "loading the checkpoint", -1.0);
    if (train_ckpt_load(s->rd.path, s->resume_step, &cs, s->tm.params, s->tm.n_params,
                        trainer_optim(s->t), err, errlen))
        return -1;
    if (cs.data_pos > s->src.set->n * (uint64_t)s->src.epochs) {
        snprintf(err, errlen, "the checkpoint is %llu sequences into the data, beyond this "
                 "config's data", (unsigned long long)cs.data_pos);
        return -1;
    }
    if (strcmp(cs.config_hash, s->config_hash))
        run_session_say(s, RUN_WARNING, NULL, "warning: the config differs from the "
                        "checkpoint's (%s, now %s)", cs.config_hash, s->config_hash);
    trainer_restore_step(s->t, cs.step, cs.skipped, cs.consecutive_skipped);
    s->src.pos = cs.data_pos;
    atomic_store(&s->tokens, cs.tokens);
    s->last_saved = s->hooked_step = cs.step;
    if (!isnan(cs.best_eval)) {
        s->eval.best = cs.best_eval;
        s->eval.best_step = cs.best_step;
        s->eval.since_best = cs.since_best;
    }
    run_session_say(s, RUN_INFO, NULL, "resuming %s from checkpoints/step-%lld", s->rd.path,
                    (long long)cs.step);
    return 0;
}

static int setup_run(run_session *s, char *err, size_t errlen)
{
    run_session_set_phase(s, "reading the config", -1.0);
    if (load_config(s) || pick_run(s, err, errlen))
        return -1;
    char *path = strdup(s->run_path);
    if (!path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(s->cfg.output_dir);
    s->cfg.output_dir = path;
    run_session_alarm_setup(s);
    if (build_data(s, err, errlen) || run_session_cancelled(s) || load_model(s, err, errlen) ||
        run_session_cancelled(s) || make_trainer(s, err, errlen) || open_run(s, err, errlen))
        return -1;
    s->eval.last_step = s->resume ? s->rd.last_eval_step : -1;
    if (s->resume_step > 0 && restore(s, err, errlen))
        return -1;
    if (s->resume_step >= 0)
        run_session_pending_event(s, RUN_EVENT_STARTED, "resumed at step %lld of %lld",
                                  (long long)s->resume_step, (long long)s->total_steps);
    else
        run_session_pending_event(s, RUN_EVENT_STARTED, "started: %lld steps",
                                  (long long)s->total_steps);
    pthread_mutex_lock(&s->mu);
    s->live.total_steps = s->total_steps;
    s->live.step = s->resume_step > 0 ? s->resume_step : 0;
    s->live.last_checkpoint = s->last_saved;
    s->live.best_eval = s->eval.best;
    s->live.best_eval_step = s->eval.best_step;
    s->live.tokens = atomic_load(&s->tokens);
    s->live.phase[0] = '\0';
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int run_session_setup(run_session *s, char *err, size_t errlen)
{
    if (!setup_run(s, err, errlen) && !run_session_cancelled(s))
        return 0;
    if (run_session_cancelled(s) && !err[0])
        snprintf(err, errlen, "preparation cancelled");
    run_dir_discard(&s->rd);
    return -1;
}
