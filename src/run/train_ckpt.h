/* train_ckpt.h - a training run's checkpoints (RUN/checkpoints/step-N/):
 * the trainable weights (weights.bin), the optimizer state (optimizer.bin)
 * and state.json (step, skipped steps and the trailing run of them, epoch, loss, the batch source's
 * position, tokens seen, the best evaluation so far, the config hash). The
 * schedule and the LoRA dropout seeds are functions of the step, so the step
 * restores them. A checkpoint is written into checkpoints/.step-N.tmp, every
 * file fsynced, renamed to step-N and the parent fsynced: a reader only ever
 * sees complete checkpoints. */
#ifndef LATHE_TRAIN_CKPT_H
#define LATHE_TRAIN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "optim.h"

typedef struct {
    int64_t step, skipped;
    int64_t consecutive_skipped; /* the trailing run of skipped steps (nan_tolerance);
                                  * 0 when loaded from a checkpoint that predates it */
    double epoch, loss;
    uint64_t data_pos;        /* sequences the batch source has handed out */
    uint64_t tokens;
    double best_eval;         /* NAN when nothing was evaluated */
    int64_t best_step, since_best;
    char config_hash[17];     /* hex XXH3 of the resolved config.yaml */
} train_ckpt_state;

/* Writes RUN/checkpoints/step-<st->step>. -1 with err; a failed write leaves
 * the earlier checkpoints as they were and no partial directory behind. */
int train_ckpt_save(const char *run, const train_ckpt_state *st, const optim_param *params,
                    size_t n_params, const optim *o, char *err, size_t errlen);

/* Deletes the oldest checkpoints beyond LIMIT (< 1: none), never KEEP_STEP's
 * (the best evaluation's) nor the newest: with LIMIT 1 and an older best,
 * two remain. */
int train_ckpt_prune(const char *run, int64_t limit, int64_t keep_step, char *err,
                     size_t errlen);

/* Steps of RUN's complete checkpoints, ascending, malloc'd; *N of them.
 * NULL when none (or out of memory). */
int64_t *train_ckpt_steps(const char *run, size_t *n);

/* The highest step with a complete checkpoint under RUN, or -1. */
int64_t train_ckpt_latest(const char *run);

/* Loads step STEP's checkpoint into *st, the tensors and the optimizer. */
int train_ckpt_load(const char *run, int64_t step, train_ckpt_state *st,
                    const optim_param *params, size_t n_params, optim *o, char *err,
                    size_t errlen);

/* Loads only the trainable weights of step STEP's checkpoint into PARAMS
 * (load_best_model_at_end). -1 with err. */
int train_ckpt_load_weights(const char *run, int64_t step, const optim_param *params,
                            size_t n_params, char *err, size_t errlen);

/* `--resume auto`: the run directory beside OUTPUT_DIR (in its parent) with
 * the newest checkpoint, in a malloc'd string; NULL with err when none. */
char *train_ckpt_auto(const char *output_dir, char *err, size_t errlen);

/* Hex XXH3 of the file at PATH into out[17]. -1 with err. */
int train_ckpt_hash_file(const char *path, char out[17], char *err, size_t errlen);

#endif
