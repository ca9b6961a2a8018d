/* membw.h - the machine's read bandwidth, for the decode bound of `lathe
 * bench generate`: every pool thread streams its slice of one buffer with
 * the widest loads the CPU has, best of several passes. */
#ifndef LATHE_MEMBW_H
#define LATHE_MEMBW_H

#include <stddef.h>

#include "pool.h"

/* Bytes/s reading a buffer of BYTES (rounded up to 4 KiB) with every pool
 * thread, best of PASSES hot passes; 0 when out of memory. */
double membw_read(pool *p, size_t bytes, int passes);
/* The last-level cache size from sysfs (0 when unknown). */
size_t membw_llc_bytes(void);

#endif
