/* pretrain.h - the sample's pretraining text: documents of plain-prose
 * sentences stating the facts of the world (world.h), arithmetic in words
 * and in digits, number names and spelling facts, some one sentence a line,
 * and plain-text question sheets from the train split of the instruction
 * dataset (instruct.h), drawn from a seed. */
#ifndef LATHE_SAMPLE_PRETRAIN_H
#define LATHE_SAMPLE_PRETRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "world.h"

/* Documents are separated by two blank lines (a question sheet has single
 * blank lines inside). */
#define PRETRAIN_SEPARATOR "\n\n\n"

typedef struct {
    uint64_t seed;           /* of the text */
    size_t bytes;            /* write at least this much */
    uint64_t instruct_seed;  /* the instruction dataset (instruct_make) ... */
    size_t heldout;          /* ... whose first heldout records are never asked */
} pretrain_opts;

/* Writes documents until at least o->bytes bytes are out. Returns 0, or -1
 * when writing fails, memory runs out or no train record is left. */
int pretrain_write(FILE *out, const world *w, const pretrain_opts *o);

#endif
