/* workspace.c - `lathe [PATH]` to the files the workbench starts with (see
 * workspace.h). A config's first dataset is what the Data pane opens, with
 * the config's model for token counts; a run directory is its config.yaml,
 * and the run itself for the Train pane. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter_path.h"
#include "run_list.h"
#include "train_config.h"
#include "workbench.h"
#include "workspace.h"

/* The sample config the bare workbench opens. */
#define SAMPLE_CONFIG "lora.yaml"
/* Where `lathe train` puts runs by default, and how many of the newest are
 * looked at for the sample's adapter. */
#define RUNS_DIR "runs"
#define RUNS_LOOKED_AT 32

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int workspace_samples_dir(char *dir, size_t dirlen, char *err, size_t errlen)
{
    const char *env = getenv("LATHE_SAMPLES");
    const char *tries[] = {env && *env ? env : NULL, LATHE_DATADIR "/samples",
                           LATHE_SRCDIR "/samples"};
    size_t used = (size_t)snprintf(err, errlen, "the bundled sample (%s) was not found in",
                                   SAMPLE_CONFIG);
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        if (!tries[i])
            continue;
        char probe[PATH_MAX];
        snprintf(probe, sizeof probe, "%s/%s", tries[i], SAMPLE_CONFIG);
        if (is_file(probe)) {
            snprintf(dir, dirlen, "%s", tries[i]);
            return 0;
        }
        if (used < errlen)
            used += (size_t)snprintf(err + used, errlen - used, " %s", tries[i]);
    }
    if (used < errlen)
        snprintf(err + used, errlen - used, "; set LATHE_SAMPLES to the samples/ directory");
    return -1;
}

/* The config's first dataset and its model; the config must load cleanly
 * (the Data pane counts tokens with it). */
static int from_config(const char *path, workspace *ws, char *err, size_t errlen)
{
    train_config cfg;
    config_diags diags;
    int rc = train_config_load(&cfg, path, NULL, 0, &diags);
    if (rc != 0) {
        config_diags_sort(&diags);
        char first[700] = "";
        for (size_t i = 0; i < diags.n && !first[0]; i++)
            if (diags.items[i].sev == CONFIG_ERROR)
                config_diag_format(&diags.items[i], first, sizeof first);
        snprintf(err, errlen, "%s", first[0] ? first : "the config does not load");
    } else {
        snprintf(ws->config, sizeof ws->config, "%s", path);
        if (cfg.base_model)
            snprintf(ws->chat_model, sizeof ws->chat_model, "%s", cfg.base_model);
        if (cfg.datasets.n)
            snprintf(ws->dataset, sizeof ws->dataset, "%s", cfg.datasets.items[0].path);
    }
    train_config_free(&cfg);
    return rc;
}

/* 0 when PATH exists, else -1 with "PATH: why" (a file that is not there is
 * a runtime failure before any terminal is touched, not a pane's error). */
static int exists(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
}

static int classify(const char *path, workspace *ws, char *err, size_t errlen)
{
    char probe[PATH_MAX];
    if (exists(path, err, errlen) != 0)
        return -1;
    if (is_dir(path)) {
        snprintf(probe, sizeof probe, "%s/config.yaml", path);
        if (is_file(probe)) {
            snprintf(ws->run, sizeof ws->run, "%s", path);
            if (adapter_path_is_adapter(path))
                snprintf(ws->adapter, sizeof ws->adapter, "%s", path);
            return from_config(probe, ws, err, errlen);
        }
        snprintf(probe, sizeof probe, "%s/config.json", path);
        if (is_file(probe)) {
            snprintf(ws->model, sizeof ws->model, "%s", path);
            snprintf(ws->chat_model, sizeof ws->chat_model, "%s", path);
            return 0;
        }
        snprintf(err, errlen, "%s: a directory with neither config.yaml (a run directory) nor "
                              "config.json (a model)", path);
        return -1;
    }
    if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
        /* Named itself, it opens in the Config pane even when it does not
         * load: the pane marks the errors (an unknown key with its
         * did-you-mean) where they can be fixed. No dataset then. */
        ws->config_first = true;
        if (from_config(path, ws, err, errlen) != 0)
            snprintf(ws->config, sizeof ws->config, "%s", path);
        return 0;
    }
    if (workbench_is_dataset(path)) {
        snprintf(ws->dataset, sizeof ws->dataset, "%s", path);
        return 0;
    }
    if (ends_with(path, ".gguf") || ends_with(path, ".safetensors")) {
        snprintf(ws->model, sizeof ws->model, "%s", path);
        snprintf(ws->chat_model, sizeof ws->chat_model, "%s", path);
        return 0;
    }
    snprintf(err, errlen, "%s: expected a dataset (.jsonl, .json, .gz), a config (.yaml), a "
                          "model (.gguf, model directory) or a run directory", path);
    return -1;
}

/* True when RUN's config trained on the model file BASE. */
static bool trained_on(const char *run, const struct stat *base)
{
    char path[PATH_MAX + 16];
    train_config cfg;
    config_diags diags;
    struct stat st;
    snprintf(path, sizeof path, "%s/config.yaml", run);
    bool yes = train_config_load(&cfg, path, NULL, 0, &diags) == 0 && cfg.base_model &&
               stat(cfg.base_model, &st) == 0 && st.st_dev == base->st_dev &&
               st.st_ino == base->st_ino;
    train_config_free(&cfg);
    return yes;
}

/* The sample workspace's B: the newest run under runs/ that trained an
 * adapter on its model. */
static void sample_adapter(workspace *ws)
{
    run_list_entry runs[RUNS_LOOKED_AT];
    char err[256], dir[PATH_MAX];
    struct stat base;
    long n = run_list_scan(RUNS_DIR, runs, RUNS_LOOKED_AT, err, sizeof err);
    if (n <= 0 || stat(ws->chat_model, &base) != 0)
        return;
    for (long i = 0; i < n && i < RUNS_LOOKED_AT; i++) {
        if (snprintf(dir, sizeof dir, "%s/%s", RUNS_DIR, runs[i].name) >= (int)sizeof dir)
            continue;
        if (adapter_path_is_adapter(dir) && trained_on(dir, &base)) {
            snprintf(ws->adapter, sizeof ws->adapter, "%s", dir);
            return;
        }
    }
}

int workspace_resolve(const char *path, const char *model_path, const char *config,
                      workspace *ws, char *err, size_t errlen)
{
    memset(ws, 0, sizeof *ws);
    char sample[PATH_MAX];
    if (!path) {
        if (workspace_samples_dir(sample, sizeof sample, err, errlen) != 0)
            return -1;
        snprintf(sample + strlen(sample), sizeof sample - strlen(sample), "/%s", SAMPLE_CONFIG);
    }
    if (classify(path ? path : sample, ws, err, errlen) != 0)
        return -1;
    snprintf(ws->title, sizeof ws->title, "%s", path ? path : "sample workspace");
    if (model_path && exists(model_path, err, errlen) != 0)
        return -1;
    if (model_path)
        snprintf(ws->model, sizeof ws->model, "%s", model_path);
    if (config && from_config(config, ws, err, errlen) != 0)
        return -1;
    if (path && workbench_is_dataset(path))
        snprintf(ws->dataset, sizeof ws->dataset, "%s", path);
    if (model_path)
        snprintf(ws->chat_model, sizeof ws->chat_model, "%s", model_path);
    if (!path)
        sample_adapter(ws);
    return 0;
}
