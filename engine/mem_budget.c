/* mem_budget.c - the per-dataset memory budget; see mem_budget.h. */
#include "mem_budget.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static uint64_t budget;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* "512M", "2G", "1073741824"; 0 when it does not parse. */
static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = 0;
    switch (*end) {
    case 'T': case 't': shift = 40; break;
    case 'G': case 'g': shift = 30; break;
    case 'M': case 'm': shift = 20; break;
    case 'K': case 'k': shift = 10; break;
    case '\0': break;
    default: return 0;
    }
    if (*end && end[1])
        return 0;
    return end == s || v > (UINT64_MAX >> shift) ? 0 : (uint64_t)v << shift;
}

static void init(void)
{
    const char *env = getenv("LATHE_MEMORY_BUDGET");
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    budget = env && *env ? parse_size(env) : 0;
    if (!budget)
        budget = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 2 : (uint64_t)1 << 32;
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY
        && (uint64_t)as.rlim_cur / 2 < budget)
        budget = (uint64_t)as.rlim_cur / 2;
}

uint64_t mem_budget(void)
{
    pthread_once(&once, init);
    return budget;
}

bool mem_budget_exceeded(uint64_t need, char *why, size_t whylen)
{
    uint64_t b = mem_budget();
    if (need <= b)
        return false;
    snprintf(why, whylen, "%llu MiB, over the memory budget of %llu MiB (LATHE_MEMORY_BUDGET)",
             (unsigned long long)((need >> 20) + 1), (unsigned long long)(b >> 20));
    return true;
}
