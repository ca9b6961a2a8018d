/* cmd_data_stats.c - `lathe data stats DATASET [--json] [-m MODEL_OR_VOCAB |
 * --config C.yaml] [--sequence-len N] [--near-threshold T] [--format F]
 * [--threads N] [--recipe R.yaml]`: the Data pane's Stats view, headless
 * (ds_stats.h). Text output draws token-length histograms with block
 * characters; --json prints one object of named counts. The tokenizer is -m,
 * else the config's base_model, else (with --recipe) the one the recipe
 * recorded, else the byte estimate; sequence_len likewise
 * (cmd_data_tokens.h). With a tokenizer, a row's total is its trained length
 * under the chat template the trainer would use (the config's chat_template,
 * auto without one), so the count over sequence_len is what it truncates.
 * With --recipe the steps are replayed in an edit session first (with those
 * settings, as the pane's session had them) and the pass reads its rows
 * (ds_edit_view): the numbers the pane's Stats view shows after the same
 * actions. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "cmd_data_session.h"
#include "cmd_data_tokens.h"
#include "ds_stats.h"
#include "plural.h"

typedef struct {
    const char *dataset, *recipe;
    cmd_data_token_opts tok;
    bool json;
    double near_threshold;
    ds_format format;
    int threads;
} stats_options;

static int parse_stats(const cli_command *cmd, int argc, char **argv, stats_options *o)
{
    const char *format = NULL;
    *o = (stats_options){.tok = {.sequence_len = -1}, .format = DS_FMT_AUTO};
    const cli_opt opts[] = {
        {"--config", NULL, CLI_STRING, &o->tok.config, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &o->tok.model, 0, 0, NULL},
        {"--sequence-len", NULL, CLI_LLONG, &o->tok.sequence_len, 1, 1e9, NULL},
        {"--near-threshold", NULL, CLI_DOUBLE, &o->near_threshold, 0.05, 1, NULL},
        {"--threads", NULL, CLI_INT, &o->threads, 1, 64, NULL},
        {"--format", NULL, CLI_STRING, &format, 0, 0, NULL},
        {"--json", NULL, CLI_FLAG, &o->json, 0, 0, NULL},
        {"--recipe", NULL, CLI_STRING, &o->recipe, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, &o->dataset, 1}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (format && ds_format_parse(format, &o->format) != 0)
        return cli_usage_error(cmd, "--format is auto, alpaca, sharegpt, messages, completion, "
                                    "input_output or preference, not '%s'", format);
    if (!o->dataset)
        return cli_usage_error(cmd, "stats needs a DATASET");
    if (o->tok.config && o->tok.model)
        return cli_usage_error(cmd, "give -m or --config, not both");
    return CLI_OK;
}

/* ---- text output */

static void bar(double frac, int width)
{
    static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int e = (int)lround(frac * width * 8);
    for (int k = 0; k < e / 8; k++)
        fputs("█", stdout);
    fputs(eighths[e % 8], stdout);
    for (int k = (e + 7) / 8; k < width; k++)
        putchar(' ');
}

/* Linear bins from 0 to about the 99th percentile (or the sequence_len when
 * larger); the last bin holds everything above. */
static void draw_hist(const char *title, const ds_hist *h, uint32_t seq_len)
{
    enum { BINS = 12, WIDTH = 40 };
    printf("\n%s (%llu rows; p50 %u, p90 %u, p99 %u, max %u)\n", title,
           (unsigned long long)h->count, ds_hist_percentile(h, 50), ds_hist_percentile(h, 90),
           ds_hist_percentile(h, 99), h->max);
    if (h->count == 0)
        return;
    uint32_t top = ds_hist_percentile(h, 99);
    top = seq_len > top ? seq_len : top;
    uint32_t step = top / (BINS - 1) + 1;
    uint64_t count[BINS], most = 1;
    for (int b = 0; b < BINS; b++) {
        uint32_t lo = (uint32_t)b * step;
        count[b] = b == BINS - 1 ? ds_hist_range(h, lo, UINT32_MAX) + (h->max == UINT32_MAX)
                                 : ds_hist_range(h, lo, lo + step);
        most = count[b] > most ? count[b] : most;
    }
    for (int b = 0; b < BINS; b++) {
        uint32_t lo = (uint32_t)b * step;
        if (b == BINS - 1)
            printf("  %7u+       ", lo);
        else
            printf("  %7u-%-7u", lo, lo + step - 1);
        bar((double)count[b] / (double)most, WIDTH);
        bool cut = seq_len && seq_len >= lo && (b == BINS - 1 || seq_len < lo + step);
        printf(" %llu%s\n", (unsigned long long)count[b], cut ? "  <- sequence_len" : "");
    }
}

static void print_text(const char *path, ds_format fmt, const ds_summary *s, const char *tok)
{
    printf("%s: %zu row%s (%s), %zu problem row%s, %zu problem%s\n", path, s->rows,
           plural_s(s->rows), ds_format_name(fmt), s->problem_rows, plural_s(s->problem_rows),
           s->problems, plural_s(s->problems));
    printf("duplicates: %zu exact, %zu near (Jaccard >= %.2f)\n", s->exact_dups, s->near_dups,
           s->near_threshold);
    printf("tokens: %s\n", tok);
    printf("tokens per row: %s; per field: the text alone\n",
           s->tokens_templated ? "the trained length (chat template, BOS/EOS)"
                               : "the sum of the fields");
    printf("\n%-12s %9s %9s %8s %8s %8s %8s\n", "field", "present", "empty", "p50", "p90", "p99",
           "max");
    for (int f = 0; f < DS_FIELD_COUNT; f++)
        if (s->present[f])
            printf("%-12s %9zu %9zu %8u %8u %8u %8u\n", ds_field_name(f), s->present[f],
                   s->empty[f], ds_hist_percentile(&s->tokens[f], 50),
                   ds_hist_percentile(&s->tokens[f], 90), ds_hist_percentile(&s->tokens[f], 99),
                   s->tokens[f].max);
    printf("empty records (a text they need is blank): %zu\n", s->empty_rows);
    if (s->sequence_len)
        printf("\nsequence_len %u: %zu rows have more tokens (truncated in training)\n",
               s->sequence_len, s->too_long_rows);
    printf("\nPII (%zu rows):", s->pii_rows);
    for (int k = 0; k < DS_PII_KINDS; k++)
        printf(" %s %llu", ds_pii_kind_name(k), (unsigned long long)s->pii[k]);
    printf("\ncontrol characters: %llu in %zu rows; invalid UTF-8: %llu bytes in %zu rows\n",
           (unsigned long long)s->control_chars, s->control_rows,
           (unsigned long long)s->invalid_bytes, s->invalid_utf8_rows);
    printf("languages:");
    for (int l = 0; l < DS_LANG_COUNT; l++)
        if (s->lang[l])
            printf(" %s %zu", ds_lang_name(l), s->lang[l]);
    printf("\nturns: p50 %u, max %u; roles: system %llu, user %llu, assistant %llu\n",
           ds_hist_percentile(&s->turns, 50), s->turns.max, (unsigned long long)s->roles[0],
           (unsigned long long)s->roles[1], (unsigned long long)s->roles[2]);
    draw_hist(s->tokens_templated ? "tokens per row (templated)" : "tokens per row (field sum)",
              &s->tokens_total, s->sequence_len);
    for (int f = 0; f < DS_FIELD_COUNT; f++)
        if (s->present[f]) {
            char title[64];
            snprintf(title, sizeof title, "tokens in %s (text alone)", ds_field_name(f));
            draw_hist(title, &s->tokens[f], 0);
        }
    if (s->turns.max > 2)
        draw_hist("turns per row", &s->turns, 0);
}

/* ---- JSON output */

static json_t *percentiles(const ds_hist *h)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "p50", (json_int_t)ds_hist_percentile(h, 50), "p90",
                     (json_int_t)ds_hist_percentile(h, 90), "p99",
                     (json_int_t)ds_hist_percentile(h, 99), "max", (json_int_t)h->max);
}

static json_t *summary_json(const char *path, ds_format fmt, const ds_summary *s, const char *tok,
                            chat_tmpl t)
{
    json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:f,s:s,s:b}", "dataset", path, "format",
                          ds_format_name(fmt), "rows", (json_int_t)s->rows, "problem_rows",
                          (json_int_t)s->problem_rows, "problems", (json_int_t)s->problems,
                          "exact_duplicates", (json_int_t)s->exact_dups, "near_duplicates",
                          (json_int_t)s->near_dups, "near_threshold", s->near_threshold,
                          "tokenizer", tok, "tokens_exact", s->tokens_exact);
    json_t *empty = json_object(), *pii = json_object(), *lang = json_object(),
           *fields = json_object();
    for (int f = 0; f < DS_FIELD_COUNT; f++)
        if (s->present[f]) {
            json_object_set_new(empty, ds_field_name(f), json_integer((json_int_t)s->empty[f]));
            json_object_set_new(fields, ds_field_name(f), percentiles(&s->tokens[f]));
        }
    for (int k = 0; k < DS_PII_KINDS; k++)
        json_object_set_new(pii, ds_pii_kind_name(k), json_integer((json_int_t)s->pii[k]));
    for (int l = 0; l < DS_LANG_COUNT; l++)
        if (s->lang[l])
            json_object_set_new(lang, ds_lang_name(l), json_integer((json_int_t)s->lang[l]));
    json_object_set_new(o, "tokens_templated", json_boolean(s->tokens_templated));
    json_object_set_new(o, "chat_template", s->tokens_templated ? json_string(chat_tmpl_name(t))
                                                                : json_null());
    json_object_set_new(o, "empty_fields", empty);
    json_object_set_new(o, "empty_rows", json_integer((json_int_t)s->empty_rows));
    json_object_set_new(o, "pii", pii);
    json_object_set_new(o, "pii_rows", json_integer((json_int_t)s->pii_rows));
    json_object_set_new(o, "control_char_rows", json_integer((json_int_t)s->control_rows));
    json_object_set_new(o, "invalid_utf8_rows", json_integer((json_int_t)s->invalid_utf8_rows));
    json_object_set_new(o, "languages", lang);
    json_object_set_new(o, "roles", json_pack("{s:I,s:I,s:I}", "system", (json_int_t)s->roles[0],
                                              "user", (json_int_t)s->roles[1], "assistant",
                                              (json_int_t)s->roles[2]));
    json_object_set_new(o, "turn_percentiles", percentiles(&s->turns));
    json_object_set_new(o, "token_percentiles", percentiles(&s->tokens_total));
    json_object_set_new(o, "field_token_percentiles", fields);
    json_object_set_new(o, "sequence_len", json_integer(s->sequence_len));
    json_object_set_new(o, "over_sequence_len", json_integer((json_int_t)s->too_long_rows));
    return o;
}

/* ---- the command */

/* The rows the pass reads: DS as opened, or after R's steps (R may be NULL).
 * NULL after printing why, or with ERR. */
static ds_view *rows_to_read(const stats_options *o, dataset *ds, const ds_recipe *r,
                             const ds_edit_tokens *tok, char *err, size_t errlen)
{
    if (!r)
        return ds_view_new(ds, NULL, err, errlen);
    ds_edit *e = ds_edit_new(ds, err, errlen);
    ds_view *view = NULL;
    if (e) {
        ds_edit_set_tokens(e, tok);
        if (cmd_data_replay(e, r, "stats", o->recipe) == 0)
            view = ds_edit_view(e, err, errlen);
        else
            snprintf(err, errlen, "%s: not replayed", o->recipe);
    }
    ds_edit_free(e);
    return view;
}

static int run_stats(const stats_options *o, const ds_recipe *r, const ds_edit_tokens *tok)
{
    char err[1024] = "";
    dataset_options dopt = {.format = o->format};
    dataset *ds = dataset_open(o->dataset, &dopt, err, sizeof err);
    ds_stats_options so = {tok->vocab, tok->sequence_len, o->near_threshold, o->threads,
                           tok->tmpl};
    ds_view *rows = ds ? rows_to_read(o, ds, r, tok, err, sizeof err) : NULL;
    ds_stats *st = rows ? ds_stats_new_view(rows, &so, err, sizeof err) : NULL;
    int rc = st && ds_stats_run(st, err, sizeof err) == 0 ? CLI_OK : CLI_FAIL;
    const char *what = tok->model ? tok->model
                                  : "estimated (4 ASCII bytes or 1 other character a token)";
    if (rc == CLI_OK && o->json) {
        json_t *j = summary_json(o->dataset, dataset_format(ds), ds_stats_summary(st), what,
                                 tok->tmpl);
        if (!j || json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6)) != 0)
            rc = CLI_FAIL;
        putchar('\n');
        json_decref(j);
    } else if (rc == CLI_OK) {
        print_text(o->dataset, dataset_format(ds), ds_stats_summary(st), what);
    }
    if (rc == CLI_OK && (fflush(stdout) || ferror(stdout)))
        snprintf(err, sizeof err, "writing the output: %s", strerror(errno));
    if (rc != CLI_OK || err[0]) {
        fprintf(stderr, "lathe data stats: %s\n", err[0] ? err : "out of memory");
        rc = CLI_FAIL;
    }
    ds_stats_free(st);
    dataset_free(ds);
    return rc;
}

int cmd_data_stats(const cli_command *cmd, int argc, char **argv)
{
    stats_options o;
    int rc = parse_stats(cmd, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    char err[1024];
    ds_recipe r = {0};
    if (o.recipe && ds_recipe_load(&r, o.recipe, err, sizeof err) != 0) {
        fprintf(stderr, "lathe data stats: %s\n", err);
        return CLI_FAIL;
    }
    cmd_data_tokens tok;
    rc = cmd_data_tokens_open(&tok, "stats", &o.tok, o.recipe ? &r : NULL, o.recipe) == 0
        ? run_stats(&o, o.recipe ? &r : NULL, &tok.edit) : CLI_FAIL;
    cmd_data_tokens_close(&tok);
    ds_recipe_free(&r);
    return rc;
}
