/* procstat.h - parsers for the few /proc files the gauges read: /proc/stat
 * (per-core CPU ticks), /proc/meminfo, /proc/uptime, /proc/self/stat and
 * /proc/self/status.
 *
 * Every parser takes a NUL-terminated buffer so tests can feed fixture files;
 * procstat_read_file is the thin wrapper that fills such a buffer from a path.
 * Parsers return 0, or -1 with a message naming the file, line and what was
 * expected; truncated or garbled input is an error, never a crash. */
#ifndef LATHE_PROCSTAT_H
#define LATHE_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

#define PROCSTAT_MAX_CPUS 256

/* The first eight counters of a "cpu" line, in clock ticks. */
typedef struct {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
} procstat_ticks;

typedef struct {
    procstat_ticks all;                       /* the aggregate "cpu" line */
    int n_cpus;                               /* "cpuN" lines kept, in file order */
    procstat_ticks cpu[PROCSTAT_MAX_CPUS];
} procstat_cpu;

typedef struct {
    uint64_t total, available;                /* bytes */
} procstat_mem;

typedef struct {
    uint64_t cpu_ticks;                       /* utime + stime */
    uint64_t start_ticks;                     /* starttime: ticks after boot */
} procstat_self_cpu;

typedef struct {
    uint64_t rss, peak_rss;                   /* bytes (VmRSS, VmHWM) */
} procstat_self_mem;

/* Reads a whole file into buf (NUL-terminated). A file longer than buf is cut
 * at its last complete line. Returns the length kept, or -1 with err set. */
long procstat_read_file(const char *path, char *buf, size_t cap, char *err, size_t errlen);

int procstat_parse_stat(const char *buf, procstat_cpu *out, char *err, size_t errlen);
int procstat_parse_meminfo(const char *buf, procstat_mem *out, char *err, size_t errlen);
int procstat_parse_uptime(const char *buf, double *uptime_s, char *err, size_t errlen);
int procstat_parse_self_stat(const char *buf, procstat_self_cpu *out, char *err, size_t errlen);
int procstat_parse_self_status(const char *buf, procstat_self_mem *out, char *err, size_t errlen);

/* Busy share of the ticks that passed from a to b, 0-100: busy is everything
 * but idle and iowait. Counters that went backwards (iowait can) count as 0. */
double procstat_busy_percent(const procstat_ticks *a, const procstat_ticks *b);

#endif
