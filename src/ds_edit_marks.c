/* ds_edit_marks.c - which visible rows are exact or near duplicates of an
 * earlier visible row, or match a filter, in the session's current state:
 * what dedupe, near_dedupe and the filter actions act on. */
#include "config.h"

#include "ds_edit_impl.h"
#include "ds_features.h"
#include "ds_filter.h"
#include "ds_neardup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing over (hash, row + 1) of the visible records kept so far. */
typedef struct {
    uint64_t hash;
    size_t row1;
} seen_slot;

static bool same_as(ds_edit *e, size_t row, const ds_record *rec)
{
    ds_record other;
    char why[8];
    bool same = ds_edit_get(e, row, &other, why, sizeof why) == DATASET_OK
        && ds_record_same(&other, rec);
    ds_record_clear(&other);
    return same;
}

static bool seen_before(ds_edit *e, seen_slot *tab, size_t mask, size_t row, const ds_record *rec)
{
    uint64_t h = ds_record_hash(rec);
    size_t s = (size_t)h & mask;
    for (; tab[s].row1; s = (s + 1) & mask)
        if (tab[s].hash == h && same_as(e, tab[s].row1 - 1, rec))
            return true;
    tab[s] = (seen_slot){h, row + 1};
    return false;
}

int ds_edit_mark_dups(ds_edit *e, uint8_t *bits, char *err, size_t errlen)
{
    size_t cap = 16;
    while (cap < 2 * ds_edit_visible_count(e))
        cap *= 2;
    seen_slot *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return ds_edit_oom(e, err, errlen);
    char why[8];
    int rc = 0;
    for (size_t row = 0; rc == 0 && row < ds_edit_rows(e); row++) {
        if (ds_edit_stopped(e, row, err, errlen))
            rc = -1;
        if (rc != 0 || ds_edit_deleted(e, row))
            continue;
        ds_record rec;
        if (ds_edit_get(e, row, &rec, why, sizeof why) == DATASET_OK
            && seen_before(e, tab, cap - 1, row, &rec))
            ds_bit_set(bits, row);
        ds_record_clear(&rec);
    }
    free(tab);
    return rc;
}

/* Signatures of the visible rows, in order; ROWS maps their index to rows. */
static int signatures(ds_edit *e, ds_minhash *sigs, uint8_t *has, size_t *rows, size_t *n,
                      char *err, size_t errlen)
{
    char why[8];
    *n = 0;
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        if (ds_edit_stopped(e, row, err, errlen))
            return -1;
        if (ds_edit_deleted(e, row))
            continue;
        ds_record rec;
        has[*n] = ds_edit_get(e, row, &rec, why, sizeof why) == DATASET_OK
            && ds_minhash_record(&rec, &sigs[*n]);
        ds_record_clear(&rec);
        rows[(*n)++] = row;
    }
    return 0;
}

int ds_edit_mark_near(ds_edit *e, double threshold, uint8_t *bits, char *err, size_t errlen)
{
    size_t v = ds_edit_visible_count(e), n;
    if (!(threshold > 0 && threshold <= 1)) {
        snprintf(err, errlen, "near_dedupe: the threshold must be in (0, 1], not %g", threshold);
        return -1;
    }
    if (v >= DS_NEAR_NONE) {
        snprintf(err, errlen, "near_dedupe: more than %u records", DS_NEAR_NONE - 1);
        return -1;
    }
    ds_minhash *sigs = malloc((v + 1) * sizeof *sigs);
    uint8_t *has = malloc(v + 1);
    size_t *rows = malloc((v + 1) * sizeof *rows);
    uint32_t *first = malloc((v + 1) * sizeof *first);
    int rc = sigs && has && rows && first ? 0 : ds_edit_oom(e, err, errlen);
    if (rc == 0)
        rc = signatures(e, sigs, has, rows, &n, err, errlen);
    ds_neardup_options opt = {.threshold = threshold, .threads = 1, .cancel = &e->cancel};
    if (rc == 0)
        rc = ds_neardup_find(sigs, has, n, &opt, first, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (first[i] != DS_NEAR_NONE)
            ds_bit_set(bits, rows[i]);
    free(sigs);
    free(has);
    free(rows);
    free(first);
    return rc;
}

/* The flags of the row-wide passes this filter reads, for every visible row. */
typedef struct {
    uint8_t *dup, *near;
} pass_marks;

static int run_passes(ds_edit *e, unsigned needs, pass_marks *p, char *err, size_t errlen)
{
    size_t bytes = ds_edit_rows(e) / 8 + 1;
    if ((needs & DS_NEED_DUP) || (needs & DS_NEED_STATS)) {
        if (!(p->dup = calloc(bytes, 1)) || ds_edit_mark_dups(e, p->dup, err, errlen) != 0)
            return p->dup ? -1 : ds_edit_oom(e, err, errlen);
    }
    if (needs & DS_NEED_STATS) {
        if (!(p->near = calloc(bytes, 1))
            || ds_edit_mark_near(e, DS_NEAR_THRESHOLD_DEFAULT, p->near, err, errlen) != 0)
            return p->near ? -1 : ds_edit_oom(e, err, errlen);
    }
    return 0;
}

static unsigned row_flags(ds_edit *e, const pass_marks *p, size_t row, const ds_features *f)
{
    unsigned fl = (f->pii_total ? DS_ROW_PII : 0) | (f->empty ? DS_ROW_EMPTY : 0)
        | (f->control ? DS_ROW_CONTROL : 0) | (f->invalid_utf8 ? DS_ROW_INVALID_UTF8 : 0);
    if (e->sequence_len && f->tokens_total > e->sequence_len)
        fl |= DS_ROW_TOO_LONG;
    if (p->dup && ds_bit(p->dup, row))
        fl |= DS_ROW_DUP;
    else if (p->near && ds_bit(p->near, row))
        fl |= DS_ROW_NEAR_DUP;
    return fl;
}

/* Evaluates F on one visible row: 1 match, 0 not, -1 with ERR. */
static int eval_row(ds_edit *e, ds_filter *f, ds_feat_ctx *fc, const pass_marks *p, size_t row,
                    char *err, size_t errlen)
{
    ds_record rec;
    ds_features feat;
    char why[8];
    ds_filter_row fr = {.flags = DS_ROW_PROBLEM};
    if (ds_edit_get(e, row, &rec, why, sizeof why) == DATASET_OK) {
        if (ds_features_compute(fc, &rec, &feat, err, errlen) != 0) {
            ds_record_clear(&rec);
            return -1;
        }
        fr = (ds_filter_row){&rec, &feat, row_flags(e, p, row, &feat)};
    }
    int hit = ds_filter_eval(f, &fr);
    ds_record_clear(&rec);
    return hit;
}

int ds_edit_mark_filter(ds_edit *e, const char *filter, uint8_t *bits, char *err,
                        size_t errlen)
{
    char why[256];
    ds_filter *f = ds_filter_compile(filter, why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "filter '%s': %s", filter, why);
        return -1;
    }
    pass_marks p = {0};
    ds_feat_ctx *fc = ds_feat_ctx_new(e->vocab, err, errlen);
    int rc = fc ? run_passes(e, ds_filter_needs(f), &p, err, errlen) : -1;
    for (size_t row = 0; rc == 0 && row < ds_edit_rows(e); row++) {
        if (ds_edit_stopped(e, row, err, errlen))
            rc = -1;
        if (rc != 0 || ds_edit_deleted(e, row))
            continue;
        int hit = eval_row(e, f, fc, &p, row, err, errlen);
        if (hit > 0)
            ds_bit_set(bits, row);
        rc = hit < 0 ? -1 : 0;
    }
    free(p.dup);
    free(p.near);
    ds_feat_ctx_free(fc);
    ds_filter_free(f);
    return rc;
}
