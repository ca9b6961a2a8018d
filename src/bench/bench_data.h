/* bench_data.h - the cases of `lathe bench data`, shared by the driver
 * (bench_data.c: files, wc -l, indexing, printing), the stats case
 * (bench_data_stats.c) and the Data pane cases (bench_data_pane.c).
 *
 * Every case reports one result: the standard data fields (bytes, seconds,
 * baseline_seconds = `wc -l` on the same file, ratio = baseline / seconds)
 * plus the figure the issue sets a target for (value against target, and
 * whether it passes), and case-specific fields. */
#ifndef LATHE_BENCH_DATA_H
#define LATHE_BENCH_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char name[48];          /* e.g. first-screen-1m */
    uint64_t bytes;         /* of the file the case ran on */
    size_t records;
    double seconds;         /* the case's timed figure, in seconds */
    double baseline_seconds;
    const char *figure;     /* what value is: "ratio", "ms", "p99_ms", "seconds", "peak_rss_mb" */
    double value, target;
    bool higher_is_better;
    char json[768];         /* more ,"key":value pairs (starts with a comma) */
    char text[512];         /* the same for the text line */
} bench_data_result;

/* Prints R as one JSON line or one text line, judging value against target. */
void bench_data_print(const bench_data_result *r, bool json);
/* Appends to r->json and r->text. */
void bench_data_json(bench_data_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bench_data_text(bench_data_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Names a size the way case names do: 1g, 740m, 1m (rows), 10k. */
void bench_data_size_name(char *buf, size_t n, uint64_t count, uint64_t unit);

/* Peak resident memory of this process in MB since the last
 * bench_data_rss_reset (since it started when the kernel cannot reset it). */
double bench_data_rss_peak_mb(void);
/* false when the peak cannot be reset (/proc/self/clear_refs). */
bool bench_data_rss_reset(void);

/* The full stats pass over PATH (index, check, ds_stats with tokens and near
 * duplicates) as the case STATS_NAME; VOCAB may be NULL (byte estimate). The
 * target is 20 s per million rows. Returns 0 or -1 with a message. */
int bench_data_stats(const char *path, const char *vocab, double baseline,
                     bench_data_result *r, char *err, size_t errlen);

/* The Data pane on PATH (ROWS records), driven in process on a curses screen
 * writing to /dev/null: first screen after opening, frames while scrolling
 * (indexing goes on), then, once every row is indexed, frames while typing a
 * search and while it scans every row, then the same for a filter. OUT
 * receives four results (first-screen, frame-scroll, frame-search,
 * frame-filter); ROWS_NAME names the size. */
enum { BENCH_DATA_PANE_CASES = 4 };
int bench_data_pane(const char *path, size_t rows, const char *model, const char *rows_name,
                    double baseline, bench_data_result out[BENCH_DATA_PANE_CASES], char *err,
                    size_t errlen);

#endif
