/* run_dist.h - the processes of one data-parallel training job (mpirun -np N
 * lathe train): which one this is, how many there are, and the few
 * collective operations a run needs to act as one (sums, a broadcast, and
 * agreeing on a failure). Every MPI call of lathe is behind this header; a
 * build without MPI (configure --without-mpi) has the single-process
 * implementation only, where a NULL run_dist is the one process of its job.
 *
 * Collective means every process calls it, the same number of times and in
 * the same order; the sums are reduced in a fixed order (MPI's reductions
 * do not depend on timing), so every process gets the same bits.
 *
 * Failure. An MPI error is returned, not fatal (MPI_ERRORS_RETURN): the
 * process that sees one says which call failed and why, and ends the whole
 * job (run_dist_abort), since the others would wait for it forever. A
 * process that dies is noticed by mpirun, which ends the others and names
 * it (its rank and the signal). A process that fails in lathe's own work says so through the next
 * collective call (the FAILED argument), so that every process stops with
 * that process's message. */
#ifndef LATHE_RUN_DIST_H
#define LATHE_RUN_DIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct run_dist run_dist;

/* Joins the job when mpirun (or another MPI launcher) started this process:
 * *OUT then holds the job (with MPI initialised), else NULL (a single
 * process; MPI is not touched). -1 with err when the environment says MPI
 * started this process but it cannot join (a build without MPI, or MPI
 * failing to initialise). */
int run_dist_join(run_dist **out, char *err, size_t errlen);

/* This process's number (0 for NULL) and the processes of the job (1). */
int run_dist_rank(const run_dist *d);
int run_dist_size(const run_dist *d);

/* The compute threads a process uses by default: the CPUs of its node
 * divided by the job's processes on that node, and no more than the CPUs it
 * may run on (mpirun's binding); cpu_count() for a single process. */
int run_dist_threads(const run_dist *d);

/* Sums the N doubles of V over every process, in place. FAILED is this
 * process's failure (NULL when it did fine): when any process failed, V is
 * left as it was and every process gets -1 with err "rank R: FAILED" of
 * the lowest failing rank. */
int run_dist_sum(run_dist *d, double *v, size_t n, const char *failed, char *err,
                 size_t errlen);

/* Whether a collective call told this process of a failure (its own or
 * another's): process 0 reports it for the job, the others need not. */
bool run_dist_failure_told(const run_dist *d);

/* Sums the N floats of V over every process, in place. -1 with err. */
int run_dist_sum_floats(run_dist *d, float *v, size_t n, char *err, size_t errlen);

/* Sums the N floats of each of the COUNT buffers BUFS[i] over every
 * process, in place: small ones packed together into buckets of at most
 * BUCKET floats (one reduction per bucket), larger ones reduced where they
 * lie. -1 with err. */
int run_dist_sum_buffers(run_dist *d, float *const *bufs, const size_t *n, size_t count,
                         size_t bucket, char *err, size_t errlen);

/* Copies BYTES at BUF from process 0 to every other process. -1 with err. */
int run_dist_share(run_dist *d, void *buf, size_t bytes, char *err, size_t errlen);

/* The step's agreement at its start: *STOP becomes true everywhere when any
 * process set it, and *VALUE becomes process 0's. Process 0 may be busy
 * (evaluating, saving) while the others wait here: they wait without
 * spinning. -1 with err. */
int run_dist_agree(run_dist *d, bool *stop, double *value, char *err, size_t errlen);

/* Ends the job: waits (without spinning) for every process to get here,
 * then finalises MPI and frees D. Returns whether every process said OK. */
bool run_dist_leave(run_dist *d, bool ok);

/* Ends every process of the job at once, with exit status CODE (MPI_Abort):
 * for an MPI error, after which the job cannot go on. */
void run_dist_abort(run_dist *d, int code);

#endif
