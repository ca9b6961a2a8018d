/* mem_limit.h - how much memory this process may use before it is killed or
 * the machine starts to swap: the machine's RAM (MemTotal), or the limit of
 * the control group it runs in when that is lower (a container, a systemd
 * slice, a batch scheduler's job), as cgroup v2's memory.max or v1's
 * memory.limit_in_bytes says at its own group or any group above it. A run's
 * memory alarm compares the resident set with it. */
#ifndef LATHE_MEM_LIMIT_H
#define LATHE_MEM_LIMIT_H

#include <stdint.h>

/* The limit in bytes; 0 when not even MemTotal can be read. ROOT is put in
 * front of every path read (/proc/meminfo, /proc/self/cgroup,
 * /sys/fs/cgroup/...): "" for this machine, a folder for a test's copy. */
uint64_t mem_limit_bytes(const char *root);

#endif
