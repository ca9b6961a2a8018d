/* nvml.c - NVML through dlopen: resolve a handful of entry points, preferring
 * the versioned names, and turn every failure into a "no GPU" reason. */
#include "nvml.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvml_abi.h"
#include "plural.h"

#define NVML_MAX_NAME 96

typedef nvmlReturn_t (*init_fn)(void);
typedef nvmlReturn_t (*shutdown_fn)(void);
typedef const char *(*error_string_fn)(nvmlReturn_t);
typedef nvmlReturn_t (*count_fn)(unsigned int *);
typedef nvmlReturn_t (*handle_fn)(unsigned int, nvmlDevice_t *);
typedef nvmlReturn_t (*name_fn)(nvmlDevice_t, char *, unsigned int);
typedef nvmlReturn_t (*memory_fn)(nvmlDevice_t, nvmlMemory_t *);
typedef nvmlReturn_t (*util_fn)(nvmlDevice_t, nvmlUtilization_t *);
typedef nvmlReturn_t (*procs_fn)(nvmlDevice_t, unsigned int *, void *);

struct nvml {
    void *lib;
    shutdown_fn shutdown;
    memory_fn memory;
    util_fn util;
    procs_fn procs;
    size_t proc_size;               /* bytes per record of the procs query */
    void *proc_buf;
    unsigned int proc_cap;
    int n_devices;
    nvmlDevice_t devices[SYSMON_MAX_GPUS];
    char names[SYSMON_MAX_GPUS][NVML_MAX_NAME];
};

/* The first of names[] the library exports, or NULL. */
static void *resolve(void *lib, const char *const *names)
{
    for (; *names; names++) {
        void *sym = dlsym(lib, *names);
        if (sym)
            return sym;
    }
    return NULL;
}

static void *load_library(void)
{
    const char *override = getenv("LATHE_NVML_LIB");
    if (override && *override)
        return dlopen(override, RTLD_NOW | RTLD_LOCAL);
    void *lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    return lib ? lib : dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
}

static const char *describe(error_string_fn error_string, nvmlReturn_t rc)
{
    const char *s = error_string ? error_string(rc) : NULL;
    return s ? s : "unknown error";
}

/* Picks the running-processes query whose record layout we know. */
static bool resolve_procs(nvml *n)
{
    static const char *const v2[] = {"nvmlDeviceGetComputeRunningProcesses_v2",
                                     "nvmlDeviceGetComputeRunningProcesses_v3", NULL};
    static const char *const v1[] = {"nvmlDeviceGetComputeRunningProcesses", NULL};
    n->procs = (procs_fn)resolve(n->lib, v2);
    n->proc_size = sizeof(nvmlProcessInfo_v2_t);
    if (!n->procs) {
        n->procs = (procs_fn)resolve(n->lib, v1);
        n->proc_size = sizeof(nvmlProcessInfo_v1_t);
    }
    return n->procs != NULL;
}

/* Resolves the entry points and initialises NVML; false with the reason. */
static bool start_nvml(nvml *n, char *status, size_t statuslen)
{
    static const char *const init_names[] = {"nvmlInit_v2", "nvmlInit", NULL};
    static const char *const shutdown_names[] = {"nvmlShutdown", NULL};
    static const char *const memory_names[] = {"nvmlDeviceGetMemoryInfo", NULL};
    static const char *const util_names[] = {"nvmlDeviceGetUtilizationRates", NULL};
    static const char *const error_names[] = {"nvmlErrorString", NULL};
    init_fn init = (init_fn)resolve(n->lib, init_names);
    error_string_fn error_string = (error_string_fn)resolve(n->lib, error_names);
    n->shutdown = (shutdown_fn)resolve(n->lib, shutdown_names);
    n->memory = (memory_fn)resolve(n->lib, memory_names);
    n->util = (util_fn)resolve(n->lib, util_names);
    if (!init || !n->shutdown || !n->memory || !n->util || !resolve_procs(n)) {
        snprintf(status, statuslen, "no GPU: libnvidia-ml lacks needed functions");
        return false;
    }
    nvmlReturn_t rc = init();
    if (rc == NVML_ERROR_DRIVER_NOT_LOADED) {
        snprintf(status, statuslen, "no GPU: NVIDIA driver not loaded");
        return false;
    }
    if (rc != NVML_SUCCESS) {
        snprintf(status, statuslen, "no GPU: NVML init failed: %s", describe(error_string, rc));
        return false;
    }
    return true;
}

/* Collects the device handles and names; false with the reason. */
static bool find_devices(nvml *n, char *status, size_t statuslen)
{
    static const char *const count_names[] = {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", NULL};
    static const char *const handle_names[] = {"nvmlDeviceGetHandleByIndex_v2",
                                               "nvmlDeviceGetHandleByIndex", NULL};
    static const char *const name_names[] = {"nvmlDeviceGetName", NULL};
    count_fn count = (count_fn)resolve(n->lib, count_names);
    handle_fn handle = (handle_fn)resolve(n->lib, handle_names);
    name_fn name = (name_fn)resolve(n->lib, name_names);
    unsigned int total = 0;
    if (!count || !handle || !name) {
        snprintf(status, statuslen, "no GPU: libnvidia-ml lacks needed functions");
        return false;
    }
    if (count(&total) != NVML_SUCCESS || total == 0) {
        snprintf(status, statuslen, "no GPU: no devices");
        return false;
    }
    for (unsigned int i = 0; i < total && n->n_devices < SYSMON_MAX_GPUS; i++) {
        int d = n->n_devices;
        if (handle(i, &n->devices[d]) != NVML_SUCCESS)
            continue;
        if (name(n->devices[d], n->names[d], NVML_MAX_NAME) != NVML_SUCCESS)
            snprintf(n->names[d], NVML_MAX_NAME, "GPU %u", i);
        n->names[d][NVML_MAX_NAME - 1] = '\0';
        n->n_devices++;
    }
    if (n->n_devices == 0) {
        snprintf(status, statuslen, "no GPU: no usable devices");
        return false;
    }
    return true;
}

nvml *nvml_open(char *status, size_t statuslen)
{
    nvml *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(status, statuslen, "no GPU: out of memory");
        return NULL;
    }
    n->lib = load_library();
    if (!n->lib) {
        snprintf(status, statuslen, "no GPU: libnvidia-ml not found");
        free(n);
        return NULL;
    }
    if (!start_nvml(n, status, statuslen)) {
        dlclose(n->lib);
        free(n);
        return NULL;
    }
    if (!find_devices(n, status, statuslen)) {
        nvml_close(n);
        return NULL;
    }
    snprintf(status, statuslen, "%d GPU%s", n->n_devices, plural_s(n->n_devices));
    return n;
}

static bool grow_proc_buf(nvml *n, unsigned int want)
{
    void *buf = realloc(n->proc_buf, (size_t)want * n->proc_size);
    if (!buf)
        return false;
    n->proc_buf = buf;
    n->proc_cap = want;
    return true;
}

/* Record i of the last query, whichever layout it has. */
static void proc_at(const nvml *n, unsigned int i, unsigned int *pid, unsigned long long *mem)
{
    if (n->proc_size == sizeof(nvmlProcessInfo_v2_t)) {
        const nvmlProcessInfo_v2_t *p = (const nvmlProcessInfo_v2_t *)n->proc_buf + i;
        *pid = p->pid;
        *mem = p->usedGpuMemory;
    } else {
        const nvmlProcessInfo_v1_t *p = (const nvmlProcessInfo_v1_t *)n->proc_buf + i;
        *pid = p->pid;
        *mem = p->usedGpuMemory;
    }
}

/* Bytes this process holds on device d; 0 when it holds none or NVML cannot say. */
static uint64_t own_memory(nvml *n, int d)
{
    if (n->proc_cap == 0 && !grow_proc_buf(n, 16))
        return 0;
    unsigned int count = n->proc_cap;
    nvmlReturn_t rc = n->procs(n->devices[d], &count, n->proc_buf);
    if (rc == NVML_ERROR_INSUFFICIENT_SIZE && grow_proc_buf(n, count + 16)) {
        count = n->proc_cap;
        rc = n->procs(n->devices[d], &count, n->proc_buf);
    }
    if (rc != NVML_SUCCESS || count > n->proc_cap)
        return 0;
    unsigned int self = (unsigned int)getpid();
    for (unsigned int i = 0; i < count; i++) {
        unsigned int pid;
        unsigned long long mem;
        proc_at(n, i, &pid, &mem);
        if (pid == self)
            return mem == NVML_VALUE_NOT_AVAILABLE_ULL ? 0 : mem;
    }
    return 0;
}

int nvml_sample(nvml *n, sysmon_gpu *gpus, int max)
{
    int k = n->n_devices < max ? n->n_devices : max;
    for (int d = 0; d < k; d++) {
        sysmon_gpu *g = &gpus[d];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "%s", n->names[d]);
        nvmlMemory_t mem;
        if (n->memory(n->devices[d], &mem) == NVML_SUCCESS) {
            g->mem_used = mem.used;
            g->mem_total = mem.total;
        }
        nvmlUtilization_t util;
        if (n->util(n->devices[d], &util) == NVML_SUCCESS)
            g->util_percent = util.gpu > 100 ? 100 : (int)util.gpu;
        g->proc_mem = own_memory(n, d);
    }
    return k;
}

void nvml_close(nvml *n)
{
    if (!n)
        return;
    n->shutdown();
    dlclose(n->lib);
    free(n->proc_buf);
    free(n);
}
