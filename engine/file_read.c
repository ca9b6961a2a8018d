/* file_read.c - opening user-named files safely, and whole-file reads into
 * memory; see file_read.h. */
#include "file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (named pipe)"
         : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : "not a plain file";
}

int file_read_open(const char *path, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (why)
            snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    int flags, fail = 0;
    const char *kind = NULL;
    if (fstat(fd, &st) != 0)
        fail = errno;
    else if (!S_ISREG(st.st_mode))
        kind = kind_of(st.st_mode);
    else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        fail = errno;
    if (!fail && !kind)
        return fd;
    if (why && kind)
        snprintf(why, whylen, "not a regular file (%s); lathe reads only regular files", kind);
    else if (why)
        snprintf(why, whylen, "%s", strerror(fail));
    close(fd);
    return -1;
}

int file_read_check(const char *path, char *why, size_t whylen)
{
    int fd = file_read_open(path, why, whylen);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

FILE *file_read_fopen(const char *path, char *err, size_t errlen)
{
    char why[160];
    int fd = file_read_open(path, why, sizeof why);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (fd >= 0 && !f) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        close(fd);
    }
    if (!f && err)
        snprintf(err, errlen, "%s: cannot open: %s", path, why);
    return f;
}

char *file_read_stream(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        return NULL;
    }
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

char *file_read_path(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = file_read_fopen(path, err, errlen);
    if (!f)
        return NULL;
    char *buf = file_read_stream(f, len);
    fclose(f);
    if (!buf && err)
        snprintf(err, errlen, "%s: cannot read (read error or out of memory)", path);
    return buf;
}
