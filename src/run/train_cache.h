/* train_cache.h - the tokenized-dataset cache of `lathe train`: the training
 * and validation sequences of a pipeline (pipeline.h) stored in one file so
 * that a restart or a --resume does not read and tokenize the datasets again.
 *
 * Location: RUNS/.cache/tokenized-<KEY>.bin, where RUNS is the directory that
 * holds the run directory (runs/ by default), so the runs beside each other
 * share it and `--resume auto` (which skips dot entries) never mistakes it
 * for a run.
 *
 * The key is XXH3 over the cache format version, the bytes of every dataset
 * file (training and test_datasets, in config order, with each entry's type
 * and field mapping), the tokenizer (tok_vocab_hash), the resolved chat
 * template and every config key that changes the pipeline's output:
 * sequence_len, sample_packing, train_on_inputs, dataset_exact_deduplication,
 * shuffle, seed and val_set_size. Any change to them gives another file.
 *
 * File: magic "LATHETKC", format version, the key, the payload's length and
 * its XXH3, then the payload (the template, per set its counts and its
 * sequences as token/label/doc arrays, then the skipped-record report's lines;
 * host byte order). A load checks all of
 * them before it trusts a byte; the file is written atomically
 * (atomic_file.h), so a reader sees the old file or the whole new one.
 *
 * Trust: RUNS may be a world-writable directory (/tmp), where another user
 * could plant a cache with a valid checksum and other data. The cache folder
 * is created 0700, and a folder or file that is not this user's alone (owned
 * by another user, or writable by group or others, or not a plain
 * directory or file) is neither read nor written. */
#ifndef LATHE_TRAIN_CACHE_H
#define LATHE_TRAIN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "tok.h"
#include "train_config.h"

/* The key of the pipeline CFG gives with VOCAB and template TMPL. -1 with
 * err when a dataset cannot be read. */
int train_cache_key(const train_config *cfg, const tok_vocab *vocab, chat_tmpl tmpl,
                    uint64_t *key, char *err, size_t errlen);

/* The cache file for KEY beside the run directory RUN, malloc'd; NULL when
 * out of memory. */
char *train_cache_path(const char *run, uint64_t key);

typedef enum {
    TRAIN_CACHE_HIT = 0,      /* *p holds the cached sequences */
    TRAIN_CACHE_ABSENT,       /* no file */
    TRAIN_CACHE_BAD,          /* damaged or another key's: err says why */
    TRAIN_CACHE_UNSAFE,       /* the file or its folder is not this user's alone: err
                               * says why; nothing may be written there either */
} train_cache_status;

/* Loads PATH into *P when it is a sound cache file for KEY. P is freeable
 * (pipeline_free) whatever the outcome. */
train_cache_status train_cache_load(const char *path, uint64_t key, pipeline *p, char *err,
                                    size_t errlen);

/* Writes P as PATH's cache for KEY (creating PATH's directory, 0700). -1
 * with err, also when the folder is not this user's alone. */
int train_cache_save(const char *path, uint64_t key, const pipeline *p, char *err,
                     size_t errlen);

#endif
