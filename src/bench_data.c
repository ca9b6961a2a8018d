/* bench_data.c - `lathe bench data [-f FILE] [--mb N] [--format alpaca|sharegpt]
 * [--json] [--stats [-m VOCAB] | --target]`: record-indexing speed against
 * `wc -l` on the same file, both run in this invocation with a warm page
 * cache, best of three each. Without -f a synthetic JSONL of --mb megabytes
 * (default 200) is generated in $TMPDIR and removed afterwards. ratio = wc -l
 * seconds / our seconds. --stats times the full stats pass instead
 * (bench_data_stats.c; default 20 MB); --target is --stats at the issue's
 * size, 500 MB (about 1M alpaca rows). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "dataset_gen.h"
#include "dataset_index.h"

extern char **environ;

enum { RUNS = 3 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds one `wc -l FILE` takes, its output discarded; < 0 when it fails. */
static double time_wc(const char *path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {"wc", "-l", (char *)path, NULL};
    pid_t pid;
    double t0 = now_s();
    int rc = posix_spawnp(&pid, "wc", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status;
    if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0)
        return -1;
    return now_s() - t0;
}

/* Seconds one full index build takes (open, scan, free). */
static double time_index(const char *path, size_t *records, ds_layout *layout, uint64_t *bytes)
{
    char err[512];
    double t0 = now_s();
    ds_index *ix = ds_index_open(path, err, sizeof err);
    if (!ix || ds_index_build(ix, err, sizeof err) != 0) {
        fprintf(stderr, "lathe bench data: %s\n", err);
        ds_index_free(ix);
        return -1;
    }
    *records = ds_index_count(ix);
    *layout = ds_index_layout(ix);
    *bytes = ds_index_size(ix);
    ds_index_free(ix);
    return now_s() - t0;
}

static int measure(const char *path, bool json)
{
    size_t records = 0;
    ds_layout layout = DS_LAYOUT_UNKNOWN;
    uint64_t bytes = 0;
    if (time_wc(path) < 0) {
        fprintf(stderr, "lathe bench data: `wc -l %s` failed\n", path);
        return CLI_FAIL;
    }
    double ours = 1e30, base = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double t = time_index(path, &records, &layout, &bytes), w = time_wc(path);
        if (t < 0 || w < 0)
            return CLI_FAIL;
        ours = t < ours ? t : ours;
        base = w < base ? w : base;
    }
    const char *kind = layout == DS_LAYOUT_ARRAY ? "index-array" : "index-jsonl";
    if (json)
        printf("{\"bench\":\"data\",\"case\":\"%s\",\"bytes\":%llu,\"records\":%zu,"
               "\"seconds\":%.6f,\"baseline_seconds\":%.6f,\"ratio\":%.3f}\n",
               kind, (unsigned long long)bytes, records, ours, base, base / ours);
    else
        printf("data %s: %.1f MB, %zu records in %.3f s (%.0f MB/s); wc -l %.3f s; "
               "ratio %.2f (wc -l time / ours, best of %d)\n",
               kind, (double)bytes / 1e6, records, ours, (double)bytes / ours / 1e6, base,
               base / ours, RUNS);
    return CLI_OK;
}

static int generate(char *path, size_t pathlen, ds_format fmt, long mb)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, pathlen, "%s/lathe-bench-data-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    uint64_t records;
    if (!f || dsgen_write(f, fmt, (uint64_t)mb << 20, 42, &records) != 0) {
        fprintf(stderr, "lathe bench data: cannot write %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        else if (fd >= 0)
            close(fd);
        unlink(path);
        return -1;
    }
    fclose(f);
    return 0;
}

int bench_data(const cli_command *cmd, int argc, char **argv)
{
    const char *file = NULL;
    ds_format fmt = DS_FMT_ALPACA;
    long mb = 0;
    bool json = false, stats = false;
    const char *model = NULL;
    for (int i = 2; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "-f") && i + 1 < argc) {
            file = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--stats")) {
            stats = true;
        } else if (!strcmp(argv[i], "--target")) {
            stats = true;
            mb = 500;
        } else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
            model = argv[++i];
        } else if (!strcmp(argv[i], "--mb") && i + 1 < argc) {
            mb = strtol(argv[++i], &end, 10);
            if (*end || mb <= 0)
                return cli_usage_error(cmd, "--mb needs a positive size, got '%s'", argv[i]);
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            if (ds_format_parse(argv[++i], &fmt) != 0
                || (fmt != DS_FMT_ALPACA && fmt != DS_FMT_SHAREGPT))
                return cli_usage_error(cmd, "--format is alpaca or sharegpt, got '%s'", argv[i]);
        } else {
            return cli_usage_error(cmd, "unknown option or missing value: '%s'", argv[i]);
        }
    }
    if (file)
        return stats ? bench_data_stats(file, model, json) : measure(file, json);
    char path[PATH_MAX];
    if (generate(path, sizeof path, fmt, mb ? mb : stats ? 20 : 200) != 0)
        return CLI_FAIL;
    int rc = stats ? bench_data_stats(path, model, json) : measure(path, json);
    unlink(path);
    return rc;
}
