/* cmd_data_split.c - `lathe data split IN --val FRACTION_OR_COUNT [--seed S]
 * -o PREFIX`: PREFIX-train.jsonl and PREFIX-val.jsonl, the same for the same
 * input and seed (ds_split.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "cmd_data_session.h"
#include "ds_split.h"

enum { DEFAULT_SEED = 42 };

static int parse(const cli_command *cmd, int argc, char **argv, const char **in,
                 const char **prefix, ds_split_spec *spec)
{
    const char *val = NULL;
    spec->seed = DEFAULT_SEED;
    const cli_opt opts[] = {
        {"--val", NULL, CLI_STRING, &val, 0, 0, NULL},
        {"--seed", NULL, CLI_U64, &spec->seed, 0, 0, NULL},
        {"-o", NULL, CLI_STRING, prefix, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, in, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!*in || !val || !*prefix)
        return cli_usage_error(cmd, "split needs a DATASET, --val FRACTION_OR_COUNT and -o PREFIX");
    if (ds_split_parse_val(val, spec) != 0)
        return cli_usage_error(cmd, "--val needs a fraction between 0 and 1 (0.1) or a count "
                                    "(500), not '%s'", val);
    return CLI_OK;
}

int cmd_data_split(const cli_command *cmd, int argc, char **argv)
{
    const char *in = NULL, *prefix = NULL;
    ds_split_spec spec;
    int rc = parse(cmd, argc, argv, &in, &prefix, &spec);
    if (rc != CLI_OK)
        return rc;
    cmd_data_session s;
    if (cmd_data_session_open(&s, "split", in) != 0)
        return CLI_FAIL;
    char err[1024];
    ds_split_result res;
    if (ds_split_save(s.edit, &spec, prefix, &res, err, sizeof err) != 0) {
        fprintf(stderr, "lathe data split: %s\n", err);
        rc = CLI_FAIL;
    } else {
        fprintf(stderr, "lathe data split: %zu train records in %s, %zu validation records in "
                        "%s (seed %llu; %zu problem records left out)\n",
                res.train, res.train_path, res.val, res.val_path,
                (unsigned long long)spec.seed, res.problems);
    }
    cmd_data_session_close(&s);
    return rc;
}
