/* sampler.h - takes one sysmon snapshot: /proc figures plus NVML.
 *
 * CPU shares are differences between consecutive samples, so a sampler keeps
 * the previous counters. The first sample has no predecessor: it reports the
 * machine's average since boot and this process's average since it started.
 * Used by the sysmon thread; tests and benchmarks call it directly. */
#ifndef LATHE_SAMPLER_H
#define LATHE_SAMPLER_H

#include <stddef.h>

#include "sysmon.h"

typedef struct sampler sampler;

/* Opens NVML (or records why there is no GPU). NULL only when out of memory. */
sampler *sampler_new(char *err, size_t errlen);

/* Fills everything in out but seq, including sample_cost_s. */
void sampler_take(sampler *s, sysmon_snapshot *out);

void sampler_free(sampler *s);

#endif
