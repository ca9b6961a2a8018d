/* ds_edit_marks.c - which visible rows are exact or near duplicates of an
 * earlier visible row, or match a filter, in the session's current state:
 * what dedupe, near_dedupe and the filter actions act on. */
#include "config.h"

#include "ds_dup_table.h"
#include "ds_edit_impl.h"
#include "ds_features.h"
#include "ds_filter.h"
#include "ds_neardup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool get_row(void *ctx, size_t row, ds_record *out)
{
    char why[8];
    return ds_edit_get(ctx, row, out, why, sizeof why) == DATASET_OK;
}

typedef struct {
    ds_dup_table tab;
    uint8_t *bits;
} dup_pass;

static int mark_dup(ds_edit *e, size_t row, const ds_record *rec, void *ctx, char *err,
                    size_t errlen)
{
    (void)e, (void)err, (void)errlen;
    dup_pass *p = ctx;
    if (rec && ds_dup_table_add(&p->tab, row, rec) != SIZE_MAX)
        ds_bit_set(p->bits, row);
    return 0;
}

int ds_edit_mark_dups(ds_edit *e, uint8_t *bits, char *err, size_t errlen)
{
    dup_pass p = {.bits = bits};
    if (ds_dup_table_init(&p.tab, ds_edit_visible_count(e), get_row, e))
        return ds_edit_oom(e, err, errlen);
    int rc = ds_edit_each_row(e, mark_dup, &p, err, errlen);
    ds_dup_table_free(&p.tab);
    return rc;
}

/* Signatures of the visible rows, in order; ROWS maps their index to rows. */
typedef struct {
    ds_minhash *sigs;
    uint8_t *has;
    size_t *rows, n;
} sig_pass;

static int add_signature(ds_edit *e, size_t row, const ds_record *rec, void *ctx, char *err,
                         size_t errlen)
{
    (void)e, (void)err, (void)errlen;
    sig_pass *p = ctx;
    p->has[p->n] = rec && ds_minhash_record(rec, &p->sigs[p->n]);
    p->rows[p->n++] = row;
    return 0;
}

int ds_edit_mark_near(ds_edit *e, double threshold, uint8_t *bits, char *err, size_t errlen)
{
    size_t v = ds_edit_visible_count(e);
    if (!(threshold > 0 && threshold <= 1)) {
        snprintf(err, errlen, "near_dedupe: the threshold must be in (0, 1], not %g", threshold);
        return -1;
    }
    if (v >= DS_NEAR_NONE) {
        snprintf(err, errlen, "near_dedupe: more than %u records", DS_NEAR_NONE - 1);
        return -1;
    }
    sig_pass p = {malloc((v + 1) * sizeof *p.sigs), malloc(v + 1),
                  malloc((v + 1) * sizeof *p.rows), 0};
    uint32_t *first = malloc((v + 1) * sizeof *first);
    int rc = p.sigs && p.has && p.rows && first ? 0 : ds_edit_oom(e, err, errlen);
    if (rc == 0)
        rc = ds_edit_each_row(e, add_signature, &p, err, errlen);
    ds_neardup_options opt = {.threshold = threshold, .threads = 1, .cancel = &e->cancel};
    if (rc == 0)
        rc = ds_neardup_find(p.sigs, p.has, p.n, &opt, first, err, errlen);
    for (size_t i = 0; rc == 0 && i < p.n; i++)
        if (first[i] != DS_NEAR_NONE)
            ds_bit_set(bits, p.rows[i]);
    free(p.sigs);
    free(p.has);
    free(p.rows);
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
    unsigned fl = (f->pii_total ? DS_ROW_PII : 0) | (f->empty_record ? DS_ROW_EMPTY : 0)
        | (f->control ? DS_ROW_CONTROL : 0) | (f->invalid_utf8 ? DS_ROW_INVALID_UTF8 : 0);
    if (e->tok.sequence_len && f->tokens_total > e->tok.sequence_len)
        fl |= DS_ROW_TOO_LONG;
    if (p->dup && ds_bit(p->dup, row))
        fl |= DS_ROW_DUP;
    else if (p->near && ds_bit(p->near, row))
        fl |= DS_ROW_NEAR_DUP;
    return fl;
}

typedef struct {
    ds_filter *f;
    ds_feat_ctx *fc;
    pass_marks marks;
    uint8_t *bits;
} filter_pass;

/* Evaluates the filter on one visible row and marks a match. */
static int mark_match(ds_edit *e, size_t row, const ds_record *rec, void *ctx, char *err,
                      size_t errlen)
{
    filter_pass *p = ctx;
    ds_features feat;
    ds_filter_row fr = {.flags = DS_ROW_PROBLEM};
    if (rec) {
        if (ds_features_compute(p->fc, rec, &feat, err, errlen) != 0)
            return -1;
        fr = (ds_filter_row){rec, &feat, row_flags(e, &p->marks, row, &feat)};
    }
    int hit = ds_filter_eval(p->f, &fr);
    if (hit > 0)
        ds_bit_set(p->bits, row);
    return hit < 0 ? -1 : 0;
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
    filter_pass p = {f, ds_feat_ctx_new(e->tok.vocab, err, errlen), {0}, bits};
    if (p.fc)
        ds_feat_ctx_set_template(p.fc, e->tok.tmpl);
    int rc = p.fc ? run_passes(e, ds_filter_needs(f), &p.marks, err, errlen) : -1;
    if (rc == 0)
        rc = ds_edit_each_row(e, mark_match, &p, err, errlen);
    free(p.marks.dup);
    free(p.marks.near);
    ds_feat_ctx_free(p.fc);
    ds_filter_free(f);
    return rc;
}
