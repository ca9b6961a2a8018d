/* fake_nvml.c - a stand-in libnvidia-ml for tests, loaded via LATHE_NVML_LIB.
 *
 * Its behaviour is read from the environment at nvmlInit time:
 *   FAKE_NVML_DEVICES=N      number of devices (default 2, at most 4)
 *   FAKE_NVML_FAIL_INIT=1    init fails with an unknown error; "driver" fails
 *                            as if the kernel driver were not loaded
 *   FAKE_NVML_NO_UTIL=1      utilization is not supported (as under MIG)
 *   FAKE_NVML_OTHER_PROCS=N  other processes listed before the caller's on
 *                            each device (default 1), to exercise buffer growth
 * Device i is "Fake GPU i": 80 GiB, (i+1) GiB used, 30+20i % busy, and the
 * calling process holds (i+1)*256 MiB on it. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "nvml_abi.h"

#define FAKE_MAX_DEVICES 4
#define GIB (1024ULL * 1024 * 1024)
#define MIB (1024ULL * 1024)

struct nvmlDevice_opaque {
    unsigned int index;
};

static struct nvmlDevice_opaque fake_devices[FAKE_MAX_DEVICES] = {{0}, {1}, {2}, {3}};
static int initialised;
static unsigned int n_devices;
static unsigned int other_procs;
static int no_util;

static unsigned int env_uint(const char *name, unsigned int fallback, unsigned int max)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return fallback;
    unsigned long v = strtoul(s, NULL, 10);
    return v > max ? max : (unsigned int)v;
}

nvmlReturn_t nvmlInit_v2(void)
{
    const char *fail = getenv("FAKE_NVML_FAIL_INIT");
    if (fail && strcmp(fail, "driver") == 0)
        return NVML_ERROR_DRIVER_NOT_LOADED;
    if (fail && strcmp(fail, "1") == 0)
        return NVML_ERROR_UNKNOWN;
    n_devices = env_uint("FAKE_NVML_DEVICES", 2, FAKE_MAX_DEVICES);
    other_procs = env_uint("FAKE_NVML_OTHER_PROCS", 1, 1000);
    no_util = env_uint("FAKE_NVML_NO_UTIL", 0, 1) == 1;
    initialised++;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit(void)
{
    return nvmlInit_v2();
}

nvmlReturn_t nvmlShutdown(void)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    initialised--;
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t rc)
{
    switch (rc) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    *count = n_devices;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    if (index >= n_devices)
        return NVML_ERROR_UNKNOWN;
    *device = &fake_devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    snprintf(name, length, "Fake GPU %u", device->index);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *mem)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    mem->total = 80 * GIB;
    mem->used = (device->index + 1) * GIB;
    mem->free = mem->total - mem->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *util)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    if (no_util)
        return NVML_ERROR_NOT_SUPPORTED;
    util->gpu = 30 + 20 * device->index;
    util->memory = 10;
    return NVML_SUCCESS;
}

/* Fills record i: other processes first, the caller last. */
static void fake_proc(nvmlDevice_t device, unsigned int i, unsigned int *pid,
                      unsigned long long *mem)
{
    if (i < other_procs) {
        *pid = (unsigned int)getpid() + 1000 + i;
        *mem = 5 * GIB;
    } else {
        *pid = (unsigned int)getpid();
        *mem = (device->index + 1) * 256 * MIB;
    }
}

/* The NVML contract: report the needed count, fail if the caller's is short. */
static nvmlReturn_t check_room(unsigned int *count)
{
    unsigned int need = other_procs + 1;
    unsigned int room = *count;
    *count = need;
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    return room < need ? NVML_ERROR_INSUFFICIENT_SIZE : NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *count,
                                                     nvmlProcessInfo_v2_t *infos)
{
    nvmlReturn_t rc = check_room(count);
    for (unsigned int i = 0; rc == NVML_SUCCESS && i < *count; i++) {
        memset(&infos[i], 0, sizeof infos[i]);
        fake_proc(device, i, &infos[i].pid, &infos[i].usedGpuMemory);
        infos[i].gpuInstanceId = 0xFFFFFFFFu;
        infos[i].computeInstanceId = 0xFFFFFFFFu;
    }
    return rc;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *count,
                                                  nvmlProcessInfo_v1_t *infos)
{
    nvmlReturn_t rc = check_room(count);
    for (unsigned int i = 0; rc == NVML_SUCCESS && i < *count; i++)
        fake_proc(device, i, &infos[i].pid, &infos[i].usedGpuMemory);
    return rc;
}
