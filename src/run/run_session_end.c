/* run_session_end.c - the end of a run (finished, stopped, or failed), on
 * the trainer thread once its loop is over (trainer.h's end hook): the end
 * event in the session's words, a final checkpoint (every run that took a
 * step ends with one, so it can always be resumed from where it ended), a
 * final evaluation (unless these weights were evaluated already), the
 * adapter or model (with load_best_model_at_end, the best evaluation's
 * weights: summary.json output_step) and summary.json, which says exactly
 * what was and was not written. Each output is attempted even when one
 * before it failed: on a full disk the small ones may still fit. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter.h"
#include "clock.h"
#include "run_session_impl.h"
#include "train_ckpt.h"

/* ------------------------------------------------------------ outputs */

static int save_adapter(run_session *s, char *err, size_t errlen)
{
    const train_config *c = &s->cfg;
    adapter ad = {0};
    char *dir = run_dir_file(&s->rd, "adapter"), *gg = run_dir_file(&s->rd, "adapter/adapter.gguf");
    int rc = dir && gg ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "out of memory");
    rc = rc ? rc : adapter_from_model(&ad, s->mf.m, (float)c->lora_alpha, c->peft_use_rslora,
                                      (float)c->lora_dropout, err, errlen);
    if (!rc)
        snprintf(ad.base_model, sizeof ad.base_model, "%s", c->base_model);
    rc = rc ? rc : adapter_peft_write(&ad, dir, err, errlen);
    rc = rc ? rc : adapter_gguf_write(&ad, gg, GGML_TYPE_F32, err, errlen);
    adapter_free(&ad);
    free(dir);
    free(gg);
    return rc;
}

static int save_model(run_session *s, char *err, size_t errlen)
{
    char *path = run_dir_file(&s->rd, "model.gguf");
    if (!path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = s->mf.src == MODEL_SRC_GGUF
                 ? model_save_gguf(s->mf.m, s->mf.gguf, path, GGML_TYPE_F32, err, errlen)
                 : model_save_gguf_hf(s->mf.m, s->cfg.base_model, path, GGML_TYPE_F32, NULL,
                                      err, errlen);
    free(path);
    return rc;
}

/* load_best_model_at_end: puts the weights of the best evaluation's
 * checkpoint back unless the last weights are the best. Returns the step
 * whose weights the outputs hold, or -1 with err. */
static int64_t output_weights(run_session *s, int64_t step, char *err, size_t errlen)
{
    const train_eval *e = &s->eval;
    if (!s->cfg.load_best_model_at_end || isnan(e->best) || e->best_step == step)
        return step;
    if (train_ckpt_load_weights(s->rd.path, e->best_step, s->tm.params, s->tm.n_params, err,
                                errlen))
        return -1;
    run_session_event(s, RUN_EVENT_BEST_LOADED, step, "loaded the best checkpoint (step %lld, "
                      "eval loss %.6g)", (long long)e->best_step, e->best);
    return e->best_step;
}

/* ------------------------------------------------------------ the record */

static const char *state_name(trainer_state st)
{
    return st == TRAINER_FINISHED ? "finished" : st == TRAINER_STOPPED ? "stopped" : "failed";
}

/* Why training ended, in the words of the config the user wrote. */
static void end_text(run_session *s, const trainer_status *st, char *buf, size_t len)
{
    pthread_mutex_lock(&s->mu);
    const char *alarm = s->alarm_stop;
    pthread_mutex_unlock(&s->mu);
    if (st->end == TRAINER_END_STOP && alarm)
        snprintf(buf, len, "stopped by the %s alarm", alarm);
    else if (st->end == TRAINER_END_MAX_STEPS && s->cfg.max_steps == CONFIG_UNSET)
        snprintf(buf, len, "completed num_epochs: %lld", (long long)s->cfg.num_epochs);
    else if (st->end == TRAINER_END_STOP && s->early_stopped)
        snprintf(buf, len, "stopped by early stopping (patience %lld)",
                 (long long)s->eval.patience);
    else
        snprintf(buf, len, "%s", st->message);
}

/* What a run could not write: {"file": WHAT, "reason": WHY} in LIST. */
static void not_written(run_session *s, json_t *list, const char *what, const char *why)
{
    json_array_append_new(list, json_pack("{ss ss}", "file", what, "reason", why));
    run_session_fail(s, NULL);
}

typedef struct {
    trainer_status st;
    char why[256];            /* end_text */
    double wall;
    const char *output;       /* adapter/ or model.gguf when written, else NULL */
    int64_t output_step;
    json_t *not_written;
} run_end;

static int write_summary(run_session *s, const run_end *e, char *err, size_t errlen)
{
    uint64_t tokens = atomic_load(&s->tokens);
    json_t *o = json_pack("{ss ss sI sI sI sf sf}", "state", state_name(e->st.state), "message",
                          e->why, "steps", (json_int_t)e->st.step, "skipped_steps",
                          (json_int_t)e->st.skipped, "tokens", (json_int_t)tokens, "wall_s",
                          e->wall, "tokens_per_s",
                          e->wall > 0 ? (double)tokens / e->wall : 0.0);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const train_eval *ev = &s->eval;
    char ckpt[64];
    snprintf(ckpt, sizeof ckpt, "checkpoints/step-%lld", (long long)s->last_saved);
    json_object_set_new(o, "final_loss", e->st.step ? run_session_json_num(e->st.last_loss) : json_null());
    json_object_set_new(o, "best_eval_loss", run_session_json_num(ev->best));
    json_object_set_new(o, "best_eval_step",
                        isnan(ev->best) ? json_null() : json_integer(ev->best_step));
    json_object_set_new(o, "checkpoint", s->last_saved > 0 ? json_string(ckpt) : json_null());
    json_object_set(o, "not_written", e->not_written);
    json_object_set_new(o, "output", e->output ? json_string(e->output) : json_null());
    json_object_set_new(o, "output_step",
                        e->output ? json_integer(e->output_step) : json_null());
    int rc = run_dir_write_json(&s->rd, "summary.json", o, err, errlen);
    json_decref(o);
    return rc;
}

/* The line poll says once the logs are complete. */
static void say_closing(run_session *s, const run_end *e)
{
    uint64_t tokens = atomic_load(&s->tokens);
    if (asprintf(&s->closing, "%s after %lld steps (%s), %.1f s, %llu tokens at %.0f tokens/s "
                 "(padding excluded; evaluation and saving included); run in %s",
                 state_name(e->st.state), (long long)e->st.step, e->why, e->wall,
                 (unsigned long long)tokens, e->wall > 0 ? (double)tokens / e->wall : 0.0,
                 s->run_path) < 0)
        s->closing = NULL;
}

/* ------------------------------------------------------------ the steps */

static void final_checkpoint(run_session *s, run_end *e)
{
    int64_t step = e->st.step;
    char why[1536], what[64];
    if (step == 0 || step == s->last_saved ||
        !run_session_checkpoint(s, step, RUN_EVENT_FINAL_CHECKPOINT_FAILED, "", why,
                                sizeof why))
        return;
    snprintf(what, sizeof what, "checkpoints/step-%lld", (long long)step);
    not_written(s, e->not_written, what, why);
}

/* Evaluates the final weights, unless they were evaluated already. */
static void final_eval(run_session *s, int64_t step)
{
    double loss;
    char err[1024];
    if (step == 0 || s->pipe.val.n == 0 || s->eval.last_step == step)
        return;
    if (train_eval_at(&s->eval, step, false, &loss, err, sizeof err) < 0) {
        run_session_event(s, RUN_EVENT_EVAL_FAILED, step, "eval failed: %s", err);
        run_session_fail(s, NULL);
        return;
    }
    ring_record rec = {.kind = RING_EVAL, .step = step, .eval_loss = loss,
                       .elapsed_s = trainer_elapsed(s->t)};
    ring_push(s->metrics, &rec);
}

static void write_outputs(run_session *s, run_end *e)
{
    int64_t step = e->st.step;
    bool lora = s->cfg.adapter == CONFIG_ADAPTER_LORA;
    const char *name = lora ? "adapter/" : "model.gguf";
    char err[1536];
    if (step == 0)
        return;
    e->output_step = output_weights(s, step, err, sizeof err);
    if (e->output_step < 0 || (lora ? save_adapter(s, err, sizeof err)
                                    : save_model(s, err, sizeof err))) {
        run_session_event(s, RUN_EVENT_OUTPUT_FAILED, step, "cannot write %s: %s", name, err);
        not_written(s, e->not_written, name, err);
        return;
    }
    e->output = name;
    run_session_event(s, RUN_EVENT_OUTPUT, step, "saved %s", name);
}

void run_session_on_end(void *ctx)
{
    run_session *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->state = RUN_SESSION_ENDING;
    pthread_mutex_unlock(&s->mu);
    run_end e = {.output_step = -1, .not_written = json_array()};
    trainer_get_status(s->t, &e.st);
    e.wall = clock_s() - s->t0;
    end_text(s, &e.st, e.why, sizeof e.why);
    run_session_event(s, e.st.end == TRAINER_END_NONFINITE ? RUN_EVENT_NONFINITE_STOP
                                                           : RUN_EVENT_END,
                      e.st.step, "%s", e.why);
    final_checkpoint(s, &e);
    final_eval(s, e.st.step);
    write_outputs(s, &e);
    char err[1536];
    if (!e.not_written || write_summary(s, &e, err, sizeof err)) {
        run_session_event(s, RUN_EVENT_OUTPUT_FAILED, e.st.step, "cannot write summary.json: "
                          "%s", e.not_written ? err : "out of memory");
        run_session_fail(s, NULL);
    }
    json_decref(e.not_written);
    if (e.st.state == TRAINER_FAILED) {
        snprintf(err, sizeof err, "training failed: %s", e.st.message);
        run_session_fail(s, err);
    }
    run_session_update_live(s);
    say_closing(s, &e);
    pthread_mutex_lock(&s->mu);
    s->ended = true;
    run_session_wake(s);
    pthread_mutex_unlock(&s->mu);
}
