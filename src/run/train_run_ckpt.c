/* train_run_ckpt.c - checkpoints during a `lathe train` run. After each step
 * the trainer thread evaluates (every eval_steps) and then writes a
 * checkpoint (every save_steps, and with load_best_model_at_end after each
 * new best evaluation; train_ckpt.h), so pruning always knows the
 * newest evaluation. A failed save is reported as an event and training
 * goes on (the earlier checkpoints stay intact). --resume puts a
 * checkpoint's weights, optimizer, data position and best evaluation back
 * so that the per-step losses are those of an uninterrupted run (with the
 * same thread count). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "train_ckpt.h"
#include "train_run.h"

int train_run_save_checkpoint(train_run *r, int64_t step, char *msg, size_t msglen)
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

void train_run_on_step(void *ctx, int64_t step)
{
    train_run *r = ctx;
    bool best;
    bool evaluated = train_eval_step(&r->eval, step, &best) == 1;
    bool due = r->cfg.save_steps != CONFIG_UNSET && step % r->cfg.save_steps == 0;
    if (!due && !(best && r->cfg.load_best_model_at_end))
        return;
    wait_logged(r, step, evaluated);
    char msg[640];
    if (train_run_save_checkpoint(r, step, msg, sizeof msg))
        fprintf(stderr, "lathe train: %s; training goes on, the earlier checkpoints are "
                        "intact\n", msg);
    ring_record rec;
    ring_event(&rec, step, clock_s() - r->t0, "%s", msg);
    ring_push(r->metrics, &rec);
}

int train_run_restore(train_run *r)
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
