/* data_filter.c - the filter job on a worker (see data_filter.h). The match
 * array is written only by the job and read by the UI thread once the worker
 * has ended (worker_poll's acquire); the matched count is an atomic polled
 * while it runs, the scanned count the worker's progress. */
#include "config.h"

#include "data_filter.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct data_filter {
    worker *w;
    const data_source *src;
    ds_edit *edit;
    bool stats_current;         /* the stats pass describes EDIT as it is */
    ds_filter *f;
    bool summary_only;          /* the filter reads no text, fields or PII kinds */
    ds_feat_ctx *fc;            /* the job's */
    size_t n;
    uint8_t *match;
    atomic_size_t matched;
};

static int read_record(const data_filter *j, size_t i, ds_record *rec)
{
    char why[256];
    if (j->edit)
        return ds_edit_get(j->edit, i, rec, why, sizeof why);
    return dataset_get(data_source_dataset(j->src), i, rec, why, sizeof why);
}

/* The row as the stats pass saw it, when that is all the filter reads: its
 * totals, language and flags stand in for the features (no parse, no
 * tokenizing), so a million rows take a moment, not a minute. */
static bool eval_summary(data_filter *j, const data_metrics *m, const ds_row_info *info)
{
    static const ds_record any;     /* "the record parsed"; never read */
    ds_features feat = {.chars_total = m->chars, .tokens_total = m->tokens,
                        .turns = info->turns, .lang = (ds_lang)m->lang};
    feat.empty_record = m->flags & DS_ROW_EMPTY;
    feat.pii_total = m->flags & DS_ROW_PII ? 1 : 0;
    feat.control = m->flags & DS_ROW_CONTROL ? 1 : 0;
    feat.invalid_utf8 = m->flags & DS_ROW_INVALID_UTF8 ? 1 : 0;
    bool ok = !(m->flags & DS_ROW_PROBLEM);
    ds_filter_row row = {ok ? &any : NULL, ok ? &feat : NULL, m->flags};
    return ds_filter_eval(j->f, &row);
}

/* Row flags and, for a record that parses, its features. */
static bool eval_row(data_filter *j, ds_feat_ctx *fc, size_t i)
{
    if (j->edit && ds_edit_deleted(j->edit, i))
        return false;
    bool edited = j->edit && ds_edit_replaced(j->edit, i);
    data_metrics m;
    const ds_stats *st = data_source_stats(j->src);
    bool pass = st && (j->stats_current || !edited) && data_source_metrics(j->src, i, &m);
    if (j->summary_only && pass)
        return eval_summary(j, &m, ds_stats_row(st, i));
    ds_record rec;
    ds_features feat;
    ds_filter_row row = {NULL, NULL, 0};
    if (read_record(j, i, &rec) == DATASET_OK) {
        char err[256];
        if (ds_features_compute(fc, &rec, &feat, err, sizeof err) == 0) {
            row.rec = &rec;
            row.feat = &feat;
            /* a current pass's dup flag counts, not the check's */
            row.flags = data_row_flags(j->src, &feat, edited || j->stats_current ? SIZE_MAX : i);
        }
    } else {
        row.flags = DS_ROW_PROBLEM;
    }
    if (pass)
        row.flags |= m.flags & (DS_ROW_NEAR_DUP | DS_ROW_DUP);
    bool hit = ds_filter_eval(j->f, &row);
    ds_record_clear(&rec);
    return hit;
}

static int filter_run(worker *w, void *arg, char *err, size_t errlen)
{
    data_filter *j = arg;
    data_thread_background();
    for (size_t i = 0; i < j->n; i++) {
        if (worker_cancelled(w)) {
            snprintf(err, errlen, "filter cancelled");
            return -1;
        }
        j->match[i] = eval_row(j, j->fc, i);
        if (j->match[i])
            atomic_fetch_add_explicit(&j->matched, 1, memory_order_relaxed);
        worker_progress(w, i + 1, j->n);
    }
    return 0;
}

static const worker_job filter_job = {.name = "filter", .run = filter_run};

static void filter_free(data_filter *j)
{
    ds_feat_ctx_free(j->fc);
    ds_filter_free(j->f);
    free(j->match);
    free(j);
}

data_filter *data_filter_start(const data_source *src, ds_edit *edit, bool stats_current,
                               ds_filter *f, size_t n, worker_notify notify, char *err,
                               size_t errlen)
{
    data_filter *j = calloc(1, sizeof *j);
    uint8_t *match = calloc(n ? n : 1, 1);
    if (!j || !match) {
        snprintf(err, errlen, "out of memory filtering %zu records", n);
        free(j);
        free(match);
        ds_filter_free(f);
        return NULL;
    }
    *j = (data_filter){.src = src, .edit = edit, .stats_current = stats_current, .f = f,
                       .n = n, .match = match};
    j->summary_only = !(ds_filter_needs(f) & (DS_NEED_TEXT | DS_NEED_FIELDS));
    if (!(j->fc = ds_feat_ctx_new(data_source_vocab(src), err, errlen))) {
        filter_free(j);
        return NULL;
    }
    ds_feat_ctx_set_template(j->fc, data_source_template(src));
    if (!(j->w = worker_new(&filter_job, notify, err, errlen)) ||
        worker_start(j->w, j, err, errlen) != 0) {
        worker_free(j->w);
        filter_free(j);
        return NULL;
    }
    return j;
}

bool data_filter_poll(const data_filter *j, size_t *scanned, size_t *matched)
{
    worker_status st;
    bool done = worker_poll(j->w, &st) == WORKER_DONE;
    *scanned = (size_t)st.done;
    *matched = atomic_load_explicit(&((data_filter *)j)->matched, memory_order_relaxed);
    return done;
}

const uint8_t *data_filter_matches(const data_filter *j)
{
    return j->match;
}

bool data_filter_summary_only(const data_filter *j)
{
    return j->summary_only;
}

void data_filter_stop(data_filter *j)
{
    if (!j)
        return;
    worker_free(j->w);
    filter_free(j);
}
