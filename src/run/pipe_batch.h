/* pipe_batch.h - pipeline sequences (pipeline.h: tokens, HF labels, doc
 * ids) in the engine's batch layout (model.h model_batch, trainer.h
 * trainer_batch): B rows of T positions, targets already shifted
 * (targets[t] = labels[t+1], the token the logits at t predict), weight 1
 * where a target is learned and 0 elsewhere, target -1 where masked. Rows
 * shorter than T are padded with the pad token, doc -1, target -1, weight 0.
 * The one conversion both the trainer and `lathe data render` rely on;
 * pipe_batch_row converts a row back. */
#ifndef LATHE_PIPE_BATCH_H
#define LATHE_PIPE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "trainer.h"

typedef struct {
    int B, T;
    int32_t *tokens, *targets, *doc;
    float *weights;
} pipe_batch;

/* Lays out SEQS[0..n) (each at most T long) as one batch of B = n rows.
 * PAD fills the rest of a row. Returns 0, or -1 with err. */
int pipe_batch_make(pipe_batch *b, const pipe_seq *seqs, size_t n, int T, int32_t pad,
                    char *err, size_t errlen);
/* The trainer's view of B (arrays borrowed). */
void pipe_batch_view(const pipe_batch *b, double epoch, trainer_batch *out);
/* Row R back as a sequence (padding dropped); release with pipe_seq_free. */
int pipe_batch_row(const pipe_batch *b, int r, pipe_seq *out, char *err, size_t errlen);
void pipe_batch_free(pipe_batch *b);
void pipe_seq_free(pipe_seq *s);

#endif
