/* data_source.c - the Data pane's background thread: index, tokenizer,
 * check, measure (see data_source.h). Everything the UI thread reads while
 * the thread runs is either atomic or published by an atomic count with
 * release/acquire ordering (the metrics array up to `measured`). */
#include "config.h"

#include "data_source.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "pipeline_render.h"
#include "config_diag.h"
#include "train_config.h"

/* Records between two drops of the text already read, so a pass over the
 * file does not keep all of it resident. */
#define RELEASE_EVERY 65536

/* Niceness of the worker threads, relative to the UI thread. */
#define BACKGROUND_NICE 10

struct data_source {
    dataset *ds;
    char *model;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_int stage;
    atomic_size_t measured;
    data_metrics *metrics;       /* one per record, sized after indexing */
    _Atomic(tok_vocab *) vocab;
    chat_tmpl tmpl;              /* written before vocab is published */
    int64_t seq_len;
    bool train_on_inputs;
    config_chat_template tmpl_choice;
    pthread_mutex_t msg_lock;
    char message[512];
};

static void set_message(data_source *s, const char *msg)
{
    pthread_mutex_lock(&s->msg_lock);
    snprintf(s->message, sizeof s->message, "%.500s", msg);
    pthread_mutex_unlock(&s->msg_lock);
}

/* The tokenizer and template the trainer would use with default settings.
 * A failure is not fatal: token counts stay estimates and the message says why. */
static void load_tokenizer(data_source *s)
{
    char err[512] = "", *jinja = NULL;
    tok_vocab *v = tok_vocab_load(s->model, &jinja, err, sizeof err);
    chat_tmpl t = CHAT_TMPL_UNKNOWN;
    if (v && pipeline_template(s->tmpl_choice, jinja, &t, err, sizeof err) != 0) {
        tok_vocab_free(v);
        v = NULL;
    }
    free(jinja);
    if (!v) {
        char msg[640];
        snprintf(msg, sizeof msg, "tokenizer %s: %s", s->model, err);
        set_message(s, msg);
        return;
    }
    s->tmpl = t;
    atomic_store_explicit(&s->vocab, v, memory_order_release);
}

static int measure_all(data_source *s)
{
    size_t n = dataset_count(s->ds);
    s->metrics = calloc(n ? n : 1, sizeof *s->metrics);
    char err[256];
    tok_session *session = NULL;
    const tok_vocab *v = data_source_vocab(s);
    if (!s->metrics || (v && !(session = tok_session_new(v, err, sizeof err)))) {
        set_message(s, "out of memory measuring records");
        return -1;
    }
    char why[256];
    for (size_t i = 0; i < n && !atomic_load_explicit(&s->stop, memory_order_relaxed); i++) {
        ds_record rec;
        data_metrics m = {0};
        if (dataset_get(s->ds, i, &rec, why, sizeof why) == DATASET_OK)
            data_measure(s, &rec, session, &m);
        else
            m.flags = DATA_FLAG_PROBLEM;
        ds_record_clear(&rec);
        if (dataset_dup_of(s->ds, i, NULL))
            m.flags |= DATA_FLAG_DUP;
        s->metrics[i] = m;
        atomic_store_explicit(&s->measured, i + 1, memory_order_release);
        if (i % RELEASE_EVERY == RELEASE_EVERY - 1)
            dataset_release_before(s->ds, i);
    }
    tok_session_free(session);
    return 0;
}

void data_thread_background(void)
{
    /* Best effort: where per-thread nice is refused nothing changes. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), BACKGROUND_NICE);
}

static void *work(void *arg)
{
    data_source *s = arg;
    data_thread_background();
    char err[512];
    int rc = dataset_build(s->ds, err, sizeof err);
    if (rc == 0 && s->model) {
        atomic_store(&s->stage, DATA_STAGE_TOKENIZER);
        load_tokenizer(s);
    }
    if (rc == 0) {
        atomic_store(&s->stage, DATA_STAGE_CHECK);
        rc = dataset_check(s->ds, err, sizeof err);
    }
    if (rc == 0) {
        atomic_store(&s->stage, DATA_STAGE_MEASURE);
        rc = measure_all(s);
        err[0] = '\0';
    }
    if (rc != 0 && err[0])
        set_message(s, err);
    atomic_store(&s->stage, rc == 0 ? DATA_STAGE_DONE : DATA_STAGE_FAILED);
    return NULL;
}

/* Training settings from CONFIG (or the defaults); the model named there
 * unless one was given. */
static int apply_config(data_source *s, const data_source_options *opt, char *err, size_t errlen)
{
    train_config cfg;
    config_diags diags;
    config_diags_init(&diags);
    int rc = opt->config ? train_config_load(&cfg, opt->config, NULL, 0, &diags)
                         : train_config_defaults(&cfg);
    if (rc != 0) {
        if (diags.n)
            config_diag_format(&diags.items[0], err, errlen);
        else
            snprintf(err, errlen, "%s: cannot load the config", opt->config ? opt->config : "");
        train_config_free(&cfg);
        return -1;
    }
    const char *model = opt->model ? opt->model : cfg.base_model;
    s->seq_len = cfg.sequence_len;
    s->train_on_inputs = cfg.train_on_inputs;
    s->tmpl_choice = cfg.chat_template;
    rc = model && !(s->model = strdup(model)) ? -1 : 0;
    train_config_free(&cfg);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

data_source *data_source_open(const char *path, const data_source_options *opt, char *err,
                              size_t errlen)
{
    data_source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    pthread_mutex_init(&s->msg_lock, NULL);
    atomic_init(&s->stage, DATA_STAGE_INDEX);
    data_source_options none = {0};
    if (apply_config(s, opt ? opt : &none, err, errlen) != 0 ||
        !(s->ds = dataset_new(path, NULL, err, errlen))) {
        data_source_close(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, work, s) != 0) {
        snprintf(err, errlen, "%s: cannot start the indexing thread", path);
        data_source_close(s);
        return NULL;
    }
    s->started = true;
    return s;
}

void data_source_close(data_source *s)
{
    if (!s)
        return;
    if (s->started) {
        atomic_store(&s->stop, true);
        dataset_cancel(s->ds);
        pthread_join(s->thread, NULL);
    }
    dataset_free(s->ds);
    tok_vocab_free(atomic_load(&s->vocab));
    free(s->metrics);
    free(s->model);
    pthread_mutex_destroy(&s->msg_lock);
    free(s);
}

dataset *data_source_dataset(const data_source *s)
{
    return s->ds;
}

static double stage_fraction(const data_source *s, data_stage st, const ds_index_progress *p)
{
    switch (st) {
    case DATA_STAGE_INDEX:
        return p->total_bytes ? (double)p->done_bytes / (double)p->total_bytes : 0;
    case DATA_STAGE_CHECK:
        return p->records ? (double)dataset_checked_count(s->ds) / (double)p->records : 1;
    case DATA_STAGE_MEASURE:
        return p->records ? (double)atomic_load(&s->measured) / (double)p->records : 1;
    default:
        return 1;
    }
}

void data_source_state_get(const data_source *s, data_source_state *out)
{
    ds_index_progress p;
    dataset_progress(s->ds, &p);
    data_stage st = (data_stage)atomic_load(&s->stage);
    out->stage = st;
    out->records = dataset_count(s->ds);
    out->measured = atomic_load_explicit(&s->measured, memory_order_acquire);
    out->fraction = stage_fraction(s, st, &p);
    pthread_mutex_lock((pthread_mutex_t *)&s->msg_lock);
    memcpy(out->message, s->message, sizeof out->message);
    pthread_mutex_unlock((pthread_mutex_t *)&s->msg_lock);
}

const tok_vocab *data_source_vocab(const data_source *s)
{
    return atomic_load_explicit(&((data_source *)s)->vocab, memory_order_acquire);
}

chat_tmpl data_source_template(const data_source *s)
{
    return data_source_vocab(s) ? s->tmpl : CHAT_TMPL_UNKNOWN;
}

int64_t data_source_sequence_len(const data_source *s)
{
    return s->seq_len;
}

bool data_source_train_on_inputs(const data_source *s)
{
    return s->train_on_inputs;
}

bool data_source_metrics(const data_source *s, size_t i, data_metrics *out)
{
    if (i >= atomic_load_explicit(&((data_source *)s)->measured, memory_order_acquire))
        return false;
    *out = s->metrics[i];
    return true;
}

size_t data_record_bytes(const ds_record *rec)
{
    size_t n = 0;
    for (size_t t = 0; t < rec->n_turns; t++)
        n += rec->turns[t].text.len;
    return n;
}

static uint32_t utf8_chars(const char *t, size_t len)
{
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)t[i] & 0xC0) != 0x80;
    return n;
}

static uint32_t clamp32(size_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void data_measure(const data_source *s, const ds_record *rec, tok_session *session,
                  data_metrics *out)
{
    size_t chars = 0, bytes = 0;
    bool empty = rec->n_turns == 0;
    for (size_t t = 0; t < rec->n_turns; t++) {
        chars += utf8_chars(rec->turns[t].text.text, rec->turns[t].text.len);
        bytes += rec->turns[t].text.len;
        empty |= rec->turns[t].text.len == 0;
    }
    if (rec->format == DS_FMT_ALPACA)
        empty |= rec->instruction.len == 0 || rec->output.len == 0;
    out->chars = clamp32(chars);
    out->tokens = clamp32((bytes + DATA_EST_BYTES_PER_TOKEN - 1) / DATA_EST_BYTES_PER_TOKEN);
    out->flags = empty ? DATA_FLAG_EMPTY : 0;
    if (!session)
        return;
    pipe_doc d = {0};
    char err[256];
    if (pipe_render_record(rec, s->tmpl, session, s->train_on_inputs, &d, err, sizeof err) == 0) {
        out->tokens = clamp32(d.n);
        if (s->seq_len > 0 && d.n > (size_t)s->seq_len)
            out->flags |= DATA_FLAG_LONG;
    }
    pipe_doc_free(&d);
}
