/* train_run_log.c - the main thread's side of a `lathe train` run: drains
 * the trainer's metrics ring into metrics.jsonl and events.jsonl and the
 * progress display, and stops the trainer after the current step on
 * Ctrl-C. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "train_run.h"

json_t *train_run_json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *step_row(const ring_record *s)
{
    json_t *(*num)(double) = train_run_json_num;
    return json_pack("{sI so so so so so so}", "step", (json_int_t)s->step, "epoch",
                     num(s->epoch), "loss", num(s->loss), "lr", num(s->lr), "grad_norm",
                     num(s->grad_norm), "tokens_per_s", num(s->tokens_per_s), "elapsed_s",
                     num(s->elapsed_s));
}

int train_run_log_eval(train_run *r, int64_t step, double loss)
{
    json_t *row = step_row(&r->last);
    if (!row)
        return -1;
    json_object_set_new(row, "step", json_integer(step));
    json_object_set_new(row, "eval_loss", train_run_json_num(loss));
    json_object_set_new(row, "eval_ppl", train_run_json_num(exp(loss)));
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

int train_run_log_event(train_run *r, int64_t step, double elapsed, const char *text)
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
        return train_run_log_eval(r, rec->step, rec->eval_loss);
    if (rec->kind == RING_EVENT) {
        if (!strncmp(rec->text, "early stopping", 14) || !strncmp(rec->text, "skipped", 7) ||
            !strncmp(rec->text, "eval failed", 11))
            train_progress_note(&r->progress, "lathe train: %s", rec->text);
        return train_run_log_event(r, rec->step, rec->elapsed_s, rec->text);
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

int train_run_follow(train_run *r, const volatile sig_atomic_t *interrupted)
{
    int rc = 0;
    for (;;) {
        rc |= drain(r);
        trainer_status st;
        trainer_get_status(r->t, &st);
        if (st.state >= TRAINER_FINISHED)
            break;
        if (*interrupted && !r->stop_sent) {
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
