/* ds_output.h - writing a dataset file: records go to a temporary file beside
 * the target (engine/atomic_file.h), gzip-compressed when the target ends in
 * ".gz", as JSONL (one record a line) or a JSON array; commit fsyncs and
 * renames it into place, so a reader (or a crash) sees the old file or the
 * whole new one. Temporaries of killed writers are removed by the next
 * writer of the same target (atomic_file.h). */
#ifndef LATHE_DS_OUTPUT_H
#define LATHE_DS_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "atomic_file.h"
#include "ds_index.h"

typedef struct {
    atomic_file af;
    ds_layout layout;
    bool gz;
    z_stream z;
    size_t records;
    uint64_t bytes;   /* uncompressed bytes written */
    bool finished;
} ds_output;

/* True when PATH ends in ".gz". */
bool ds_output_is_gz(const char *path);
/* The layout a file name asks for: ".json" (before any ".gz") is an array,
 * anything else JSONL. */
ds_layout ds_output_layout_for(const char *path);

/* LAYOUT: DS_LAYOUT_JSONL or DS_LAYOUT_ARRAY. */
int ds_output_open(ds_output *o, const char *path, ds_layout layout, char *err, size_t errlen);
/* Writes one record's JSON text. Into JSONL, a record that spans lines (a
 * pretty-printed array element) is written compact; others byte for byte. */
int ds_output_record(ds_output *o, const char *text, size_t len, char *err, size_t errlen);
/* Closes the layout and the gzip stream and syncs the file to disk
 * (atomic_file_sync), the target still untouched; on failure the temporary
 * is gone. */
int ds_output_finish(ds_output *o, char *err, size_t errlen);
/* Finishes (unless done) and renames the file into place. */
int ds_output_commit(ds_output *o, char *err, size_t errlen);
/* Drops the temporary file. */
void ds_output_abort(ds_output *o);

#endif
