/* membw.h - the machine's read bandwidth, for the decode bound of `lathe
 * bench generate`: every pool thread streams its slice of one buffer, or
 * of the spans a decode step reads, with the widest loads the CPU has,
 * best of several passes. */
#ifndef LATHE_MEMBW_H
#define LATHE_MEMBW_H

#include <stddef.h>

#include "pool.h"

/* Bytes/s reading a buffer of BYTES (rounded up to 4 KiB) with every pool
 * thread, best of PASSES hot passes; 0 when out of memory. */
double membw_read(pool *p, size_t bytes, int passes);
/* A stretch of memory that a step reads. */
typedef struct {
    const void *p;
    size_t bytes;
} membw_span;

/* Bytes/s reading the N spans, each pool thread its share of every span
 * in turn (one piece per thread, read as four streams with the widest
 * loads, no waiting between spans), best of PASSES: a step that reads
 * these bytes and also computes reads them no faster, caches and pages
 * included. 0 when the spans hold no bytes. */
double membw_read_spans(pool *p, const membw_span *s, int n, int passes);
/* The last-level cache size from sysfs (0 when unknown). */
size_t membw_llc_bytes(void);

#endif
