/* mem_budget.h - the memory lathe lets one dataset's working data take (the
 * record index, the check, tokenized training data), so a small file that
 * expands to billions of tiny records (a gzip of 1 GB of short lines) is
 * refused with a message naming the figure instead of exhausting memory.
 *
 * The budget is LATHE_MEMORY_BUDGET when set (bytes, with an optional K, M,
 * G or T suffix, powers of 1024), else half the physical memory; never more
 * than half the address-space limit (ulimit -v) when there is one, as
 * threads and allocators reserve address space of their own. */
#ifndef LATHE_MEM_BUDGET_H
#define LATHE_MEM_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The budget in bytes (read once). */
uint64_t mem_budget(void);
/* True when NEED bytes exceed the budget; then WHY gets "N MiB, over the
 * memory budget of B MiB (LATHE_MEMORY_BUDGET)". */
bool mem_budget_exceeded(uint64_t need, char *why, size_t whylen);

#endif
