/* run_lock.c - the run directory's advisory lock (see run_lock.h). It is an
 * open-file-description lock (fcntl F_OFD_SETLK) rather than flock: it is
 * released the same way (the kernel drops it with the last descriptor, so
 * with the process), and F_OFD_GETLK can ask whether it is held without
 * taking it, so a process that only looks never makes a starting run
 * refuse. */
#include "config.h"

#include "run_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The whole file, for taking the lock (F_WRLCK) or asking who holds it. */
static struct flock whole_file(short type)
{
    return (struct flock){.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
}

/* DIR/.lock in a malloc'd string; NULL when out of memory. */
static char *lock_path(const char *dir)
{
    size_t len = strlen(dir) + sizeof "/" RUN_LOCK_FILE;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", dir, RUN_LOCK_FILE);
    return path;
}

int run_lock_take(run_lock *l, const char *dir, char *err, size_t errlen)
{
    l->held = false;
    char *path = lock_path(dir);
    if (!path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    free(path);
    if (l->fd < 0) {
        snprintf(err, errlen, "%s/%s: cannot create the lock file: %s", dir, RUN_LOCK_FILE,
                 strerror(errno));
        return -1;
    }
    struct flock fl = whole_file(F_WRLCK);
    if (fcntl(l->fd, F_OFD_SETLK, &fl) == 0) {
        l->held = true;
        write_pid(l->fd);  /* only informs a second process; the lock is what counts */
        return 0;
    }
    int e = errno;
    bool taken = e == EAGAIN || e == EACCES;
    long pid = taken ? holder_pid(l->fd) : 0;
    if (!taken)
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
    close(l->fd);  /* closing the descriptor releases the lock */
    l->held = false;
}

long run_lock_holder(const char *dir)
{
    char *path = lock_path(dir);
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) : -1;
    free(path);
    if (fd < 0)
        return 0;
    struct flock fl = whole_file(F_WRLCK);
    long pid = 0;
    if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        pid = holder_pid(fd);
        pid = pid > 0 ? pid : -1;
    }
    close(fd);
    return pid;
}
