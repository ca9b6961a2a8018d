/* chat_ckpt.h - a training run's checkpoints as chat sides: listing
 * RUN/checkpoints/step-N/ and loading one for side B, while the run may
 * still be training in another process or thread. Checkpoint directories
 * appear by an atomic rename, so a listed one is complete; one pruned
 * after it was listed (save_total_limit) is reported as gone. Only files
 * are read. A LoRA run's checkpoint becomes an adapter on the chat's base
 * (or, when the run trained another model, on that model); a full or
 * top-layers run's becomes a base of its own, loaded in fp32 with the
 * trained tensors in place. */
#ifndef LATHE_CHAT_CKPT_H
#define LATHE_CHAT_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "chat_base.h"

typedef struct {
    int64_t step;
    double loss;            /* the training loss state.json records; NAN when unknown */
} chat_ckpt;

/* RUN's complete checkpoints, oldest first: *OUT malloc'd, *N of them (0
 * and NULL when there are none yet). -1 with err when RUN is not a run
 * directory (no config.yaml). */
int chat_ckpt_list(const char *run, chat_ckpt **out, size_t *n, char *err, size_t errlen);

typedef struct {
    int64_t step;
    bool full;              /* full weights (a base of its own) rather than an adapter */
    adapter ad;             /* LoRA: the checkpoint's A and B */
    chat_base *base;        /* the base it runs on when not the chat's; NULL: the chat's */
    bool live;              /* the run has not written summary.json: it may still be training */
} chat_ckpt_weights;

/* Loads step STEP of RUN (< 0: the newest) for a chat on BASE. -1 with err
 * naming the run, step and what went wrong. */
int chat_ckpt_load(const char *run, int64_t step, chat_base *base, chat_ckpt_weights *out,
                   char *err, size_t errlen);
void chat_ckpt_weights_free(chat_ckpt_weights *w);

#endif
