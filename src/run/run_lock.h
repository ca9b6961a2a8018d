/* run_lock.h - one process per run directory: an advisory lock (flock) on
 * RUN/.lock, held for the run's life and released by the kernel when the
 * process ends however it ends, so a killed run never leaves a stale lock.
 * The holder writes its PID into the file; a second process that finds the
 * lock taken refuses, naming that PID. */
#ifndef LATHE_RUN_LOCK_H
#define LATHE_RUN_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#define RUN_LOCK_FILE ".lock"

typedef struct {
    int fd;
    bool held;
} run_lock;

/* Takes DIR's lock (creating DIR/.lock). -1 with err when another process
 * holds it (naming its PID) or the file cannot be made. */
int run_lock_take(run_lock *l, const char *dir, char *err, size_t errlen);
/* Releases the lock (the file stays); a lock not held is ignored. */
void run_lock_release(run_lock *l);

#endif
