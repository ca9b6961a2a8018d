/* instruct.h - the sample's instruction dataset in alpaca form
 * (instruction, input, output): questions about the world's facts,
 * arithmetic, number names and string tasks (reverse, count letters,
 * upper-case), every answer computed, split into train and held-out sets. */
#ifndef LATHE_SAMPLE_INSTRUCT_H
#define LATHE_SAMPLE_INSTRUCT_H

#include <stdint.h>
#include <stdio.h>

#include "world.h"

typedef struct {
    char instruction[96];
    char input[32];
    char output[64];
} instruct_rec;

/* Every record, in a seeded order; *n receives the count. NULL when out of
 * memory. The caller frees the array. */
instruct_rec *instruct_make(const world *w, uint64_t seed, size_t *n);

/* Writes recs[0..n) as JSONL (one compact object per line, keys in the
 * order instruction, input, output). Returns 0, or -1 on a write error. */
int instruct_write_jsonl(FILE *out, const instruct_rec *recs, size_t n);

#endif
