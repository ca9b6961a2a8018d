/* pretrain.h - the sample's pretraining text: paragraphs of plain-prose
 * sentences stating the facts of the world (world.h), arithmetic in words
 * and in digits, number names and spelling facts, drawn from a seed. */
#ifndef LATHE_SAMPLE_PRETRAIN_H
#define LATHE_SAMPLE_PRETRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "world.h"

/* Writes paragraphs separated by blank lines until at least bytes bytes are
 * out. Returns 0, or -1 when writing fails. */
int pretrain_write(FILE *out, const world *w, uint64_t seed, size_t bytes);

#endif
