/* atomic_file.c - temp file, fsync, rename, fsync of the directory. */
#include "config.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->fp = NULL;
}

int atomic_file_open(atomic_file *af, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    af->fp = NULL;
    af->path = strdup(path);
    af->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (!af->path || !af->tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        release(af);
        return -1;
    }
    memcpy(af->tmp, path, n);
    memcpy(af->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkostemp(af->tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(errno));
        release(af);
        return -1;
    }
    /* mkstemp makes the file 0600; written files get the usual umask mode. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(af->fp = fdopen(fd, "wb"))) {
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

int atomic_file_commit(atomic_file *af, char *err, size_t errlen)
{
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
    if (!step && rename(af->tmp, af->path) != 0) {
        step = "rename";
        saved = errno;
    }
    if (step) {
        snprintf(err, errlen, "%s: %s failed: %s", af->path, step,
                 saved ? strerror(saved) : "I/O error");
        unlink(af->tmp);
        release(af);
        return -1;
    }
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
