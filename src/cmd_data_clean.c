/* cmd_data_clean.c - `lathe data clean IN --recipe R.yaml -o OUT`: replays a
 * recipe over IN in an edit session and saves it with ds_save, the function
 * the Data pane saves with, so the output is byte-identical to the pane's.
 * -m and --sequence-len give filters on tokens and too_long the tokenizer
 * and limit the pane had (ds_edit_set_tokens). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_data_session.h"
#include "ds_recipe.h"
#include "ds_save.h"

typedef struct {
    const char *in, *recipe, *out, *model;
    unsigned long sequence_len;
    bool in_place;
} clean_options;

static int parse(const cli_command *cmd, int argc, char **argv, clean_options *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(a, "--recipe") && has_value) {
            o->recipe = argv[++i];
        } else if (!strcmp(a, "-o") && has_value) {
            o->out = argv[++i];
        } else if (!strcmp(a, "-m") && has_value) {
            o->model = argv[++i];
        } else if (!strcmp(a, "--sequence-len") && has_value) {
            char *end;
            const char *v = argv[++i];
            errno = 0;
            o->sequence_len = strtoul(v, &end, 10);
            if (errno || *end || end == v || v[0] == '-' || o->sequence_len > UINT32_MAX)
                return cli_usage_error(cmd, "--sequence-len needs a count, not '%s'", v);
        } else if (!strcmp(a, "--in-place") || !strcmp(a, "--force")) {
            o->in_place = true;
        } else if (a[0] == '-' || o->in) {
            return cli_usage_error(cmd, "unknown option or missing value: '%s'", a);
        } else {
            o->in = a;
        }
    }
    if (!o->in || !o->recipe)
        return cli_usage_error(cmd, "clean needs a DATASET and --recipe R.yaml");
    if (!o->out && !o->in_place)
        return cli_usage_error(cmd, "clean needs -o OUT (or --in-place to overwrite the input)");
    if (!o->out)
        o->out = o->in;
    return CLI_OK;
}

static int replay(ds_edit *e, const ds_recipe *r, const char *path)
{
    char err[1024];
    for (size_t i = 0; i < r->n; i++) {
        if (ds_edit_apply(e, &r->steps[i], NULL, err, sizeof err) != 0) {
            fprintf(stderr, "lathe data clean: %s: step %zu (%s): %s\n", path, i + 1,
                    ds_action_name(r->steps[i].kind), err);
            return CLI_FAIL;
        }
    }
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
    clean_options o = {0};
    int rc = parse(cmd, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    char err[1024];
    ds_recipe r;
    if (ds_recipe_load(&r, o.recipe, err, sizeof err) != 0) {
        fprintf(stderr, "lathe data clean: %s\n", err);
        return CLI_FAIL;
    }
    tok_vocab *v = NULL;
    char *tmpl = NULL;
    if (o.model && !(v = tok_vocab_load(o.model, &tmpl, err, sizeof err))) {
        fprintf(stderr, "lathe data clean: %s\n", err);
        ds_recipe_free(&r);
        return CLI_FAIL;
    }
    cmd_data_session s;
    rc = cmd_data_session_open(&s, "clean", o.in) == 0 ? CLI_OK : CLI_FAIL;
    if (rc == CLI_OK) {
        ds_edit_set_tokens(s.edit, v, (uint32_t)o.sequence_len);
        rc = replay(s.edit, &r, o.recipe);
    }
    if (rc == CLI_OK)
        rc = save(cmd, s.edit, &o);
    cmd_data_session_close(&s);
    tok_vocab_free(v);
    free(tmpl);
    ds_recipe_free(&r);
    return rc;
}
