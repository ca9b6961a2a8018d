/* cmd_config_estimate.c - `lathe config --estimate CONFIG.yaml [--measure]
 * [--json]`: the run estimate (run_estimate.h) as text or as one JSON
 * object, and with --measure a few real steps timed (run_measure.h) and the
 * run's duration extrapolated. A config with errors exits 1 as --check does. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_opts.h"
#include "cmd_config_estimate.h"
#include "run_estimate.h"
#include "run_measure.h"
#include "train_config.h"

/* Steps --measure takes: the longest batch, then three of the run's. */
#define MEASURE_STEPS 4

static void print_memory(const run_estimate *e)
{
    char a[32], b[32], c[32];
    run_estimate_bytes(a, sizeof a, e->peak);
    run_estimate_bytes(b, sizeof b, e->load_peak);
    run_estimate_bytes(c, sizeof c, e->train_peak);
    printf("memory       %s at the peak, while %s (loading %s, training %s)\n", a,
           e->peak == e->train_peak ? "training" : "loading", b, c);
    for (size_t i = 0; i < e->n_parts; i++) {
        if (!e->parts[i].bytes)
            continue;
        run_estimate_bytes(a, sizeof a, e->parts[i].bytes);
        printf("  %-24s %12s\n", e->parts[i].label, a);
    }
    if (e->mem_total) {
        run_estimate_bytes(a, sizeof a, e->mem_available);
        run_estimate_bytes(b, sizeof b, e->mem_total);
        printf("  available now            %12s of %s\n", a, b);
    }
}

static void print_text(const char *path, const run_estimate *e, const run_measure_result *t)
{
    const train_config *c = e->cfg;
    printf("%s: %s on %s, %d threads\n", path, e->method, c->base_model, e->threads);
    printf("model        %s, %d layers, dim %d, %d heads (%d kv), ffn %d, vocab %d\n",
           e->arch.arch, e->arch.n_layers, e->arch.dim, e->arch.n_heads, e->arch.n_kv_heads,
           e->arch.ffn_dim, e->arch.n_vocab);
    printf("parameters   %llu total, %llu trainable (%.3g %%)\n", (unsigned long long)e->params,
           (unsigned long long)e->trainable, 100.0 * (double)e->trainable / (double)e->params);
    print_memory(e);
    printf("data         %zu records, %zu cut to sequence_len %lld (%.1f %%), %zu skipped\n",
           e->train.records + e->val.records, e->train.truncated + e->val.truncated,
           (long long)c->sequence_len, 100.0 * e->truncated_share,
           e->train.bad + e->train.duplicates + e->train.untrainable + e->val.bad +
               e->val.duplicates + e->val.untrainable);
    printf("             %zu sequences, %zu tokens per epoch (%zu learned), longest %zu\n",
           e->train.sequences, e->train.tokens, e->train.learned, e->longest);
    printf("steps        %lld per epoch, %lld in all (%lld epoch%s)\n",
           (long long)e->steps_per_epoch, (long long)e->total_steps, (long long)e->epochs,
           e->epochs == 1 ? "" : "s");
    printf("evaluation   %zu records, %llu evaluation%s\n", e->val.records,
           (unsigned long long)e->evals, e->evals == 1 ? "" : "s");
    if (t) {
        char a[32];
        run_measure_duration(a, sizeof a, t->train_s);
        printf("time         %s estimated for the run (%d steps measured: first %.2f s on the "
               "longest batch, then %.3f s per step; loading %.1f s)\n", a, t->steps,
               t->first_step_s, t->step_s, t->load_s);
        if (t->nonfinite)
            printf("warning: %lld measured step%s had a non-finite loss or gradient\n",
                   (long long)t->nonfinite, t->nonfinite == 1 ? "" : "s");
    }
    for (size_t i = 0; i < e->n_warnings; i++)
        printf("warning: %s\n", e->warnings[i].msg);
}

static json_t *memory_json(const run_estimate *e)
{
    json_t *m = json_object();
    for (size_t i = 0; i < e->n_parts; i++)
        json_object_set_new(m, e->parts[i].key, json_integer((json_int_t)e->parts[i].bytes));
    json_object_set_new(m, "peak", json_integer((json_int_t)e->peak));
    json_object_set_new(m, "peak_phase", json_string(e->peak == e->train_peak ? "training"
                                                                              : "loading"));
    json_object_set_new(m, "train_peak", json_integer((json_int_t)e->train_peak));
    json_object_set_new(m, "load_peak", json_integer((json_int_t)e->load_peak));
    json_object_set_new(m, "reclaimable", json_integer((json_int_t)e->reclaimable));
    json_object_set_new(m, "available", json_integer((json_int_t)e->mem_available));
    json_object_set_new(m, "total", json_integer((json_int_t)e->mem_total));
    json_object_set_new(m, "fits", json_boolean(!e->mem_available ||
                                                e->peak - e->reclaimable <= e->mem_available));
    return m;
}

static json_t *data_json(const run_estimate *e)
{
    json_t *d = json_object();
    json_object_set_new(d, "records", json_integer((json_int_t)e->train.records));
    json_object_set_new(d, "skipped", json_integer((json_int_t)(e->train.bad +
                                                               e->train.duplicates +
                                                               e->train.untrainable)));
    json_object_set_new(d, "truncated", json_integer((json_int_t)(e->train.truncated +
                                                                 e->val.truncated)));
    json_object_set_new(d, "truncated_share", json_real(e->truncated_share));
    json_object_set_new(d, "sequences", json_integer((json_int_t)e->train.sequences));
    json_object_set_new(d, "tokens_per_epoch", json_integer((json_int_t)e->train.tokens));
    json_object_set_new(d, "learned_tokens", json_integer((json_int_t)e->train.learned));
    json_object_set_new(d, "longest", json_integer((json_int_t)e->longest));
    json_object_set_new(d, "val_records", json_integer((json_int_t)e->val.records));
    json_object_set_new(d, "val_sequences", json_integer((json_int_t)e->val.sequences));
    json_object_set_new(d, "val_tokens", json_integer((json_int_t)e->val.tokens));
    return d;
}

static json_t *steps_json(const run_estimate *e)
{
    json_t *s = json_object();
    json_object_set_new(s, "per_epoch", json_integer(e->steps_per_epoch));
    json_object_set_new(s, "epochs", json_integer(e->epochs));
    json_object_set_new(s, "total", json_integer(e->total_steps));
    json_object_set_new(s, "run_tokens", json_integer((json_int_t)e->run_tokens));
    json_object_set_new(s, "evaluations", json_integer((json_int_t)e->evals));
    return s;
}

static json_t *time_json(const run_measure_result *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "measured_steps", json_integer(t->steps));
    json_object_set_new(o, "load_s", json_real(t->load_s));
    json_object_set_new(o, "first_step_s", json_real(t->first_step_s));
    json_object_set_new(o, "step_s", json_real(t->step_s));
    json_object_set_new(o, "eval_s", json_real(t->eval_s));
    json_object_set_new(o, "estimated_s", json_real(t->train_s));
    json_object_set_new(o, "first_loss", json_real(t->first_loss));
    json_object_set_new(o, "nonfinite_steps", json_integer(t->nonfinite));
    return o;
}

static int print_json(const char *path, const run_estimate *e, const run_measure_result *t)
{
    json_t *o = json_object(), *p = json_object(), *w = json_array(), *m = json_object();
    json_object_set_new(o, "config", json_string(path));
    json_object_set_new(o, "method", json_string(e->method));
    json_object_set_new(o, "threads", json_integer(e->threads));
    json_object_set_new(m, "arch", json_string(e->arch.arch));
    json_object_set_new(m, "layers", json_integer(e->arch.n_layers));
    json_object_set_new(m, "dim", json_integer(e->arch.dim));
    json_object_set_new(m, "vocab", json_integer(e->arch.n_vocab));
    json_object_set_new(o, "model", m);
    json_object_set_new(p, "total", json_integer((json_int_t)e->params));
    json_object_set_new(p, "trainable", json_integer((json_int_t)e->trainable));
    json_object_set_new(p, "lora", json_integer((json_int_t)e->lora_params));
    json_object_set_new(o, "params", p);
    json_object_set_new(o, "memory", memory_json(e));
    json_object_set_new(o, "data", data_json(e));
    json_object_set_new(o, "steps", steps_json(e));
    if (t)
        json_object_set_new(o, "time", time_json(t));
    for (size_t i = 0; i < e->n_warnings; i++)
        json_array_append_new(w, json_pack("{s:s,s:s}", "key", e->warnings[i].key, "message",
                                           e->warnings[i].msg));
    json_object_set_new(o, "warnings", w);
    int rc = json_dumpf(o, stdout, JSON_COMPACT) ? -1 : 0;
    printf("\n");
    json_decref(o);
    return rc;
}

/* The first few skipped records are named; the rest only counted. */
#define NOTES_SHOWN 3

static void note(void *ctx, const char *msg)
{
    size_t *n = ctx;
    if ((*n)++ < NOTES_SHOWN)
        fprintf(stderr, "lathe config: skipped %s\n", msg);
}

/* Runs the measurement, showing its progress on stderr when it is a terminal. */
static int measure(const run_estimate *e, run_measure_result *out, char *err, size_t errlen)
{
    run_measure *m = run_measure_start(e, MEASURE_STEPS, err, errlen);
    if (!m)
        return -1;
    run_measure_progress p;
    do {
        nanosleep(&(struct timespec){0, 100000000}, NULL);
        run_measure_get_progress(m, &p);
    } while (p.state == RUN_MEASURE_LOADING || p.state == RUN_MEASURE_STEPPING);
    return run_measure_finish(m, out, err, errlen);
}

int cmd_config_estimate(const cli_command *cmd, int argc, char **argv)
{
    const char *path = NULL;
    bool json = false, do_measure = false;
    cli_list sets = {0};
    const cli_opt opts[] = {
        {"--set", NULL, CLI_LIST, &sets, 0, 0, NULL},
        {"--json", NULL, CLI_FLAG, &json, 0, 0, NULL},
        {"--measure", NULL, CLI_FLAG, &do_measure, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, &path, 1}, argc, argv);
    if (rc == CLI_OK && !path)
        rc = cli_usage_error(cmd, "--estimate needs a CONFIG.yaml");
    if (rc != CLI_OK) {
        free(sets.v);
        return rc;
    }
    train_config cfg;
    config_diags diags;
    int load = train_config_load(&cfg, path, sets.v, sets.n, &diags);
    free(sets.v);
    config_diags_print(&diags, stderr);
    if (load < 0) {
        fprintf(stderr, "%s: %zu error%s\n", path, diags.errors, diags.errors == 1 ? "" : "s");
        train_config_free(&cfg);
        return CLI_FAIL;
    }
    run_estimate e;
    run_measure_result t;
    char err[1024];
    size_t notes = 0;
    rc = run_estimate_build(&e, &cfg, note, &notes, err, sizeof err);
    if (notes > NOTES_SHOWN)
        fprintf(stderr, "lathe config: skipped %zu more records\n", notes - NOTES_SHOWN);
    if (rc == 0 && do_measure)
        rc = measure(&e, &t, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "lathe %s: %s\n", cmd->name, err);
    else if (json)
        rc = print_json(path, &e, do_measure ? &t : NULL);
    else
        print_text(path, &e, do_measure ? &t : NULL);
    run_estimate_free(&e);
    train_config_free(&cfg);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
