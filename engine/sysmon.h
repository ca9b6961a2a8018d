/* sysmon.h - live system figures for the gauges: this process's CPU and memory,
 * the machine's per-core CPU and RAM, and GPUs through NVML when present.
 *
 * A sysmon owns a sampling thread that refreshes a snapshot once a second (the
 * interval is configurable); readers copy the latest snapshot under a mutex, so
 * the UI thread never touches /proc or NVML and never waits on them. */
#ifndef LATHE_SYSMON_H
#define LATHE_SYSMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYSMON_MAX_CPUS 256
#define SYSMON_MAX_GPUS 16

typedef struct {
    char name[96];
    uint64_t mem_used, mem_total;   /* bytes */
    uint64_t proc_mem;              /* bytes this process holds on the device */
    int util_percent;               /* GPU utilization, 0-100 */
} sysmon_gpu;

typedef struct {
    uint64_t seq;                   /* samples taken so far; 0 = none yet */
    double proc_cpu_percent;        /* this process, 100 = one full core */
    uint64_t proc_rss, proc_peak_rss;          /* bytes */
    uint64_t mem_used, mem_total;              /* system: MemTotal - MemAvailable */
    double cpu_percent;                        /* all cores, 0-100 */
    int n_cpus;
    double core_percent[SYSMON_MAX_CPUS];      /* per core, 0-100 */
    int n_gpus;                     /* 0 = no GPU (no library, no driver or no device) */
    char gpu_status[96];            /* why n_gpus is 0, for the "no GPU" label */
    sysmon_gpu gpus[SYSMON_MAX_GPUS];
    double sample_cost_s;           /* wall time the last sample took */
    char proc_status[96];           /* why a /proc figure reads 0; empty when all were read */
} sysmon_snapshot;

typedef struct sysmon sysmon;

/* Starts the sampling thread; the first sample is taken before it returns so
 * readers never see an empty snapshot. NULL with a message in err on failure. */
sysmon *sysmon_start(double interval_s, char *err, size_t errlen);
void sysmon_stop(sysmon *m);

/* Copies the latest snapshot. Never blocks on sampling. */
void sysmon_read(sysmon *m, sysmon_snapshot *out);

#endif
