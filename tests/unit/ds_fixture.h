/* ds_fixture.h - temporary dataset files for the dataset tests: text written
 * to a fresh file under $TMPDIR (plain or gzip), removed by ds_fixture_drop;
 * and the path of a shared reference dataset. */
#ifndef LATHE_DS_FIXTURE_H
#define LATHE_DS_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bench_synth.h"

typedef struct {
    char path[PATH_MAX];
} ds_fixture;

/* A fresh file named *.gz with GZ, else *.jsonl; its descriptor, or -1. */
static inline int ds_fixture_create(ds_fixture *fx, int gz)
{
    const char *dir = getenv("TMPDIR");
    snprintf(fx->path, sizeof fx->path, "%s/lathe-test-ds-XXXXXX%s", dir && *dir ? dir : "/tmp",
             gz ? ".gz" : ".jsonl");
    return mkstemps(fx->path, gz ? 3 : 6);
}

/* Writes LEN bytes of TEXT; with GZ, gzip-compressed and named *.gz. Returns 0 or -1. */
static inline int ds_fixture_write(ds_fixture *fx, const void *text, size_t len, int gz)
{
    int fd = ds_fixture_create(fx, gz);
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

/* About BYTES of generated FMT records (bench_synth.h) from SEED; their
 * count in *RECORDS. Returns 0 or -1. */
static inline int ds_fixture_generate(ds_fixture *fx, ds_format fmt, uint64_t bytes,
                                      uint64_t seed, uint64_t *records)
{
    int fd = ds_fixture_create(fx, 0);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = bench_synth_write(f, fmt, bytes, seed, records);
    return fclose(f) == 0 && rc == 0 ? 0 : -1;
}

static inline int ds_fixture_text(ds_fixture *fx, const char *text)
{
    return ds_fixture_write(fx, text, strlen(text), 0);
}

static inline void ds_fixture_drop(ds_fixture *fx)
{
    unlink(fx->path);
}

/* The shared reference dataset NAME (beside $LATHE_REFERENCE_DIR) in PATH;
 * false when it is not on this machine, and the test should skip. */
static inline bool ds_fixture_reference(char *path, size_t size, const char *name)
{
    const char *ref = getenv("LATHE_REFERENCE_DIR");
    snprintf(path, size, "%s/../datasets/%s", ref ? ref : "../shared/reference", name);
    struct stat st;
    return stat(path, &st) == 0;
}

#endif
