/* pipeline.h - the training data pipeline: dataset records to the token
 * sequences the trainer consumes, exactly as `lathe data render` prints them.
 *
 * Order of operations (fixed; the trainer and `lathe data render` share it):
 *  1. Read every dataset in config order, records in file order. Records that
 *     do not parse as the format are skipped (reported with file, line and
 *     byte, see pipe_report); with dataset_exact_deduplication, exact repeats
 *     of an earlier record of the same file are skipped.
 *  2. Render each record with the chat template to tokens and labels
 *     (pipe_render.h), and truncate it to sequence_len by dropping its
 *     tail. A record with no learned token left is skipped.
 *  3. Split off the validation set: test_datasets when given (read the same
 *     way), else val_set_size records (a share < 1, rounded up, or a count)
 *     chosen by a permutation keyed by seed; they keep file order.
 *  4. Shuffle the remaining training records by seed (when shuffle is on).
 *     This is the first epoch's order; later epochs reorder the sequences
 *     (pipe_source.h).
 *  5. Then pack: with sample_packing, records are appended in that order to
 *     the current sequence while they fit in sequence_len and a new sequence
 *     starts when the next does not; a record is never split across
 *     sequences (one longer than sequence_len was truncated in step 2).
 *     Without packing, each record is one sequence.
 * So records are shuffled before packing: the sequence order is the packing
 * order of the shuffled records.
 *
 * Memory: steps 1-5 keep 24 bytes a record and, when every sequence is made,
 * the rendered tokens (8 bytes a token, freed as the sequences (12 bytes a
 * token) take them). With max_sequences only the first sequences are made,
 * their records rendered a second time, so asking for a few costs no token
 * memory. Past the memory budget (mem_budget.h) the build stops with a
 * message naming the figure.
 *
 * Labels follow Hugging Face: labels[t] is tokens[t] where the token is
 * learned (the logits at t-1 are scored against it), PIPE_IGNORE elsewhere.
 * The first token of each record is never learned: nothing of its own record
 * precedes it. doc[t] numbers the records of a sequence from 0. */
#ifndef LATHE_PIPELINE_H
#define LATHE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "pipe_render.h"
#include "tok.h"
#include "train_config.h"

typedef struct {
    int32_t *tokens, *labels, *doc;
    size_t n;
} pipe_seq;

typedef struct {
    size_t records;      /* records that went into sequences */
    size_t bad;          /* skipped: not a record of the format */
    size_t duplicates;   /* skipped: exact repeat (dataset_exact_deduplication) */
    size_t untrainable;  /* skipped: no learned token (after truncation) */
    size_t truncated;    /* cut to sequence_len */
    size_t sequences;
    size_t tokens, learned;
} pipe_counts;

typedef struct {
    pipe_seq *seqs;
    size_t n;            /* made: all of them, or the first max_sequences */
    pipe_counts counts;  /* of all of them */
} pipe_set;

/* What was skipped, as the lines a user reads: per dataset and reason (bad,
 * duplicate, nothing to learn) the first PIPE_NOTE_EXAMPLES records as
 * "PATH: line L, byte B: REASON (skipped)", then, when there were more or the
 * bad records have another dataset type's keys, one line with the count and
 * the hint ("these look like alpaca: set type: alpaca"). Kept with the
 * sequences (the tokenized-data cache stores it), so a run that takes its data
 * from the cache reports the same lines. */
#define PIPE_NOTE_EXAMPLES 3
typedef struct {
    char **lines;
    size_t n;
} pipe_report;

typedef struct {
    pipe_set train, val;
    chat_tmpl tmpl;
    pipe_report report;
} pipeline;

/* Receives each line of the report as it is made. */
typedef void (*pipe_note_fn)(void *ctx, const char *msg);
/* Told now and then that DONE of the TOTAL records of PATH are rendered;
 * returning false cancels the build. */
typedef bool (*pipe_progress_fn)(void *ctx, const char *path, size_t done, size_t total);

/* Appends a copy of LINE; -1 when out of memory. */
int pipe_report_add(pipe_report *r, const char *line);
/* Hands every line of P's report to NOTE, as pipeline_build did. */
void pipeline_report_replay(const pipeline *p, pipe_note_fn note, void *ctx);

typedef struct {
    const tok_vocab *vocab;
    const char *model_template;  /* the model's Jinja chat template, or NULL */
    const char *dataset;         /* non-NULL: read this file instead of cfg's datasets */
    pipe_note_fn note;           /* may be NULL */
    void *note_ctx;
    pipe_progress_fn progress;   /* may be NULL */
    void *progress_ctx;
    size_t max_sequences;        /* make only the first this many of each set; 0: all */
} pipe_inputs;

/* The template chat_template names; `auto` is the model's own (detected from
 * its Jinja text) or alpaca when the model has none. -1 with err when the
 * model's template is not one lathe renders. */
int pipeline_template(config_chat_template c, const char *model_template, chat_tmpl *out,
                      char *err, size_t errlen);

/* Runs steps 1-5 above for CFG. With IN->dataset the file is read with the
 * type and field mapping of the config entry for the same file, or with the
 * detected format when the config has none. Returns 0, or -1 with err (and P
 * freeable; "cancelled" when the progress callback said so). */
int pipeline_build(pipeline *p, const train_config *cfg, const pipe_inputs *in, char *err,
                   size_t errlen);
void pipeline_free(pipeline *p);

/* A permutation of 0..n-1 keyed by KEY (Fisher-Yates on counter-based draws),
 * malloc'd; NULL when out of memory. */
size_t *pipeline_permutation(size_t n, uint64_t key);

#endif
