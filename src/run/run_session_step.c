/* run_session_step.c - what the trainer thread does for the session after
 * each step (trainer.h's step hook; also called on a paused run when a save
 * or an evaluation is asked for): the evaluation when one is due or asked
 * for, then the checkpoint when one is due (every save_steps, and with
 * load_best_model_at_end after each new best) or asked for, so pruning
 * always knows the newest evaluation. A failed save is reported as an event
 * and training goes on (the earlier checkpoints stay intact). Every result
 * goes into the ring; the trainer thread stays its only producer. In a
 * data-parallel job process 0 alone evaluates and saves (the others wait
 * for it at the next step's start). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "run_session_impl.h"
#include "train_ckpt.h"

void run_session_event(run_session *s, run_event_kind k, int64_t step, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ring_push_eventv(s->metrics, (uint32_t)k, step, trainer_elapsed(s->t), fmt, ap);
    va_end(ap);
}

void run_session_update_live(run_session *s)
{
    model_memory mm = model_get_memory(s->mf.m);
    size_t opt_bytes = trainer_optim_bytes(s->t);
    double epoch = (double)s->src.pos / (double)s->pipe.train.n;
    double elapsed = trainer_elapsed(s->t);
    pthread_mutex_lock(&s->mu);
    run_session_status *l = &s->live;
    l->epoch = epoch;
    l->elapsed_s = elapsed;
    l->tokens = atomic_load(&s->tokens);
    l->best_eval = s->eval.best;
    l->best_eval_step = s->eval.best_step;
    l->last_checkpoint = s->last_saved;
    l->mem_weights = mm.weights;
    l->mem_grads = mm.grads;
    l->mem_optimizer = opt_bytes;
    l->mem_activations = mm.activations;
    l->mem_peak = mm.peak;
    run_session_wake(s);
    pthread_mutex_unlock(&s->mu);
}

/* Waits until the consumer has logged every record pushed so far, so a run
 * killed after a checkpoint has logged everything up to it. */
static void wait_logged(run_session *s)
{
    uint64_t pushed = ring_pushed(s->metrics);
    while (atomic_load(&s->logged) < pushed)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
}

int run_session_checkpoint(run_session *s, int64_t step, run_event_kind kind_failed,
                           const char *note, char *why, size_t whylen)
{
    trainer_status st;
    trainer_get_status(s->t, &st);
    const train_eval *e = &s->eval;
    bool ev = !isnan(e->best);
    train_ckpt_state cs = {.step = step, .skipped = st.skipped,
                           .consecutive_skipped = st.consecutive_skipped, .loss = st.last_loss,
                           .epoch = (double)s->src.pos / (double)s->pipe.train.n,
                           .data_pos = s->src.pos, .tokens = atomic_load(&s->tokens),
                           .best_eval = ev ? e->best : NAN, .best_step = ev ? e->best_step : -1,
                           .since_best = ev ? e->since_best : 0};
    memcpy(cs.config_hash, s->config_hash, sizeof cs.config_hash);
    wait_logged(s);
    /* Pruning first makes room for the new one (on a full disk it is what
     * lets it fit); the newest and the best checkpoint are never pruned. */
    char err[1536] = "";
    int64_t limit = s->cfg.save_total_limit;
    int rc = train_ckpt_prune(s->rd.path, limit - 1, cs.best_step, err, sizeof err) ||
             train_ckpt_save(s->rd.path, &cs, s->tm.params, s->tm.n_params,
                             trainer_optim(s->t), err, sizeof err);
    if (!rc) {
        s->last_saved = step;
        rc = train_ckpt_prune(s->rd.path, limit, cs.best_step, err, sizeof err);
    }
    if (rc)
        run_session_event(s, kind_failed, step, "checkpoint failed: %s", err);
    else
        run_session_event(s, RUN_EVENT_CHECKPOINT, step, "saved checkpoints/step-%lld%s",
                          (long long)step, note);
    if (rc && why)
        snprintf(why, whylen, "%s", err);
    return rc ? -1 : 0;
}

/* Evaluates the weights after STEP steps and publishes the result; DUE for
 * an eval_steps evaluation (early stopping counts those), ASKED for one
 * asked for. Returns whether it is a new best. */
static bool evaluate(run_session *s, int64_t step, bool due, bool asked)
{
    if (asked && s->eval.last_step == step) {
        run_session_event(s, RUN_EVENT_EVALUATED, step, "evaluated already at step %lld",
                          (long long)step);
        return false;
    }
    double loss;
    char err[1024];
    int rc = train_eval_at(&s->eval, step, due, &loss, err, sizeof err);
    if (rc < 0) {
        run_session_event(s, RUN_EVENT_EVAL_FAILED, step, "eval failed: %s", err);
        return false;
    }
    ring_record rec = {.kind = RING_EVAL, .step = step, .eval_loss = loss,
                       .elapsed_s = trainer_elapsed(s->t)};
    ring_push(s->metrics, &rec);
    if (asked)
        run_session_event(s, RUN_EVENT_EVALUATED, step, "evaluated on request at step %lld: "
                          "loss %.4f", (long long)step, loss);
    if (due && !s->early_stopped && train_eval_exhausted(&s->eval)) {
        s->early_stopped = true;
        run_session_event(s, RUN_EVENT_EARLY_STOP, step, "early stopping (patience %lld)",
                          (long long)s->eval.patience);
        trainer_stop(s->t);
    }
    return rc == 1;
}

void run_session_on_step(void *ctx, int64_t step)
{
    run_session *s = ctx;
    if (!run_session_owns_dir(s)) {
        run_session_update_live(s);
        return;
    }
    bool fresh = step > s->hooked_step;
    if (fresh)
        s->hooked_step = step;
    pthread_mutex_lock(&s->mu);
    bool save = s->save_req, eval = s->eval_req;
    s->save_req = s->eval_req = false;
    pthread_mutex_unlock(&s->mu);
    bool best = false;
    if (fresh && train_eval_due(&s->eval, step))
        best = evaluate(s, step, true, false);
    if (eval)
        best |= evaluate(s, step, false, true);
    const train_config *c = &s->cfg;
    bool due = (fresh && c->save_steps != CONFIG_UNSET && step % c->save_steps == 0) ||
               (best && c->load_best_model_at_end);
    if (save && step == 0)
        run_session_event(s, RUN_EVENT_CHECKPOINT, step, "no checkpoint at step 0: nothing "
                          "is trained yet");
    else if ((due || save) && step == s->last_saved)
        run_session_event(s, RUN_EVENT_CHECKPOINT, step, "checkpoints/step-%lld is saved "
                          "already", (long long)step);
    else if (due || save)
        run_session_checkpoint(s, step, RUN_EVENT_CHECKPOINT_FAILED, due ? "" : " (on request)",
                               NULL, 0);
    run_session_update_live(s);
}
