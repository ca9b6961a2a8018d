/* cmd_config.c - `lathe config`: --explain prints the config keys from the
 * schema table, --check validates a config file (with --set overrides) and
 * prints every problem, with what only the model and the data can tell
 * (a sequence_len past the model's context, a lora_r above its width, a
 * warmup longer than the run), --resolve prints the config with defaults
 * filled in, --estimate (cmd_config_estimate.c) sizes and times the run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "config_data_check.h"
#include "cmd_config_estimate.h"
#include "config_diag.h"
#include "config_schema.h"
#include "dataset.h"
#include "model_load.h"
#include "train_config.h"
#include "plural.h"
#include "train_setup.h"

static const char *type_label(const cs_key *k)
{
    if (k->type == CS_STRING && (k->flags & CS_PATH))
        return "path";
    return config_type_name(k->type);
}

static const char *default_label(const cs_key *k)
{
    if (k->default_yaml)
        return k->default_yaml;
    return (k->flags & CS_REQUIRED) ? "required" : "unset";
}

static void explain_all(void)
{
    for (int g = 0; g < CS_GROUP_COUNT; g++) {
        printf("%s%s\n", g ? "\n" : "", config_group_name((cs_group)g));
        for (size_t i = 0; i < config_schema_count; i++) {
            const cs_key *k = &config_schema[i];
            if (k->group == (cs_group)g)
                printf("  %-28s %-24s %-16s %s\n", k->key, type_label(k), default_label(k), k->help);
        }
    }
    printf("\n'lathe config --explain KEY' shows one key in full.\n");
}

static void explain_key(const cs_key *k)
{
    char text[256];
    printf("%s (%s)\n  %s\n", k->key, config_group_name(k->group), k->help);
    if (k->type == CS_ENUM) {
        config_choices_text(k, text, sizeof text);
        printf("  type:     one of %s\n", text);
    } else {
        config_range_text(k, text, sizeof text);
        printf("  type:     %s%s%s\n", type_label(k), *text ? " " : "", text);
    }
    if (k->default_yaml)
        printf("  default:  %s\n", k->default_yaml);
    else if (k->flags & CS_REQUIRED)
        printf("  default:  none; the key is required\n");
    else
        printf("  default:  unset: %s\n", k->unset_means);
    if (k->type == CS_DATASETS) {
        printf("  keys of each entry:");
        for (size_t i = 0; i < config_schema_count; i++)
            if (config_schema[i].scope == CS_DATASET)
                printf(" %s", config_key_short(&config_schema[i]));
        printf("\n");
    }
}

static int explain(const cli_command *cmd, const char *name)
{
    if (!name) {
        explain_all();
        return CLI_OK;
    }
    const char **names = calloc(config_schema_count + 1, sizeof *names);
    if (!names) {
        fprintf(stderr, "lathe %s: out of memory\n", cmd->name);
        return CLI_FAIL;
    }
    const cs_key *found = NULL;
    for (size_t i = 0; i < config_schema_count; i++) {
        names[i] = config_schema[i].key;
        if (!strcmp(names[i], name))
            found = &config_schema[i];
    }
    const char *hint = found ? NULL : config_closest(name, names);
    free((void *)names);
    if (found) {
        explain_key(found);
        return CLI_OK;
    }
    if (hint)
        fprintf(stderr, "lathe %s: unknown key '%s'; did you mean '%s'?\n", cmd->name, name, hint);
    else
        fprintf(stderr, "lathe %s: unknown key '%s' (see 'lathe config --explain')\n", cmd->name, name);
    return CLI_USAGE;
}

/* Records in the training datasets, found by indexing them (no parsing):
 * a bound on the sequences, as packing only joins records. */
static size_t count_records(const train_config *cfg)
{
    size_t n = 0;
    char err[512];
    for (size_t i = 0; i < cfg->datasets.n; i++) {
        dataset *ds = dataset_new(cfg->datasets.items[i].path, NULL, err, sizeof err);
        if (ds && dataset_build(ds, err, sizeof err) == 0)
            n += dataset_count(ds);
        dataset_free(ds);
    }
    return n;
}

/* What only the model and the data tell: an unreadable model is an error,
 * settings it makes pointless are warnings. */
static void check_against_model(const train_config *cfg, const char *path, config_diags *d)
{
    model_config mc;
    char err[900];
    if (model_file_config(cfg->base_model, &mc, err, sizeof err)) {
        config_diags_add(d, CONFIG_ERROR, path, 0, 0, "base_model: %s", err);
        return;
    }
    if (cfg->sequence_len > mc.context_len)
        config_diags_add(d, CONFIG_WARNING, path, 0, 0, "sequence_len %lld is past the model's "
                         "context of %d tokens: positions past it were never trained",
                         (long long)cfg->sequence_len, mc.context_len);
    if (cfg->adapter == CONFIG_ADAPTER_LORA && cfg->lora_r > mc.dim)
        config_diags_add(d, CONFIG_WARNING, path, 0, 0, "lora_r %lld is above the model's width "
                         "of %d: a rank past a matrix's smaller side adds parameters, not "
                         "capacity", (long long)cfg->lora_r, mc.dim);
    if (cfg->warmup_steps == CONFIG_UNSET || cfg->warmup_steps == 0)
        return;
    int64_t steps = train_setup_total_steps(cfg, count_records(cfg));
    if (cfg->warmup_steps >= steps)
        config_diags_add(d, CONFIG_WARNING, path, 0, 0, "warmup_steps %lld is not shorter than "
                         "the run (%s%lld steps): the learning rate never reaches its peak",
                         (long long)cfg->warmup_steps, cfg->max_steps == CONFIG_UNSET
                         ? "at most " : "", (long long)steps);
}

/* --check and --resolve: load with overrides, print problems, then the result. */
static int check(const cli_command *cmd, const char *path, char **sets, size_t n_sets,
                 bool resolve)
{
    train_config cfg;
    config_diags diags;
    int rc = train_config_load(&cfg, path, sets, n_sets, &diags);
    if (rc == 0 && !resolve) {
        config_check_data(&cfg, &diags);
        check_against_model(&cfg, path, &diags);
        config_diags_sort(&diags);
        rc = diags.errors ? -1 : 0;
    }
    config_diags_print(&diags, stderr);
    if (rc == 0 && resolve && train_config_emit(&cfg, stdout) < 0) {
        fprintf(stderr, "lathe %s: cannot write to stdout\n", cmd->name);
        rc = -1;
    } else if (rc == 0 && !resolve) {
        printf("%s: ok", path);
        if (diags.warnings)
            printf(" (%zu warning%s)", diags.warnings, plural_s(diags.warnings));
        printf("\n");
    } else if (rc < 0 && diags.errors) {
        fprintf(stderr, "%s: %zu error%s\n", path, diags.errors, plural_s(diags.errors));
    }
    train_config_free(&cfg);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

int cmd_config(const cli_command *cmd, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(cmd, "expected --explain, --check, --resolve or --estimate");
    const char *mode = argv[1];
    if (!strcmp(mode, "--explain")) {
        if (argc > 3)
            return cli_usage_error(cmd, "--explain takes one KEY at most");
        return explain(cmd, argc == 3 ? argv[2] : NULL);
    }
    if (!strcmp(mode, "--estimate"))
        return cmd_config_estimate(cmd, argc, argv);
    if (strcmp(mode, "--check") && strcmp(mode, "--resolve"))
        return cli_usage_error(cmd, "unknown option '%s'", mode);
    const char *path = NULL;
    cli_list sets = {0};
    const cli_opt opts[] = {
        {"--set", NULL, CLI_LIST, &sets, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, &path, 1}, argc, argv);
    if (rc == CLI_OK && !path)
        rc = cli_usage_error(cmd, "%s needs a CONFIG.yaml", mode);
    if (rc == CLI_OK)
        rc = check(cmd, path, sets.v, sets.n, !strcmp(mode, "--resolve"));
    free(sets.v);
    return rc;
}
