/* test_workspace.c - what `lathe [PATH]` opens (src/workspace.c): the sample
 * workspace without PATH, a config's first dataset and model, a run
 * directory's config.yaml, models, -m/-c overrides, and clear errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testdir.h"
#include "workspace.h"

static char samples[2048];

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static void bare_opens_the_sample(void **state)
{
    (void)state;
    workspace ws;
    char err[8192];
    setenv("LATHE_SAMPLES", samples, 1);
    assert_int_equal(workspace_resolve(NULL, NULL, NULL, &ws, err, sizeof err), 0);
    assert_string_equal(ws.title, "sample workspace");
    assert_true(ends_with(ws.config, "/samples/lora.yaml"));
    assert_true(ends_with(ws.dataset, "/samples/data/train.jsonl"));
    assert_string_equal(ws.model, "");

    setenv("LATHE_SAMPLES", testdir(), 1);
    char dir[4096];
    assert_int_equal(workspace_samples_dir(dir, sizeof dir, err, sizeof err), 0);
    assert_string_not_equal(dir, testdir());
    unsetenv("LATHE_SAMPLES");
}

static void config_and_run_dir(void **state)
{
    (void)state;
    workspace ws;
    char err[8192], cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/lora.yaml", samples);
    assert_int_equal(workspace_resolve(cfg, NULL, NULL, &ws, err, sizeof err), 0);
    assert_string_equal(ws.config, cfg);
    assert_true(ends_with(ws.dataset, "/samples/data/train.jsonl"));
    assert_string_equal(ws.title, cfg);

    char yaml[8192];
    snprintf(yaml, sizeof yaml, "base_model: %s/model.gguf\nlearning_rate: 0.001\n"
                                "datasets:\n  - path: %s/data/heldout.jsonl\n    type: alpaca\n",
             samples, samples);
    mkdir(testdir_path("run"), 0755);
    testdir_write("run/config.yaml", yaml);
    assert_int_equal(workspace_resolve(testdir_path("run"), NULL, NULL, &ws, err, sizeof err), 0);
    assert_true(ends_with(ws.config, "run/config.yaml"));
    assert_true(ends_with(ws.dataset, "/samples/data/heldout.jsonl"));

    /* A dataset PATH wins over -c's datasets; -m names the tokenizer. */
    testdir_write("mine.jsonl", "{}\n");
    testdir_write("m.gguf", "");
    char mine[4096], m[4096];
    snprintf(mine, sizeof mine, "%s", testdir_path("mine.jsonl"));
    snprintf(m, sizeof m, "%s", testdir_path("m.gguf"));
    assert_int_equal(workspace_resolve(mine, m, cfg, &ws, err, sizeof err), 0);
    assert_string_equal(ws.dataset, mine);
    assert_string_equal(ws.model, m);
    assert_string_equal(ws.config, cfg);
}

static void models_and_errors(void **state)
{
    (void)state;
    workspace ws;
    char err[8192];
    testdir_write("x.gguf", "");
    char x[4096];
    snprintf(x, sizeof x, "%s", testdir_path("x.gguf"));
    assert_int_equal(workspace_resolve(x, NULL, NULL, &ws, err, sizeof err), 0);
    assert_string_equal(ws.model, x);
    assert_string_equal(ws.dataset, "");

    mkdir(testdir_path("hf"), 0755);
    testdir_write("hf/config.json", "{}");
    assert_int_equal(workspace_resolve(testdir_path("hf"), NULL, NULL, &ws, err, sizeof err), 0);
    assert_string_equal(ws.model, testdir_path("hf"));

    mkdir(testdir_path("empty"), 0755);
    assert_int_equal(workspace_resolve(testdir_path("empty"), NULL, NULL, &ws, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "neither config.yaml"));
    testdir_write("notes.txt", "");
    assert_int_equal(workspace_resolve(testdir_path("notes.txt"), NULL, NULL, &ws, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "notes.txt: expected a dataset"));

    /* A config with errors opens alone, in the Config pane, which marks
     * them; as -c (for the Data pane's token counts) it is an error. */
    testdir_write("bad.yaml", "learning_rat: 1\ndatasets:\n  - path: x.jsonl\n");
    char bad[4096];
    snprintf(bad, sizeof bad, "%s", testdir_path("bad.yaml"));
    assert_int_equal(workspace_resolve(bad, NULL, NULL, &ws, err, sizeof err), 0);
    assert_string_equal(ws.config, bad);
    assert_true(ws.config_first);
    assert_string_equal(ws.dataset, "");
    testdir_write("there.jsonl", "{}\n");
    assert_int_equal(workspace_resolve(testdir_path("there.jsonl"), NULL, bad, &ws, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "bad.yaml:1:1"));
    assert_non_null(strstr(err, "learning_rat"));
}

/* A PATH or -m MODEL that is not there is an error before the workbench
 * starts (the README: `lathe MISSING.jsonl` exits 1), not a pane's message. */
static void missing_paths(void **state)
{
    (void)state;
    workspace ws;
    char err[8192];
    assert_int_equal(workspace_resolve(testdir_path("missing.jsonl"), NULL, NULL, &ws, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "missing.jsonl: No such file or directory"));
    testdir_write("there.jsonl", "{}\n");
    assert_int_equal(workspace_resolve(testdir_path("there.jsonl"), testdir_path("gone.gguf"),
                                       NULL, &ws, err, sizeof err), -1);
    assert_non_null(strstr(err, "gone.gguf: No such file or directory"));
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    snprintf(samples, sizeof samples, "%s/samples", src ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bare_opens_the_sample),
        cmocka_unit_test(config_and_run_dir),
        cmocka_unit_test(models_and_errors),
        cmocka_unit_test(missing_paths),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
