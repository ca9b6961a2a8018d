/* nvml_abi.h - the slice of the NVML C ABI that lathe uses, declared by hand
 * so that lathe has no build dependency on NVIDIA's headers: the library is
 * loaded at run time (nvml.c) and faked in tests (tests/fake_nvml.c).
 *
 * Layouts follow nvml.h. The process-info record of the _v3 query briefly
 * grew a usedGpuCcProtectedMemory field in one header release and lost it
 * again, so nvml.c prefers the _v2 query, whose record never changed. */
#ifndef LATHE_NVML_ABI_H
#define LATHE_NVML_ABI_H

typedef int nvmlReturn_t;
typedef struct nvmlDevice_opaque *nvmlDevice_t;

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_UNKNOWN 999

/* usedGpuMemory holds this when the driver cannot tell (e.g. under WDDM). */
#define NVML_VALUE_NOT_AVAILABLE_ULL (~0ULL)

typedef struct {
    unsigned long long total, free, used;     /* bytes */
} nvmlMemory_t;

typedef struct {
    unsigned int gpu, memory;                 /* percent over the last sample period */
} nvmlUtilization_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_v2_t;

#endif
