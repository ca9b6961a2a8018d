/* blas_env.h - make OpenBLAS use the kernels this CPU can run. */
#ifndef LATHE_BLAS_ENV_H
#define LATHE_BLAS_ENV_H

/* OpenBLAS picks its kernels once, when the library loads, from the CPU model
 * it recognises. A CPU it does not know (a virtualised "Intel Xeon Processor",
 * a model newer than the library) falls back to Prescott kernels that run
 * 3-6x slower than the AVX2/AVX-512 ones the CPU supports. When that happened
 * and OPENBLAS_CORETYPE is unset, this sets it from the CPU's features and
 * re-executes the program, so the library loads again with the right kernels.
 * Returns only when no re-exec was needed (or it failed, which is harmless). */
void blas_env_prepare(char **argv);

#endif
