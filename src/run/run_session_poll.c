/* run_session_poll.c - the consumer's side of a run session: the worker's
 * queue and then the trainer's ring, drained into metrics.jsonl and
 * events.jsonl (one JSON object a line, flushed each line) and into the
 * records poll hands back; the events the user must see at once become
 * messages; the end joins the trainer, closes the logs and says how the run
 * went. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "run_session_impl.h"

json_t *run_session_json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* ------------------------------------------------------------ messages */

static void say(run_session *s, run_severity sev, const config_diag *diag, const char *text)
{
    run_message m = {sev, text, diag};
    if (s->hooks.message)
        s->hooks.message(s->hooks.ctx, &m);
}

/* A message about a record poll hands back: it waits for the next poll, so
 * the caller shows the records before it first. */
static void defer(run_session *s, run_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void defer(run_session *s, run_severity sev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    run_note *n = run_note_new(fmt, ap);
    va_end(ap);
    if (!n)
        return;
    n->severity = sev;
    run_notes_push(&s->deferred, n);
}

static void tell_deferred(run_session *s)
{
    for (run_note *n = s->deferred.head; n; n = n->next)
        say(s, n->severity, NULL, n->text);
    run_notes_free(&s->deferred);
}

/* The events the user is told about as they happen, as messages. */
static void tell(run_session *s, run_event_kind k, const char *text)
{
    switch (k) {
    case RUN_EVENT_SKIPPED_STEP:
    case RUN_EVENT_EVAL_FAILED:
        defer(s, RUN_WARNING, "%s", text);
        break;
    case RUN_EVENT_ALARM:
        defer(s, RUN_WARNING, "warning: %s", text);
        break;
    case RUN_EVENT_EARLY_STOP:
    case RUN_EVENT_BEST_LOADED:
        defer(s, RUN_INFO, "%s", text);
        break;
    case RUN_EVENT_CHECKPOINT_FAILED:
        defer(s, RUN_WARNING, "%s; training goes on, the earlier checkpoints are intact", text);
        break;
    case RUN_EVENT_FINAL_CHECKPOINT_FAILED:
    case RUN_EVENT_OUTPUT_FAILED:
        defer(s, RUN_ERROR, "%s", text);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ the logs */

static void log_row(run_session *s, FILE *fp, const json_t *row)
{
    if (s->log_failed || !fp)  /* no log: another process of the job writes it */
        return;
    if (!row || run_dir_log(fp, row)) {
        s->log_failed = true;
        s->log_errno = row ? errno : ENOMEM;
    }
}

static json_t *step_row(const ring_record *r)
{
    json_t *(*num)(double) = run_session_json_num;
    return json_pack("{sI so so so so so so}", "step", (json_int_t)r->step, "epoch",
                     num(r->epoch), "loss", num(r->loss), "lr", num(r->lr), "grad_norm",
                     num(r->grad_norm), "tokens_per_s", num(r->tokens_per_s), "elapsed_s",
                     num(r->elapsed_s));
}

/* An evaluation row repeats the newest step row's figures. */
static void log_eval(run_session *s, int64_t step, double loss)
{
    json_t *row = step_row(&s->last);
    if (row) {
        json_object_set_new(row, "step", json_integer(step));
        json_object_set_new(row, "eval_loss", run_session_json_num(loss));
        json_object_set_new(row, "eval_ppl", run_session_json_num(exp(loss)));
    }
    log_row(s, s->rd.metrics, row);
    json_decref(row);
}

/* An event's row: its stable kind name beside its text, and for an alarm
 * which one fired and what was done. */
static void log_event(run_session *s, const run_record *r)
{
    json_t *row = json_pack("{sI sf ss ss}", "step", (json_int_t)r->step, "elapsed_s",
                            r->elapsed_s, "kind", run_event_name(r->event), "event", r->text);
    if (row && r->event == RUN_EVENT_ALARM) {
        json_object_set_new(row, "alarm", json_string(run_alarm_name(r->alarm)));
        json_object_set_new(row, "action", json_string(run_alarm_action_name(r->action)));
    }
    log_row(s, s->rd.events, row);
    json_decref(row);
}

/* ------------------------------------------------------------ records */

/* Appends R (and takes TEXT, R's text, to free at the next poll). */
static void hand_back(run_session *s, const run_record *r, char *text)
{
    run_record *out = grow_array(s->out, &s->cap_out, s->n_out + 1, sizeof *out, 64);
    char **texts = text ? grow_array(s->texts, &s->cap_texts, s->n_texts + 1, sizeof *texts, 16)
                        : s->texts;
    if (out)
        s->out = out;
    if (texts)
        s->texts = texts;
    if (!out || !texts) {
        free(text);
        return;
    }
    out[s->n_out++] = *r;
    if (text)
        texts[s->n_texts++] = text;
}

void run_session_poll_event(run_session *s, run_record *r, char *text)
{
    r->kind = RUN_RECORD_EVENT;
    r->text = text;
    log_event(s, r);
    tell(s, r->event, text);
    hand_back(s, r, text);
}

static void handle_event(run_session *s, run_event_kind k, int64_t step, double elapsed,
                         char *text)
{
    run_record r = {.step = step, .elapsed_s = elapsed, .event = k};
    run_session_poll_event(s, &r, text);
}

static void handle_step(run_session *s, const ring_record *rec)
{
    s->last = *rec;
    run_record r = {.kind = RUN_RECORD_STEP, .step = rec->step, .elapsed_s = rec->elapsed_s,
                    .epoch = rec->epoch, .loss = rec->loss, .lr = rec->lr,
                    .grad_norm = rec->grad_norm, .tokens_per_s = rec->tokens_per_s,
                    .rss_bytes = rec->mem_bytes,
                    .logged = rec->step % s->cfg.logging_steps == 0};
    if (r.logged) {
        json_t *row = step_row(rec);
        log_row(s, s->rd.metrics, row);
        json_decref(row);
    }
    hand_back(s, &r, NULL);
    run_session_alarm_step(s, rec);
}

/* Each record is handed back before the alarm it sets off. */
static void handle_record(run_session *s, ring_record *rec)
{
    if (rec->kind == RING_EVENT) {
        handle_event(s, (run_event_kind)rec->code, rec->step, rec->elapsed_s, rec->text);
        rec->text = NULL;
    } else if (rec->kind == RING_EVAL) {
        run_record r = {.kind = RUN_RECORD_EVAL, .step = rec->step,
                        .elapsed_s = rec->elapsed_s, .eval_loss = rec->eval_loss};
        log_eval(s, rec->step, rec->eval_loss);
        hand_back(s, &r, NULL);
        run_session_alarm_eval(s, rec);
    } else {
        handle_step(s, rec);
    }
}

/* Drains the ring until it is empty, or until a record made a message:
 * the records after it wait for the next poll, which tells the message
 * first. Returns true when it stopped early. */
static bool drain_ring(run_session *s)
{
    ring_record rec;
    while (ring_pop(s->metrics, &rec)) {
        handle_record(s, &rec);
        atomic_fetch_add(&s->logged, 1);
        if (s->deferred.head)
            return true;
    }
    return false;
}

static void handle_notes(run_session *s, run_note *n)
{
    for (; n; n = n->next) {
        if (n->is_phase) {
            if (s->hooks.progress)
                s->hooks.progress(s->hooks.ctx, &(run_progress){n->text, -1.0});
        } else if (n->is_event) {
            handle_event(s, n->event, 0, 0.0, n->text);
            n->text = NULL;
        } else {
            say(s, n->severity, n->diag, n->text);
        }
    }
}

static void forget_records(run_session *s)
{
    for (size_t i = 0; i < s->n_texts; i++)
        free(s->texts[i]);
    s->n_texts = s->n_out = 0;
}

/* ------------------------------------------------------------ the end */

/* Once the trainer thread has ended and its last record is logged: the logs
 * closed, the directory unlocked, and how it went, told at the next poll. */
static void close_run(run_session *s)
{
    if (s->closing)
        defer(s, RUN_INFO, "%s", s->closing);
    char err[512];
    if (s->log_failed) {
        snprintf(err, sizeof err, "%s: writing the logs failed: %s", s->run_path,
                 strerror(s->log_errno));
        run_session_fail(s, err);
    }
    if (run_dir_close(&s->rd, err, sizeof err))
        run_session_fail(s, err);
    pthread_mutex_lock(&s->mu);
    s->state = s->failed ? RUN_SESSION_FAILED : RUN_SESSION_DONE;
    char *why = s->failure;
    s->failure = NULL;
    pthread_mutex_unlock(&s->mu);
    if (why)
        defer(s, RUN_ERROR, "%s", why);
    free(why);
    s->closed = true;
}

/* ------------------------------------------------------------ poll */

/* The callbacks change only on this thread (run_session_set_hooks), so
 * poll reads them without the lock. */
run_session_state run_session_poll(run_session *s, run_poll *out)
{
    forget_records(s);
    tell_deferred(s);
    pthread_mutex_lock(&s->mu);
    run_note *notes = s->queue.head;
    s->queue.head = s->queue.tail = NULL;
    bool moved = s->progress_moved;
    s->progress_moved = false;
    run_progress p = {s->live.phase, s->live.phase_fraction};
    char phase[sizeof s->live.phase];
    snprintf(phase, sizeof phase, "%s", p.phase);
    p.phase = phase;
    run_session_state state = s->state;
    bool ended = s->ended;
    pthread_mutex_unlock(&s->mu);
    handle_notes(s, notes);
    run_notes_free(&(run_notes){notes, NULL});
    if (moved && s->hooks.progress)
        s->hooks.progress(s->hooks.ctx, &p);
    if (state != RUN_SESSION_NEW && state != RUN_SESSION_PREPARING && s->worker_started &&
        !s->worker_joined) {
        pthread_join(s->worker, NULL);
        s->worker_joined = true;
    }
    bool live = (state == RUN_SESSION_RUNNING || state == RUN_SESSION_ENDING) && !s->closed;
    if (live && ended && !s->trainer_joined) {
        trainer_join(s->t);
        s->trainer_joined = true;
    }
    if (live && !drain_ring(s) && s->trainer_joined)
        close_run(s);
    if (s->closed) {
        pthread_mutex_lock(&s->mu);
        state = s->deferred.head ? RUN_SESSION_ENDING : s->state;
        pthread_mutex_unlock(&s->mu);
    } else if (state == RUN_SESSION_RUNNING) {
        trainer_status ts;
        trainer_get_status(s->t, &ts);
        if (ts.state == TRAINER_PAUSED)
            state = RUN_SESSION_PAUSED;
    }
    if (out)
        *out = (run_poll){.state = state, .records = s->out, .n = s->n_out};
    return state;
}

void run_session_poll_free(run_session *s)
{
    char err[256];
    forget_records(s);
    free(s->out);
    free(s->texts);
    run_notes_free(&s->deferred);
    run_dir_close(&s->rd, err, sizeof err);
}
