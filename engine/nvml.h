/* nvml.h - GPU figures from NVIDIA's NVML, loaded at run time with dlopen so
 * that lathe builds and runs on machines without the driver.
 *
 * LATHE_NVML_LIB, when set, names the library to load instead of
 * libnvidia-ml.so.1 (tests point it at a fake). Every way of having no GPU
 * (no library, no driver, an init error, zero devices) is an ordinary outcome:
 * nvml_open returns NULL and a short "no GPU: ..." reason, never an error. */
#ifndef LATHE_NVML_H
#define LATHE_NVML_H

#include <stddef.h>

#include "sysmon.h"

typedef struct nvml nvml;

/* Loads and initialises NVML and finds its devices. NULL when there is no
 * GPU to monitor, with the reason in status. */
nvml *nvml_open(char *status, size_t statuslen);

/* Fills gpus[0..max) with names, memory, utilization and the memory this
 * process holds on each device; returns the number filled. A figure the
 * driver cannot give for a device reads 0. */
int nvml_sample(nvml *n, sysmon_gpu *gpus, int max);

/* Shuts NVML down and unloads it; NULL is fine. */
void nvml_close(nvml *n);

#endif
