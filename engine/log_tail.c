/* log_tail.c - complete lines of a log that is still growing (see
 * log_tail.h). The file is read from the offset reached in chunks, and the
 * lines are cut as each chunk arrives, so memory stays one chunk and one
 * line however much the log gained. */
#include "config.h"

#include "log_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

int log_tail_init(log_tail *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    t->path = strdup(path);
    return t->path ? 0 : -1;
}

void log_tail_restart(log_tail *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    t->offset = 0;
    t->lineno = 0;
    t->partial.len = 0;
    t->partial.oom = false;
    t->skipping = false;
}

void log_tail_free(log_tail *t)
{
    if (!t->path)  /* never initialised, or freed already */
        return;
    log_tail_restart(t);
    bytebuf_free(&t->partial);
    free(t->path);
    t->path = NULL;
}

static int fail(const log_tail *t, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", t->path, what);
    return -1;
}

/* Opens the file once it exists: 0 (open, or not there yet) or -1. */
static int open_log(log_tail *t, char *err, size_t errlen)
{
    t->fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (t->fd < 0)
        return errno == ENOENT ? 0 : fail(t, err, errlen, strerror(errno));
    struct stat st;
    if (fstat(t->fd, &st) || !S_ISREG(st.st_mode)) {
        log_tail_restart(t);
        return fail(t, err, errlen, "is not a regular file");
    }
    t->dev = st.st_dev;
    t->ino = st.st_ino;
    return 0;
}

/* Whether the name now holds another file, or this one got shorter. */
static bool replaced(const log_tail *t)
{
    struct stat named, open_st;
    if (stat(t->path, &named) || named.st_dev != t->dev || named.st_ino != t->ino)
        return true;
    return fstat(t->fd, &open_st) || open_st.st_size < t->offset;
}

/* Adds BUF's N bytes to the line being read, handing out each line it
 * completes. -1 when out of memory. */
static int cut_lines(log_tail *t, const char *buf, size_t n, log_tail_line_fn line, void *ctx)
{
    while (n) {
        const char *nl = memchr(buf, '\n', n);
        size_t take = nl ? (size_t)(nl - buf) : n;
        if (!t->skipping && t->partial.len + take > LOG_TAIL_LINE_MAX) {
            t->skipping = true;
            t->partial.len = 0;
        }
        if (!t->skipping && take && !bytebuf_put(&t->partial, buf, take))
            return -1;
        if (!nl)
            return 0;
        t->lineno++;
        if (t->skipping) {
            line(ctx, NULL, 0, t->lineno);
        } else {
            if (!t->partial.p && !bytebuf_put(&t->partial, "", 0))
                return -1;
            t->partial.p[t->partial.len] = '\0';
            line(ctx, t->partial.p, t->partial.len, t->lineno);
        }
        t->partial.len = 0;
        t->skipping = false;
        buf += take + 1;
        n -= take + 1;
    }
    return 0;
}

int log_tail_read(log_tail *t, log_tail_line_fn line, void *ctx, char *err, size_t errlen)
{
    if (t->fd < 0 && open_log(t, err, errlen))
        return -1;
    if (t->fd < 0)
        return 0;
    if (replaced(t))
        return 1;
    char *buf = malloc(CHUNK);
    if (!buf)
        return fail(t, err, errlen, "out of memory");
    int rc = 0;
    for (;;) {
        ssize_t n = pread(t->fd, buf, CHUNK, t->offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = fail(t, err, errlen, strerror(errno));
        if (n <= 0)
            break;
        t->offset += n;
        if (cut_lines(t, buf, (size_t)n, line, ctx)) {
            rc = fail(t, err, errlen, "out of memory");
            break;
        }
    }
    free(buf);
    return rc;
}
