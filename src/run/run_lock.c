/* run_lock.c - the run directory's advisory lock (see run_lock.h). */
#include "config.h"

#include "run_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The PID the holder wrote, or 0 when unreadable. */
static long holder_pid(int fd)
{
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return strtol(buf, NULL, 10);
}

static int write_pid(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    return ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n ? -1 : 0;
}

int run_lock_take(run_lock *l, const char *dir, char *err, size_t errlen)
{
    l->held = false;
    size_t len = strlen(dir) + sizeof "/" RUN_LOCK_FILE;
    char *path = malloc(len);
    if (!path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(path, len, "%s/%s", dir, RUN_LOCK_FILE);
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    free(path);
    if (l->fd < 0) {
        snprintf(err, errlen, "%s/%s: cannot create the lock file: %s", dir, RUN_LOCK_FILE,
                 strerror(errno));
        return -1;
    }
    if (flock(l->fd, LOCK_EX | LOCK_NB) == 0) {
        l->held = true;
        write_pid(l->fd);  /* only informs a second process; the lock is what counts */
        return 0;
    }
    int e = errno;
    long pid = e == EWOULDBLOCK ? holder_pid(l->fd) : 0;
    if (e != EWOULDBLOCK)
        snprintf(err, errlen, "%s: cannot lock the run directory: %s", dir, strerror(e));
    else if (pid > 0)
        snprintf(err, errlen, "%s is in use by another lathe process (PID %ld); wait for it "
                 "to end, or choose another --output", dir, pid);
    else
        snprintf(err, errlen, "%s is in use by another lathe process; wait for it to end, or "
                 "choose another --output", dir);
    close(l->fd);
    return -1;
}

void run_lock_release(run_lock *l)
{
    if (!l->held)
        return;
    close(l->fd);  /* closing the descriptor releases the flock */
    l->held = false;
}
