/* blas_env.c - choose OpenBLAS's core type from CPU features when its own
 * detection fell back to the generic kernels; see blas_env.h. */
#include "blas_env.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *wanted_coretype(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
    return NULL;
}

static int is_generic(const char *core)
{
    static const char *const generic[] = {"Prescott", "Core2", "Penryn", "Dunnington",
                                          "Nehalem", "Atom", "Katmai", "Coppermine"};
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (core && !strcasecmp(core, generic[i]))
            return 1;
    return 0;
}

void blas_env_prepare(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("LATHE_BLAS_REEXEC"))
        return;
    const char *want = wanted_coretype();
    if (!want || !is_generic(openblas_get_corename()))
        return;
    if (setenv("OPENBLAS_CORETYPE", want, 1) || setenv("LATHE_BLAS_REEXEC", "1", 1))
        return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
}
