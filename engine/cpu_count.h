/* cpu_count.h - how many CPUs are online: the default thread count of the
 * engine, the trainer, the data stats pass and the benchmarks. */
#ifndef LATHE_CPU_COUNT_H
#define LATHE_CPU_COUNT_H

/* At least 1. */
int cpu_count(void);

#endif
