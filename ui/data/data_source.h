/* data_source.h - the Data pane's dataset and the background thread that
 * works on it: index the file (the table shows records as they are
 * published), load the tokenizer when one was named, check every record
 * (problems, exact duplicates), then measure every record (characters,
 * tokens, flags) so numeric columns can be sorted. The stats pass runs
 * again on request over the edit session's rows (data_source_restat), so
 * its summary and flags can follow the edits. The UI thread reads the
 * stage and progress at any time and never waits for the thread, except in
 * data_source_close, which cancels it first.
 *
 * With a tokenizer loaded, a record's token count is its exact trained
 * length under data_source_template (ds_features.h: what the trainer and the
 * preview render, so the L flag and the truncated count agree with training)
 * and per-field counts are the field texts alone; without one, ds_features'
 * byte-based estimate, flagged as such. Feature contexts that measure rows
 * for the pane take the template with ds_feat_ctx_set_template. */
#ifndef LATHE_DATA_SOURCE_H
#define LATHE_DATA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "dataset.h"
#include "ds_features.h"
#include "ds_stats.h"
#include "tok.h"

typedef struct data_source data_source;

typedef enum {
    DATA_STAGE_INDEX,       /* finding records; the table grows */
    DATA_STAGE_TOKENIZER,   /* loading the tokenizer */
    DATA_STAGE_CHECK,       /* parsing every record: problems, duplicates */
    DATA_STAGE_STATS,       /* ds_stats: features of every record, then near duplicates */
    DATA_STAGE_DONE,
    DATA_STAGE_FAILED,      /* see the message */
} data_stage;

/* What the table shows for one record: totals and DS_ROW_* flags. */
typedef struct {
    uint32_t chars, tokens;
    uint8_t flags, lang;    /* DS_ROW_*, ds_lang */
} data_metrics;

typedef struct {
    data_stage stage;
    double fraction;        /* of the current stage, 0..1 */
    size_t records;         /* indexed so far */
    size_t measured;        /* records with metrics from the stats pass (0 until it ends) */
    bool near_phase;        /* the stats pass is looking for near duplicates */
    double near_threshold;  /* of the stats pass running or done */
    unsigned stats_gen;     /* the edit generation that pass describes (0: as opened) */
    size_t stats_edits;     /* the edit steps in it (0: the file as opened) */
    char message[512];      /* why it failed, or why the tokenizer is missing */
} data_source_state;

typedef struct {
    const char *model;    /* GGUF, Hugging Face directory or tokenizer.json; may be NULL */
    const char *config;   /* a training config: its base_model (unless MODEL),
                             chat_template, sequence_len, train_on_inputs; may be NULL */
} data_source_options;

/* Opens PATH and starts the thread. With neither a model nor a config with a
 * base_model, token counts are estimates. NULL with err when PATH cannot be
 * opened, the config does not load, or the thread cannot start. */
data_source *data_source_open(const char *path, const data_source_options *opt, char *err,
                              size_t errlen);
/* Cancels the thread, waits for it and frees everything. NULL is fine. */
void data_source_close(data_source *s);

dataset *data_source_dataset(const data_source *s);
void data_source_state_get(const data_source *s, data_source_state *out);

/* The loaded tokenizer, or NULL (none named, not loaded yet, or it failed).
 * Shared read-only; each thread makes its own tok_session. */
const tok_vocab *data_source_vocab(const data_source *s);
chat_tmpl data_source_template(const data_source *s);
/* The path the tokenizer is loaded from (-m or the config's base_model), or NULL. */
const char *data_source_model(const data_source *s);
int64_t data_source_sequence_len(const data_source *s);
bool data_source_train_on_inputs(const data_source *s);

/* Metrics of record I from the stats pass: true once the pass is done and
 * when I is in its view (not deleted). */
bool data_source_metrics(const data_source *s, size_t i, data_metrics *out);
/* The finished stats pass (summary, per-row info), or NULL while it runs. */
const ds_stats *data_source_stats(const data_source *s);
/* What data_source_restat measures: VIEW (NULL: the file as opened) is
 * the edit session's rows at generation GEN after EDITS steps (the caller's
 * numbers, shown back in data_source_state). */
typedef struct {
    ds_view *view;
    unsigned gen;
    size_t edits;
    double threshold;       /* near duplicates */
} data_source_pass;

/* Asks a stats pass that runs to stop, without waiting for it: true once
 * none runs (the thread has ended), so data_source_restat may start one;
 * false while it runs or before the check has ended. */
bool data_source_stats_stop(data_source *s);
/* Runs the stats pass again over PASS (the view is the source's from here
 * on, freed on failure), once the last one has ended; the finished pass is
 * freed, so stop every reader of data_source_stats first. -1 with ERR
 * while a pass or the check runs, or when the thread cannot start. */
int data_source_restat(data_source *s, const data_source_pass *pass, char *err,
                       size_t errlen);

/* Measures one parsed record on the calling thread with C (its own feature
 * context): the same figures and flags as the stats pass, except the ones
 * that need the whole dataset (near duplicates; exact duplicates are added
 * from the check pass for RECORD, pass SIZE_MAX for an edited record). */
void data_measure(const data_source *s, ds_feat_ctx *c, const ds_record *rec, size_t record,
                  data_metrics *out);
/* The DS_ROW_* flags of features F as data_measure sets them. */
uint8_t data_row_flags(const data_source *s, const ds_features *f, size_t record);

/* Bytes of text in REC's turns. */
size_t data_record_bytes(const ds_record *rec);
/* The UI thread tokenizes records up to this size (measuring a row, the
 * preview); the stats pass measures bigger ones. */
#define DATA_UI_TOKENIZE_MAX ((size_t)1 << 20)

/* Lowers the calling thread's scheduling priority (Linux: per-thread nice),
 * so the pane's workers yield to the UI thread on a busy machine. */
void data_thread_background(void);

#endif
