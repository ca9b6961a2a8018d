/* chat_side.c - a chat side's worker thread and the hand-over of streamed
 * text and finished replies to the UI thread (chat_side.h). The worker owns
 * the inference session and the list of tokens its cache holds; the UI
 * thread owns nothing the worker writes except through the mutex. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat_side.h"
#include "generate.h"

typedef enum { SIDE_IDLE, SIDE_QUEUED, SIDE_RUNNING, SIDE_DONE } side_state;

struct chat_side {
    chat_base *base;
    model *view;
    chat_notify_fn notify;
    void *notify_ctx;
    pthread_t thread;
    bool started;
    atomic_bool stop;

    /* under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    side_state state;
    bool quit;
    tok_ids job;            /* the prompt of a queued reply */
    tsample_params job_p;
    int job_max;
    bytebuf pending;        /* streamed, not yet polled */
    chat_reply result;      /* SIDE_DONE */

    /* the worker's own */
    gen_session *gs;
    tok_ids cached;         /* the tokens whose keys and values gs holds */
    bytebuf all;            /* the reply so far */
    double t0, t_first, t_last;
    size_t n_tokens;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_text(void *ctx, const char *text, size_t len)
{
    chat_side *s = ctx;
    bytebuf_put(&s->all, text, len);
    pthread_mutex_lock(&s->mu);
    bytebuf_put(&s->pending, text, len);
    pthread_mutex_unlock(&s->mu);
    if (s->notify)
        s->notify(s->notify_ctx);
}

static void on_token(void *ctx, int32_t id)
{
    (void)id;
    chat_side *s = ctx;
    s->t_last = now_s();
    if (s->n_tokens++ == 0)
        s->t_first = s->t_last;
}

static size_t common_prefix(const tok_ids *a, const tok_ids *b)
{
    size_t n = a->n < b->n ? a->n : b->n, i = 0;
    while (i < n && a->ids[i] == b->ids[i])
        i++;
    return i;
}

/* After a reply the cache holds the prompt and the generated tokens fed
 * back, as far as the session's position goes. */
static int remember(chat_side *s, const tok_ids *prompt, const tok_ids *out)
{
    size_t pos = (size_t)gen_session_pos(s->gs);
    s->cached.n = 0;
    for (size_t i = 0; i < pos; i++)
        if (tok_ids_push(&s->cached, i < prompt->n ? prompt->ids[i] : out->ids[i - prompt->n]))
            return -1;
    return 0;
}

static void fill_stats(const chat_side *s, size_t prompt_tokens, size_t reused, chat_stats *st)
{
    double end = now_s();
    st->prompt_tokens = prompt_tokens;
    st->reused = reused;
    st->tokens = s->n_tokens;
    st->seconds = end - s->t0;
    st->ttft_s = s->n_tokens ? s->t_first - s->t0 : 0.0;
    st->tok_per_s = s->n_tokens > 1 && s->t_last > s->t_first
                        ? (double)(s->n_tokens - 1) / (s->t_last - s->t_first) : 0.0;
}

static void run_reply(chat_side *s, const tok_ids *prompt, const tsample_params *p, int max_new,
                      chat_reply *r)
{
    s->t0 = now_s();
    s->n_tokens = 0;
    s->all.len = 0;
    s->all.oom = false;
    /* completion_run feeds the prompt's last token again whatever the cache holds */
    size_t reused = common_prefix(&s->cached, prompt);
    if (prompt->n && reused >= prompt->n)
        reused = prompt->n - 1;
    tok_ids out = {0};
    token_sampler *ts = tsample_new(p, model_get_config(s->view)->n_vocab, r->err,
                                    sizeof r->err);
    completion_opts o = {.max_new = max_new, .on_text = on_text, .ctx = s,
                         .on_token = on_token, .cached = reused, .cancel = &s->stop};
    if (ts && !completion_run(s->gs, ts, s->base->g.vocab, prompt->ids, prompt->n, &o, &out,
                              &r->stats.stop, r->err, sizeof r->err)) {
        if (remember(s, prompt, &out))
            s->cached.n = 0;
    } else {
        s->cached.n = 0;    /* the session's state is not known: start afresh next time */
        reused = 0;
    }
    fill_stats(s, prompt->n, reused, &r->stats);
    r->text = strndup(s->all.p ? s->all.p : "", s->all.len);
    if (!r->err[0] && (!r->text || s->all.oom))
        snprintf(r->err, sizeof r->err, "out of memory");
    tsample_free(ts);
    tok_ids_free(&out);
}

static void *worker(void *arg)
{
    chat_side *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->state != SIDE_QUEUED && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->quit)
            break;
        s->state = SIDE_RUNNING;
        tok_ids prompt = s->job;
        s->job = (tok_ids){0};
        tsample_params p = s->job_p;
        int max_new = s->job_max;
        pthread_mutex_unlock(&s->mu);

        chat_reply r = {0};
        run_reply(s, &prompt, &p, max_new, &r);
        tok_ids_free(&prompt);

        pthread_mutex_lock(&s->mu);
        s->result = r;
        s->state = SIDE_DONE;
        pthread_mutex_unlock(&s->mu);
        if (s->notify)
            s->notify(s->notify_ctx);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int make_view(chat_side *s, const adapter *ad, int threads, int n_ctx, char *err,
                     size_t errlen)
{
    if (!(s->view = model_view_new(s->base->g.mf.m, err, errlen)))
        return -1;
    if (ad && adapter_attach(ad, s->view, err, errlen))
        return -1;
    if (model_set_threads(s->view, threads, 0, err, errlen))
        return -1;
    s->gs = gen_session_new(s->view, n_ctx, err, errlen);
    return s->gs ? 0 : -1;
}

chat_side *chat_side_new(chat_base *base, const adapter *ad, int threads, int n_ctx,
                         chat_notify_fn notify, void *ctx, char *err, size_t errlen)
{
    chat_side *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = chat_base_ref(base);
    s->notify = notify;
    s->notify_ctx = ctx;
    atomic_init(&s->stop, false);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (make_view(s, ad, threads, n_ctx, err, errlen)) {
        chat_side_free(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, worker, s)) {
        snprintf(err, errlen, "cannot start a generation thread");
        chat_side_free(s);
        return NULL;
    }
    s->started = true;
    return s;
}

void chat_side_free(chat_side *s)
{
    if (!s)
        return;
    if (s->started) {
        atomic_store(&s->stop, true);
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    free(s->result.text);
    tok_ids_free(&s->job);
    tok_ids_free(&s->cached);
    bytebuf_free(&s->pending);
    bytebuf_free(&s->all);
    gen_session_free(s->gs);
    model_free(s->view);
    chat_base_unref(s->base);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

chat_base *chat_side_base(const chat_side *s)
{
    return s->base;
}

const model *chat_side_model(const chat_side *s)
{
    return s->view;
}

int chat_side_ctx(const chat_side *s)
{
    return gen_session_ctx(s->gs);
}

int chat_side_start(chat_side *s, const tok_ids *prompt, const tsample_params *p, int max_new,
                    char *err, size_t errlen)
{
    tok_ids copy = {0};
    for (size_t i = 0; i < prompt->n; i++)
        if (tok_ids_push(&copy, prompt->ids[i])) {
            tok_ids_free(&copy);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    pthread_mutex_lock(&s->mu);
    bool idle = s->state == SIDE_IDLE;
    if (idle) {
        atomic_store(&s->stop, false);
        s->job = copy;
        s->job_p = *p;
        s->job_max = max_new;
        s->state = SIDE_QUEUED;
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (!idle) {
        tok_ids_free(&copy);
        snprintf(err, errlen, "a reply is still being generated: wait for it or stop it");
        return -1;
    }
    return 0;
}

void chat_side_stop(chat_side *s)
{
    atomic_store(&s->stop, true);
}

int chat_side_poll(chat_side *s, bytebuf *text, chat_reply *reply)
{
    pthread_mutex_lock(&s->mu);
    side_state st = s->state;
    if (s->pending.len) {
        bytebuf_put(text, s->pending.p, s->pending.len);
        s->pending.len = 0;
    }
    if (st == SIDE_DONE) {
        *reply = s->result;
        s->result = (chat_reply){0};
        s->state = SIDE_IDLE;
    }
    pthread_mutex_unlock(&s->mu);
    return st == SIDE_IDLE ? -1 : st == SIDE_DONE ? 1 : 0;
}

bool chat_side_busy(chat_side *s)
{
    pthread_mutex_lock(&s->mu);
    bool busy = s->state != SIDE_IDLE;
    pthread_mutex_unlock(&s->mu);
    return busy;
}
