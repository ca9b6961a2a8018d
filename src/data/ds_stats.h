/* ds_stats.h - the whole-dataset stats pass behind `lathe data stats` and the
 * Data pane's Stats view: one pass over every record on worker threads
 * (features, PII, language, MinHash signatures), then the near-duplicate
 * search, merged into one summary with token-length histograms.
 *
 * Threads: workers take chunks of records from a shared counter and each
 * adds into its own summary; the summaries are sums, so merging them gives
 * the same result whatever the interleaving. ds_stats_run blocks; the pane
 * calls it on its background thread and meanwhile reads ds_stats_progress
 * and may call ds_stats_cancel from its own. The summary and the per-row
 * info may be read once ds_stats_progress reports DS_STATS_DONE (or after
 * joining the thread that ran ds_stats_run).
 *
 * Records are read through a view (ds_view.h): the file as opened, or an
 * edit session's rows at one moment, so the same pass describes either.
 * The dataset must have been built and checked (dataset_check): for the
 * file as opened, problem rows and exact duplicates are taken from it; in a
 * view of edits, exact duplicates are found among the view's rows in order
 * (keep-first, from record hashes as the check does) after the record pass.
 * Tokens per field are the texts alone; the total is the trained length
 * under the options' chat template, else the field sum (ds_features.h); a
 * row is too long (the trainer truncates it) when its total exceeds
 * sequence_len. Near duplicates count rows similar to an earlier
 * row (ds_neardup.h) that are not exact duplicates. */
#ifndef LATHE_DS_STATS_H
#define LATHE_DS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "ds_features.h"
#include "ds_hist.h"
#include "ds_neardup.h"
#include "ds_view.h"

typedef struct {
    const tok_vocab *vocab;     /* NULL: the byte estimate */
    uint32_t sequence_len;      /* 0: no limit */
    double near_threshold;      /* 0: DS_NEAR_THRESHOLD_DEFAULT */
    int threads;                /* 0: the online CPUs */
    chat_tmpl tmpl;             /* with vocab: totals are trained lengths */
} ds_stats_options;

typedef struct {
    size_t rows, problem_rows, problems, exact_dups, near_dups;
    size_t present[DS_FIELD_COUNT], empty[DS_FIELD_COUNT];
    size_t empty_rows, control_rows, invalid_utf8_rows, pii_rows, too_long_rows;
    uint64_t control_chars, invalid_bytes;
    uint64_t pii[DS_PII_KINDS];
    size_t lang[DS_LANG_COUNT];
    uint64_t roles[3];
    ds_hist turns, chars_total, tokens_total, tokens[DS_FIELD_COUNT];
    uint32_t sequence_len;
    double near_threshold;
    bool tokens_exact;
    bool tokens_templated;      /* tokens_total holds trained lengths */
} ds_summary;

/* What the pane keeps for every row (12 bytes): sortable columns and flags. */
typedef struct {
    uint32_t chars, tokens;
    uint16_t turns;
    uint8_t lang, flags;   /* ds_lang, DS_ROW_* */
} ds_row_info;

typedef enum { DS_STATS_IDLE, DS_STATS_FEATURES, DS_STATS_NEAR, DS_STATS_DONE,
               DS_STATS_FAILED } ds_stats_phase;

typedef struct ds_stats ds_stats;

/* The pass over DS as opened. OPT may be NULL (defaults). DS and the
 * vocabulary must outlive it. */
ds_stats *ds_stats_new(dataset *ds, const ds_stats_options *opt, char *err, size_t errlen);
/* The pass over VIEW, which it owns from here on (freed on failure too). */
ds_stats *ds_stats_new_view(ds_view *view, const ds_stats_options *opt, char *err,
                            size_t errlen);
/* The pass; call once. Returns 0, or -1 with a message (cancelled, out of
 * memory, a tokenizer error, an unchecked dataset). */
int ds_stats_run(ds_stats *st, char *err, size_t errlen);
void ds_stats_cancel(ds_stats *st);
/* The phase and, within it, DONE of TOTAL (records, then bands). */
ds_stats_phase ds_stats_progress(const ds_stats *st, size_t *done, size_t *total);
void ds_stats_free(ds_stats *st);

const ds_summary *ds_stats_summary(const ds_stats *st);
const ds_view *ds_stats_view(const ds_stats *st);
/* Rows in the view. */
size_t ds_stats_rows(const ds_stats *st);
/* The info of the file's record RECORD, or NULL when it is not in the view. */
const ds_row_info *ds_stats_row(const ds_stats *st, size_t record);
/* The earlier record that RECORD nearly duplicates, or DS_NEAR_NONE. */
uint32_t ds_stats_near_of(const ds_stats *st, size_t record);

#endif
