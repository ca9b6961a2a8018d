/* pool.h - a small fixed pthread pool for the engine's non-BLAS kernels:
 * run fn(arg, i) for i in [0, n) across the pool, returning when all are done. */
#ifndef LATHE_POOL_H
#define LATHE_POOL_H

#include <stddef.h>

typedef struct pool pool;
typedef void (*pool_fn)(void *arg, int i);

/* threads <= 1 gives a pool that runs everything on the caller. */
pool *pool_new(int threads, char *err, size_t errlen);
void pool_free(pool *p);
int pool_threads(const pool *p);
/* Tasks are handed out one index at a time; the caller thread works too. */
void pool_run(pool *p, int n, pool_fn fn, void *arg);

#endif
