/* run_estimate.h - what a training config will take, before it runs: the
 * parameters (total and trainable), the memory by part and its peak against
 * the machine's, and from the dataset itself the tokens, sequences and steps
 * and the share truncated, with warnings where a setting looks wrong.
 *
 * The memory is not a rule of thumb: the sizes come from the functions the
 * engine's allocators use (model_plan_sizes, model_activation_size,
 * lora_floats, optim_state_floats, train_setup_quant_bytes, tok_vocab_bytes)
 * and the data from the training pipeline itself, batch by batch as the run
 * will see them (the widest batch sizes the activation arena; the scored
 * tokens decide how much of the logits buffer is written). The run's peak
 * is the larger of two moments: loading (every weight in fp32 beside the
 * mapped file) and training (what stays, plus gradients, optimizer state
 * and activations). Pages never written are not counted, as the resident
 * set does not count them. */
#ifndef LATHE_RUN_ESTIMATE_H
#define LATHE_RUN_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pipeline.h"
#include "tok.h"
#include "train_config.h"

/* One part of the memory, at the training peak. */
typedef struct {
    const char *key;        /* JSON key: "weights", "activations", ... */
    const char *label;      /* for people: "weights (fp32)" */
    uint64_t bytes;
} run_est_part;

typedef struct {
    const char *key;        /* what it is about: "learning_rate", "memory", ... */
    char msg[320];
} run_est_warning;

enum { RUN_EST_MAX_PARTS = 16, RUN_EST_MAX_WARNINGS = 8 };

typedef struct {
    /* the model */
    model_config arch;
    const char *method;         /* "lora", "full", "top layers" */
    uint64_t params, trainable, lora_params;
    int threads;
    /* memory */
    run_est_part parts[RUN_EST_MAX_PARTS];
    size_t n_parts;
    uint64_t train_peak;        /* the sum of the parts */
    uint64_t load_peak;         /* while loading the model */
    uint64_t peak;              /* the larger of the two */
    uint64_t reclaimable;       /* of the peak, mapped file pages the kernel may drop */
    uint64_t mem_total, mem_available;  /* /proc/meminfo; 0 where unknown */
    /* the data */
    pipe_counts train, val;
    double truncated_share;     /* of the records read, the share cut to sequence_len */
    size_t longest;             /* tokens of the longest training sequence */
    int64_t steps_per_epoch, total_steps, epochs;
    uint64_t run_tokens;        /* positions the run's micro-batches hold, padding included */
    uint64_t evals;             /* evaluations over the validation set */
    uint64_t eval_tokens;       /* positions one evaluation holds */
    int widest_batch;           /* the widest micro-batch (T) the run sees */
    /* what looks wrong, and why */
    run_est_warning warnings[RUN_EST_MAX_WARNINGS];
    size_t n_warnings;
    /* the inputs, kept for run_measure: the config (borrowed), the rest owned */
    const train_config *cfg;
    tok_vocab *vocab;
    char *tmpl;
    pipeline pipe;
    int32_t pad;
} run_estimate;

/* Receives a line per skipped record and per phase ("tokenizing ..."). */
typedef void (*run_note_fn)(void *ctx, const char *msg);

/* Estimates a run of CFG (which must outlive E): reads the model's header (not its
 * weights), the tokenizer and the datasets. -1 with err when the model or
 * data cannot be read; E is freeable either way. */
int run_estimate_build(run_estimate *e, const train_config *cfg, run_note_fn note, void *ctx,
                       char *err, size_t errlen);
void run_estimate_free(run_estimate *e);

/* BYTES as people read a run's memory: "172.2 MiB", "21.92 GiB". */
void run_estimate_bytes(char *buf, size_t len, uint64_t bytes);

/* The part named KEY, or NULL. */
const run_est_part *run_estimate_part(const run_estimate *e, const char *key);

#endif
