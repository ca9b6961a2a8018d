/* cmd_data.c - `lathe data`: render prints the training sequences exactly as
 * the trainer consumes them (pipeline.h), one JSON object per line in
 * training order; a summary of counts and each skipped record go to stderr.
 * stats, clean, convert and split live in cmd_data_stats.c, cmd_data_clean.c,
 * cmd_data_convert.c and cmd_data_split.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "pipeline.h"
#include "train_config.h"

typedef struct {
    const char *dataset, *config, *model;
    long long max;
} render_options;

static int parse_render(const cli_command *cmd, int argc, char **argv, render_options *o)
{
    o->max = -1;
    const cli_opt opts[] = {
        {"--config", NULL, CLI_STRING, &o->config, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &o->model, 0, 0, NULL},
        {"--max", NULL, CLI_LLONG, &o->max, 0, 9e18, "a count"},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, &o->dataset, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->dataset)
        return cli_usage_error(cmd, "render needs a DATASET");
    if (!o->config && !o->model)
        return cli_usage_error(cmd, "render needs a tokenizer: -m MODEL_OR_VOCAB or --config "
                                    "with base_model");
    return CLI_OK;
}

static int load_config(const render_options *o, train_config *cfg)
{
    if (!o->config)
        return train_config_defaults(cfg) ? CLI_FAIL : CLI_OK;
    config_diags diags;
    int rc = train_config_load(cfg, o->config, NULL, 0, &diags);
    config_diags_print(&diags, stderr);
    return rc ? CLI_FAIL : CLI_OK;
}

static void print_ints(const char *key, const int32_t *v, size_t n, bool first)
{
    printf(first ? "{\"%s\":[" : ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++)
        printf(i ? ",%d" : "%d", (int)v[i]);
    fputs("]", stdout);
}

static void print_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "lathe data render: %s\n", msg);
}

static int print_sequences(const pipe_set *s, long long max)
{
    for (size_t i = 0; i < s->n && (max < 0 || (long long)i < max); i++) {
        print_ints("tokens", s->seqs[i].tokens, s->seqs[i].n, true);
        print_ints("labels", s->seqs[i].labels, s->seqs[i].n, false);
        print_ints("doc", s->seqs[i].doc, s->seqs[i].n, false);
        fputs("}\n", stdout);
    }
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "lathe data render: writing the output: %s\n", strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void print_summary(const pipeline *p)
{
    const pipe_counts *c = &p->train.counts;
    fprintf(stderr, "lathe data render: template %s; %zu records in %zu sequences (%zu tokens, "
                    "%zu learned), %zu truncated; skipped %zu bad, %zu duplicates, %zu with "
                    "nothing to learn; %zu validation records\n",
            chat_tmpl_name(p->tmpl), c->records, c->sequences, c->tokens, c->learned,
            c->truncated, c->bad, c->duplicates, c->untrainable, p->val.counts.records);
}

static int render(const cli_command *cmd, int argc, char **argv)
{
    render_options o = {0};
    int rc = parse_render(cmd, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    train_config cfg;
    char err[1024] = "", *tmpl = NULL;
    tok_vocab *v = NULL;
    pipeline p = {0};
    rc = load_config(&o, &cfg);
    const char *model = o.model ? o.model : cfg.base_model;
    if (rc == CLI_OK && !model) {
        snprintf(err, sizeof err, "%s: no base_model to take the tokenizer from; give -m",
                 o.config);
        rc = CLI_FAIL;
    } else if (rc == CLI_OK && !(v = tok_vocab_load(model, &tmpl, err, sizeof err))) {
        rc = CLI_FAIL;
    }
    pipe_inputs in = {.vocab = v, .model_template = tmpl, .dataset = o.dataset,
                      .note = print_note,
                      .max_sequences = o.max < 0 ? 0 : o.max > 0 ? (size_t)o.max : 1};
    if (rc == CLI_OK && pipeline_build(&p, &cfg, &in, err, sizeof err))
        rc = CLI_FAIL;
    if (rc == CLI_OK) {
        print_summary(&p);
        rc = print_sequences(&p.train, o.max);
    } else if (err[0]) {
        fprintf(stderr, "lathe data render: %s\n", err);
    }
    pipeline_free(&p);
    tok_vocab_free(v);
    free(tmpl);
    train_config_free(&cfg);
    return rc;
}

int cmd_data(const cli_command *cmd, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return cli_print_help(cmd);
    if (argc < 2)
        return cli_usage_error(cmd, "missing subcommand: stats, clean, convert, split or render");
    const char *sub = argv[1];
    if (!strcmp(sub, "render"))
        return render(cmd, argc, argv);
    if (!strcmp(sub, "stats"))
        return cmd_data_stats(cmd, argc, argv);
    if (!strcmp(sub, "clean"))
        return cmd_data_clean(cmd, argc, argv);
    if (!strcmp(sub, "convert"))
        return cmd_data_convert(cmd, argc, argv);
    if (!strcmp(sub, "split"))
        return cmd_data_split(cmd, argc, argv);
    return cli_usage_error(cmd, "unknown subcommand '%s'", sub);
}
