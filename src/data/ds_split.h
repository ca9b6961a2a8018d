/* ds_split.h - a train/validation split of a session's visible records,
 * written as PREFIX-train.jsonl and PREFIX-val.jsonl (records byte for byte,
 * in file order, compacted to one line when they span lines).
 *
 * Which records go to validation depends only on the seed and each record's
 * row in the file: every row gets a key splitmix64(seed, row) and the
 * records with the smallest keys are the validation set. The same file, edits
 * and seed always give the same split. Records that do not parse are left
 * out of both. */
#ifndef LATHE_DS_SPLIT_H
#define LATHE_DS_SPLIT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ds_edit.h"

/* Validation size: a fraction in (0, 1) of the records (rounded to nearest),
 * or a count when FRACTION is 0. */
typedef struct {
    double fraction;
    size_t count;
    uint64_t seed;
} ds_split_spec;

typedef struct {
    size_t train, val, problems;
    char train_path[PATH_MAX], val_path[PATH_MAX];
} ds_split_result;

/* Parses "0.1" (a fraction) or "500" (a count) into SPEC; -1 when neither. */
int ds_split_parse_val(const char *s, ds_split_spec *spec);

/* -1 with ERR when the count exceeds the records or a file cannot be written. */
int ds_split_save(ds_edit *e, const ds_split_spec *spec, const char *prefix,
                  ds_split_result *res, char *err, size_t errlen);

#endif
