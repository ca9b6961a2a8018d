/* test_config_preset.c - presets (config_preset.h) applied to the sample
 * configs: each result loads without error with the preset's method and
 * schedule, the rest of the file (its comments) stays, a preview shows the
 * diff and leaves the document alone, and applying twice changes nothing
 * the second time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_preset.h"

static char src_dir[PATH_MAX];

static config_doc *open_sample(const char *name)
{
    char path[PATH_MAX + 64], err[512];
    snprintf(path, sizeof path, "%s/samples/%s", src_dir, name);
    config_doc *d = config_doc_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    return d;
}

/* P applied to sample NAME loads cleanly; the config comes back in *cfg. */
static config_doc *applied(const char *name, const char *preset, int top_n, train_config *cfg)
{
    char err[512];
    config_doc *d = open_sample(name);
    const config_preset *p = config_preset_find(preset);
    assert_non_null(p);
    if (config_preset_apply(d, p, top_n, err, sizeof err) < 0)
        fail_msg("%s on %s: %s", preset, name, err);
    config_diags diags;
    if (config_doc_load(d, cfg, &diags) < 0) {
        config_diags_print(&diags, stderr);
        fail_msg("%s on %s does not load", preset, name);
    }
    assert_non_null(strstr(config_doc_text(d, NULL), "# Paths are relative to this file's"));
    return d;
}

static bool has_module(const train_config *c, const char *m)
{
    for (size_t i = 0; i < c->lora_target_modules.n; i++)
        if (!strcmp(c->lora_target_modules.items[i], m))
            return true;
    return false;
}

static void check_schedule(const train_config *c, double lr, double warmup)
{
    assert_true(fabs(c->learning_rate - lr) < lr * 1e-9);
    assert_true(fabs(c->warmup_ratio - warmup) < 1e-12);
    assert_int_equal(c->warmup_steps, CONFIG_UNSET);
    assert_int_equal(c->lr_scheduler, CONFIG_SCHED_COSINE);
}

static void test_lora_presets(void **state)
{
    (void)state;
    const char *samples[] = {"lora.yaml", "full.yaml"};
    for (size_t i = 0; i < 2; i++) {
        train_config c;
        config_doc *d = applied(samples[i], "lora-small", 0, &c);
        assert_int_equal(c.adapter, CONFIG_ADAPTER_LORA);
        assert_int_equal(c.lora_r, 8);
        assert_int_equal(c.lora_alpha, 16);
        assert_false(c.lora_target_linear);
        assert_int_equal(c.lora_target_modules.n, 2);
        assert_true(has_module(&c, "q_proj") && has_module(&c, "v_proj"));
        check_schedule(&c, 2e-4, 0.03);
        train_config_free(&c);
        config_doc_free(d);
        d = applied(samples[i], "lora-all-linear", 0, &c);
        assert_int_equal(c.lora_r, 16);
        assert_int_equal(c.lora_alpha, 32);
        assert_int_equal(c.lora_target_modules.n, 7);
        assert_true(has_module(&c, "down_proj") && has_module(&c, "gate_proj"));
        assert_false(c.load_in_4bit);
        train_config_free(&c);
        config_doc_free(d);
        d = applied(samples[i], "qlora", 0, &c);
        assert_true(c.load_in_4bit);
        assert_false(c.load_in_8bit);
        assert_int_equal(c.adapter, CONFIG_ADAPTER_LORA);
        assert_int_equal(c.lora_target_modules.n, 7);
        check_schedule(&c, 2e-4, 0.03);
        train_config_free(&c);
        config_doc_free(d);
    }
}

static void test_full_and_top(void **state)
{
    (void)state;
    train_config c;
    config_doc *d = applied("lora.yaml", "full", 0, &c);
    assert_int_equal(c.adapter, CONFIG_ADAPTER_FULL);
    assert_int_equal(c.unfrozen_layers, CONFIG_UNSET);
    assert_null(strstr(config_doc_text(d, NULL), "lora_"));
    check_schedule(&c, 2e-5, 0.03);
    train_config_free(&c);
    config_doc_free(d);
    d = applied("lora.yaml", "top-layers", 3, &c);
    assert_int_equal(c.adapter, CONFIG_ADAPTER_FULL);
    assert_int_equal(c.unfrozen_layers, 3);
    check_schedule(&c, 1e-4, 0.05);
    train_config_free(&c);
    config_doc_free(d);
    d = applied("full.yaml", "top-layers", 0, &c);
    assert_int_equal(c.unfrozen_layers, config_preset_find("top-layers")->top_layers);
    train_config_free(&c);
    config_doc_free(d);
}

/* The preview is the diff of applying; the document stays as it was. */
static void test_preview(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = open_sample("lora.yaml");
    char *before = strdup(config_doc_text(d, NULL));
    config_diff diff;
    assert_int_equal(config_preset_preview(d, config_preset_find("lora-small"), 0, 1, &diff, err,
                                           sizeof err), 0);
    assert_string_equal(config_doc_text(d, NULL), before);
    bool saw_r = false, saw_old_lr = false;
    for (size_t i = 0; i < diff.n; i++) {
        saw_r |= diff.lines[i].kind == CONFIG_DIFF_ADDED && !strcmp(diff.lines[i].text, "lora_r: 8");
        saw_old_lr |= diff.lines[i].kind == CONFIG_DIFF_REMOVED &&
                      !strcmp(diff.lines[i].text, "learning_rate: 0.004");
        /* the header comment is not part of any change */
        assert_true(diff.lines[i].kind == CONFIG_DIFF_HUNK || diff.lines[i].kind == CONFIG_DIFF_CONTEXT ||
                    diff.lines[i].text[0] != '#');
    }
    assert_true(saw_r && saw_old_lr);
    config_diff_free(&diff);
    free(before);
    config_doc_free(d);
}

static void test_idempotent(void **state)
{
    (void)state;
    char err[512];
    for (size_t i = 0; i < config_preset_count; i++) {
        config_doc *d = open_sample("lora.yaml");
        assert_int_equal(config_preset_apply(d, &config_presets[i], 0, err, sizeof err), 0);
        config_diff diff;
        assert_int_equal(config_preset_preview(d, &config_presets[i], 0, 3, &diff, err,
                                               sizeof err), 0);
        if (diff.n)
            fail_msg("%s applied twice changes %s", config_presets[i].name, diff.lines[1].text);
        config_diff_free(&diff);
        config_doc_free(d);
        assert_non_null(config_presets[i].title);
        assert_true(strlen(config_presets[i].help) > 10);
    }
    assert_null(config_preset_find("no-such"));
}

/* A hand-written file (anchors, flow lists, a misspelt key) takes a preset:
 * the alias of the removed warmup_steps keeps its value, the unknown key
 * stays, and the flow list grows in place. */
static void test_ugly_file(void **state)
{
    (void)state;
    char path[PATH_MAX + 64], err[512], buf[256];
    snprintf(path, sizeof path, "%s/tests/fixtures/config/ugly.yaml", src_dir);
    config_doc *d = config_doc_open(path, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(config_preset_apply(d, config_preset_find("qlora"), 0, err, sizeof err), 0);
    assert_int_equal(config_doc_get(d, "eval_steps", buf, sizeof buf), 1);
    assert_string_equal(buf, "10");
    assert_int_equal(config_doc_get(d, "lr_schedular", buf, sizeof buf), 1);
    assert_int_equal(config_doc_get(d, "lora_target_modules", buf, sizeof buf), 1);
    assert_string_equal(buf, "q_proj, v_proj, k_proj, o_proj, gate_proj, up_proj, down_proj");
    assert_non_null(strstr(config_doc_text(d, NULL), "lora_target_modules: [q_proj,   v_proj, k_proj"));
    config_doc_free(d);
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    if (!realpath(src ? src : ".", src_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lora_presets),
        cmocka_unit_test(test_full_and_top),
        cmocka_unit_test(test_preview),
        cmocka_unit_test(test_idempotent),
        cmocka_unit_test(test_ugly_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
