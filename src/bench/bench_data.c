/* bench_data.c - `lathe bench data`: the Data pane's performance bars from
 * issue 6, measured in one run on this machine and judged against their
 * targets. Cases (names carry the size; full size by default):
 *   index-jsonl-1g    record indexing of a 1 GiB JSONL against `wc -l` on it
 *                     (best of three each, warm page cache); ratio >= 0.5
 *   first-screen-1m   opening a 1M-row file in the Data pane to the first
 *                     frame with records; <= 300 ms
 *   frame-scroll-1m   key-to-frame while paging and moving; p99 <= 16 ms
 *   frame-search-1m   key-to-frame typing a search, frames while it runs;
 *                     p99 <= 16 ms
 *   frame-filter-1m   the same for a filter expression; p99 <= 16 ms
 *   stats-1m          the full stats pass (tokens, PII, near duplicates);
 *                     <= 20 s per million rows
 *   rss-1m            peak resident memory over the pane and stats cases;
 *                     <= 25 % of the file + 100 MiB
 * The files are generated (bench_synth.h) into --dir or $TMPDIR and removed
 * afterwards; -f runs every case on a given file instead. --quick shrinks
 * them (10k rows, 4 MiB) so a test runs the suite in seconds.
 * Exit status 0 when every case ran, whether or not it met its target. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_data.h"
#include "cli.h"
#include "bench_synth.h"
#include "clock.h"
#include "ds_index.h"

extern char **environ;

enum { RUNS = 3 };

typedef struct {
    bool json;
    const char *file, *model, *dir, *only;
    ds_format fmt;
    uint64_t rows, index_bytes;
} data_options;

/* ------------------------------------------------------------ results */

static void append(char *buf, size_t size, const char *fmt, va_list ap)
{
    size_t used = strlen(buf);
    if (used < size)
        vsnprintf(buf + used, size - used, fmt, ap);
}

void bench_data_json(bench_data_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append(r->json, sizeof r->json, fmt, ap);
    va_end(ap);
}

void bench_data_text(bench_data_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append(r->text, sizeof r->text, fmt, ap);
    va_end(ap);
}

void bench_data_size_name(char *buf, size_t n, uint64_t count, uint64_t unit)
{
    static const char suffix[] = {'\0', 'k', 'm', 'g', 't'};
    int k = 0;
    double v = (double)count;
    while (k < 4 && v >= (double)unit) {
        v /= (double)unit;
        k++;
    }
    snprintf(buf, n, "%.0f%.1s", v, &suffix[k]);
}

static double load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf", &l) != 1)
        l = -1;
    if (f)
        fclose(f);
    return l;
}

void bench_data_print(const bench_data_result *r, bool json)
{
    bool pass = r->higher_is_better ? r->value >= r->target : r->value <= r->target;
    double ratio = r->seconds > 0 ? r->baseline_seconds / r->seconds : 0;
    if (json) {
        printf("{\"bench\":\"data\",\"case\":\"%s\",\"bytes\":%llu,\"records\":%zu,"
               "\"seconds\":%.6f,\"baseline_seconds\":%.6f,\"ratio\":%.3f,\"figure\":\"%s\","
               "\"value\":%.3f,\"target\":%.3f,\"target_is\":\"%s\",\"pass\":%s%s,"
               "\"loadavg\":%.2f}\n",
               r->name, (unsigned long long)r->bytes, r->records, r->seconds,
               r->baseline_seconds, ratio, r->figure, r->value, r->target,
               r->higher_is_better ? "min" : "max", pass ? "true" : "false", r->json,
               load_average());
        return;
    }
    printf("data %s: %s %.3g (target %s %.3g) %s; %s; %.1f MB, %zu records, wc -l %.3f s\n",
           r->name, r->figure, r->value, r->higher_is_better ? ">=" : "<=", r->target,
           pass ? "PASS" : "MISS", r->text, (double)r->bytes / 1e6, r->records,
           r->baseline_seconds);
}

/* ------------------------------------------------------------ memory */

double bench_data_rss_peak_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    struct rusage ru;
    if (kb < 0 && getrusage(RUSAGE_SELF, &ru) == 0)
        kb = ru.ru_maxrss;
    return (double)kb / 1024.0;
}

bool bench_data_rss_reset(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    bool ok = fd >= 0 && write(fd, "5", 1) == 1;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* ------------------------------------------------------------ baseline */

/* Seconds one `wc -l FILE` takes, its output discarded; < 0 when it fails. */
static double time_wc_once(const char *path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {"wc", "-l", (char *)path, NULL};
    pid_t pid;
    double t0 = clock_s();
    int rc = posix_spawnp(&pid, "wc", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status;
    if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0)
        return -1;
    return clock_s() - t0;
}

/* The best of RUNS after one warm-up run, or < 0 with a message. */
static double time_wc(const char *path)
{
    double best = time_wc_once(path);
    for (int r = 0; r < RUNS && best >= 0; r++) {
        double t = time_wc_once(path);
        best = t < 0 ? t : t < best ? t : best;
    }
    if (best < 0)
        fprintf(stderr, "lathe bench data: `wc -l %s` failed\n", path);
    return best;
}

/* ------------------------------------------------------------ index case */

/* Seconds one full index build takes (open, scan, free). */
static double time_index(const char *path, size_t *records, ds_layout *layout, uint64_t *bytes)
{
    char err[512];
    double t0 = clock_s();
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
    return clock_s() - t0;
}

static bool wanted(const data_options *o, const char *name)
{
    return !o->only || !strncmp(name, o->only, strlen(o->only));
}

static int index_case(const data_options *o, const char *path)
{
    bench_data_result r = {.figure = "ratio", .target = 0.5, .higher_is_better = true};
    ds_layout layout = DS_LAYOUT_UNKNOWN;
    double base = time_wc(path), ours = 1e30;
    for (int i = 0; i < RUNS && base >= 0; i++) {
        double t = time_index(path, &r.records, &layout, &r.bytes);
        if (t < 0)
            return CLI_FAIL;
        ours = t < ours ? t : ours;
    }
    if (base < 0)
        return CLI_FAIL;
    char size[16];
    bench_data_size_name(size, sizeof size, r.bytes, 1024);
    snprintf(r.name, sizeof r.name, "index-%s-%s", layout == DS_LAYOUT_ARRAY ? "array" : "jsonl",
             size);
    r.seconds = ours;
    r.baseline_seconds = base;
    r.value = base / ours;
    bench_data_json(&r, ",\"mb_per_s\":%.0f", (double)r.bytes / ours / 1e6);
    bench_data_text(&r, "%.0f MB/s against wc -l %.0f MB/s, best of %d",
                    (double)r.bytes / ours / 1e6, (double)r.bytes / base / 1e6, RUNS);
    if (wanted(o, r.name))
        bench_data_print(&r, o->json);
    return CLI_OK;
}

/* ------------------------------------------------------------ session cases */

static void print_wanted(const data_options *o, const bench_data_result *r)
{
    if (wanted(o, r->name))
        bench_data_print(r, o->json);
}

/* The rss case: the peak over the pane and stats cases on PATH. */
static void rss_case(const data_options *o, const char *rows_name, const bench_data_result *like,
                     double pane_mb, double stats_mb, bool reset, double seconds)
{
    bench_data_result r = *like;
    r.json[0] = r.text[0] = '\0';
    snprintf(r.name, sizeof r.name, "rss-%s", rows_name);
    r.seconds = seconds;
    r.figure = "peak_rss_mb";
    r.value = pane_mb > stats_mb ? pane_mb : stats_mb;
    r.target = (double)r.bytes / 1048576.0 * 0.25 + 100;
    r.higher_is_better = false;
    bench_data_json(&r, ",\"peak_rss_mb\":%.1f,\"rss_budget_mb\":%.1f,\"pane_peak_rss_mb\":%.1f,"
                    "\"stats_peak_rss_mb\":%.1f,\"peak_since\":\"%s\"", r.value, r.target,
                    pane_mb, stats_mb, reset ? "case" : "process");
    bench_data_text(&r, "Data pane session %.1f, stats pass %.1f (peak since %s start); "
                    "%.0f %% of the file", pane_mb, stats_mb, reset ? "case" : "process",
                    100 * r.value / ((double)r.bytes / 1048576.0));
    print_wanted(o, &r);
}

static bool any_wanted(const data_options *o, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (wanted(o, names[i]) || (o->only && !strncmp(o->only, names[i], strlen(names[i]))))
            return true;
    return false;
}

static bool index_wanted(const data_options *o)
{
    static const char *const names[] = {"index"};
    return any_wanted(o, names, 1);
}

static int session_cases(const data_options *o, const char *path, uint64_t rows)
{
    static const char *const pane_names[] = {"first-screen", "frame", "rss"};
    static const char *const stats_names[] = {"stats", "rss"};
    bool pane = any_wanted(o, pane_names, 3), stats = any_wanted(o, stats_names, 2);
    if (!pane && !stats)
        return CLI_OK;
    char rows_name[16], err[1024] = "";
    bench_data_size_name(rows_name, sizeof rows_name, rows, 1000);
    double base = time_wc(path);
    if (base < 0)
        return CLI_FAIL;
    bench_data_result pr[BENCH_DATA_PANE_CASES] = {{.figure = ""}}, sr = {.figure = ""};
    bool reset = bench_data_rss_reset();
    double t0 = clock_s(), pane_mb = 0, stats_mb = 0;
    if (pane && bench_data_pane(path, rows, o->model, rows_name, base, pr, err, sizeof err) != 0)
        goto fail;
    pane_mb = pane ? bench_data_rss_peak_mb() : 0;
    reset = reset && bench_data_rss_reset();
    if (stats && bench_data_stats(path, o->model, base, &sr, err, sizeof err) != 0)
        goto fail;
    stats_mb = stats ? bench_data_rss_peak_mb() : 0;
    for (int i = 0; pane && i < BENCH_DATA_PANE_CASES; i++)
        print_wanted(o, &pr[i]);
    if (stats)
        print_wanted(o, &sr);
    rss_case(o, rows_name, stats ? &sr : &pr[0], pane_mb, stats_mb, reset, clock_s() - t0);
    return CLI_OK;
fail:
    fprintf(stderr, "lathe bench data: %s\n", err);
    return CLI_FAIL;
}

/* ------------------------------------------------------------ files */

/* Writes a generated file into DIR: ROWS records, or BYTES when ROWS is 0. */
static int generate(const data_options *o, char *path, size_t pathlen, uint64_t rows,
                    uint64_t bytes)
{
    const char *tmp = getenv("TMPDIR"), *dir = o->dir ? o->dir : tmp && *tmp ? tmp : "/tmp";
    snprintf(path, pathlen, "%s/lathe-bench-data-XXXXXX", dir);
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    uint64_t n;
    int rc = !f ? -1 : rows ? bench_synth_write_rows(f, o->fmt, rows, 42, &n)
                            : bench_synth_write(f, o->fmt, bytes, 42, &n);
    if (f && fclose(f) != 0)
        rc = -1;
    else if (!f && fd >= 0)
        close(fd);
    if (rc != 0) {
        fprintf(stderr, "lathe bench data: cannot write %s: %s\n", fd >= 0 ? path : dir,
                strerror(errno));
        if (fd >= 0)
            unlink(path);
        return -1;
    }
    return 0;
}

static int run_generated(const data_options *o)
{
    char path[PATH_MAX];
    int rc = CLI_OK;
    if (generate(o, path, sizeof path, o->rows, 0) != 0)
        return CLI_FAIL;
    rc = session_cases(o, path, o->rows);
    unlink(path);
    if (rc != CLI_OK || !index_wanted(o))
        return rc;
    if (generate(o, path, sizeof path, 0, o->index_bytes) != 0)
        return CLI_FAIL;
    rc = index_case(o, path);
    unlink(path);
    return rc;
}

static int run_file(const data_options *o)
{
    size_t records;
    ds_layout layout;
    uint64_t bytes;
    if (time_index(o->file, &records, &layout, &bytes) < 0)
        return CLI_FAIL;
    int rc = session_cases(o, o->file, records);
    return rc == CLI_OK && index_wanted(o) ? index_case(o, o->file) : rc;
}

/* ------------------------------------------------------------ options */

static int parse_count(const cli_command *cmd, const char *opt, const char *arg, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (*end || errno || v == 0 || arg[0] == '-')
        return cli_usage_error(cmd, "%s needs a positive count, got '%s'", opt, arg);
    *out = v;
    return CLI_OK;
}

int bench_data(const cli_command *cmd, int argc, char **argv)
{
    data_options o = {.fmt = DS_FMT_ALPACA, .rows = 1000000, .index_bytes = 1ull << 30};
    for (int i = 2; i < argc; i++) {
        bool more = i + 1 < argc;
        const char *a = argv[i];
        int rc = CLI_OK;
        if (!strcmp(a, "--json")) {
            o.json = true;
        } else if (!strcmp(a, "--quick")) {
            o.rows = 10000;
            o.index_bytes = 4u << 20;
        } else if (!strcmp(a, "-f") && more) {
            o.file = argv[++i];
        } else if (!strcmp(a, "-m") && more) {
            o.model = argv[++i];
        } else if (!strcmp(a, "--dir") && more) {
            o.dir = argv[++i];
        } else if (!strcmp(a, "--case") && more) {
            o.only = argv[++i];
        } else if (!strcmp(a, "--rows") && more) {
            rc = parse_count(cmd, a, argv[++i], &o.rows);
        } else if (!strcmp(a, "--mb") && more) {
            rc = parse_count(cmd, a, argv[++i], &o.index_bytes);
            o.index_bytes <<= 20;
        } else if (!strcmp(a, "--format") && more) {
            if (ds_format_parse(argv[++i], &o.fmt) != 0
                || (o.fmt != DS_FMT_ALPACA && o.fmt != DS_FMT_SHAREGPT))
                return cli_usage_error(cmd, "--format is alpaca or sharegpt, got '%s'", argv[i]);
        } else {
            return cli_usage_error(cmd, "unknown option or missing value: '%s'", a);
        }
        if (rc != CLI_OK)
            return rc;
    }
    return o.file ? run_file(&o) : run_generated(&o);
}
