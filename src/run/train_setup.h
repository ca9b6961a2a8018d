/* train_setup.h - a training config (train_config.h) turned into what the
 * engine takes: the model's training mode (LoRA, full, top layers), a frozen
 * Q8_0/Q4_0 base for load_in_8bit/4bit, the trainer's optimizer, schedule and
 * step settings, and the step count a run will take. */
#ifndef LATHE_TRAIN_SETUP_H
#define LATHE_TRAIN_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "trainer.h"
#include "train_config.h"

/* The mode the config asks for. -1 with err for an unknown LoRA target. */
int train_setup_spec(const train_config *cfg, model_train_spec *out, char *err, size_t errlen);

/* Micro-batches in one epoch of N_SEQ sequences. */
int64_t train_setup_batches_per_epoch(const train_config *cfg, size_t n_seq);
/* Optimizer steps of the run: max_steps, or num_epochs over N_SEQ sequences. */
int64_t train_setup_total_steps(const train_config *cfg, size_t n_seq);
/* Epochs the batch source must offer for the total steps. */
int64_t train_setup_epochs(const train_config *cfg, size_t n_seq);

/* The trainer's settings for a run of TOTAL_STEPS. */
trainer_config train_setup_trainer(const train_config *cfg, int64_t total_steps);

/* Quantized frozen base buffers: the model points into them, so they must
 * outlive it. */
typedef struct {
    void **bufs;
    size_t n;
} train_quant;

/* With load_in_8bit/4bit, stores every fp32 frozen linear weight of M as
 * Q8_0/Q4_0 (call after model_set_training, in LoRA mode). Weights whose
 * rows are not a multiple of 32 stay fp32. -1 with err. */
int train_setup_quantize(const train_config *cfg, model *m, train_quant *q, char *err,
                         size_t errlen);
/* Bytes train_setup_quantize allocates for an fp32 weight of COLS x ROWS
 * under CFG; 0 when it stays fp32 (no load_in_8bit/4bit, or rows ggml
 * cannot block). */
size_t train_setup_quant_bytes(const train_config *cfg, int64_t cols, int64_t rows);
void train_quant_free(train_quant *q);

#endif
