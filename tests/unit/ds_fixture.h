/* ds_fixture.h - temporary dataset files for the dataset tests: text written
 * to a fresh file under $TMPDIR (plain or gzip), removed by ds_fixture_drop. */
#ifndef LATHE_DS_FIXTURE_H
#define LATHE_DS_FIXTURE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef struct {
    char path[PATH_MAX];
} ds_fixture;

/* Writes LEN bytes of TEXT; with GZ, gzip-compressed and named *.gz. Returns 0 or -1. */
static inline int ds_fixture_write(ds_fixture *fx, const void *text, size_t len, int gz)
{
    const char *dir = getenv("TMPDIR");
    snprintf(fx->path, sizeof fx->path, "%s/lathe-test-ds-XXXXXX%s", dir && *dir ? dir : "/tmp",
             gz ? ".gz" : ".jsonl");
    int fd = mkstemps(fx->path, gz ? 3 : 6);
    if (fd < 0)
        return -1;
    if (gz) {
        gzFile g = gzdopen(fd, "wb");
        int ok = g && (len == 0 || gzwrite(g, text, (unsigned)len) == (int)len);
        return g && gzclose(g) == Z_OK && ok ? 0 : -1;
    }
    int ok = write(fd, text, len) == (ssize_t)len;
    return close(fd) == 0 && ok ? 0 : -1;
}

static inline int ds_fixture_text(ds_fixture *fx, const char *text)
{
    return ds_fixture_write(fx, text, strlen(text), 0);
}

static inline void ds_fixture_drop(ds_fixture *fx)
{
    unlink(fx->path);
}

#endif
