/* sampler.c - one snapshot from /proc and NVML, with CPU shares computed
 * against the previous sample's counters. */
#include "sampler.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "nvml.h"
#include "procstat.h"

_Static_assert(PROCSTAT_MAX_CPUS == SYSMON_MAX_CPUS, "per-core arrays must match");

/* /proc/stat carries an "intr" line with one counter per IRQ; the cpu lines
 * come first, so a file cut at this size still has them all. */
#define SAMPLER_BUF 65536

struct sampler {
    char *buf;
    nvml *gpu;
    char gpu_status[96];
    double clk_tck;
    procstat_cpu prev_cpu;          /* zero before the first sample: since boot */
    bool have_prev_self;
    uint64_t prev_self_ticks;
    double prev_self_time;
};

sampler *sampler_new(char *err, size_t errlen)
{
    sampler *s = calloc(1, sizeof *s);
    char *buf = malloc(SAMPLER_BUF);
    if (!s || !buf) {
        free(s);
        free(buf);
        snprintf(err, errlen, "out of memory allocating the system sampler");
        return NULL;
    }
    s->buf = buf;
    long tck = sysconf(_SC_CLK_TCK);
    s->clk_tck = tck > 0 ? (double)tck : 100.0;
    s->gpu = nvml_open(s->gpu_status, sizeof s->gpu_status);
    return s;
}

void sampler_free(sampler *s)
{
    if (!s)
        return;
    nvml_close(s->gpu);
    free(s->buf);
    free(s);
}

/* Reads path into the sampler's buffer; false with the reason in out. */
static bool load(sampler *s, const char *path, sysmon_snapshot *out)
{
    char err[sizeof out->proc_status];
    if (procstat_read_file(path, s->buf, SAMPLER_BUF, err, sizeof err) >= 0)
        return true;
    if (!out->proc_status[0])
        snprintf(out->proc_status, sizeof out->proc_status, "%s", err);
    return false;
}

/* Keeps the first failure of a sample: that is the one worth showing. */
static void note(sysmon_snapshot *out, const char *err)
{
    if (!out->proc_status[0])
        snprintf(out->proc_status, sizeof out->proc_status, "%s", err);
}

static void take_cpu(sampler *s, sysmon_snapshot *out)
{
    char err[sizeof out->proc_status];
    procstat_cpu now;
    if (!load(s, "/proc/stat", out))
        return;
    if (procstat_parse_stat(s->buf, &now, err, sizeof err) != 0) {
        note(out, err);
        return;
    }
    out->cpu_percent = procstat_busy_percent(&s->prev_cpu.all, &now.all);
    out->n_cpus = now.n_cpus;
    for (int i = 0; i < now.n_cpus; i++)
        out->core_percent[i] = procstat_busy_percent(&s->prev_cpu.cpu[i], &now.cpu[i]);
    s->prev_cpu = now;
}

static void take_memory(sampler *s, sysmon_snapshot *out)
{
    char err[sizeof out->proc_status];
    procstat_mem mem;
    if (!load(s, "/proc/meminfo", out))
        return;
    if (procstat_parse_meminfo(s->buf, &mem, err, sizeof err) != 0) {
        note(out, err);
        return;
    }
    out->mem_total = mem.total;
    out->mem_used = mem.total - mem.available;
}

/* Seconds this process has existed, from boot-relative start ticks. */
static double lifetime_s(sampler *s, uint64_t start_ticks, sysmon_snapshot *out)
{
    char err[sizeof out->proc_status];
    double uptime;
    if (!load(s, "/proc/uptime", out))
        return 0.0;
    if (procstat_parse_uptime(s->buf, &uptime, err, sizeof err) != 0) {
        note(out, err);
        return 0.0;
    }
    return uptime - (double)start_ticks / s->clk_tck;
}

static void take_self(sampler *s, sysmon_snapshot *out, double now)
{
    char err[sizeof out->proc_status];
    procstat_self_cpu cpu;
    procstat_self_mem mem;
    if (load(s, "/proc/self/status", out)) {
        if (procstat_parse_self_status(s->buf, &mem, err, sizeof err) == 0) {
            out->proc_rss = mem.rss;
            out->proc_peak_rss = mem.peak_rss;
        } else {
            note(out, err);
        }
    }
    if (!load(s, "/proc/self/stat", out))
        return;
    if (procstat_parse_self_stat(s->buf, &cpu, err, sizeof err) != 0) {
        note(out, err);
        return;
    }
    double busy_s, wall_s;
    if (s->have_prev_self) {
        busy_s = (double)(cpu.cpu_ticks - s->prev_self_ticks) / s->clk_tck;
        wall_s = now - s->prev_self_time;
    } else {
        busy_s = (double)cpu.cpu_ticks / s->clk_tck;
        wall_s = lifetime_s(s, cpu.start_ticks, out);
    }
    if (cpu.cpu_ticks >= s->prev_self_ticks && wall_s > 0.0)
        out->proc_cpu_percent = 100.0 * busy_s / wall_s;
    s->have_prev_self = true;
    s->prev_self_ticks = cpu.cpu_ticks;
    s->prev_self_time = now;
}

void sampler_take(sampler *s, sysmon_snapshot *out)
{
    double start = clock_s();
    memset(out, 0, sizeof *out);
    take_cpu(s, out);
    take_memory(s, out);
    take_self(s, out, start);
    if (s->gpu)
        out->n_gpus = nvml_sample(s->gpu, out->gpus, SYSMON_MAX_GPUS);
    snprintf(out->gpu_status, sizeof out->gpu_status, "%s", s->gpu_status);
    out->sample_cost_s = clock_s() - start;
}
