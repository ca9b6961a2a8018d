/* ds_type_probe.h - whether a dataset's records fit the type a config gives
 * it, and which type they look like when they do not. A config that says
 * sharegpt over alpaca data is caught by `lathe config --check` from the
 * first records, and training names the type the skipped records have. */
#ifndef LATHE_DS_TYPE_PROBE_H
#define LATHE_DS_TYPE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* Records `lathe config --check` reads from the start of each dataset. */
#define DS_TYPE_PROBE_RECORDS 100

typedef struct {
    size_t looked;          /* records read */
    size_t misfits;         /* of those, records that do not fit the type */
    uint64_t first_line;    /* the first misfit's line (1-based), 0 when none */
    char first_why[256];    /* and what did not fit */
    ds_format looks_like;   /* the type most misfits have, DS_FMT_AUTO when none other */
} ds_type_probe;

/* Reads the first MAX records of PATH as FMT with MAP. -1 with err when the
 * file cannot be read. */
int ds_type_probe_path(const char *path, ds_format fmt, const ds_mapping *map, size_t max,
                       ds_type_probe *out, char *err, size_t errlen);

/* The type most of DS's bad records (after dataset_check) have by their keys,
 * when that is not DS's own format; DS_FMT_AUTO otherwise. */
ds_format ds_type_probe_bad(dataset *ds);

/* ": these look like alpaca; set type: alpaca" for F, "" for DS_FMT_AUTO. */
const char *ds_type_probe_hint(ds_format f, char *buf, size_t len);

#endif
