/* ds_stats.c - the threaded stats pass of ds_stats.h. */
#include "config.h"

#include "ds_stats.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_count.h"
#include "ds_dup_table.h"
#include "mem_budget.h"

enum { CHUNK = 512, MAX_THREADS = 64 };
/* Text behind every worker is dropped from memory this often (bytes). */
#define RELEASE_EVERY ((uint64_t)32 << 20)

struct ds_stats {
    ds_view *view;
    dataset *ds;          /* the view's */
    ds_stats_options opt;
    size_t n;             /* positions in the view */
    ds_row_info *rows;    /* by position */
    uint32_t *near;       /* by position, of positions */
    ds_minhash *sigs;
    uint8_t *has_sig;
    uint64_t *hash;       /* record hashes for exact duplicates, in an edited view */
    ds_summary sum;
    atomic_int phase;
    atomic_size_t next, done, bands_done;
    atomic_bool cancel;
    struct crew *crew;    /* during the record pass */
};

typedef struct {
    ds_stats *st;
    ds_summary *sum;
    atomic_size_t at;      /* the first record of its chunk in hand */
    int rc;
    char err[256];
} worker;

/* Workers 0..T-1 share one array so worker 0 can see where all of them are. */
typedef struct crew {
    worker w[MAX_THREADS];
    int n;
    uint64_t released;
} crew;

ds_stats *ds_stats_new(dataset *ds, const ds_stats_options *opt, char *err, size_t errlen)
{
    ds_view *v = ds_view_new(ds, NULL, err, errlen);
    return v ? ds_stats_new_view(v, opt, err, errlen) : NULL;
}

ds_stats *ds_stats_new_view(ds_view *view, const ds_stats_options *opt, char *err,
                            size_t errlen)
{
    ds_stats *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        ds_view_free(view);
        return NULL;
    }
    st->view = view;
    st->ds = ds_view_dataset(view);
    if (opt)
        st->opt = *opt;
    if (st->opt.near_threshold <= 0 || st->opt.near_threshold > 1)
        st->opt.near_threshold = DS_NEAR_THRESHOLD_DEFAULT;
    if (st->opt.threads <= 0)
        st->opt.threads = cpu_count();
    if (st->opt.threads > MAX_THREADS)
        st->opt.threads = MAX_THREADS;
    atomic_init(&st->phase, DS_STATS_IDLE);
    return st;
}

void ds_stats_free(ds_stats *st)
{
    if (!st)
        return;
    free(st->rows);
    free(st->near);
    free(st->sigs);
    free(st->has_sig);
    free(st->hash);
    ds_view_free(st->view);
    free(st);
}

void ds_stats_cancel(ds_stats *st)
{
    atomic_store(&st->cancel, true);
}

ds_stats_phase ds_stats_progress(const ds_stats *st, size_t *done, size_t *total)
{
    ds_stats_phase p = (ds_stats_phase)atomic_load_explicit(&st->phase, memory_order_acquire);
    bool near = p == DS_STATS_NEAR;
    if (p == DS_STATS_IDLE) {     /* st->n is written by ds_stats_run before it leaves IDLE */
        *done = *total = 0;
        return p;
    }
    *done = near ? atomic_load_explicit(&st->bands_done, memory_order_relaxed)
                 : atomic_load_explicit(&st->done, memory_order_relaxed);
    *total = near ? (size_t)ds_neardup_bands(st->opt.near_threshold) : st->n;
    return p;
}

const ds_summary *ds_stats_summary(const ds_stats *st) { return &st->sum; }
size_t ds_stats_rows(const ds_stats *st) { return st->n; }
const ds_view *ds_stats_view(const ds_stats *st) { return st->view; }

const ds_row_info *ds_stats_row(const ds_stats *st, size_t record)
{
    size_t k = ds_view_position(st->view, record);
    return k < st->n && st->rows ? &st->rows[k] : NULL;
}

uint32_t ds_stats_near_of(const ds_stats *st, size_t record)
{
    size_t k = ds_view_position(st->view, record);
    if (k >= st->n || !st->near || st->near[k] == DS_NEAR_NONE)
        return DS_NEAR_NONE;
    return (uint32_t)ds_view_record(st->view, st->near[k]);
}

/* ---- the record pass */

static uint8_t row_flags(const ds_stats *st, const ds_features *f)
{
    uint8_t fl = 0;
    if (f->pii_total)
        fl |= DS_ROW_PII;
    if (f->empty_record)
        fl |= DS_ROW_EMPTY;
    if (st->opt.sequence_len && f->tokens_total > st->opt.sequence_len)
        fl |= DS_ROW_TOO_LONG;
    if (f->control)
        fl |= DS_ROW_CONTROL;
    if (f->invalid_utf8)
        fl |= DS_ROW_INVALID_UTF8;
    return fl;
}

static void add_features(ds_summary *s, const ds_features *f, uint8_t flags)
{
    for (int k = 0; k < DS_FIELD_COUNT; k++)
        if (f->present & (1u << k)) {
            s->present[k]++;
            s->empty[k] += (f->empty >> k) & 1;
            ds_hist_add(&s->tokens[k], f->tokens[k]);
        }
    s->empty_rows += (flags & DS_ROW_EMPTY) != 0;
    s->control_rows += (flags & DS_ROW_CONTROL) != 0;
    s->invalid_utf8_rows += (flags & DS_ROW_INVALID_UTF8) != 0;
    s->pii_rows += (flags & DS_ROW_PII) != 0;
    s->too_long_rows += (flags & DS_ROW_TOO_LONG) != 0;
    s->control_chars += f->control;
    s->invalid_bytes += f->invalid_utf8;
    for (int k = 0; k < DS_PII_KINDS; k++)
        s->pii[k] += f->pii[k];
    s->lang[f->lang]++;
    for (int r = 0; r < 3; r++)
        s->roles[r] += f->roles[r];
    ds_hist_add(&s->turns, f->turns);
    ds_hist_add(&s->chars_total, f->chars_total);
    ds_hist_add(&s->tokens_total, f->tokens_total);
}

/* Position I of the view. Exact duplicates are the check's for the file as
 * opened; an edited view's are found after this pass from the hashes. */
static int one_record(ds_stats *st, ds_feat_ctx *fc, ds_summary *s, size_t i, char *err,
                      size_t errlen)
{
    ds_row_info *row = &st->rows[i];
    ds_record rec;
    char why[256];
    if (ds_view_get(st->view, i, &rec, why, sizeof why) != DATASET_OK) {
        ds_record_clear(&rec);
        row->flags = DS_ROW_PROBLEM;
        s->problem_rows++;
        return 0;
    }
    ds_features f;
    int rc = ds_features_compute(fc, &rec, &f, err, errlen);
    if (rc == 0) {
        st->has_sig[i] = ds_minhash_record(&rec, &st->sigs[i]);
        uint8_t flags = row_flags(st, &f);
        if (st->hash)
            st->hash[i] = ds_record_hash(&rec);
        else if (dataset_dup_of(st->ds, i, NULL))
            flags |= DS_ROW_DUP;
        *row = (ds_row_info){f.chars_total, f.tokens_total, f.turns, (uint8_t)f.lang, flags};
        add_features(s, &f, flags);
    }
    ds_record_clear(&rec);
    return rc;
}

/* Worker 0 drops the text before the lowest chunk any worker holds: chunks
 * are handed out in increasing order, so everything below it is done. */
static void release_done(crew *c)
{
    size_t low = SIZE_MAX;
    for (int k = 0; k < c->n; k++) {
        size_t at = atomic_load_explicit(&c->w[k].at, memory_order_acquire);
        low = at < low ? at : low;
    }
    ds_stats *st = c->w[0].st;
    if (low == SIZE_MAX || low >= st->n)
        return;
    size_t record = ds_view_record(st->view, low);
    uint64_t off = dataset_offset(st->ds, record);
    if (off >= c->released + RELEASE_EVERY) {
        dataset_release_before(st->ds, record);
        c->released = off;
    }
}

static void *record_worker(void *arg)
{
    worker *w = arg;
    crew *c = w->st->crew;
    ds_stats *st = w->st;
    ds_feat_ctx *fc = ds_feat_ctx_new(st->opt.vocab, w->err, sizeof w->err);
    if (fc)
        ds_feat_ctx_set_template(fc, st->opt.tmpl);
    w->rc = fc ? 0 : -1;
    while (w->rc == 0) {
        if (atomic_load_explicit(&st->cancel, memory_order_relaxed)) {
            snprintf(w->err, sizeof w->err, "cancelled");
            w->rc = -1;
            break;
        }
        size_t a = atomic_fetch_add(&st->next, CHUNK);
        if (a >= st->n)
            break;
        atomic_store_explicit(&w->at, a, memory_order_release);
        if (w == &c->w[0])
            release_done(c);
        size_t b = a + CHUNK < st->n ? a + CHUNK : st->n;
        for (size_t i = a; i < b && w->rc == 0; i++)
            w->rc = one_record(st, fc, w->sum, i, w->err, sizeof w->err);
        atomic_fetch_add_explicit(&st->done, b - a, memory_order_relaxed);
    }
    atomic_store_explicit(&w->at, SIZE_MAX, memory_order_release);
    ds_feat_ctx_free(fc);
    return NULL;
}

static void merge_summary(ds_summary *into, const ds_summary *s)
{
    into->problem_rows += s->problem_rows;
    for (int k = 0; k < DS_FIELD_COUNT; k++) {
        into->present[k] += s->present[k];
        into->empty[k] += s->empty[k];
        ds_hist_merge(&into->tokens[k], &s->tokens[k]);
    }
    into->empty_rows += s->empty_rows;
    into->control_rows += s->control_rows;
    into->invalid_utf8_rows += s->invalid_utf8_rows;
    into->pii_rows += s->pii_rows;
    into->too_long_rows += s->too_long_rows;
    into->control_chars += s->control_chars;
    into->invalid_bytes += s->invalid_bytes;
    for (int k = 0; k < DS_PII_KINDS; k++)
        into->pii[k] += s->pii[k];
    for (int l = 0; l < DS_LANG_COUNT; l++)
        into->lang[l] += s->lang[l];
    for (int r = 0; r < 3; r++)
        into->roles[r] += s->roles[r];
    ds_hist_merge(&into->turns, &s->turns);
    ds_hist_merge(&into->chars_total, &s->chars_total);
    ds_hist_merge(&into->tokens_total, &s->tokens_total);
}

/* Runs the record workers (this thread is worker 0) and merges their sums. */
static int record_pass(ds_stats *st, char *err, size_t errlen)
{
    int t = st->opt.threads, rc = 0;
    crew *c = calloc(1, sizeof *c);
    pthread_t tid[MAX_THREADS];
    bool running[MAX_THREADS] = {false};
    if (!c) {
        snprintf(err, errlen, "%s: out of memory for the stats pass", dataset_path(st->ds));
        return -1;
    }
    c->n = t;
    st->crew = c;
    for (int k = 0; k < t; k++) {
        worker *w = &c->w[k];
        w->st = st;
        atomic_init(&w->at, 0);
        if (!(w->sum = calloc(1, sizeof(ds_summary))))
            rc = -1;
    }
    for (int k = 1; k < t && rc == 0; k++)
        if (!(running[k] = pthread_create(&tid[k], NULL, record_worker, &c->w[k]) == 0))
            atomic_store(&c->w[k].at, SIZE_MAX);   /* worker 0 does its share */
    if (rc == 0)
        record_worker(&c->w[0]);
    for (int k = 0; k < t; k++) {
        worker *w = &c->w[k];
        if (running[k])
            pthread_join(tid[k], NULL);
        if (rc == 0 && w->rc) {
            snprintf(err, errlen, "%s: %s", dataset_path(st->ds), w->err);
            rc = -1;
        }
        if (w->sum && rc == 0)
            merge_summary(&st->sum, w->sum);
        free(w->sum);
    }
    if (rc && !*err)
        snprintf(err, errlen, "%s: out of memory for the stats pass", dataset_path(st->ds));
    st->crew = NULL;
    free(c);
    dataset_release_before(st->ds, st->n ? ds_view_record(st->view, st->n - 1) : 0);
    return rc;
}

/* ---- duplicates and the run */

static bool get_position(void *ctx, size_t k, ds_record *out)
{
    char why[8];
    return ds_view_get(ctx, k, out, why, sizeof why) == DATASET_OK;
}

/* Exact duplicates among an edited view's rows in order (keep-first), as
 * dataset_check finds them among the file's: hashes from the record pass,
 * records compared in full only when hashes match. */
static int dup_pass(ds_stats *st, char *err, size_t errlen)
{
    ds_dup_table tab;
    if (ds_dup_table_init(&tab, st->n, get_position, st->view) != 0) {
        snprintf(err, errlen, "%s: out of memory for duplicates", dataset_path(st->ds));
        return -1;
    }
    for (size_t k = 0; k < st->n; k++) {
        if (st->rows[k].flags & DS_ROW_PROBLEM)
            continue;
        if (k % CHUNK == 0 && atomic_load_explicit(&st->cancel, memory_order_relaxed)) {
            snprintf(err, errlen, "%s: cancelled", dataset_path(st->ds));
            ds_dup_table_free(&tab);
            return -1;
        }
        if (ds_dup_table_add_hash(&tab, k, st->hash[k]) != SIZE_MAX) {
            st->rows[k].flags |= DS_ROW_DUP;
            st->sum.exact_dups++;
        }
    }
    ds_dup_table_free(&tab);
    return 0;
}

static int near_pass(ds_stats *st, char *err, size_t errlen)
{
    ds_neardup_options no = {st->opt.near_threshold, st->opt.threads, &st->cancel,
                             &st->bands_done};
    char why[256];
    if (ds_neardup_find(st->sigs, st->has_sig, st->n, &no, st->near, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", dataset_path(st->ds), why);
        return -1;
    }
    for (size_t i = 0; i < st->n; i++)
        if (st->near[i] != DS_NEAR_NONE && !(st->rows[i].flags & DS_ROW_DUP)) {
            st->rows[i].flags |= DS_ROW_NEAR_DUP;
            st->sum.near_dups++;
        }
    return 0;
}

/* Memory a record costs the pass: its row, near-duplicate link, signature
 * and flag (85), the hash of an edited row and the banding's scratch (32);
 * on top of the index's 16. */
#define STATS_RECORD_BYTES (85 + 32 + 16)

static int allocate(ds_stats *st, char *err, size_t errlen)
{
    size_t n = st->n + 1;
    char why[160];
    if (mem_budget_exceeded((uint64_t)n * STATS_RECORD_BYTES, why, sizeof why)) {
        snprintf(err, errlen, "%s: stats over %zu records, at %d bytes each, need %s",
                 dataset_path(st->ds), st->n, STATS_RECORD_BYTES, why);
        return -1;
    }
    st->rows = calloc(n, sizeof *st->rows);
    st->near = malloc(n * sizeof *st->near);
    st->sigs = malloc(n * sizeof *st->sigs);
    st->has_sig = calloc(n, 1);
    bool edited = ds_view_edited(st->view);
    if (edited)
        st->hash = malloc(n * sizeof *st->hash);
    if (st->rows && st->near && st->sigs && st->has_sig && (st->hash || !edited))
        return 0;
    snprintf(err, errlen, "%s: out of memory for stats over %zu records", dataset_path(st->ds),
             st->n);
    return -1;
}

static int fail(ds_stats *st)
{
    atomic_store_explicit(&st->phase, DS_STATS_FAILED, memory_order_release);
    return -1;
}

int ds_stats_run(ds_stats *st, char *err, size_t errlen)
{
    if (!dataset_checked(st->ds) || atomic_load(&st->phase) != DS_STATS_IDLE) {
        snprintf(err, errlen, "%s: %s", dataset_path(st->ds),
                 dataset_checked(st->ds) ? "stats already run" : "not checked yet");
        return -1;
    }
    st->n = ds_view_count(st->view);
    ds_summary *s = &st->sum;
    memset(s, 0, sizeof *s);
    s->rows = st->n;
    s->problems = ds_view_problems(st->view);
    s->exact_dups = ds_view_edited(st->view) ? 0 : dataset_dup_count(st->ds);
    s->sequence_len = st->opt.sequence_len;
    s->near_threshold = st->opt.near_threshold;
    s->tokens_exact = st->opt.vocab != NULL;
    s->tokens_templated = s->tokens_exact && chat_tmpl_known(st->opt.tmpl);
    atomic_store(&st->phase, DS_STATS_FEATURES);
    if (allocate(st, err, errlen) || record_pass(st, err, errlen)
        || (st->hash && dup_pass(st, err, errlen)))
        return fail(st);
    free(st->hash);
    st->hash = NULL;
    atomic_store(&st->phase, DS_STATS_NEAR);
    int rc = near_pass(st, err, errlen);
    free(st->sigs);
    free(st->has_sig);
    st->sigs = NULL;
    st->has_sig = NULL;
    if (rc || dataset_changed(st->ds, err, errlen))
        return fail(st);
    atomic_store_explicit(&st->phase, DS_STATS_DONE, memory_order_release);
    return 0;
}
