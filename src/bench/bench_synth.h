/* bench_synth.h - synthetic alpaca or sharegpt JSONL of any size, for
 * `lathe bench data` and tests/bench/gen_dataset: random prose from a fixed
 * word list (with escaped quotes and newlines), reproducible from a seed. */
#ifndef LATHE_BENCH_SYNTH_H
#define LATHE_BENCH_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "ds_record.h"

/* Writes records of FMT (DS_FMT_ALPACA or DS_FMT_SHAREGPT) to F until at
 * least BYTES are written. Returns 0 and sets *RECORDS, or -1 on a write
 * error or another format. */
int bench_synth_write(FILE *f, ds_format fmt, uint64_t bytes, uint64_t seed, uint64_t *records);
/* The same records, ROWS (> 0) of them; sets *BYTES to the size written. The
 * first records of a seed are the same whichever limit is used. */
int bench_synth_write_rows(FILE *f, ds_format fmt, uint64_t rows, uint64_t seed, uint64_t *bytes);

#endif
