/* bench.h - `lathe bench` cases shared between the dispatcher (bench.c) and
 * the training benchmarks (bench_train.c). */
#ifndef LATHE_BENCH_H
#define LATHE_BENCH_H

#include <stdbool.h>

typedef struct {
    bool json;
    long long records;     /* ring */
    int steps;             /* train: timed optimizer steps after one warm-up step */
    const char *only;      /* gemm, train: run only the case with this name */
} bench_options;

/* OpenBLAS sgemm GFLOP/s at the matmul shapes of the built-in training cases. */
int bench_gemm(const bench_options *o);
/* Training throughput of the built-in cases against sgemm at their shapes. */
int bench_train(const bench_options *o);

#endif
