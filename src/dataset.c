/* dataset.c - the dataset object: index + format detection + lazy records +
 * the check pass (problems and exact duplicates by xxHash of the turns). */
#include "config.h"

#include "dataset.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The check pass drops the pages it has read this often, to keep RSS flat. */
#define CHECK_RELEASE_EVERY ((uint64_t)64 << 20)

typedef struct {
    size_t dup, first;
} dup_pair;

struct dataset {
    ds_index *ix;
    ds_mapping map;
    ds_format format;
    uint64_t max_record;
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
    }
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
    size_t votes[DS_FMT_INPUT_OUTPUT + 1] = {0}, fit = 0;
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
    for (int f = DS_FMT_ALPACA; f <= DS_FMT_INPUT_OUTPUT; f++)
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

static int add_problem(dataset *ds, uint64_t offset, size_t record, const char *reason)
{
    ds->problem_total++;
    if (ds->n_problems == DATASET_MAX_PROBLEMS)
        return 0;
    if ((ds->n_problems & (ds->n_problems - 1)) == 0) {
        size_t cap = ds->n_problems ? ds->n_problems * 2 : 1;
        dataset_problem *p = realloc(ds->problems, cap * sizeof *p);
        if (!p)
            return -1;
        ds->problems = p;
    }
    char *r = strdup(reason);
    if (!r)
        return -1;
    ds->problems[ds->n_problems++] =
        (dataset_problem){ds_index_line(ds->ix, offset), offset, record, r};
    return 0;
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

/* Open addressing over (hash, record + 1); 0 marks a free slot. */
typedef struct {
    uint64_t hash;
    size_t rec1;
} dup_slot;

static bool same_as(dataset *ds, size_t j, const ds_record *rec)
{
    ds_record other;
    char why[8];
    bool same = dataset_get(ds, j, &other, why, sizeof why) == DATASET_OK
        && ds_record_same(&other, rec);
    ds_record_clear(&other);
    return same;
}

/* Returns the earlier record equal to REC, or SIZE_MAX after remembering REC as I. */
static size_t find_or_insert(dataset *ds, dup_slot *tab, size_t mask, size_t i,
                             const ds_record *rec)
{
    uint64_t h = ds_record_hash(rec);
    size_t s = (size_t)h & mask;
    for (; tab[s].rec1; s = (s + 1) & mask)
        if (tab[s].hash == h && same_as(ds, tab[s].rec1 - 1, rec))
            return tab[s].rec1 - 1;
    tab[s] = (dup_slot){h, i + 1};
    return SIZE_MAX;
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

static int check_records(dataset *ds, size_t n, dup_slot *tab, size_t mask, char *err,
                         size_t errlen)
{
    char why[512];
    uint64_t released = 0;
    for (size_t i = 0; i < n; i++) {
        atomic_store_explicit(&ds->checked_count, i, memory_order_relaxed);
        if (i % 1024 == 0 && ds_index_cancelled(ds->ix)) {
            snprintf(err, errlen, "%s: cancelled", dataset_path(ds));
            return -1;
        }
        if (dataset_offset(ds, i) >= released + CHECK_RELEASE_EVERY) {
            released = dataset_offset(ds, i);
            ds_index_release(ds->ix, released);
        }
        ds_record rec;
        int rc = 0;
        if (dataset_get(ds, i, &rec, why, sizeof why) != DATASET_OK) {
            ds->bad[i / 8] |= (uint8_t)(1u << (i % 8));
            ds->n_bad++;
            rc = add_problem(ds, dataset_offset(ds, i), i, why);
        } else {
            size_t first = find_or_insert(ds, tab, mask, i, &rec);
            if (first != SIZE_MAX)
                rc = add_dup(ds, i, first);
        }
        ds_record_clear(&rec);
        if (rc != 0) {
            snprintf(err, errlen, "%s: out of memory checking record %zu", dataset_path(ds), i + 1);
            return -1;
        }
    }
    atomic_store_explicit(&ds->checked_count, n, memory_order_relaxed);
    return 0;
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
    size_t n = p.records, cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    dup_slot *tab = calloc(cap, sizeof *tab);
    ds->bad = calloc(n / 8 + 1, 1);
    if (!tab || !ds->bad) {
        free(tab);
        snprintf(err, errlen, "%s: out of memory for checking %zu records", dataset_path(ds), n);
        return -1;
    }
    int rc = 0;
    size_t n_structural = 0;
    for (size_t k = 0; k < ds_index_problem_count(ds->ix) && rc == 0; k++) {
        const ds_index_problem *ip = ds_index_problem_at(ds->ix, k);
        rc = add_problem(ds, ip->offset, SIZE_MAX, ip->reason);
        n_structural = ds->n_problems;
    }
    ds->problem_total += ds_index_problem_total(ds->ix) - ds_index_problem_count(ds->ix);
    if (rc != 0)
        snprintf(err, errlen, "%s: out of memory", dataset_path(ds));
    else
        rc = check_records(ds, n, tab, cap - 1, err, errlen);
    free(tab);
    if (rc == 0 && merge_problems(ds, n_structural) != 0) {
        snprintf(err, errlen, "%s: out of memory", dataset_path(ds));
        rc = -1;
    }
    if (rc != 0)
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
    return dataset_checked(ds) && i < dataset_count(ds) && (ds->bad[i / 8] >> (i % 8) & 1);
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
