/* run_lock.h - one process per run directory: an advisory lock (flock) on
 * RUN/.lock, held for the run's life and released by the kernel when the
 * process ends however it ends, so a killed run never leaves a stale lock.
 * The holder writes its PID into the file; a second process that finds the
 * lock taken refuses, naming that PID; a process that only looks at the run
 * (a runs list, a follower) asks whether the lock is held without taking it. */
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

/* Whether a live process holds DIR's lock: its PID (> 0), -1 when it is held
 * but the PID is not written yet, 0 when nothing holds it (no lock file, an
 * unreadable one, a run that ended or was killed). Takes nothing. */
long run_lock_holder(const char *dir);

#endif
