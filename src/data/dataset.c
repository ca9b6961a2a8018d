/* dataset.c - the dataset object: index + format detection + lazy records +
 * the check pass (problems and exact duplicates by xxHash of the turns).
 *
 * The check parses on several threads, each taking chunks of records in
 * increasing order and keeping its own problem list; the record hashes then
 * go through the duplicate table in record order on one thread, so problems
 * and duplicate pairs come out the same for any thread count. */
#include "config.h"

#include "dataset.h"
#include "atomic_file.h"
#include "cpu_count.h"
#include "ds_dup_table.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The check pass drops the pages it has read this often, to keep RSS flat. */
#define CHECK_RELEASE_EVERY ((uint64_t)64 << 20)
/* Records a check worker takes at a time: a multiple of 8, so that each chunk
 * owns whole bytes of the bad-record bitset. */
enum { CHECK_CHUNK = 512, CHECK_MAX_THREADS = 64 };

typedef struct {
    size_t dup, first;
} dup_pair;

struct dataset {
    ds_index *ix;
    ds_mapping map;
    ds_format format;
    uint64_t max_record;
    int threads;
    pthread_mutex_t detect_lock;
    atomic_bool detected;
    atomic_bool checked;
    atomic_size_t checked_count;
    /* Filled by dataset_check, read after dataset_checked is true. */
    dataset_problem *problems;
    size_t n_problems, problem_total, n_bad;
    uint8_t *bad;          /* bitset over records */
    dup_pair *dups;        /* sorted by dup */
    size_t n_dups;
};

dataset *dataset_new(const char *path, const dataset_options *opt, char *err, size_t errlen)
{
    dataset *ds = calloc(1, sizeof *ds);
    if (!ds) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    atomic_file_clean_stale(path);   /* what a killed `data clean --in-place` left */
    if (!(ds->ix = ds_index_open(path, err, errlen))) {
        free(ds);
        return NULL;
    }
    ds->max_record = DATASET_MAX_RECORD_BYTES;
    if (opt) {
        ds->map = opt->map;
        ds->format = opt->format;
        if (opt->max_record_bytes)
            ds->max_record = opt->max_record_bytes;
        ds->threads = opt->threads;
    }
    if (ds->threads <= 0)
        ds->threads = cpu_count();
    if (ds->threads > CHECK_MAX_THREADS)
        ds->threads = CHECK_MAX_THREADS;
    pthread_mutex_init(&ds->detect_lock, NULL);
    atomic_init(&ds->detected, ds->format != DS_FMT_AUTO);
    atomic_init(&ds->checked, false);
    atomic_init(&ds->checked_count, 0);
    return ds;
}

int dataset_build(dataset *ds, char *err, size_t errlen)
{
    return ds_index_build(ds->ix, err, errlen);
}

void dataset_cancel(dataset *ds)
{
    ds_index_cancel(ds->ix);
}

const char *dataset_path(const dataset *ds)
{
    return ds_index_path(ds->ix);
}

void dataset_progress(const dataset *ds, ds_index_progress *out)
{
    ds_index_progress_get(ds->ix, out);
}

size_t dataset_count(const dataset *ds)
{
    return ds_index_count(ds->ix);
}

size_t dataset_checked_count(const dataset *ds)
{
    return atomic_load_explicit(&ds->checked_count, memory_order_relaxed);
}

/* Majority vote over the first records that fit a format; a tie goes to the
 * format seen first. */
static void detect(dataset *ds, size_t n)
{
    size_t votes[DS_FMT_COUNT] = {0}, fit = 0;
    ds_format first = DS_FMT_AUTO;
    for (size_t i = 0; i < n && i < DATASET_DETECT_TRY && fit < DATASET_DETECT_FIT; i++) {
        size_t len;
        const char *text = ds_index_text(ds->ix, i, &len);
        ds_format f = len > ds->max_record ? DS_FMT_AUTO
                                                     : ds_record_classify(text, len, &ds->map);
        if (f == DS_FMT_AUTO)
            continue;
        if (first == DS_FMT_AUTO)
            first = f;
        votes[f]++;
        fit++;
    }
    ds_format best = first;
    for (int f = DS_FMT_ALPACA; f < DS_FMT_COUNT; f++)
        if (first != DS_FMT_AUTO && votes[f] > votes[best])
            best = (ds_format)f;
    ds->format = best;
}

/* Detects once enough records are indexed (or indexing has ended). */
static bool ensure_format(dataset *ds)
{
    if (atomic_load_explicit(&ds->detected, memory_order_acquire))
        return true;
    ds_index_progress p;
    ds_index_progress_get(ds->ix, &p);
    bool ended = p.phase >= DS_PHASE_DONE;
    if (!ended && p.records < DATASET_DETECT_TRY)
        return false;
    pthread_mutex_lock(&ds->detect_lock);
    if (!atomic_load_explicit(&ds->detected, memory_order_relaxed)) {
        detect(ds, p.records);
        atomic_store_explicit(&ds->detected, true, memory_order_release);
    }
    pthread_mutex_unlock(&ds->detect_lock);
    return true;
}

ds_format dataset_format(dataset *ds)
{
    return ensure_format(ds) ? ds->format : DS_FMT_AUTO;
}

int dataset_get(dataset *ds, size_t i, ds_record *rec, char *why, size_t whylen)
{
    memset(rec, 0, sizeof *rec);
    if (i >= ds_index_count(ds->ix)) {
        snprintf(why, whylen, "no record %zu (%zu indexed)", i + 1, ds_index_count(ds->ix));
        return DATASET_PROBLEM;
    }
    if (!ensure_format(ds)) {
        snprintf(why, whylen, "still indexing: the format is not known yet");
        return DATASET_PENDING;
    }
    if (ds->format == DS_FMT_AUTO) {
        snprintf(why, whylen, "cannot tell the dataset's format: none of the first records has "
                 "the keys of alpaca (instruction/output), sharegpt (conversations), messages, "
                 "completion (text) or input_output; set the type");
        return DATASET_PROBLEM;
    }
    size_t len, pos = SIZE_MAX;
    const char *text = ds_index_text(ds->ix, i, &len);
    if (len > ds->max_record) {
        snprintf(why, whylen, "the record is %zu bytes long, more than the %llu bytes a record "
                 "may have", len, (unsigned long long)ds->max_record);
        return DATASET_PROBLEM;
    }
    if (ds_record_parse(text, len, ds->format, &ds->map, rec, why, whylen, &pos) == 0)
        return DATASET_OK;
    if (pos != SIZE_MAX) {
        uint64_t at = dataset_offset(ds, i) + pos;
        size_t used = strlen(why);
        snprintf(why + used, whylen - used, " (at line %llu, byte %llu)",
                 (unsigned long long)ds_index_line(ds->ix, at), (unsigned long long)at);
    }
    return DATASET_PROBLEM;
}

uint64_t dataset_offset(const dataset *ds, size_t i)
{
    return ds_index_span(ds->ix, i).offset;
}

const char *dataset_text(const dataset *ds, size_t i, size_t *len)
{
    return ds_index_text(ds->ix, i, len);
}

uint64_t dataset_line(const dataset *ds, size_t i)
{
    return ds_index_line(ds->ix, dataset_offset(ds, i));
}

bool dataset_changed(const dataset *ds, char *err, size_t errlen)
{
    return ds_index_changed(ds->ix, err, errlen);
}

void dataset_release_before(const dataset *ds, size_t i)
{
    if (i < ds_index_count(ds->ix))
        ds_index_release(ds->ix, dataset_offset(ds, i));
}

ds_layout dataset_layout(const dataset *ds)
{
    return ds_index_layout(ds->ix);
}

int dataset_parse(dataset *ds, const char *text, size_t len, ds_record *rec, char *why,
                  size_t whylen)
{
    memset(rec, 0, sizeof *rec);
    if (!ensure_format(ds) || ds->format == DS_FMT_AUTO) {
        snprintf(why, whylen, "the dataset's format is not known");
        return DATASET_PROBLEM;
    }
    return ds_record_parse(text, len, ds->format, &ds->map, rec, why, whylen, NULL) == 0
        ? DATASET_OK : DATASET_PROBLEM;
}

/* Appends a problem to V (N long, growing by doubling) unless N reached KEEP. */
static int push_problem(dataset_problem **v, size_t *n, size_t keep, uint64_t line,
                        uint64_t offset, size_t record, const char *reason)
{
    if (*n >= keep)
        return 0;
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 1;
        dataset_problem *p = realloc(*v, cap * sizeof *p);
        if (!p)
            return -1;
        *v = p;
    }
    char *r = strdup(reason);
    if (!r)
        return -1;
    (*v)[(*n)++] = (dataset_problem){line, offset, record, r};
    return 0;
}

static int add_problem(dataset *ds, uint64_t offset, size_t record, const char *reason)
{
    ds->problem_total++;
    return push_problem(&ds->problems, &ds->n_problems, DATASET_MAX_PROBLEMS,
                        ds_index_line(ds->ix, offset), offset, record, reason);
}

/* Structural problems (first N) and record problems each come in file order;
 * a stable merge orders them all by offset, structural ones first on a tie. */
static int merge_problems(dataset *ds, size_t n)
{
    dataset_problem *out = malloc((ds->n_problems + 1) * sizeof *out);
    if (!out)
        return -1;
    size_t a = 0, b = n, k = 0;
    while (a < n || b < ds->n_problems) {
        bool take_a = b == ds->n_problems
            || (a < n && ds->problems[a].offset <= ds->problems[b].offset);
        out[k++] = ds->problems[take_a ? a++ : b++];
    }
    free(ds->problems);
    ds->problems = out;
    return 0;
}

static bool get_record(void *ctx, size_t i, ds_record *out)
{
    char why[8];
    return dataset_get(ctx, i, out, why, sizeof why) == DATASET_OK;
}

static int add_dup(dataset *ds, size_t i, size_t first)
{
    if ((ds->n_dups & (ds->n_dups - 1)) == 0) {
        size_t cap = ds->n_dups ? ds->n_dups * 2 : 1;
        dup_pair *p = realloc(ds->dups, cap * sizeof *p);
        if (!p)
            return -1;
        ds->dups = p;
    }
    ds->dups[ds->n_dups++] = (dup_pair){i, first};
    return 0;
}

static bool marked_bad(const dataset *ds, size_t i)
{
    return ds->bad[i / 8] >> (i % 8) & 1;
}

/* ---- the parallel parse */

typedef struct check_run check_run;

typedef struct {
    check_run *run;
    dataset_problem *problems;   /* in record order, at most run->keep */
    size_t n_problems, problem_total, n_bad;
    atomic_size_t at;            /* the first record of the chunk in hand */
    int rc;                      /* -1: out of memory at record fail_at */
    size_t fail_at;
} check_worker;

struct check_run {
    dataset *ds;
    size_t n, keep;              /* records; problems each worker keeps */
    uint64_t *hash;              /* ds_record_hash of each good record */
    atomic_size_t next;
    atomic_bool stop;            /* cancelled, or a worker failed */
    uint64_t released;
    int n_workers;
    check_worker w[CHECK_MAX_THREADS];
};

static int check_one(check_worker *w, size_t i)
{
    dataset *ds = w->run->ds;
    char why[512];
    ds_record rec;
    int rc = 0;
    if (dataset_get(ds, i, &rec, why, sizeof why) == DATASET_OK) {
        w->run->hash[i] = ds_record_hash(&rec);
    } else {
        uint64_t off = dataset_offset(ds, i);
        ds->bad[i / 8] |= (uint8_t)(1u << (i % 8));
        w->n_bad++;
        w->problem_total++;
        rc = push_problem(&w->problems, &w->n_problems, w->run->keep,
                          ds_index_line(ds->ix, off), off, i, why);
    }
    ds_record_clear(&rec);
    return rc;
}

/* Worker 0 drops the text before the lowest chunk any worker holds: chunks
 * are handed out in increasing order, so everything below it is done. */
static void release_checked(check_run *r)
{
    size_t low = SIZE_MAX;
    for (int k = 0; k < r->n_workers; k++) {
        size_t at = atomic_load_explicit(&r->w[k].at, memory_order_acquire);
        low = at < low ? at : low;
    }
    if (low >= r->n)
        return;
    uint64_t off = dataset_offset(r->ds, low);
    if (off >= r->released + CHECK_RELEASE_EVERY) {
        ds_index_release(r->ds->ix, off);
        r->released = off;
    }
}

static void *check_worker_main(void *arg)
{
    check_worker *w = arg;
    check_run *r = w->run;
    while (w->rc == 0 && !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        if (ds_index_cancelled(r->ds->ix) || ds_index_changed(r->ds->ix, NULL, 0)) {
            atomic_store(&r->stop, true);
            break;
        }
        size_t a = atomic_fetch_add(&r->next, CHECK_CHUNK);
        if (a >= r->n)
            break;
        atomic_store_explicit(&w->at, a, memory_order_release);
        if (w == &r->w[0])
            release_checked(r);
        size_t b = a + CHECK_CHUNK < r->n ? a + CHECK_CHUNK : r->n;
        for (size_t i = a; i < b && w->rc == 0; i++)
            if ((w->rc = check_one(w, i)) != 0)
                w->fail_at = i;
        atomic_fetch_add_explicit(&r->ds->checked_count, b - a, memory_order_relaxed);
    }
    if (w->rc)
        atomic_store(&r->stop, true);
    atomic_store_explicit(&w->at, SIZE_MAX, memory_order_release);
    return NULL;
}

/* Runs the workers (this thread is worker 0) until all records are parsed. */
static int run_workers(check_run *r, char *err, size_t errlen)
{
    pthread_t tid[CHECK_MAX_THREADS];
    bool running[CHECK_MAX_THREADS] = {false};
    for (int k = 1; k < r->n_workers; k++)
        if (!(running[k] = pthread_create(&tid[k], NULL, check_worker_main, &r->w[k]) == 0))
            atomic_store(&r->w[k].at, SIZE_MAX);   /* the others do its share */
    check_worker_main(&r->w[0]);
    for (int k = 1; k < r->n_workers; k++)
        if (running[k])
            pthread_join(tid[k], NULL);
    for (int k = 0; k < r->n_workers; k++)
        if (r->w[k].rc) {
            snprintf(err, errlen, "%s: out of memory checking record %zu",
                     dataset_path(r->ds), r->w[k].fail_at + 1);
            return -1;
        }
    if (dataset_changed(r->ds, err, errlen))
        return -1;
    if (atomic_load(&r->stop)) {
        snprintf(err, errlen, "%s: cancelled", dataset_path(r->ds));
        return -1;
    }
    return 0;
}

static int by_record(const void *a, const void *b)
{
    size_t x = ((const dataset_problem *)a)->record, y = ((const dataset_problem *)b)->record;
    return (x > y) - (x < y);
}

/* Moves the workers' record problems, the first r->keep in record order,
 * after the structural ones in ds->problems. */
static int gather_problems(dataset *ds, check_run *r)
{
    size_t n = 0;
    for (int k = 0; k < r->n_workers; k++) {
        n += r->w[k].n_problems;
        ds->problem_total += r->w[k].problem_total;
        ds->n_bad += r->w[k].n_bad;
    }
    dataset_problem *all = realloc(ds->problems, (ds->n_problems + n + 1) * sizeof *all);
    if (!all)
        return -1;
    ds->problems = all;
    dataset_problem *mine = all + ds->n_problems;
    size_t at = 0;
    for (int k = 0; k < r->n_workers; k++) {
        check_worker *w = &r->w[k];
        if (w->n_problems)
            memcpy(mine + at, w->problems, w->n_problems * sizeof *mine);
        at += w->n_problems;
        w->n_problems = 0;
    }
    qsort(mine, n, sizeof *mine, by_record);
    for (size_t i = r->keep; i < n; i++)
        free(mine[i].reason);
    ds->n_problems += n < r->keep ? n : r->keep;
    return 0;
}

/* The duplicate table sees the good records in record order, so the first of
 * equal records is kept whatever thread parsed it. */
static int find_dups(dataset *ds, check_run *r)
{
    ds_dup_table tab;
    int rc = ds_dup_table_init(&tab, r->n, get_record, ds);
    for (size_t i = 0; i < r->n && rc == 0; i++) {
        if (marked_bad(ds, i))
            continue;
        size_t first = ds_dup_table_add_hash(&tab, i, r->hash[i]);
        if (first != SIZE_MAX)
            rc = add_dup(ds, i, first);
    }
    ds_dup_table_free(&tab);
    return rc;
}

static void free_run(check_run *r)
{
    for (int k = 0; k < r->n_workers; k++) {
        for (size_t i = 0; i < r->w[k].n_problems; i++)
            free(r->w[k].problems[i].reason);
        free(r->w[k].problems);
    }
    free(r->hash);
    free(r);
}

static check_run *new_run(dataset *ds, size_t n, size_t keep)
{
    check_run *r = calloc(1, sizeof *r);
    if (!r || !(r->hash = malloc((n + 1) * sizeof *r->hash))) {
        free(r);
        return NULL;
    }
    r->ds = ds;
    r->n = n;
    r->keep = keep;
    r->n_workers = ds->threads;
    atomic_init(&r->next, 0);
    atomic_init(&r->stop, false);
    for (int k = 0; k < r->n_workers; k++) {
        r->w[k].run = r;
        atomic_init(&r->w[k].at, 0);
    }
    return r;
}

/* The index's structural problems go first; their count, or -1. */
static long add_structural(dataset *ds)
{
    for (size_t k = 0; k < ds_index_problem_count(ds->ix); k++) {
        const ds_index_problem *ip = ds_index_problem_at(ds->ix, k);
        if (add_problem(ds, ip->offset, SIZE_MAX, ip->reason) != 0)
            return -1;
    }
    ds->problem_total += ds_index_problem_total(ds->ix) - ds_index_problem_count(ds->ix);
    return (long)ds->n_problems;
}

static int check_records(dataset *ds, size_t n, char *err, size_t errlen)
{
    long n_structural = (ds->bad = calloc(n / 8 + 1, 1)) ? add_structural(ds) : -1;
    check_run *r = n_structural < 0 ? NULL
                 : new_run(ds, n, DATASET_MAX_PROBLEMS - (size_t)n_structural);
    if (!r) {
        snprintf(err, errlen, "%s: out of memory for checking %zu records", dataset_path(ds), n);
        return -1;
    }
    int rc = run_workers(r, err, errlen);
    if (rc == 0 && (gather_problems(ds, r) || find_dups(ds, r)
                    || merge_problems(ds, (size_t)n_structural))) {
        snprintf(err, errlen, "%s: out of memory checking %zu records", dataset_path(ds), n);
        rc = -1;
    }
    free_run(r);
    return rc;
}

int dataset_check(dataset *ds, char *err, size_t errlen)
{
    ds_index_progress p;
    ds_index_progress_get(ds->ix, &p);
    if (p.phase != DS_PHASE_DONE || atomic_load(&ds->checked)) {
        snprintf(err, errlen, "%s: %s", dataset_path(ds),
                 p.phase != DS_PHASE_DONE ? "not indexed" : "already checked");
        return -1;
    }
    ensure_format(ds);
    if (check_records(ds, p.records, err, errlen) != 0)
        return -1;
    atomic_store_explicit(&ds->checked, true, memory_order_release);
    return 0;
}

dataset *dataset_open(const char *path, const dataset_options *opt, char *err, size_t errlen)
{
    dataset *ds = dataset_new(path, opt, err, errlen);
    if (!ds)
        return NULL;
    if (dataset_build(ds, err, errlen) != 0 || dataset_check(ds, err, errlen) != 0) {
        dataset_free(ds);
        return NULL;
    }
    if (dataset_count(ds) > 0 && dataset_format(ds) == DS_FMT_AUTO) {
        size_t n = dataset_count(ds) < DATASET_DETECT_TRY ? dataset_count(ds)
                                                           : DATASET_DETECT_TRY;
        snprintf(err, errlen, "%s: cannot tell the dataset's format: none of the first %zu "
                 "records has the keys of alpaca (instruction/output), sharegpt "
                 "(conversations), messages, completion (text) or input_output; set the type",
                 path, n);
        dataset_free(ds);
        return NULL;
    }
    return ds;
}

bool dataset_checked(const dataset *ds)
{
    return atomic_load_explicit(&ds->checked, memory_order_acquire);
}

size_t dataset_problem_count(const dataset *ds)
{
    return dataset_checked(ds) ? ds->n_problems : 0;
}

size_t dataset_problem_total(const dataset *ds)
{
    return dataset_checked(ds) ? ds->problem_total : 0;
}

const dataset_problem *dataset_problem_at(const dataset *ds, size_t i)
{
    return i < dataset_problem_count(ds) ? &ds->problems[i] : NULL;
}

void dataset_problem_text(const dataset *ds, const dataset_problem *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s: line %llu, byte %llu: %s", dataset_path(ds),
             (unsigned long long)p->line, (unsigned long long)p->offset, p->reason);
}

size_t dataset_bad_count(const dataset *ds)
{
    return dataset_checked(ds) ? ds->n_bad : 0;
}

bool dataset_is_bad(const dataset *ds, size_t i)
{
    return dataset_checked(ds) && i < dataset_count(ds) && marked_bad(ds, i);
}

size_t dataset_dup_count(const dataset *ds)
{
    return dataset_checked(ds) ? ds->n_dups : 0;
}

bool dataset_dup_of(const dataset *ds, size_t i, size_t *first)
{
    size_t lo = 0, hi = dataset_dup_count(ds);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ds->dups[mid].dup < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == dataset_dup_count(ds) || ds->dups[lo].dup != i)
        return false;
    if (first)
        *first = ds->dups[lo].first;
    return true;
}

void dataset_iter_init(dataset_iter *it, dataset *ds, bool skip_dups)
{
    *it = (dataset_iter){ds, 0, 0, skip_dups};
}

bool dataset_iter_next(dataset_iter *it, ds_record *rec, size_t *index)
{
    dataset *ds = it->ds;
    bool checked = dataset_checked(ds);
    char why[8];
    while (it->next < dataset_count(ds)) {
        size_t i = it->next++;
        if (checked && (dataset_is_bad(ds, i) || (it->skip_dups && dataset_dup_of(ds, i, NULL))))
            continue;
        if (dataset_get(ds, i, rec, why, sizeof why) == DATASET_OK) {
            *index = i;
            return true;
        }
        it->skipped++;
    }
    return false;
}

void dataset_free(dataset *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->n_problems; i++)
        free(ds->problems[i].reason);
    free(ds->problems);
    free(ds->bad);
    free(ds->dups);
    ds_index_free(ds->ix);
    pthread_mutex_destroy(&ds->detect_lock);
    free(ds);
}
