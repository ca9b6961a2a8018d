/* ds_index.h - the record index of a dataset file: where each record of a
 * JSON array or JSONL file (optionally gzip-compressed) starts and how long it
 * is, found by a byte scanner over an mmap without parsing any JSON.
 *
 * Built once by ds_index_build, which may run on a background thread: while it
 * runs, any other thread may read the progress, the records published so far
 * (ds_index_count, ds_index_span, ds_index_text) and the line of any offset
 * inside them, and may ask it to stop (ds_index_cancel). The index costs 16
 * bytes per record plus 8 bytes per 64 KiB of text; the text itself stays in
 * the page cache (pages already scanned are dropped from the mapping).
 *
 * A file of many tiny records (a gzip of short lines) can hold more records
 * than memory: the scan stops with an error once its records would take more
 * than the memory budget (mem_budget.h) at DS_INDEX_RECORD_BYTES each, which
 * counts what dataset_check adds to the index's own 16.
 *
 * Offsets are 0-based bytes from the start of the (decompressed) text, lines
 * are 1-based. A UTF-8 BOM is skipped; blank lines and CRLF endings are fine,
 * and so are lines ending in CR alone (when the first 64 KiB have no LF). */
#ifndef LATHE_DS_INDEX_H
#define LATHE_DS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ds_index ds_index;

/* Memory a record costs: 16 in the index, 8 for its hash and up to 64 in the
 * duplicate table of the check. */
enum { DS_INDEX_RECORD_BYTES = 88 };

typedef enum { DS_LAYOUT_UNKNOWN, DS_LAYOUT_JSONL, DS_LAYOUT_ARRAY } ds_layout;

typedef enum {
    DS_PHASE_IDLE,       /* opened, not built yet */
    DS_PHASE_INFLATE,    /* decompressing a .gz to a temporary file */
    DS_PHASE_SCAN,       /* finding record boundaries */
    DS_PHASE_DONE,
    DS_PHASE_FAILED,
    DS_PHASE_CANCELLED
} ds_phase;

typedef struct {
    ds_phase phase;
    uint64_t done_bytes;   /* of total_bytes, in the current phase */
    uint64_t total_bytes;  /* compressed size while inflating, text size while scanning */
    size_t records;        /* records found so far */
} ds_index_progress;

typedef struct {
    uint64_t offset, length;
} ds_span;

/* Something wrong with the file's structure rather than inside one record
 * (a missing ']', text after the array, a damaged gzip stream). */
typedef struct {
    uint64_t offset;
    char reason[160];
} ds_index_problem;

/* Opens PATH (a regular file) for indexing; scans nothing yet. */
ds_index *ds_index_open(const char *path, char *err, size_t errlen);
/* Scans the whole file. Call once, from any one thread. Returns 0, or -1 with
 * err set when the file cannot be read or the build was cancelled. */
int ds_index_build(ds_index *ix, char *err, size_t errlen);
/* Asks a running build to stop at its next 64 KiB block; safe from any thread. */
void ds_index_cancel(ds_index *ix);
bool ds_index_cancelled(const ds_index *ix);
void ds_index_progress_get(const ds_index *ix, ds_index_progress *out);

/* Records published so far: all of them once the build has returned. */
size_t ds_index_count(const ds_index *ix);
/* Record I (< ds_index_count): its span, or its bytes (not NUL-terminated). */
ds_span ds_index_span(const ds_index *ix, size_t i);
const char *ds_index_text(const ds_index *ix, size_t i, size_t *len);
/* 1-based line of OFFSET, which must lie inside a published record or, after
 * the build, anywhere in the text. */
uint64_t ds_index_line(const ds_index *ix, uint64_t offset);

/* True (with "PATH: changed on disk while being read ..." in err, which may
 * be NULL) when the file is not as it was opened: its size or modification
 * time moved, or a read ran past its end because it shrank (what was read
 * there is zeros, see mapped_file.h). Cheap (an fstat); safe from any thread. */
bool ds_index_changed(const ds_index *ix, char *err, size_t errlen);

/* Drops the mapping's pages before UPTO from this process's resident memory
 * (they come back from the page cache when touched): for passes over the
 * whole text, so memory does not grow with it. UPTO must be published. */
void ds_index_release(const ds_index *ix, uint64_t upto);

ds_layout ds_index_layout(const ds_index *ix);
const char *ds_index_path(const ds_index *ix);
/* Bytes of text (decompressed for .gz); valid once the scan phase has begun. */
uint64_t ds_index_size(const ds_index *ix);
bool ds_index_compressed(const ds_index *ix);

/* Structural problems; read them after ds_index_build has returned. At most
 * DS_INDEX_MAX_PROBLEMS are kept; ds_index_problem_total counts all. */
enum { DS_INDEX_MAX_PROBLEMS = 1000 };
size_t ds_index_problem_count(const ds_index *ix);
size_t ds_index_problem_total(const ds_index *ix);
const ds_index_problem *ds_index_problem_at(const ds_index *ix, size_t i);

void ds_index_free(ds_index *ix);

#endif
