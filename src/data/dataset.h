/* dataset.h - a dataset file as training and the Data pane see it: the record
 * index (ds_index.h), the format (given, or detected from the first
 * records), records parsed on demand (ds_record.h), the list of problems
 * and exact duplicates.
 *
 * Two ways in. dataset_open does everything at once (index, detection, check)
 * for the command line and the trainer. The Data pane instead calls
 * dataset_new, runs dataset_build and then dataset_check on a background
 * thread, and meanwhile reads dataset_progress, dataset_count and
 * dataset_get from its own thread; dataset_cancel stops either pass.
 *
 * Problems carry the 1-based line and 0-based byte offset of the record (or of
 * the structural fault) in the text; for .gz files, in the decompressed text. */
#ifndef LATHE_DATASET_H
#define LATHE_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds_index.h"
#include "ds_record.h"

typedef struct dataset dataset;

typedef struct {
    ds_format format;   /* DS_FMT_AUTO: detect from the first records */
    ds_mapping map;     /* field renames; the strings must outlive the dataset */
    uint64_t max_record_bytes;   /* 0: DATASET_MAX_RECORD_BYTES */
    int threads;        /* for dataset_check; 0: one per CPU */
} dataset_options;

typedef struct {
    uint64_t line, offset;
    size_t record;      /* the record's index, or SIZE_MAX for a structural problem */
    char *reason;
} dataset_problem;

enum { DATASET_OK = 0, DATASET_PROBLEM = 1, DATASET_PENDING = 2 };
/* Records looked at to detect the format, and how many must fit one. */
enum { DATASET_DETECT_TRY = 256, DATASET_DETECT_FIT = 16 };
enum { DATASET_MAX_PROBLEMS = 100000 };
/* A record longer than this is a problem rather than parsed: one huge line
 * (a multi-GB blob) must not make a preview allocate gigabytes. */
#define DATASET_MAX_RECORD_BYTES ((uint64_t)256 << 20)

/* Opens PATH without reading it. OPT may be NULL (auto-detect, no mapping).
 * Temporaries of PATH that killed writers left are removed (atomic_file.h). */
dataset *dataset_new(const char *path, const dataset_options *opt, char *err, size_t errlen);
/* Builds the index (see ds_index_build); call once, from any one thread. */
int dataset_build(dataset *ds, char *err, size_t errlen);
/* Parses every record once: fills the problem list and finds exact duplicates
 * (the first of equal records is kept). Call after dataset_build returned 0.
 * Parses on the option's threads; the results do not depend on how many. */
int dataset_check(dataset *ds, char *err, size_t errlen);
/* new + build + check. Fails when records exist but none fits a format. */
dataset *dataset_open(const char *path, const dataset_options *opt, char *err, size_t errlen);
void dataset_cancel(dataset *ds);
void dataset_free(dataset *ds);

const char *dataset_path(const dataset *ds);
void dataset_progress(const dataset *ds, ds_index_progress *out);
/* Records indexed so far (good and bad); final once dataset_build returned. */
size_t dataset_count(const dataset *ds);
/* Records dataset_check has looked at so far. */
size_t dataset_checked_count(const dataset *ds);
/* The format, detecting it when the index has enough records; DS_FMT_AUTO
 * while it cannot tell yet, or when no record fits any format. */
ds_format dataset_format(dataset *ds);

/* Record I parsed into REC (release with ds_record_clear): DATASET_OK;
 * DATASET_PROBLEM with WHY saying what does not fit; DATASET_PENDING while the
 * format is still unknown because too few records are indexed. */
int dataset_get(dataset *ds, size_t i, ds_record *rec, char *why, size_t whylen);
uint64_t dataset_offset(const dataset *ds, size_t i);
/* Record I's bytes as they are in the file (not NUL-terminated): to show a bad
 * record as is, and for writers that keep untouched records byte for byte. */
const char *dataset_text(const dataset *ds, size_t i, size_t *len);
uint64_t dataset_line(const dataset *ds, size_t i);
/* True (with "PATH: changed on disk while being read ..." in err, which may
 * be NULL) when the file changed since it was opened (ds_index_changed):
 * records read from it may be zeros. Whatever produces results from the
 * records (a saved file, stats, training data) asks this before trusting
 * them. */
bool dataset_changed(const dataset *ds, char *err, size_t errlen);
/* Drops the text of records before I from resident memory (ds_index_release):
 * for whole-dataset passes that have finished with them. */
void dataset_release_before(const dataset *ds, size_t i);
ds_layout dataset_layout(const dataset *ds);
/* Parses TEXT (an edited record) as dataset_get parses the file's records:
 * with the dataset's format and field mapping. Same return values. */
int dataset_parse(dataset *ds, const char *text, size_t len, ds_record *rec, char *why,
                  size_t whylen);

/* After dataset_check: problems sorted by offset (at most DATASET_MAX_PROBLEMS
 * kept; dataset_problem_total counts all), bad records and duplicates. */
bool dataset_checked(const dataset *ds);
size_t dataset_problem_count(const dataset *ds);
size_t dataset_problem_total(const dataset *ds);
const dataset_problem *dataset_problem_at(const dataset *ds, size_t i);
/* "PATH: line L, byte B: REASON" */
void dataset_problem_text(const dataset *ds, const dataset_problem *p, char *buf, size_t n);
size_t dataset_bad_count(const dataset *ds);
bool dataset_is_bad(const dataset *ds, size_t i);
size_t dataset_dup_count(const dataset *ds);
/* True when record I repeats an earlier one; *FIRST (may be NULL) is that one. */
bool dataset_dup_of(const dataset *ds, size_t i, size_t *first);

/* In-order iteration over the good records, after dataset_build. Before
 * dataset_check, records that fail to parse are skipped and counted; after
 * it, bad records (and duplicates when SKIP_DUPS) are skipped without parsing. */
typedef struct {
    dataset *ds;
    size_t next, skipped;
    bool skip_dups;
} dataset_iter;

void dataset_iter_init(dataset_iter *it, dataset *ds, bool skip_dups);
/* Fills REC and *INDEX with the next good record and returns true; false at the end. */
bool dataset_iter_next(dataset_iter *it, ds_record *rec, size_t *index);

#endif
