/* run_dist.c - the job's processes over MPI (see run_dist.h), and the
 * single process of a build without it. MPI is initialised only when a
 * launcher started this process, so a plain `lathe train` never touches
 * it. The trainer thread makes the step's calls and the preparing worker
 * the setup's, never at the same time: MPI_THREAD_SERIALIZED. */
#include "config.h"

#include "run_dist.h"

#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu_count.h"

/* What a launcher puts in a process's environment: Open MPI's, then PMIx
 * and PMI (MPICH, Slurm). */
static long launched_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strtol(v, NULL, 10);
    }
    return getenv("PMIX_RANK") ? 2 : 0;
}

#ifdef HAVE_MPI

#include <mpi.h>

struct run_dist {
    MPI_Comm comm;
    int rank, size, threads;
    bool broken;           /* an MPI call failed: the job cannot go on */
    atomic_bool told;      /* a failure was agreed (read by another thread) */
    float *bucket;
    size_t bucket_cap;
};

/* An MPI call's result: 0, or -1 with err naming the call, and D broken. */
static int mpi_check(run_dist *d, int rc, const char *call, char *err, size_t errlen)
{
    if (rc == MPI_SUCCESS)
        return 0;
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(rc, text, &len);
    snprintf(err, errlen, "%s failed: %s", call, text);
    d->broken = true;
    return -1;
}

static int broken(run_dist *d, char *err, size_t errlen)
{
    snprintf(err, errlen, "an earlier MPI call failed");
    return -1;
}

/* The CPUs of the node shared by the job's processes on it, within this
 * process's binding. */
static int node_threads(MPI_Comm comm, int rank)
{
    MPI_Comm node;
    int local = 1;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    int n = cpu_count() / (local > 0 ? local : 1);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < n)
        n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

int run_dist_join(run_dist **out, char *err, size_t errlen)
{
    *out = NULL;
    if (launched_size() <= 0)
        return 0;
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI_Init_thread failed: this process cannot join the job "
                 "mpirun started");
        return -1;
    }
    run_dist *d = calloc(1, sizeof *d);
    if (!d || provided < MPI_THREAD_SERIALIZED) {
        snprintf(err, errlen, d ? "the MPI library gives no thread support (MPI_THREAD_SERIALIZED "
                 "is needed: lathe trains on a thread of its own)" : "out of memory");
        free(d);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return -1;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &d->comm);
    MPI_Comm_set_errhandler(d->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(d->comm, &d->rank);
    MPI_Comm_size(d->comm, &d->size);
    d->threads = node_threads(d->comm, d->rank);
    *out = d;
    return 0;
}

int run_dist_rank(const run_dist *d)
{
    return d ? d->rank : 0;
}

int run_dist_size(const run_dist *d)
{
    return d ? d->size : 1;
}

int run_dist_threads(const run_dist *d)
{
    return d ? d->threads : cpu_count();
}

/* Waits for REQ without spinning: a few quick tests, then sleeps growing
 * to a millisecond, so a process waiting for another's evaluation leaves
 * its CPU to the work. */
static int wait_gently(MPI_Request *req)
{
    long ns = 20 * 1000;
    for (int i = 0;; i++) {
        int done = 0;
        int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done)
            return rc;
        if (i < 100)
            continue;
        nanosleep(&(struct timespec){0, ns}, NULL);
        if (ns < 1000 * 1000)
            ns *= 2;
    }
}

/* The lowest failing rank's message, on every process (after a sum said
 * some process failed). */
static int tell_failure(run_dist *d, const char *failed, char *err, size_t errlen)
{
    int mine = failed ? d->rank : d->size, first = d->size;
    char text[512] = "";
    if (mpi_check(d, MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, d->comm),
                  "MPI_Allreduce", err, errlen))
        return -1;
    if (failed)
        snprintf(text, sizeof text, "%s", failed);
    if (first < d->size &&
        mpi_check(d, MPI_Bcast(text, sizeof text, MPI_CHAR, first, d->comm), "MPI_Bcast", err,
                  errlen))
        return -1;
    snprintf(err, errlen, "rank %d: %s", first, text);
    atomic_store(&d->told, true);
    return -1;
}

bool run_dist_failure_told(const run_dist *d)
{
    return d && atomic_load(&d->told);
}

int run_dist_sum(run_dist *d, double *v, size_t n, const char *failed, char *err,
                 size_t errlen)
{
    if (!d)
        return failed ? (snprintf(err, errlen, "%s", failed), -1) : 0;
    if (d->broken)
        return broken(d, err, errlen);
    double buf[16];
    if (n + 1 > sizeof buf / sizeof buf[0]) {
        snprintf(err, errlen, "run_dist_sum: %zu values, at most 15", n);
        return -1;
    }
    if (n)
        memcpy(buf, v, n * sizeof *v);
    buf[n] = failed ? 1.0 : 0.0;
    if (mpi_check(d, MPI_Allreduce(MPI_IN_PLACE, buf, (int)n + 1, MPI_DOUBLE, MPI_SUM, d->comm),
                  "MPI_Allreduce", err, errlen))
        return -1;
    if (buf[n] > 0.0)
        return tell_failure(d, failed, err, errlen);
    if (n)
        memcpy(v, buf, n * sizeof *v);
    return 0;
}

/* MPI counts are ints: long buffers go in pieces. */
#define PIECE ((size_t)1 << 28)

int run_dist_sum_floats(run_dist *d, float *v, size_t n, char *err, size_t errlen)
{
    if (!d)
        return 0;
    if (d->broken)
        return broken(d, err, errlen);
    for (size_t at = 0; at < n; at += PIECE) {
        int len = (int)(n - at < PIECE ? n - at : PIECE);
        if (mpi_check(d, MPI_Allreduce(MPI_IN_PLACE, v + at, len, MPI_FLOAT, MPI_SUM, d->comm),
                      "MPI_Allreduce", err, errlen))
            return -1;
    }
    return 0;
}

/* Reduces the packed bucket of buffers FIRST..LAST-1 and copies it back. */
static int flush(run_dist *d, float *const *bufs, const size_t *n, size_t first, size_t last,
                 size_t used, char *err, size_t errlen)
{
    if (first == last)
        return 0;
    if (run_dist_sum_floats(d, d->bucket, used, err, errlen))
        return -1;
    for (size_t i = first, at = 0; i < last; at += n[i++])
        memcpy(bufs[i], d->bucket + at, n[i] * sizeof *d->bucket);
    return 0;
}

int run_dist_sum_buffers(run_dist *d, float *const *bufs, const size_t *n, size_t count,
                         size_t bucket, char *err, size_t errlen)
{
    if (!d)
        return 0;
    if (bucket > d->bucket_cap) {
        float *b = realloc(d->bucket, bucket * sizeof *b);
        if (!b) {
            snprintf(err, errlen, "out of memory for a reduction bucket of %zu floats", bucket);
            return -1;
        }
        d->bucket = b;
        d->bucket_cap = bucket;
    }
    size_t first = 0, used = 0;
    for (size_t i = 0; i < count; i++) {
        bool big = n[i] >= bucket;
        if ((big || used + n[i] > bucket) && flush(d, bufs, n, first, i, used, err, errlen))
            return -1;
        if (big || used + n[i] > bucket)
            first = i, used = 0;
        if (big) {
            if (run_dist_sum_floats(d, bufs[i], n[i], err, errlen))
                return -1;
            first = i + 1;
            continue;
        }
        memcpy(d->bucket + used, bufs[i], n[i] * sizeof *d->bucket);
        used += n[i];
    }
    return flush(d, bufs, n, first, count, used, err, errlen);
}

int run_dist_share(run_dist *d, void *buf, size_t bytes, char *err, size_t errlen)
{
    if (!d)
        return 0;
    if (d->broken)
        return broken(d, err, errlen);
    for (size_t at = 0; at < bytes; at += PIECE) {
        int len = (int)(bytes - at < PIECE ? bytes - at : PIECE);
        if (mpi_check(d, MPI_Bcast((char *)buf + at, len, MPI_BYTE, 0, d->comm), "MPI_Bcast",
                      err, errlen))
            return -1;
    }
    return 0;
}

int run_dist_agree(run_dist *d, bool *stop, double *value, char *err, size_t errlen)
{
    if (!d)
        return 0;
    if (d->broken)
        return broken(d, err, errlen);
    double v[2] = {*stop ? 1.0 : 0.0, d->rank == 0 ? *value : -INFINITY};
    MPI_Request req;
    if (mpi_check(d, MPI_Iallreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MAX, d->comm, &req),
                  "MPI_Iallreduce", err, errlen) ||
        mpi_check(d, wait_gently(&req), "MPI_Iallreduce", err, errlen))
        return -1;
    *stop = v[0] > 0.0;
    *value = v[1];
    return 0;
}

bool run_dist_leave(run_dist *d, bool ok)
{
    if (!d)
        return ok;
    if (d->broken)
        run_dist_abort(d, 1);
    int mine = ok ? 0 : 1, any = mine;
    MPI_Request req;
    if (MPI_Iallreduce(&mine, &any, 1, MPI_INT, MPI_MAX, d->comm, &req) != MPI_SUCCESS ||
        wait_gently(&req) != MPI_SUCCESS)
        run_dist_abort(d, 1);
    MPI_Comm_free(&d->comm);
    free(d->bucket);
    free(d);
    MPI_Finalize();
    return ok && !any;
}

void run_dist_abort(run_dist *d, int code)
{
    if (d)
        MPI_Abort(d->comm, code);
}

#else /* a build without MPI: always the one process of its job */

struct run_dist {
    int unused;
};

int run_dist_join(run_dist **out, char *err, size_t errlen)
{
    *out = NULL;
    long n = launched_size();
    if (n <= 1)
        return 0;
    snprintf(err, errlen, "an MPI launcher started this process as one of %ld, but this lathe "
             "was built without MPI (install libopenmpi-dev and configure --with-mpi)", n);
    return -1;
}

int run_dist_rank(const run_dist *d)
{
    return 0;
}

int run_dist_size(const run_dist *d)
{
    return 1;
}

int run_dist_threads(const run_dist *d)
{
    return cpu_count();
}

int run_dist_sum(run_dist *d, double *v, size_t n, const char *failed, char *err,
                 size_t errlen)
{
    return failed ? (snprintf(err, errlen, "%s", failed), -1) : 0;
}

bool run_dist_failure_told(const run_dist *d)
{
    return false;
}

int run_dist_sum_floats(run_dist *d, float *v, size_t n, char *err, size_t errlen)
{
    return 0;
}

int run_dist_sum_buffers(run_dist *d, float *const *bufs, const size_t *n, size_t count,
                         size_t bucket, char *err, size_t errlen)
{
    return 0;
}

int run_dist_share(run_dist *d, void *buf, size_t bytes, char *err, size_t errlen)
{
    return 0;
}

int run_dist_agree(run_dist *d, bool *stop, double *value, char *err, size_t errlen)
{
    return 0;
}

bool run_dist_leave(run_dist *d, bool ok)
{
    return ok;
}

void run_dist_abort(run_dist *d, int code)
{
}

#endif
