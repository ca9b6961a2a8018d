/* cmd_data_clean.c - `lathe data clean IN --recipe R.yaml -o OUT`: replays a
 * recipe over IN in an edit session and saves it with ds_save, the function
 * the Data pane saves with, so the output is byte-identical to the pane's.
 * Filters on tokens and too_long count with the tokenizer, chat template and
 * sequence_len the recipe recorded (the pane's session's), unless -m,
 * --config or --sequence-len say otherwise (cmd_data_tokens.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "cmd_data_session.h"
#include "cmd_data_tokens.h"
#include "ds_recipe.h"
#include "ds_save.h"

typedef struct {
    const char *in, *recipe, *out;
    cmd_data_token_opts tok;
    bool in_place;
} clean_options;

static int parse(const cli_command *cmd, int argc, char **argv, clean_options *o)
{
    const cli_opt opts[] = {
        {"--recipe", NULL, CLI_STRING, &o->recipe, 0, 0, NULL},
        {"-o", NULL, CLI_STRING, &o->out, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &o->tok.model, 0, 0, NULL},
        {"--config", NULL, CLI_STRING, &o->tok.config, 0, 0, NULL},
        {"--sequence-len", NULL, CLI_LLONG, &o->tok.sequence_len, 0, UINT32_MAX, "a count"},
        {"--in-place", "--force", CLI_FLAG, &o->in_place, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, &o->in, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->in || !o->recipe)
        return cli_usage_error(cmd, "clean needs a DATASET and --recipe R.yaml");
    if (!o->out && !o->in_place)
        return cli_usage_error(cmd, "clean needs -o OUT (or --in-place to overwrite the input)");
    if (o->tok.config && o->tok.model)
        return cli_usage_error(cmd, "give -m or --config, not both");
    if (!o->out)
        o->out = o->in;
    return CLI_OK;
}

static int save(const cli_command *cmd, ds_edit *e, const clean_options *o)
{
    char err[1024];
    ds_save_options so = {.overwrite_input = o->in_place};
    ds_save_result res;
    int rc = ds_save(e, o->out, &so, &res, err, sizeof err);
    if (rc == DS_SAVE_NEEDS_OVERWRITE)
        return cli_usage_error(cmd, "%s", err);
    if (rc != DS_SAVE_OK) {
        fprintf(stderr, "lathe data clean: %s\n", err);
        return CLI_FAIL;
    }
    fprintf(stderr, "lathe data clean: %zu steps; wrote %zu records to %s (%zu deleted, %zu "
                    "problem records left out); recipe %s\n",
            ds_edit_step_count(e), res.written, o->out, res.deleted, res.problems, res.recipe);
    if (res.backup[0])
        fprintf(stderr, "lathe data clean: the old %s is kept as %s\n", o->in, res.backup);
    return CLI_OK;
}

int cmd_data_clean(const cli_command *cmd, int argc, char **argv)
{
    clean_options o = {.tok = {.sequence_len = -1, .strict = true}};
    int rc = parse(cmd, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    char err[1024];
    ds_recipe r;
    if (ds_recipe_load(&r, o.recipe, err, sizeof err) != 0) {
        fprintf(stderr, "lathe data clean: %s\n", err);
        return CLI_FAIL;
    }
    cmd_data_tokens tok;
    cmd_data_session s = {0};
    rc = cmd_data_tokens_open(&tok, "clean", &o.tok, &r, o.recipe) == 0
            && cmd_data_session_open(&s, "clean", o.in) == 0 ? CLI_OK : CLI_FAIL;
    if (rc == CLI_OK) {
        ds_edit_set_tokens(s.edit, &tok.edit);
        rc = cmd_data_replay(s.edit, &r, "clean", o.recipe) == 0 ? CLI_OK : CLI_FAIL;
    }
    if (rc == CLI_OK)
        rc = save(cmd, s.edit, &o);
    cmd_data_session_close(&s);
    cmd_data_tokens_close(&tok);
    ds_recipe_free(&r);
    return rc;
}
