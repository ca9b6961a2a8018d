/* bench.c - `lathe bench`: the dispatcher and the metrics-ring benchmark.
 *
 * Figures are printed as text or, with --json, one object per line and case,
 * so scripts under tests/bench/ can read them. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli_opts.h"
#include "clock.h"
#include "ring.h"

struct ring_run {
    ring *r;
    long long records;
    bool lossless;
};

static void *ring_producer(void *arg)
{
    struct ring_run *run = arg;
    ring_record rec = {0};
    rec.kind = RING_STEP;
    for (long long i = 0; i < run->records; i++) {
        rec.step = i;
        rec.loss = (double)i;
        if (run->lossless)
            while (ring_space(run->r) == 0)
                sched_yield();
        ring_push(run->r, &rec);
    }
    return NULL;
}

/* One producer thread pushes; this thread drains in UI-sized batches.
 * "flood" offers records as fast as the producer can (drop-newest shows how
 * much a slow consumer loses); "lossless" waits for space, so records/s is the
 * rate the ring actually carries from one thread to the other. */
static int bench_ring_case(const bench_options *o, bool lossless)
{
    char err[128];
    const size_t cap = 1024;
    struct ring_run run = {ring_new(cap, err, sizeof err), o->records, lossless};
    if (!run.r) {
        fprintf(stderr, "lathe bench ring: %s\n", err);
        return CLI_FAIL;
    }
    ring_record buf[256];
    long long received = 0;
    pthread_t t;
    double t0 = clock_s();
    if (pthread_create(&t, NULL, ring_producer, &run) != 0) {
        fprintf(stderr, "lathe bench ring: cannot start the producer thread\n");
        ring_free(run.r);
        return CLI_FAIL;
    }
    while (received + (long long)ring_dropped(run.r) < run.records) {
        size_t n = ring_drain(run.r, buf, 256);
        if (n == 0)
            sched_yield();
        received += (long long)n;
    }
    pthread_join(t, NULL);
    double secs = clock_s() - t0;
    unsigned long long dropped = ring_dropped(run.r);
    const char *name = lossless ? "lossless" : "flood";
    double rate = (double)(lossless ? received : run.records) / secs;
    if (o->json)
        printf("{\"bench\":\"ring\",\"case\":\"spsc-cap%zu-%s\",\"records\":%lld,"
               "\"seconds\":%.6f,\"records_per_s\":%.0f,\"received\":%lld,\"dropped\":%llu}\n",
               cap, name, run.records, secs, rate, received, dropped);
    else
        printf("ring spsc-cap%zu-%s: %lld records in %.3f s = %.1f M records/s, "
               "received %lld, dropped %llu (%.2f%%)\n",
               cap, name, run.records, secs, rate / 1e6, received, dropped,
               100.0 * (double)dropped / (double)run.records);
    ring_free(run.r);
    return CLI_OK;
}

static int bench_ring(const bench_options *o)
{
    int rc = bench_ring_case(o, true);
    return rc ? rc : bench_ring_case(o, false);
}

int cmd_bench(const cli_command *cmd, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(cmd, "which benchmark? ring, gemm, train, tokenize, data or generate");
    if (!strcmp(argv[1], "tokenize"))
        return bench_tokenize(cmd, argc, argv);
    if (!strcmp(argv[1], "data"))
        return bench_data(cmd, argc, argv);
    if (!strcmp(argv[1], "generate"))
        return bench_generate(cmd, argc, argv);
    bench_options o = {false, 20000000, 2, NULL};
    const cli_opt opts[] = {
        {"--json", NULL, CLI_FLAG, &o.json, 0, 0, NULL},
        {"--records", NULL, CLI_LLONG, &o.records, 1, 9e18, "a positive count"},
        {"--steps", NULL, CLI_INT, &o.steps, 1, 1000, "a count in 1..1000"},
        {"--case", NULL, CLI_STRING, &o.only, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, NULL, 0}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    const char *which = argv[1];
    if (!strcmp(which, "ring"))
        return bench_ring(&o);
    if (!strcmp(which, "gemm"))
        return bench_gemm(&o);
    if (!strcmp(which, "train"))
        return bench_train(&o);
    return cli_usage_error(cmd, "unknown benchmark '%s'", which);
}
