/* bench_data_stats.c - the stats case of `lathe bench data --stats`: the
 * full pass the Data pane runs on open (index, check for problems and exact
 * duplicates, then ds_stats: features, tokens, PII, near duplicates) over a
 * file, timed once, with the peak resident memory of this process against
 * the file size and the budget (25 % of the file + 100 MB). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "bench.h"
#include "cli.h"
#include "dataset.h"
#include "ds_stats.h"

static double peak_rss_mb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss / 1024.0 : -1;
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

static void report(const char *model, bool json, uint64_t bytes, size_t rows, double t_open,
                   double t_stats, const ds_stats *st)
{
    double total = t_open + t_stats, rss = peak_rss_mb(), mb = (double)bytes / 1e6;
    double budget = mb * 0.25 + 100, load = load_average();
    const ds_summary *s = ds_stats_summary(st);
    if (json) {
        printf("{\"bench\":\"data\",\"case\":\"stats\",\"bytes\":%llu,\"records\":%zu,"
               "\"open_seconds\":%.3f,\"stats_seconds\":%.3f,\"seconds\":%.3f,"
               "\"rows_per_second\":%.0f,\"peak_rss_mb\":%.1f,\"rss_budget_mb\":%.1f,"
               "\"tokens_exact\":%s,\"near_duplicates\":%zu,\"loadavg\":%.2f}\n",
               (unsigned long long)bytes, rows, t_open, t_stats, total, (double)rows / total, rss,
               budget, model ? "true" : "false", s->near_dups, load);
        return;
    }
    printf("data stats: %.1f MB, %zu records: open (index + check) %.2f s, stats %.2f s, "
           "total %.2f s (%.0f rows/s); tokens %s; near duplicates %zu\n",
           mb, rows, t_open, t_stats, total, (double)rows / total, model ? model : "estimated",
           s->near_dups);
    printf("data stats: peak RSS %.1f MB = %.0f %% of the file (budget 25 %% + 100 MB = %.1f MB); "
           "load average %.2f on this machine\n", rss, 100 * rss / (mb > 0 ? mb : 1), budget, load);
}

int bench_data_stats(const char *path, const char *model, bool json)
{
    char err[1024] = "", *tmpl = NULL;
    tok_vocab *v = model ? tok_vocab_load(model, &tmpl, err, sizeof err) : NULL;
    struct stat sb;
    if ((model && !v) || stat(path, &sb) != 0) {
        fprintf(stderr, "lathe bench data: %s\n", err[0] ? err : path);
        free(tmpl);
        return CLI_FAIL;
    }
    double t0 = bench_now_s();
    dataset *ds = dataset_open(path, NULL, err, sizeof err);
    double t1 = bench_now_s();
    ds_stats_options so = {.vocab = v};
    ds_stats *st = ds ? ds_stats_new(ds, &so, err, sizeof err) : NULL;
    int rc = st && ds_stats_run(st, err, sizeof err) == 0 ? CLI_OK : CLI_FAIL;
    double t2 = bench_now_s();
    if (rc == CLI_OK)
        report(model, json, (uint64_t)sb.st_size, dataset_count(ds), t1 - t0, t2 - t1, st);
    else
        fprintf(stderr, "lathe bench data: %s\n", err);
    ds_stats_free(st);
    dataset_free(ds);
    tok_vocab_free(v);
    free(tmpl);
    return rc;
}
