/* atomic_file.c - locked temp file, fsync, rename, fsync of the directory,
 * and the removal of temporaries left by killed writers. */
#include "config.h"

#include "atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->fp = NULL;
}

/* The writer's process id of temporary NAME of BASE ("BASE.tmp.PID.XXXXXX",
 * or 0 for the older "BASE.tmp.XXXXXX"), or -1 when NAME is not one. */
static long temp_owner(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) || strncmp(name + n, ".tmp.", 5))
        return -1;
    const char *rest = name + n + 5;
    if (strlen(rest) == 6)
        return 0;
    char *end;
    long pid = strtol(rest, &end, 10);
    return end != rest && pid > 0 && *end == '.' && strlen(end + 1) == 6 ? pid : -1;
}

static bool running(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

size_t atomic_file_clean_stale(const char *target)
{
    char dir[PATH_MAX], base[PATH_MAX], path[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s", target);
    snprintf(base, sizeof base, "%s", target);
    const char *d_name = dirname(dir), *b_name = basename(base);
    DIR *d = opendir(d_name);
    if (!d)
        return 0;
    size_t removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        long pid = temp_owner(de->d_name, b_name);
        if (pid < 0 || running(pid))
            continue;
        snprintf(path, sizeof path, "%s/%s", d_name, de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
            removed++;
        close(fd);
    }
    closedir(d);
    return removed;
}

int atomic_file_open(atomic_file *af, const char *path, char *err, size_t errlen)
{
    atomic_file_clean_stale(path);
    af->fp = NULL;
    af->path = strdup(path);
    af->tmp = malloc(strlen(path) + 48);
    if (!af->path || !af->tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        release(af);
        return -1;
    }
    sprintf(af->tmp, "%s.tmp.%ld.XXXXXX", path, (long)getpid());
    int fd = mkostemp(af->tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(errno));
        release(af);
        return -1;
    }
    /* mkstemp makes the file 0600; written files get the usual umask mode. */
    mode_t mask = umask(0);
    umask(mask);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fchmod(fd, 0666 & ~mask) != 0
        || !(af->fp = fdopen(fd, "wb"))) {
        snprintf(err, errlen, "%s: cannot open a temporary file: %s", path, strerror(errno));
        close(fd);
        unlink(af->tmp);
        release(af);
        return -1;
    }
    return 0;
}

static int sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int fail(atomic_file *af, const char *step, int saved, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s failed: %s", af->path, step,
             saved ? strerror(saved) : "I/O error");
    unlink(af->tmp);
    release(af);
    return -1;
}

int atomic_file_sync(atomic_file *af, char *err, size_t errlen)
{
    if (!af->fp)
        return 0;
    const char *step = NULL;
    int saved = 0;
    errno = 0;
    if (ferror(af->fp) || fflush(af->fp) != 0)
        step = "write";
    else if (fsync(fileno(af->fp)) != 0)
        step = "fsync";
    if (step)
        saved = errno;
    if (fclose(af->fp) != 0 && !step) {
        step = "close";
        saved = errno;
    }
    af->fp = NULL;
    return step ? fail(af, step, saved, err, errlen) : 0;
}

int atomic_file_commit(atomic_file *af, char *err, size_t errlen)
{
    if (atomic_file_sync(af, err, errlen) != 0)
        return -1;
    if (rename(af->tmp, af->path) != 0)
        return fail(af, "rename", errno, err, errlen);
    int rc = sync_dir(af->path);
    if (rc != 0)
        snprintf(err, errlen, "%s: fsync of the directory failed: %s", af->path,
                 strerror(errno));
    release(af);
    return rc;
}

void atomic_file_abort(atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    release(af);
}

int atomic_file_write_text(const char *path, const char *text, char *err, size_t errlen)
{
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen) != 0)
        return -1;
    if (fputs(text, af.fp) < 0 || fputc('\n', af.fp) < 0) {
        snprintf(err, errlen, "%s: write failed", path);
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}
