/* trainer.c - the training thread: gather micro-batches, accumulate, check,
 * clip, update, publish. Control state lives under one mutex that the thread
 * takes once per step; the heavy work runs outside it. A paused thread waits
 * on the condition variable, and wakes for a resume, a stop or a hook call. */
#include "config.h"

#include "trainer.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "grad.h"

typedef struct {
    int32_t *tokens;
    int32_t *targets;
    float *weights;
    int32_t *doc;
    size_t cap;
    trainer_batch b;
} batch_copy;

struct trainer {
    trainer_config c;
    trainer_model m;
    trainer_source s;
    ring *metrics;
    optim *opt;
    batch_copy *mb;        /* grad_accum micro-batch copies */
    trainer_reduce red;    /* data parallelism; all NULL for one process */

    pthread_t thread;
    bool started, joined;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Under mu. */
    trainer_status st;
    bool stop_req, pause_req, hook_req;

    /* Trainer thread only. */
    double t0, paused_s;
    double paused_since;   /* when the current pause began; 0 when running */
    double last_mult;      /* the lr multiplier of the previous step */
    bool grads_zero;       /* the last update left the gradients zeroed */
    void (*step_hook)(void *ctx, int64_t step);
    void *step_hook_ctx;
    void (*end_hook)(void *ctx);
    void *end_hook_ctx;
};

trainer_config trainer_defaults(void)
{
    trainer_config c;
    memset(&c, 0, sizeof c);
    c.optim = optim_defaults();
    c.schedule.kind = SCHED_CONSTANT;
    c.max_grad_norm = 1.0;
    c.grad_accum = 1;
    c.nan_tolerance = 3;
    return c;
}

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    if (!f)
        return 0;
    int got = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    return got == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static int check_config(const trainer_config *c, const trainer_model *m, char *err, size_t errlen)
{
    if (!(c->learning_rate >= 0.0) || !isfinite(c->learning_rate)) {
        snprintf(err, errlen, "learning_rate must be a finite number >= 0, got %g", c->learning_rate);
        return -1;
    }
    if (c->grad_accum < 1) {
        snprintf(err, errlen, "gradient_accumulation_steps must be >= 1, got %d", c->grad_accum);
        return -1;
    }
    if (c->nan_tolerance < 1) {
        snprintf(err, errlen, "nan_tolerance must be >= 1, got %d", c->nan_tolerance);
        return -1;
    }
    if (c->max_steps < 0) {
        snprintf(err, errlen, "max_steps must be >= 0, got %lld", (long long)c->max_steps);
        return -1;
    }
    if (!m->accumulate || (m->n_params && !m->params)) {
        snprintf(err, errlen, "the model gives the trainer no forward/backward or no parameters");
        return -1;
    }
    return schedule_validate(&c->schedule, err, errlen);
}

trainer *trainer_new(const trainer_config *c, const trainer_model *m, const trainer_source *s,
                     ring *metrics, char *err, size_t errlen)
{
    if (check_config(c, m, err, errlen))
        return NULL;
    if (!s->next || !metrics) {
        snprintf(err, errlen, "the trainer needs a batch source and a metrics ring");
        return NULL;
    }
    trainer *t = calloc(1, sizeof *t);
    if (!t || !(t->mb = calloc((size_t)c->grad_accum, sizeof *t->mb))) {
        free(t);
        snprintf(err, errlen, "out of memory for the trainer");
        return NULL;
    }
    t->c = *c;
    t->m = *m;
    t->s = *s;
    t->metrics = metrics;
    t->st.lr_multiplier = 1.0;
    t->opt = optim_new(&c->optim, m->params, m->n_params, err, errlen);
    if (!t->opt) {
        free(t->mb);
        free(t);
        return NULL;
    }
    optim_set_pool(t->opt, m->pool);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    return t;
}

static int copy_batch(batch_copy *dst, const trainer_batch *src, char *err, size_t errlen)
{
    if (src->B < 1 || src->T < 1 || !src->tokens || !src->targets) {
        snprintf(err, errlen, "the batch source gave an empty batch (B=%d, T=%d)", src->B, src->T);
        return -1;
    }
    size_t n = (size_t)src->B * (size_t)src->T;
    if (n > dst->cap) {
        free(dst->tokens);
        free(dst->targets);
        free(dst->weights);
        free(dst->doc);
        dst->tokens = malloc(n * sizeof *dst->tokens);
        dst->targets = malloc(n * sizeof *dst->targets);
        dst->weights = malloc(n * sizeof *dst->weights);
        dst->doc = malloc(n * sizeof *dst->doc);
        dst->cap = dst->tokens && dst->targets && dst->weights && dst->doc ? n : 0;
        if (!dst->cap) {
            snprintf(err, errlen, "out of memory copying a batch of %zu tokens", n);
            return -1;
        }
    }
    memcpy(dst->tokens, src->tokens, n * sizeof *dst->tokens);
    memcpy(dst->targets, src->targets, n * sizeof *dst->targets);
    for (size_t i = 0; i < n; i++)
        dst->weights[i] = src->weights ? src->weights[i] : 1.0f;
    if (src->doc)
        memcpy(dst->doc, src->doc, n * sizeof *dst->doc);
    else
        memset(dst->doc, 0, n * sizeof *dst->doc);
    dst->b = *src;
    dst->b.tokens = dst->tokens;
    dst->b.targets = dst->targets;
    dst->b.weights = dst->weights;
    dst->b.doc = dst->doc;
    return 0;
}

double trainer_batch_weight(const trainer_batch *b)
{
    double sum = 0.0;
    size_t n = (size_t)b->B * (size_t)b->T;
    for (size_t i = 0; i < n; i++)
        if (b->targets[i] >= 0)
            sum += b->weights ? (double)b->weights[i] : 1.0;
    return sum;
}

/* Result of one optimizer step's worth of work. */
typedef struct {
    int got;              /* micro-batches gathered (by every process); 0 = data exhausted */
    int local;            /* of them, this process's */
    size_t tokens;
    double scored;
    double loss, norm, epoch;
} step_result;

/* The step's counts summed over every process (trainer_reduce); RC says
 * whether this one failed (its message in err). */
static int sum_counts(trainer *t, step_result *r, int rc, char *err, size_t errlen)
{
    char failed[256];
    snprintf(failed, sizeof failed, "%s", err);
    double v[3] = {r->got, (double)r->tokens, r->scored};
    if (t->red.counts(t->red.ctx, v, rc ? failed : NULL, err, errlen))
        return -1;
    r->got = (int)v[0];
    r->tokens = (size_t)v[1];
    r->scored = v[2];
    return 0;
}

static int gather(trainer *t, step_result *r, char *err, size_t errlen)
{
    int rc = 0;
    for (int k = 0; k < t->c.grad_accum && !rc; k++) {
        trainer_batch b;
        memset(&b, 0, sizeof b);
        rc = t->s.next(t->s.ctx, &b, err, errlen);
        if (rc == 0)
            break;
        rc = rc < 0 || copy_batch(&t->mb[k], &b, err, errlen) ? -1 : 0;
        if (rc)
            break;
        r->got++;
        r->tokens += (size_t)b.B * (size_t)b.T;
        r->scored += trainer_batch_weight(&t->mb[k].b);
        r->epoch = b.epoch;
    }
    r->local = r->got;
    return t->red.counts ? sum_counts(t, r, rc, err, errlen) : rc;
}

/* Forward/backward over the gathered micro-batches; loss and grads are means
 * over all scored tokens of the step. */
static int accumulate(trainer *t, step_result *r, int64_t step, char *err, size_t errlen)
{
    if (t->m.begin_step)
        t->m.begin_step(t->m.ctx, step);
    if (!t->grads_zero)
        optim_zero_grad(t->opt);
    t->grads_zero = false;
    double n = r->scored > 0.0 ? r->scored : 1.0;
    double loss = 0.0;
    int rc = 0;
    for (int k = 0; k < r->local && !rc; k++) {
        double part = 0.0;
        rc = t->m.accumulate(t->m.ctx, &t->mb[k].b, n, &part, err, errlen);
        loss += part;
    }
    if (t->red.grads) {
        char failed[256];
        snprintf(failed, sizeof failed, "%s", err);
        rc = t->red.grads(t->red.ctx, t->m.params, t->m.n_params, &loss, rc ? failed : NULL,
                          err, errlen);
    }
    if (rc)
        return -1;
    r->loss = loss;
    r->norm = optim_grad_norm(t->opt);
    return 0;
}

double trainer_elapsed(const trainer *t)
{
    double now = clock_s();
    return now - t->t0 - t->paused_s - (t->paused_since > 0.0 ? now - t->paused_since : 0.0);
}

static void push_event(trainer *t, trainer_event code, int64_t step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void push_event(trainer *t, trainer_event code, int64_t step, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ring_push_eventv(t->metrics, (uint32_t)code, step, trainer_elapsed(t), fmt, ap);
    va_end(ap);
}

static void finish(trainer *t, trainer_state state, trainer_end end, const char *msg)
{
    pthread_mutex_lock(&t->mu);
    t->st.state = state;
    t->st.end = end;
    snprintf(t->st.message, sizeof t->st.message, "%s", msg);
    int64_t step = t->st.step;
    pthread_mutex_unlock(&t->mu);
    if (!t->end_hook)
        push_event(t, end == TRAINER_END_NONFINITE ? TRAINER_EVENT_NONFINITE_STOP
                                                   : TRAINER_EVENT_END, step, "%s", msg);
}

/* Calls the step hook for STEP when it was asked for (trainer_call_hook);
 * called with mu held, which it releases around the call. */
static void serve_hook_call(trainer *t, int64_t step)
{
    if (!t->hook_req)
        return;
    t->hook_req = false;
    pthread_mutex_unlock(&t->mu);
    if (t->step_hook)
        t->step_hook(t->step_hook_ctx, step);
    pthread_mutex_lock(&t->mu);
}

/* Waits, with mu held, while paused; runs the hook calls asked for
 * meanwhile. */
static void pause_here(trainer *t)
{
    int64_t step = t->st.step;
    t->paused_since = clock_s();
    t->st.state = TRAINER_PAUSED;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    push_event(t, TRAINER_EVENT_PAUSED, step, "paused after step %lld", (long long)step);
    pthread_mutex_lock(&t->mu);
    while (t->pause_req && !t->stop_req) {
        serve_hook_call(t, step);
        if (t->pause_req && !t->stop_req && !t->hook_req)
            pthread_cond_wait(&t->cv, &t->mu);
    }
    t->st.state = TRAINER_RUNNING;
    t->paused_s += clock_s() - t->paused_since;
    t->paused_since = 0.0;
    if (t->stop_req)
        return;
    pthread_mutex_unlock(&t->mu);
    push_event(t, TRAINER_EVENT_CONTINUED, step, "continued after step %lld", (long long)step);
    pthread_mutex_lock(&t->mu);
}

/* Blocks while paused. Returns true when a stop was requested. */
static bool wait_if_paused(trainer *t, double *lr_mult, int64_t *step)
{
    pthread_mutex_lock(&t->mu);
    if (t->pause_req && !t->stop_req)
        pause_here(t);
    bool stop = t->stop_req;
    *lr_mult = t->st.lr_multiplier;
    *step = t->st.step;
    pthread_mutex_unlock(&t->mu);
    return stop;
}

/* Applies a finite step, or skips a non-finite one. Returns false when the
 * run must stop for too many consecutive non-finite steps. */
static bool apply(trainer *t, const step_result *r, int64_t step, double lr)
{
    bool finite = isfinite(r->loss) && isfinite(r->norm);
    pthread_mutex_lock(&t->mu);
    t->st.skipped += !finite;
    t->st.consecutive_skipped = finite ? 0 : t->st.consecutive_skipped + 1;
    int64_t bad = t->st.consecutive_skipped;
    pthread_mutex_unlock(&t->mu);
    if (!finite) {
        push_event(t, TRAINER_EVENT_SKIPPED, step + 1, "skipped step %lld: non-finite %s",
                   (long long)step + 1, isfinite(r->loss) ? "gradient" : "loss");
        return bad < t->c.nan_tolerance;
    }
    optim_step_clipped(t->opt, lr, grad_clip_coef(r->norm, t->c.max_grad_norm));
    t->grads_zero = true;
    return true;
}

static void publish(trainer *t, const step_result *r, int64_t step, double lr, double dt)
{
    ring_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = RING_STEP;
    rec.step = step;
    rec.epoch = r->epoch;
    rec.loss = r->loss;
    rec.lr = lr;
    rec.grad_norm = r->norm;
    rec.tokens_per_s = dt > 0.0 ? (double)r->tokens / dt : 0.0;
    rec.elapsed_s = trainer_elapsed(t);
    rec.mem_bytes = rss_bytes();
    ring_push(t->metrics, &rec);
}

/* One optimizer step. Returns 1 to go on, 0 when the run has ended. */
static int run_step(trainer *t)
{
    char err[256] = "";
    double mult;
    int64_t step;
    bool stop = wait_if_paused(t, &mult, &step);
    if (t->red.begin && t->red.begin(t->red.ctx, &stop, &mult, err, sizeof err)) {
        finish(t, TRAINER_FAILED, TRAINER_END_ERROR, err);
        return 0;
    }
    if (stop) {
        finish(t, TRAINER_STOPPED, TRAINER_END_STOP, "stopped on request");
        return 0;
    }
    if (t->c.max_steps > 0 && step >= t->c.max_steps) {
        finish(t, TRAINER_FINISHED, TRAINER_END_MAX_STEPS, "reached max_steps");
        return 0;
    }
    if (mult != t->last_mult)
        push_event(t, TRAINER_EVENT_LR, step + 1, "learning-rate multiplier %g from step %lld",
                   mult, (long long)step + 1);
    t->last_mult = mult;
    double s0 = clock_s();
    step_result r;
    memset(&r, 0, sizeof r);
    if (gather(t, &r, err, sizeof err) || (r.got && accumulate(t, &r, step, err, sizeof err))) {
        finish(t, TRAINER_FAILED, TRAINER_END_ERROR, err);
        return 0;
    }
    if (!r.got) {
        finish(t, TRAINER_FINISHED, TRAINER_END_DATA, "data exhausted");
        return 0;
    }
    double lr = t->c.learning_rate * schedule_factor(&t->c.schedule, step) * mult;
    bool go_on = apply(t, &r, step, lr);
    pthread_mutex_lock(&t->mu);
    t->st.step = step + 1;
    t->st.last_loss = r.loss;
    t->hook_req = false;  /* the call below serves it */
    pthread_mutex_unlock(&t->mu);
    publish(t, &r, step + 1, lr, clock_s() - s0);
    if (t->step_hook)
        t->step_hook(t->step_hook_ctx, step + 1);
    if (!go_on) {
        snprintf(err, sizeof err, "stopped: non-finite loss or gradient on %d consecutive steps "
                 "(last at step %lld); the weights hold the last finite update",
                 t->c.nan_tolerance, (long long)step + 1);
        finish(t, TRAINER_FAILED, TRAINER_END_NONFINITE, err);
        return 0;
    }
    return 1;
}

static void *thread_main(void *arg)
{
    trainer *t = arg;
    pthread_setname_np(pthread_self(), "lathe-trainer");   /* per-thread CPU by name */
    t->t0 = clock_s();
    t->last_mult = 1.0;
    while (run_step(t))
        ;
    if (t->end_hook)
        t->end_hook(t->end_hook_ctx);
    return NULL;
}

int trainer_start(trainer *t, char *err, size_t errlen)
{
    pthread_mutex_lock(&t->mu);
    bool already = t->started;
    if (!already)
        t->st.state = TRAINER_RUNNING;
    pthread_mutex_unlock(&t->mu);
    if (already) {
        snprintf(err, errlen, "the trainer was already started");
        return -1;
    }
    if (pthread_create(&t->thread, NULL, thread_main, t) != 0) {
        pthread_mutex_lock(&t->mu);
        t->st.state = TRAINER_FAILED;
        pthread_mutex_unlock(&t->mu);
        snprintf(err, errlen, "cannot start the training thread");
        return -1;
    }
    t->started = true;
    return 0;
}

void trainer_pause(trainer *t)
{
    pthread_mutex_lock(&t->mu);
    t->pause_req = true;
    pthread_mutex_unlock(&t->mu);
}

void trainer_resume(trainer *t)
{
    pthread_mutex_lock(&t->mu);
    t->pause_req = false;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void trainer_stop(trainer *t)
{
    pthread_mutex_lock(&t->mu);
    t->stop_req = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void trainer_set_lr_multiplier(trainer *t, double mult)
{
    if (!(mult >= 0.0) || !isfinite(mult))
        return;
    pthread_mutex_lock(&t->mu);
    t->st.lr_multiplier = mult;
    pthread_mutex_unlock(&t->mu);
}

void trainer_get_status(trainer *t, trainer_status *out)
{
    pthread_mutex_lock(&t->mu);
    *out = t->st;
    pthread_mutex_unlock(&t->mu);
}

void trainer_join(trainer *t)
{
    if (t->started && !t->joined) {
        pthread_join(t->thread, NULL);
        t->joined = true;
    }
}

void trainer_free(trainer *t)
{
    if (!t)
        return;
    if (t->started && !t->joined)
        trainer_stop(t);
    trainer_join(t);
    for (int k = 0; k < t->c.grad_accum; k++) {
        free(t->mb[k].tokens);
        free(t->mb[k].targets);
        free(t->mb[k].weights);
        free(t->mb[k].doc);
    }
    free(t->mb);
    optim_free(t->opt);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

size_t trainer_optim_bytes(const trainer *t)
{
    return optim_state_bytes(t->opt);
}

void trainer_set_step_hook(trainer *t, void (*fn)(void *ctx, int64_t step), void *ctx)
{
    t->step_hook = fn;
    t->step_hook_ctx = ctx;
}

void trainer_call_hook(trainer *t)
{
    pthread_mutex_lock(&t->mu);
    t->hook_req = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void trainer_set_reduce(trainer *t, const trainer_reduce *r)
{
    t->red = *r;
}

void trainer_set_end_hook(trainer *t, void (*fn)(void *ctx), void *ctx)
{
    t->end_hook = fn;
    t->end_hook_ctx = ctx;
}

optim *trainer_optim(trainer *t)
{
    return t->opt;
}

void trainer_restore_step(trainer *t, int64_t step, int64_t skipped, int64_t consecutive)
{
    pthread_mutex_lock(&t->mu);
    t->st.step = step;
    t->st.skipped = skipped;
    t->st.consecutive_skipped = consecutive;
    pthread_mutex_unlock(&t->mu);
}
