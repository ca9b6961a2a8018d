/* run_session.c - a run session's life (new, prepare on a worker thread,
 * start, free), its controls and status, and the queue through which the
 * worker tells poll what it found (see run_session.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "run_session_impl.h"

/* The stable names events.jsonl's "kind" carries: never renamed, so any
 * reader of any run can tell events apart. */
static const struct {
    run_event_kind kind;
    const char *name;
} event_names[] = {
    {RUN_EVENT_END, "end"},
    {RUN_EVENT_NONFINITE_STOP, "nonfinite_stop"},
    {RUN_EVENT_SKIPPED_STEP, "skipped_step"},
    {RUN_EVENT_PAUSED, "paused"},
    {RUN_EVENT_CONTINUED, "continued"},
    {RUN_EVENT_LR_MULTIPLIER, "lr_multiplier"},
    {RUN_EVENT_STARTED, "started"},
    {RUN_EVENT_DATA, "data"},
    {RUN_EVENT_WARNING, "warning"},
    {RUN_EVENT_CHECKPOINT, "checkpoint"},
    {RUN_EVENT_CHECKPOINT_FAILED, "checkpoint_failed"},
    {RUN_EVENT_FINAL_CHECKPOINT_FAILED, "final_checkpoint_failed"},
    {RUN_EVENT_EVALUATED, "evaluated"},
    {RUN_EVENT_EVAL_FAILED, "eval_failed"},
    {RUN_EVENT_EARLY_STOP, "early_stop"},
    {RUN_EVENT_BEST_LOADED, "best_loaded"},
    {RUN_EVENT_OUTPUT, "output"},
    {RUN_EVENT_OUTPUT_FAILED, "output_failed"},
    {RUN_EVENT_ALARM, "alarm"},
    {RUN_EVENT_UNKNOWN, "unknown"},
};

const char *run_event_name(run_event_kind k)
{
    for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
        if (event_names[i].kind == k)
            return event_names[i].name;
    return "unknown";
}

run_event_kind run_event_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof event_names / sizeof event_names[0]; i++)
        if (!strcmp(event_names[i].name, name))
            return event_names[i].kind;
    return RUN_EVENT_UNKNOWN;
}

/* ------------------------------------------------------------ the queue */

void run_notes_free(run_notes *q)
{
    for (run_note *n = q->head, *next; n; n = next) {
        next = n->next;
        free(n->text);
        free(n->diag);
        free(n);
    }
    q->head = q->tail = NULL;
}

void run_notes_push(run_notes *q, run_note *n)
{
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
}

run_note *run_note_new(const char *fmt, va_list ap)
{
    run_note *n = calloc(1, sizeof *n);
    if (n && vasprintf(&n->text, fmt, ap) < 0) {
        free(n);
        n = NULL;
    }
    return n;
}

void run_session_wake(run_session *s)
{
    if (s->hooks.wake)
        s->hooks.wake(s->hooks.ctx);
}

void run_session_say(run_session *s, run_severity sev, const config_diag *diag,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    run_note *n = run_note_new(fmt, ap);
    va_end(ap);
    if (!n)
        return;
    n->severity = sev;
    if (diag && (n->diag = malloc(sizeof *n->diag)))
        *n->diag = *diag;
    pthread_mutex_lock(&s->mu);
    run_notes_push(&s->queue, n);
    run_session_wake(s);
    pthread_mutex_unlock(&s->mu);
}

void run_session_pending_event(run_session *s, run_event_kind k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    run_note *n = run_note_new(fmt, ap);
    va_end(ap);
    if (!n)
        return;
    n->is_event = true;
    n->event = k;
    run_notes_push(&s->pending, n);
}

/* A note of TEXT as it is. */
__attribute__((format(printf, 1, 2))) static run_note *note_of(const char *text, ...)
{
    va_list ap;
    va_start(ap, text);
    run_note *n = run_note_new(text, ap);
    va_end(ap);
    return n;
}

/* A new phase is queued as well as shown, so that poll tells it however
 * soon the next one replaces it (the sample model loads in under the 2 ms
 * between a consumer's polls); its fraction only ever shows the latest. */
void run_session_set_phase(run_session *s, const char *phase, double fraction)
{
    pthread_mutex_lock(&s->mu);
    run_note *n = strcmp(phase, s->live.phase) ? note_of("%s", phase) : NULL;
    if (n) {
        n->is_phase = true;
        run_notes_push(&s->queue, n);
    }
    snprintf(s->live.phase, sizeof s->live.phase, "%s", phase);
    s->live.phase_fraction = fraction;
    s->progress_moved = true;
    run_session_wake(s);
    pthread_mutex_unlock(&s->mu);
}

bool run_session_cancelled(run_session *s)
{
    pthread_mutex_lock(&s->mu);
    bool c = s->cancel;
    pthread_mutex_unlock(&s->mu);
    return c;
}

void run_session_fail(run_session *s, const char *why)
{
    pthread_mutex_lock(&s->mu);
    s->failed = true;
    if (why && !s->failure)
        s->failure = strdup(why);
    pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------ life */

static char *dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;
    *oom |= s && !d;
    return d;
}

/* --set arguments in order, then max_steps=N, so --max-steps wins. */
static bool copy_sets(run_session *s, const run_session_options *o)
{
    bool oom = false;
    s->sets = calloc(o->n_sets + 1, sizeof *s->sets);
    if (!s->sets)
        return false;
    for (size_t i = 0; i < o->n_sets; i++)
        s->sets[s->n_sets++] = dup_or_null(o->sets[i], &oom);
    if (o->max_steps > 0 &&
        asprintf(&s->sets[s->n_sets++], "max_steps=%lld", (long long)o->max_steps) < 0) {
        s->sets[--s->n_sets] = NULL;
        oom = true;
    }
    return !oom;
}

run_session *run_session_new(const run_session_options *o, const run_session_hooks *hooks,
                             char *err, size_t errlen)
{
    run_session *s = calloc(1, sizeof *s);
    bool oom = !s;
    if (s) {
        pthread_mutex_init(&s->mu, NULL);
        s->config = dup_or_null(o->config, &oom);
        s->output = dup_or_null(o->output, &oom);
        s->resume = dup_or_null(o->resume, &oom);
        oom |= !copy_sets(s, o);
        s->dist = o->dist;
        if (hooks)
            s->hooks = *hooks;
        s->resume_step = s->last_saved = -1;
        s->live.best_eval = NAN;
        s->live.best_eval_step = s->live.last_checkpoint = -1;
        s->live.lr_multiplier = 1.0;
    }
    if (oom) {
        snprintf(err, errlen, "out of memory");
        run_session_free(s);
        return NULL;
    }
    return s;
}

static void *worker_main(void *arg)
{
    run_session *s = arg;
    pthread_setname_np(pthread_self(), "lathe-prepare");   /* per-thread CPU by name */
    char err[2048] = "";
    int rc = run_session_setup(s, err, sizeof err);
    if (rc && err[0])
        run_session_say(s, RUN_ERROR, NULL, "%s", err);
    pthread_mutex_lock(&s->mu);
    s->state = rc ? RUN_SESSION_FAILED : RUN_SESSION_READY;
    s->prepared = !rc;
    run_session_wake(s);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int run_session_prepare(run_session *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    bool fresh = s->state == RUN_SESSION_NEW;
    if (fresh)
        s->state = RUN_SESSION_PREPARING;
    pthread_mutex_unlock(&s->mu);
    if (!fresh) {
        snprintf(err, errlen, "the session was prepared already");
        return -1;
    }
    if (pthread_create(&s->worker, NULL, worker_main, s) != 0) {
        pthread_mutex_lock(&s->mu);
        s->state = RUN_SESSION_FAILED;
        pthread_mutex_unlock(&s->mu);
        snprintf(err, errlen, "cannot start the preparing thread");
        return -1;
    }
    s->worker_started = true;
    return 0;
}

int run_session_start(run_session *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    bool ready = s->state == RUN_SESSION_READY;
    if (ready) {
        /* The start event (and the worker's others) go to the log now. */
        if (s->pending.head) {
            run_notes_push(&s->queue, s->pending.head);
            s->queue.tail = s->pending.tail;
            s->pending.head = s->pending.tail = NULL;
        }
        s->state = RUN_SESSION_RUNNING;
    }
    pthread_mutex_unlock(&s->mu);
    if (!ready) {
        snprintf(err, errlen, "the session is not ready to start");
        return -1;
    }
    s->t0 = clock_s();
    if (trainer_start(s->t, err, errlen) == 0)
        return 0;
    run_dir_discard(&s->rd);
    pthread_mutex_lock(&s->mu);
    s->state = RUN_SESSION_FAILED;
    run_notes_free(&s->queue);
    pthread_mutex_unlock(&s->mu);
    return -1;
}

void run_session_set_hooks(run_session *s, const run_session_hooks *hooks)
{
    pthread_mutex_lock(&s->mu);
    if (hooks)
        s->hooks = *hooks;
    else
        memset(&s->hooks, 0, sizeof s->hooks);
    pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------ control */

/* The trainer, while there is one to steer. */
static trainer *steerable(run_session *s)
{
    pthread_mutex_lock(&s->mu);
    run_session_state st = s->state;
    trainer *t = st == RUN_SESSION_READY || st == RUN_SESSION_RUNNING ? s->t : NULL;
    pthread_mutex_unlock(&s->mu);
    return t;
}

void run_session_pause(run_session *s)
{
    trainer *t = steerable(s);
    if (t)
        trainer_pause(t);
}

void run_session_resume(run_session *s)
{
    trainer *t = steerable(s);
    if (t)
        trainer_resume(t);
}

void run_session_stop(run_session *s)
{
    pthread_mutex_lock(&s->mu);
    s->cancel = true;
    pthread_mutex_unlock(&s->mu);
    trainer *t = steerable(s);
    if (t)
        trainer_stop(t);
}

/* Sets *FLAG and has the trainer thread look at it at once. */
static void request(run_session *s, bool *flag)
{
    pthread_mutex_lock(&s->mu);
    *flag = true;
    pthread_mutex_unlock(&s->mu);
    trainer *t = steerable(s);
    if (t)
        trainer_call_hook(t);
}

void run_session_save_now(run_session *s)
{
    request(s, &s->save_req);
}

void run_session_eval_now(run_session *s)
{
    request(s, &s->eval_req);
}

void run_session_set_lr_multiplier(run_session *s, double mult)
{
    trainer *t = steerable(s);
    if (t)
        trainer_set_lr_multiplier(t, mult);
}

void run_session_get_status(run_session *s, run_session_status *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->live;
    out->state = s->state;
    bool prepared = s->prepared;
    pthread_mutex_unlock(&s->mu);
    if (!prepared)
        return;
    trainer_status ts;
    trainer_get_status(s->t, &ts);
    if (ts.state == TRAINER_PAUSED && out->state == RUN_SESSION_RUNNING)
        out->state = RUN_SESSION_PAUSED;
    out->step = ts.step;
    out->lr_multiplier = ts.lr_multiplier;
    out->ring_dropped = ring_dropped(s->metrics);
}

const char *run_session_dir(run_session *s)
{
    pthread_mutex_lock(&s->mu);
    bool made = s->prepared;
    pthread_mutex_unlock(&s->mu);
    return made ? s->run_path : NULL;
}

/* ------------------------------------------------------------ the end */

/* Stops a live run and polls it to its end, without callbacks. */
static void finish_headless(run_session *s)
{
    run_session_set_hooks(s, NULL);
    run_session_stop(s);
    run_session_state st;
    while ((st = run_session_poll(s, NULL)) != RUN_SESSION_DONE && st != RUN_SESSION_FAILED)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

void run_session_free(run_session *s)
{
    if (!s)
        return;
    run_session_stop(s);
    if (s->worker_started && !s->worker_joined)
        pthread_join(s->worker, NULL);
    s->worker_joined = true;
    pthread_mutex_lock(&s->mu);
    run_session_state st = s->state;
    pthread_mutex_unlock(&s->mu);
    if (st == RUN_SESSION_READY)
        run_dir_discard(&s->rd);
    else if (st >= RUN_SESSION_RUNNING && st != RUN_SESSION_FAILED)
        finish_headless(s);
    run_session_poll_free(s);
    trainer_free(s->t);
    train_bind_free(&s->bind);
    ring_free(s->metrics);
    pipe_source_free(&s->src);
    model_file_close(&s->mf);
    train_quant_free(&s->quant);
    pipeline_free(&s->pipe);
    tok_vocab_free(s->vocab);
    free(s->tmpl);
    train_config_free(&s->cfg);
    free(s->run_path);
    run_notes_free(&s->queue);
    run_notes_free(&s->pending);
    for (size_t i = 0; i < s->n_sets; i++)
        free(s->sets[i]);
    free(s->sets);
    free(s->config);
    free(s->output);
    free(s->resume);
    free(s->failure);
    free(s->closing);
    free(s->grad_bufs);
    free(s->grad_n);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
