/* ds_hist.c - the bucketed histogram of ds_hist.h. */
#include "config.h"

#include "ds_hist.h"

static size_t bucket_of(uint32_t v)
{
    if (v < DS_HIST_EXACT)
        return v;
    int e = 31 - __builtin_clz(v);   /* 12..31 */
    return DS_HIST_EXACT + (size_t)(e - 12) * DS_HIST_SUB + ((v >> (e - 6)) & (DS_HIST_SUB - 1));
}

static uint32_t bucket_low(size_t b)
{
    if (b < DS_HIST_EXACT)
        return (uint32_t)b;
    size_t k = b - DS_HIST_EXACT;
    int e = (int)(k / DS_HIST_SUB) + 12;
    return ((uint32_t)1 << e) | (uint32_t)(k % DS_HIST_SUB) << (e - 6);
}

void ds_hist_add(ds_hist *h, uint32_t v)
{
    h->bucket[bucket_of(v)]++;
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

void ds_hist_merge(ds_hist *into, const ds_hist *from)
{
    for (size_t b = 0; b < DS_HIST_BUCKETS; b++)
        into->bucket[b] += from->bucket[b];
    into->count += from->count;
    into->sum += from->sum;
    if (from->max > into->max)
        into->max = from->max;
}

uint32_t ds_hist_percentile(const ds_hist *h, double p)
{
    if (h->count == 0)
        return 0;
    double want = p / 100.0 * (double)h->count;
    uint64_t need = (uint64_t)want;
    if ((double)need < want || need == 0)
        need++;
    if (need >= h->count)
        return h->max;
    uint64_t seen = 0;
    for (size_t b = 0; b < DS_HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= need) {
            uint32_t v = bucket_low(b);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

uint64_t ds_hist_range(const ds_hist *h, uint32_t lo, uint32_t hi)
{
    uint64_t n = 0;
    for (size_t b = bucket_of(lo); b < DS_HIST_BUCKETS && bucket_low(b) < hi; b++)
        n += h->bucket[b];
    return n;
}

uint64_t ds_hist_above(const ds_hist *h, uint32_t limit)
{
    if (limit == UINT32_MAX)
        return 0;
    uint64_t n = 0;
    for (size_t b = bucket_of(limit + 1); b < DS_HIST_BUCKETS; b++)
        n += h->bucket[b];
    return n;
}
