/* ds_output.h - writing a dataset file: records go to a temporary file beside
 * the target (engine/atomic_file.h), gzip-compressed when the target ends in
 * ".gz", as JSONL (one record a line) or a JSON array; commit fsyncs and
 * renames it into place, so a reader (or a crash) sees the old file or the
 * whole new one.
 *
 * The temporary is named TARGET.tmp.XXXXXX and holds an exclusive flock
 * while it is written. A writer that is killed leaves it behind; the next
 * ds_output_open for the same target removes such files whose lock is free
 * (their writer is gone), never one another live writer holds. (Should a
 * cleaner slip in between a writer creating its temporary and locking it,
 * that writer's commit fails on the rename and says so; nothing is lost.) */
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
/* Closes the layout and the gzip stream, and commits the file. */
int ds_output_commit(ds_output *o, char *err, size_t errlen);
/* Drops the temporary file. */
void ds_output_abort(ds_output *o);

/* Removes TARGET.tmp.* files left by writers that were killed; returns how many. */
size_t ds_output_clean_stale(const char *target);

#endif
