/* gen_dataset.c - writes synthetic alpaca or sharegpt JSONL for benchmarks:
 *   tests/bench/gen_dataset [--format alpaca|sharegpt] [--mb N | --rows N] [--seed S] [-o FILE]
 * Default: 200 MB of alpaca to stdout. The same generator as `lathe bench data`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_synth.h"

static int usage(void)
{
    fprintf(stderr, "usage: gen_dataset [--format alpaca|sharegpt] [--mb N | --rows N] "
            "[--seed S] [-o FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    ds_format fmt = DS_FMT_ALPACA;
    double mb = 200;
    unsigned long long seed = 42, rows = 0;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (i + 1 >= argc)
            return usage();
        if (!strcmp(argv[i], "--format")) {
            if (ds_format_parse(argv[++i], &fmt) != 0)
                return usage();
        } else if (!strcmp(argv[i], "--mb")) {
            mb = strtod(argv[++i], &end);
            if (*end || mb <= 0)
                return usage();
        } else if (!strcmp(argv[i], "--rows")) {
            rows = strtoull(argv[++i], &end, 10);
            if (*end || rows == 0)
                return usage();
        } else if (!strcmp(argv[i], "--seed")) {
            seed = strtoull(argv[++i], &end, 10);
            if (*end)
                return usage();
        } else if (!strcmp(argv[i], "-o")) {
            out = argv[++i];
        } else {
            return usage();
        }
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    uint64_t records = rows, bytes;
    int rc = !f ? -1 : rows ? bench_synth_write_rows(f, fmt, rows, seed, &bytes)
                            : bench_synth_write(f, fmt, (uint64_t)(mb * 1048576.0), seed, &records);
    if (rc != 0 || (out && fclose(f) != 0)) {
        perror(out ? out : "stdout");
        return 1;
    }
    fprintf(stderr, "gen_dataset: %llu %s records\n", (unsigned long long)records,
            ds_format_name(fmt));
    return 0;
}
