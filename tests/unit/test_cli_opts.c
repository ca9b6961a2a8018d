/* test_cli_opts.c - the subcommands' option parser: each kind of option,
 * ranges, --name=VALUE, repeated values, positional arguments, and the usage
 * errors (missing value, unknown option, bad number, extra argument). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>

#include "cli_opts.h"

static const cli_command cmd = {"test", "", "", NULL};

typedef struct {
    bool json;
    const char *model;
    int ctx;
    long long max;
    uint64_t seed;
    float temp;
    double thr;
    cli_list sets;
    const char *pos[2];
} args;

static int parse(args *a, int argc, char **argv)
{
    const cli_opt opts[] = {
        {"--json", NULL, CLI_FLAG, &a->json, 0, 0, NULL},
        {"-m", "--model", CLI_STRING, &a->model, 0, 0, NULL},
        {"-c", NULL, CLI_INT, &a->ctx, 2, 1 << 20, "2 to 1048576 tokens"},
        {"--max", NULL, CLI_LLONG, &a->max, 0, 1e15, NULL},
        {"--seed", NULL, CLI_U64, &a->seed, 0, 0, NULL},
        {"--temp", NULL, CLI_FLOAT, &a->temp, 0, 2, NULL},
        {"--thr", NULL, CLI_DOUBLE, &a->thr, 0.05, 1, NULL},
        {"--set", NULL, CLI_LIST, &a->sets, 0, 0, NULL},
        CLI_OPT_END,
    };
    cli_spec spec = {opts, 1, a->pos, 2};
    return cli_opts_parse(&cmd, &spec, argc, argv);
}

#define PARSE(a, ...)                                                         \
    parse((a), (int)(sizeof (char *[]){"test", __VA_ARGS__} / sizeof(char *)), \
          (char *[]){"test", __VA_ARGS__})

static void every_kind(void **state)
{
    (void)state;
    args a = {0};
    assert_int_equal(PARSE(&a, "in.jsonl", "--json", "--model", "m.gguf", "-c", "512", "--max=7",
                           "--seed", "18446744073709551615", "--temp", "0.5", "--thr", "1",
                           "--set", "a=1", "--set=b=2", "out"),
                     CLI_OK);
    assert_true(a.json);
    assert_string_equal(a.model, "m.gguf");
    assert_int_equal(a.ctx, 512);
    assert_int_equal(a.max, 7);
    assert_true(a.seed == UINT64_MAX);
    assert_true(a.temp == 0.5f);
    assert_true(a.thr == 1.0);
    assert_int_equal(a.sets.n, 2);
    assert_string_equal(a.sets.v[0], "a=1");
    assert_string_equal(a.sets.v[1], "b=2");
    assert_string_equal(a.pos[0], "in.jsonl");
    assert_string_equal(a.pos[1], "out");
    free(a.sets.v);
}

static void usage_errors(void **state)
{
    (void)state;
    args a = {0};
    assert_int_equal(PARSE(&a, "-m"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "--bogus", "1"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "-c", "1"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "-c", "12x"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "-c", ""), CLI_USAGE);
    assert_int_equal(PARSE(&a, "--seed", "-1"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "--temp", "nan"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "--thr", "0.01"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "--json=1"), CLI_USAGE);
    assert_int_equal(PARSE(&a, "a", "b", "c"), CLI_USAGE);
    assert_int_equal(a.ctx, 0);
}

static void dash_alone_is_positional(void **state)
{
    (void)state;
    args a = {0};
    assert_int_equal(PARSE(&a, "-"), CLI_OK);
    assert_string_equal(a.pos[0], "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kind),
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(dash_alone_is_positional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
