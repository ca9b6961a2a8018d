/* cmd_data_convert.c - `lathe data convert IN --to FORMAT -o OUT`: every
 * record rewritten into FORMAT (ds_convert.h); records that do not convert
 * are reported as PATH:LINE:BYTE and skipped, and the counts printed. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "cmd_data_session.h"
#include "ds_convert.h"
#include "plural.h"

static void print_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "lathe data convert: skipped %s\n", msg);
}

static int parse(const cli_command *cmd, int argc, char **argv, const char **in,
                 const char **out, ds_format *to)
{
    const char *name = NULL;
    const cli_opt opts[] = {
        {"--to", NULL, CLI_STRING, &name, 0, 0, NULL},
        {"-o", NULL, CLI_STRING, out, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, in, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!*in || !name || !*out)
        return cli_usage_error(cmd, "convert needs a DATASET, --to FORMAT and -o OUT");
    if (ds_format_parse(name, to) != 0 || *to == DS_FMT_AUTO || *to == DS_FMT_PREFERENCE)
        return cli_usage_error(cmd, "unknown format '%s' (expected alpaca, sharegpt, messages, "
                                    "completion or input_output)", name);
    return CLI_OK;
}

int cmd_data_convert(const cli_command *cmd, int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    ds_format to;
    int rc = parse(cmd, argc, argv, &in, &out, &to);
    if (rc != CLI_OK)
        return rc;
    cmd_data_session s;
    if (cmd_data_session_open(&s, "convert", in) != 0)
        return CLI_FAIL;
    char err[1024];
    ds_convert_result res;
    if (ds_convert_save(s.edit, to, out, print_note, NULL, &res, err, sizeof err) != 0) {
        fprintf(stderr, "lathe data convert: %s\n", err);
        rc = CLI_FAIL;
    } else {
        fprintf(stderr, "lathe data convert: %s (%s) to %s (%s): %zu record%s converted, %zu "
                        "skipped (%zu problem%s, %zu that do not fit %s)\n",
                in, ds_format_name(dataset_format(s.ds)), out, ds_format_name(to),
                res.converted, plural_s(res.converted), res.problems + res.unfit, res.problems,
                plural_s(res.problems), res.unfit, ds_format_name(to));
    }
    cmd_data_session_close(&s);
    return rc;
}
