/* pipeline_source.h - the trainer's batch source (trainer.h trainer_source)
 * over pipeline sequences: micro_batch_size sequences per batch, in the order
 * `lathe data render` prints, through the batch layout of pipeline_batch.h.
 * Each batch is as wide as its longest sequence. Every epoch repeats that
 * same order; the last batch of an epoch may hold fewer sequences, and a
 * batch never spans two epochs. The position (sequences consumed, all
 * epochs counted) is what a checkpoint saves to resume the data order. */
#ifndef LATHE_PIPELINE_SOURCE_H
#define LATHE_PIPELINE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "pipeline_batch.h"
#include "trainer.h"

typedef struct {
    const pipe_set *set;   /* must outlive the source */
    size_t micro_batch;
    int64_t epochs;
    int32_t pad;
    uint64_t pos;
    pipe_batch batch;      /* the last batch handed out */
} pipe_source;

/* EPOCHS passes of MICRO_BATCH sequences per batch; PAD fills short rows.
 * Returns 0, or -1 with err when the set is empty or a count is below 1. */
int pipe_source_init(pipe_source *s, const pipe_set *set, size_t micro_batch, int64_t epochs,
                     int32_t pad, char *err, size_t errlen);
/* trainer_next_fn: ctx is a pipe_source. */
int pipe_source_next(void *ctx, trainer_batch *out, char *err, size_t errlen);
void pipe_source_free(pipe_source *s);

#endif
