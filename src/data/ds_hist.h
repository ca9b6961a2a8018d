/* ds_hist.h - a histogram of non-negative counts (token lengths, turns) with
 * percentiles: exact below 4096, above that in buckets 1/64 of an octave wide
 * (the reported value is the bucket's lower bound, within 1.6 %); the
 * maximum is always exact. Histograms add up, so worker threads each keep
 * their own and the results are merged in any order to the same totals. */
#ifndef LATHE_DS_HIST_H
#define LATHE_DS_HIST_H

#include <stddef.h>
#include <stdint.h>

enum { DS_HIST_EXACT = 4096, DS_HIST_SUB = 64, DS_HIST_BUCKETS = DS_HIST_EXACT + 20 * DS_HIST_SUB };

typedef struct {
    uint64_t bucket[DS_HIST_BUCKETS];
    uint64_t count, sum;
    uint32_t max;
} ds_hist;

void ds_hist_add(ds_hist *h, uint32_t v);
void ds_hist_merge(ds_hist *into, const ds_hist *from);
/* The smallest value V such that at least P percent of the values are <= V
 * (P in 0..100); 0 for an empty histogram. */
uint32_t ds_hist_percentile(const ds_hist *h, double p);
/* How many values are greater than LIMIT (exact when LIMIT < 4096, else to
 * bucket precision). */
uint64_t ds_hist_above(const ds_hist *h, uint32_t limit);
/* The number of values in [LO, HI). */
uint64_t ds_hist_range(const ds_hist *h, uint32_t lo, uint32_t hi);

#endif
