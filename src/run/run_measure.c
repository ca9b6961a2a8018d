/* run_measure.c - a few real steps of a config, timed, on a thread of its
 * own (run_measure.h). The model is prepared as `lathe train` prepares it
 * (train_setup.h), the first micro-batch holds the longest sequences and
 * the rest come in the run's own order (pipe_source.h). */
#include "config.h"

#include "run_measure.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_load.h"
#include "pipe_batch.h"
#include "pipe_source.h"
#include "ring.h"
#include "train_bind.h"
#include "train_setup.h"
#include "trainer.h"

struct run_measure {
    const run_estimate *e;
    int steps;
    pthread_t thread;
    pthread_mutex_t mu;
    run_measure_progress progress;  /* under mu */
    trainer *t;                     /* under mu, while stepping */
    atomic_bool cancel;
    run_measure_result result;      /* the thread's until it ends */
};

/* The trainer's batches: the longest sequences first, then the run's. */
typedef struct {
    pipe_batch longest;
    bool gave_longest;
    pipe_source src;
    uint64_t *positions;            /* per micro-batch handed out */
    size_t n, cap;
} measure_source;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_progress(run_measure *m, run_measure_state st, int done, const char *msg)
{
    pthread_mutex_lock(&m->mu);
    m->progress.state = st;
    m->progress.steps_done = done;
    if (msg)
        snprintf(m->progress.message, sizeof m->progress.message, "%s", msg);
    pthread_mutex_unlock(&m->mu);
}

static int source_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    measure_source *s = ctx;
    int got = 1;
    if (!s->gave_longest) {
        pipe_batch_view(&s->longest, 0.0, out);
        s->gave_longest = true;
    } else {
        got = pipe_source_next(&s->src, out, err, errlen);
    }
    if (got == 1 && s->n < s->cap)
        s->positions[s->n++] = (uint64_t)out->B * (uint64_t)out->T;
    return got;
}

/* The micro-batch of the MICRO longest training sequences. */
static int longest_batch(const run_estimate *e, pipe_batch *b, char *err, size_t errlen)
{
    const pipe_set *set = &e->pipe.train;
    size_t micro = (size_t)e->cfg->micro_batch_size;
    micro = micro < set->n ? micro : set->n;
    pipe_seq *pick = calloc(micro, sizeof *pick);
    bool *used = calloc(set->n, sizeof *used);
    int rc = -1;
    if (pick && used) {
        for (size_t k = 0; k < micro; k++) {
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < set->n; i++)
                if (!used[i] && (best == SIZE_MAX || set->seqs[i].n > set->seqs[best].n))
                    best = i;
            used[best] = true;
            pick[k] = set->seqs[best];
        }
        rc = pipe_batch_make(b, pick, micro, (int)pick[0].n, e->pad, err, errlen);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    free(pick);
    free(used);
    return rc;
}

/* The model as `lathe train` prepares it. */
static int prepare_model(const run_estimate *e, model_file *mf, train_quant *q, char *err,
                         size_t errlen)
{
    const train_config *c = e->cfg;
    model_train_spec spec;
    if (train_setup_spec(c, &spec, err, errlen) ||
        model_file_load(mf, c->base_model, c->load_in_8bit || c->load_in_4bit, err, errlen))
        return -1;
    if (model_set_training(mf->m, &spec, err, errlen) ||
        train_setup_quantize(c, mf->m, q, err, errlen) ||
        model_set_threads(mf->m, e->threads, e->threads, err, errlen))
        return -1;
    model_set_checkpointing(mf->m, c->gradient_checkpointing);
    return 0;
}

/* Drains the ring: the elapsed time after each step, and the first loss. */
static void drain(run_measure *m, ring *r, double *elapsed, int *done)
{
    ring_record rec;
    while (ring_pop(r, &rec)) {
        ring_record_clear(&rec);  /* events are not measured; their text is ours to free */
        if (rec.kind != RING_STEP || rec.step < 1 || rec.step > m->steps)
            continue;
        elapsed[rec.step] = rec.elapsed_s;
        if (rec.step == 1)
            m->result.first_loss = rec.loss;
        *done = (int)rec.step;
        char msg[64];
        snprintf(msg, sizeof msg, "step %d of %d", *done, m->steps);
        set_progress(m, RUN_MEASURE_STEPPING, *done, msg);
    }
}

/* Step timing from the elapsed times and the positions per micro-batch. */
static void timing(run_measure *m, const double *elapsed, int done, const measure_source *s)
{
    run_measure_result *r = &m->result;
    int accum = (int)m->e->cfg->gradient_accumulation_steps;
    r->steps = done;
    r->first_step_s = elapsed[1];
    if (done < 2)
        return;
    uint64_t later = 0;
    for (size_t i = (size_t)accum; i < s->n && i < (size_t)done * (size_t)accum; i++)
        later += s->positions[i];
    r->step_s = (elapsed[done] - elapsed[1]) / (done - 1);
    r->token_s = later ? (elapsed[done] - elapsed[1]) / (double)later : 0.0;
}

static int run_steps(run_measure *m, model *mod, char *err, size_t errlen)
{
    const run_estimate *e = m->e;
    measure_source s = {.cap = (size_t)m->steps * (size_t)e->cfg->gradient_accumulation_steps};
    trainer_config tc = train_setup_trainer(e->cfg, e->total_steps);
    tc.max_steps = m->steps;
    train_bind bind = {0};
    trainer_model tm;
    ring *r = ring_new(256, err, errlen);
    double *elapsed = calloc((size_t)m->steps + 1, sizeof *elapsed);
    s.positions = calloc(s.cap + 1, sizeof *s.positions);
    trainer_source ts = {&s, source_next};
    trainer *t = NULL;
    int rc = -1, done = 0;
    if (!r || !elapsed || !s.positions)
        snprintf(err, errlen, "out of memory");
    else if (!longest_batch(e, &s.longest, err, errlen) &&
             !pipe_source_init(&s.src, &e->pipe.train, (size_t)e->cfg->micro_batch_size,
                               e->epochs, e->pad, err, errlen) &&
             !train_bind_model(&bind, mod, &tm, err, errlen) &&
             (t = trainer_new(&tc, &tm, &ts, r, err, errlen)))
        rc = trainer_start(t, err, errlen);
    if (rc == 0) {
        pthread_mutex_lock(&m->mu);
        m->t = t;
        pthread_mutex_unlock(&m->mu);
        if (atomic_load(&m->cancel))
            trainer_stop(t);
        trainer_status st;
        do {
            nanosleep(&(struct timespec){0, 20000000}, NULL);
            drain(m, r, elapsed, &done);
            trainer_get_status(t, &st);
        } while (st.state == TRAINER_RUNNING || st.state == TRAINER_READY);
        trainer_join(t);
        drain(m, r, elapsed, &done);
        pthread_mutex_lock(&m->mu);
        m->t = NULL;
        pthread_mutex_unlock(&m->mu);
        m->result.nonfinite = st.skipped;
        timing(m, elapsed, done, &s);
        if (st.state == TRAINER_FAILED) {
            snprintf(err, errlen, "%s", st.message);
            rc = -1;
        }
    }
    trainer_free(t);
    train_bind_free(&bind);
    ring_free(r);
    pipe_source_free(&s.src);
    pipe_batch_free(&s.longest);
    free(s.positions);
    free(elapsed);
    return rc;
}

/* One evaluation's time: a forward pass over the first validation batch
 * (the second of two, so allocation is not timed), per position. */
static int time_eval(run_measure *m, model *mod, char *err, size_t errlen)
{
    const run_estimate *e = m->e;
    pipe_source src;
    trainer_batch tb;
    if (e->pipe.val.n == 0 || e->eval_tokens == 0)
        return 0;
    if (pipe_source_init(&src, &e->pipe.val, (size_t)e->cfg->micro_batch_size, 1, e->pad, err,
                         errlen))
        return -1;
    int rc = pipe_source_next(&src, &tb, err, errlen) == 1 ? 0 : -1;
    double t0 = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        model_batch b = {tb.B, tb.T, tb.tokens, tb.targets, tb.weights, tb.doc, 0.0};
        double loss;
        t0 = now_s();
        rc = model_forward_loss(mod, &b, &loss, NULL, err, errlen);
    }
    if (rc == 0)
        m->result.eval_s = (now_s() - t0) / ((double)tb.B * tb.T) * (double)e->eval_tokens;
    pipe_source_free(&src);
    return rc;
}

static void *measure_main(void *arg)
{
    run_measure *m = arg;
    char err[512] = "";
    model_file mf = {0};
    train_quant q = {0};
    double t0 = now_s();
    int rc = prepare_model(m->e, &mf, &q, err, sizeof err);
    m->result.load_s = now_s() - t0;
    if (rc == 0 && !atomic_load(&m->cancel)) {
        set_progress(m, RUN_MEASURE_STEPPING, 0, "the longest batch first");
        rc = run_steps(m, mf.m, err, sizeof err);
    }
    if (rc == 0 && !atomic_load(&m->cancel))
        rc = time_eval(m, mf.m, err, sizeof err);
    run_measure_result *r = &m->result;
    r->train_s = r->token_s * (double)m->e->run_tokens + r->eval_s * (double)m->e->evals;
    if (atomic_load(&m->cancel))
        set_progress(m, RUN_MEASURE_CANCELLED, r->steps, "cancelled");
    else
        set_progress(m, rc ? RUN_MEASURE_FAILED : RUN_MEASURE_DONE, r->steps, rc ? err : "done");
    model_file_close(&mf);
    train_quant_free(&q);
    return NULL;
}

run_measure *run_measure_start(const run_estimate *e, int steps, char *err, size_t errlen)
{
    run_measure *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->e = e;
    m->steps = steps < 2 ? 2 : steps;
    m->progress = (run_measure_progress){RUN_MEASURE_LOADING, 0, m->steps, "reading the model"};
    atomic_init(&m->cancel, false);
    pthread_mutex_init(&m->mu, NULL);
    if (pthread_create(&m->thread, NULL, measure_main, m) != 0) {
        snprintf(err, errlen, "cannot start the measuring thread");
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    return m;
}

void run_measure_get_progress(run_measure *m, run_measure_progress *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->progress;
    pthread_mutex_unlock(&m->mu);
}

void run_measure_cancel(run_measure *m)
{
    atomic_store(&m->cancel, true);
    pthread_mutex_lock(&m->mu);
    if (m->t)
        trainer_stop(m->t);
    pthread_mutex_unlock(&m->mu);
}

int run_measure_finish(run_measure *m, run_measure_result *out, char *err, size_t errlen)
{
    pthread_join(m->thread, NULL);
    int rc = m->progress.state == RUN_MEASURE_DONE ? 0 : -1;
    if (rc == 0)
        *out = m->result;
    else
        snprintf(err, errlen, "%s", m->progress.message);
    pthread_mutex_destroy(&m->mu);
    free(m);
    return rc;
}

void run_measure_duration(char *buf, size_t len, double s)
{
    long min = (long)(s / 60);
    if (s < 90)
        snprintf(buf, len, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, len, "%ld min %.0f s", min, s - 60.0 * (double)min);
    else
        snprintf(buf, len, "%.1f h", s / 3600);
}
