/* cpu_count.c - online CPUs (cpu_count.h). */
#include "cpu_count.h"

#include <unistd.h>

int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
