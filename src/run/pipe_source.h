/* pipe_source.h - the trainer's batch source (trainer.h trainer_source)
 * over pipeline sequences: micro_batch_size sequences per batch, through the
 * batch layout of pipe_batch.h. Each batch is as wide as its longest
 * sequence. The first epoch takes the sequences in the order `lathe data
 * render` prints; with pipe_source_reshuffle each later epoch E takes them in
 * a permutation that is a function of the seed and E alone (the packed
 * sequences are reordered, not repacked), else every epoch repeats the first
 * one's order. The last batch of an epoch may hold fewer sequences, and a
 * batch never spans two epochs. The position (sequences consumed, all epochs
 * counted) is what a checkpoint saves to resume the data order: it fixes the
 * epoch and so that epoch's order. */
#ifndef LATHE_PIPE_SOURCE_H
#define LATHE_PIPE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "pipe_batch.h"
#include "trainer.h"

typedef struct {
    const pipe_set *set;   /* must outlive the source */
    size_t micro_batch;
    int64_t epochs;
    int32_t pad;
    uint64_t pos;
    pipe_batch batch;      /* the last batch handed out */
    bool reshuffle;
    uint64_t seed;
    size_t *order;         /* the order of epoch ORDER_EPOCH, when reshuffled */
    int64_t order_epoch;
    pipe_seq *rows;        /* one batch's sequences (borrowed) */
} pipe_source;

/* EPOCHS passes of MICRO_BATCH sequences per batch; PAD fills short rows.
 * Returns 0, or -1 with err when the set is empty or a count is below 1. */
int pipe_source_init(pipe_source *s, const pipe_set *set, size_t micro_batch, int64_t epochs,
                     int32_t pad, char *err, size_t errlen);
/* Gives every epoch after the first its own order keyed by SEED (the
 * config's shuffle). */
void pipe_source_reshuffle(pipe_source *s, uint64_t seed);
/* trainer_next_fn: ctx is a pipe_source. */
int pipe_source_next(void *ctx, trainer_batch *out, char *err, size_t errlen);
/* Moves past the next batch without making it (another process of a
 * data-parallel job trains on it), adding its tokens (padding excluded) to
 * *TOKENS. 1, or 0 when the data is exhausted, or -1 with err. */
int pipe_source_skip(pipe_source *s, uint64_t *tokens, char *err, size_t errlen);
void pipe_source_free(pipe_source *s);

#endif
