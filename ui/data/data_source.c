/* data_source.c - the Data pane's background thread: index, tokenizer,
 * check, stats pass (see data_source.h). Everything the UI thread reads while
 * the thread runs is atomic; the stats pass's results are published by
 * `stats_done` (release/acquire) and its progress read from `running`. */
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
#include "config_diag.h"
#include "train_config.h"

/* Niceness of the worker threads, relative to the UI thread. */
#define BACKGROUND_NICE 10

struct data_source {
    dataset *ds;
    char *model;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_int stage;
    _Atomic(ds_stats *) running;  /* the stats pass, set before it runs */
    atomic_bool stats_done;       /* `running` finished: rows and summary readable */
    double near_threshold;
    /* the pass's rows: the file as opened (NULL) or a view of edits given to
     * data_source_restat; the thread takes it. The generation and step count
     * it describes are the UI thread's. */
    ds_view *next_view;
    unsigned gen;
    size_t edits;
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

/* The stats pass; its rows and summary are published when it succeeds. */
static int run_stats(data_source *s, char *err, size_t errlen)
{
    ds_stats_options o = {data_source_vocab(s), s->seq_len > 0 && s->seq_len <= UINT32_MAX
                          ? (uint32_t)s->seq_len : 0, s->near_threshold, 0,
                          data_source_template(s)};
    ds_view *v = s->next_view ? s->next_view : ds_view_new(s->ds, NULL, err, errlen);
    s->next_view = NULL;
    ds_stats *st = v ? ds_stats_new_view(v, &o, err, errlen) : NULL;
    if (!st)
        return -1;
    atomic_store(&s->running, st);
    /* close() sets stop, then cancels whatever `running` it sees */
    if (atomic_load(&s->stop))
        ds_stats_cancel(st);
    int rc = ds_stats_run(st, err, errlen);
    if (rc == 0)
        atomic_store_explicit(&s->stats_done, true, memory_order_release);
    return rc;
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
    char err[512] = "";
    if (atomic_load(&s->stage) == DATA_STAGE_STATS) {     /* data_source_restat */
        int rc = run_stats(s, err, sizeof err);
        if (rc != 0)
            set_message(s, err);
        atomic_store(&s->stage, rc == 0 ? DATA_STAGE_DONE : DATA_STAGE_FAILED);
        return NULL;
    }
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
        atomic_store(&s->stage, DATA_STAGE_STATS);
        rc = run_stats(s, err, sizeof err);
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
    s->near_threshold = DS_NEAR_THRESHOLD_DEFAULT;
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
        ds_stats *st = atomic_load(&s->running);
        if (st)
            ds_stats_cancel(st);
        pthread_join(s->thread, NULL);
    }
    ds_stats_free(atomic_load(&s->running));
    ds_view_free(s->next_view);
    dataset_free(s->ds);
    tok_vocab_free(atomic_load(&s->vocab));
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
    case DATA_STAGE_STATS: {
        ds_stats *run = atomic_load(&((data_source *)s)->running);
        size_t done = 0, total = 0;
        if (run)
            ds_stats_progress(run, &done, &total);
        return total ? (double)done / (double)total : 0;
    }
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
    const ds_stats *done = data_source_stats(s);
    out->measured = done ? ds_stats_rows(done) : 0;
    ds_stats *run = atomic_load(&((data_source *)s)->running);
    size_t d, t;
    out->near_phase = st == DATA_STAGE_STATS && run &&
                      ds_stats_progress(run, &d, &t) == DS_STATS_NEAR;
    out->near_threshold = s->near_threshold;
    out->stats_gen = s->gen;
    out->stats_edits = s->edits;
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

const char *data_source_model(const data_source *s)
{
    return s->model;
}

int64_t data_source_sequence_len(const data_source *s)
{
    return s->seq_len;
}

bool data_source_train_on_inputs(const data_source *s)
{
    return s->train_on_inputs;
}

const ds_stats *data_source_stats(const data_source *s)
{
    if (!atomic_load_explicit(&((data_source *)s)->stats_done, memory_order_acquire))
        return NULL;
    return atomic_load(&((data_source *)s)->running);
}

bool data_source_metrics(const data_source *s, size_t i, data_metrics *out)
{
    const ds_stats *st = data_source_stats(s);
    const ds_row_info *r = st ? ds_stats_row(st, i) : NULL;
    if (!r)
        return false;
    *out = (data_metrics){r->chars, r->tokens, r->flags, r->lang};
    return true;
}

bool data_source_stats_stop(data_source *s)
{
    data_stage st = (data_stage)atomic_load(&s->stage);
    if (st < DATA_STAGE_STATS)
        return false;
    if (st == DATA_STAGE_STATS) {
        ds_stats *run = atomic_load(&s->running);
        if (run)
            ds_stats_cancel(run);
        return false;
    }
    return true;
}

int data_source_restat(data_source *s, const data_source_pass *pass, char *err, size_t errlen)
{
    data_stage st = (data_stage)atomic_load(&s->stage);
    if (st != DATA_STAGE_DONE && !(st == DATA_STAGE_FAILED && dataset_checked(s->ds))) {
        snprintf(err, errlen, "the stats pass has not finished yet");
        ds_view_free(pass->view);
        return -1;
    }
    pthread_join(s->thread, NULL);    /* it has ended: the stage is its last store */
    s->started = false;
    ds_stats_free(atomic_load(&s->running));
    atomic_store(&s->running, NULL);
    atomic_store(&s->stats_done, false);
    s->near_threshold = pass->threshold;
    ds_view_free(s->next_view);      /* left by a thread that did not start */
    s->next_view = pass->view;
    s->gen = pass->gen;
    s->edits = pass->edits;
    set_message(s, "");
    atomic_store(&s->stage, DATA_STAGE_STATS);
    if (pthread_create(&s->thread, NULL, work, s) != 0) {
        atomic_store(&s->stage, DATA_STAGE_FAILED);
        snprintf(err, errlen, "cannot start the stats thread");
        return -1;
    }
    s->started = true;
    return 0;
}

size_t data_record_bytes(const ds_record *rec)
{
    size_t n = 0;
    for (size_t t = 0; t < rec->n_turns; t++)
        n += rec->turns[t].text.len;
    return n;
}

void data_measure(const data_source *s, ds_feat_ctx *c, const ds_record *rec, size_t record,
                  data_metrics *out)
{
    ds_features f;
    char err[256];
    *out = (data_metrics){0};
    if (ds_features_compute(c, rec, &f, err, sizeof err) == 0)
        *out = (data_metrics){f.chars_total, f.tokens_total, data_row_flags(s, &f, record),
                              (uint8_t)f.lang};
}

uint8_t data_row_flags(const data_source *s, const ds_features *f, size_t record)
{
    uint8_t fl = 0;
    fl |= f->pii_total ? DS_ROW_PII : 0;
    fl |= f->empty_record ? DS_ROW_EMPTY : 0;
    fl |= s->seq_len > 0 && f->tokens_total > s->seq_len ? DS_ROW_TOO_LONG : 0;
    fl |= f->control ? DS_ROW_CONTROL : 0;
    fl |= f->invalid_utf8 ? DS_ROW_INVALID_UTF8 : 0;
    if (record != SIZE_MAX && dataset_dup_of(s->ds, record, NULL))
        fl |= DS_ROW_DUP;
    return fl;
}
