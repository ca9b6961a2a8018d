/* test_config_check.c - the form's check of typed values, per key type
 * (config_check.h), agreeing with the loader's messages, and the rules
 * between keys (config_rules.h): conflicts, keys without effect, and the
 * edits that follow an edit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_check.h"
#include "config_rules.h"
#include "testdir.h"
#include "train_config.h"

static const cs_key *key(const char *name)
{
    const char *dot = strchr(name, '.');
    const cs_key *k = dot ? config_schema_find(CS_DATASET, dot + 1) : config_schema_find(CS_TOP, name);
    assert_non_null(k);
    return k;
}

/* TEXT for NAME is accepted and written as WANT. */
static void ok(const char *name, const char *text, const char *want)
{
    char norm[256], why[512];
    int rc = config_check_input(key(name), text, testdir(), norm, sizeof norm, why, sizeof why);
    if (rc != 1)
        fail_msg("%s: '%s' refused: %s", name, text, rc < 0 ? why : "(read as empty)");
    assert_string_equal(norm, want);
}

/* TEXT for NAME is refused with exactly WHY. */
static void refused(const char *name, const char *text, const char *want)
{
    char norm[256], why[512];
    if (config_check_input(key(name), text, testdir(), norm, sizeof norm, why, sizeof why) != -1)
        fail_msg("%s: '%s' accepted as '%s'", name, text, norm);
    if (strcmp(why, want))
        fail_msg("%s: '%s': got \"%s\", want \"%s\"", name, text, why, want);
}

static void test_booleans(void **state)
{
    (void)state;
    ok("sample_packing", "yes", "true");
    ok("sample_packing", " On ", "true");
    ok("shuffle", "false", "false");
    ok("shuffle", "NO", "false");
    refused("shuffle", "maybe", "expected true or false, got 'maybe'");
    refused("shuffle", "1", "expected true or false, got '1'");
}

static void test_integers(void **state)
{
    (void)state;
    ok("lora_r", "16", "16");
    ok("seed", "4294967295", "4294967295");
    refused("lora_r", "8.5", "expected an integer, got '8.5'");
    refused("lora_r", "0", "0 is out of range; expected an integer in [1, 4096]");
    refused("lora_r", "0x10", "expected an integer, got '0x10'");
    refused("seed", "-1", "-1 is out of range; expected an integer in [0, 4294967295]");
    refused("micro_batch_size", "99999999999999999999",
            "expected an integer, got '99999999999999999999'");
}

static void test_numbers(void **state)
{
    (void)state;
    ok("learning_rate", "0.0002", "0.0002");
    ok("learning_rate", "2e-4", "2.0e-4");
    ok("learning_rate", "2E-4", "2.0e-4");
    ok("learning_rate", "3.5e-5", "3.5e-5");
    ok("learning_rate", "1e0", "1.0e+0");
    ok("adam_epsilon", "1e-8", "1.0e-8");
    refused("learning_rate", "0", "0 is out of range; expected a number in (0, 10]");
    refused("learning_rate", "11", "11 is out of range; expected a number in (0, 10]");
    refused("learning_rate", "fast", "expected a number, got 'fast'");
    refused("learning_rate", "inf", "expected a number, got 'inf'");
    refused("learning_rate", "nan", "expected a number, got 'nan'");
    refused("learning_rate", "0x1p-3", "expected a number, got '0x1p-3'");
    refused("learning_rate", "1e400", "expected a number, got '1e400'");
    refused("lora_dropout", "1", "1 is out of range; expected a number in [0, 1)");
    refused("adam_beta2", "1.0", "1.0 is out of range; expected a number in [0, 1)");
}

static void test_fraction_or_count(void **state)
{
    (void)state;
    ok("val_set_size", "0.05", "0.05");
    ok("val_set_size", "200", "200");
    refused("val_set_size", "2.5", "2.5 is neither a fraction below 1 nor a whole count");
    refused("val_set_size", "-1", "-1 is out of range; expected a number in [0, 1000000000]");
}

static void test_choices(void **state)
{
    (void)state;
    ok("lr_scheduler", "linear", "linear");
    ok("datasets.type", "sharegpt", "sharegpt");
    refused("lr_scheduler", "cosin",
            "'cosin' is not one of cosine, linear, constant; did you mean 'cosine'?");
    refused("optimizer", "lion", "'lion' is not one of adamw, sgd");
    refused("adapter", "qlora", "'qlora' is not one of lora; did you mean 'lora'?");
}

static void test_strings_and_paths(void **state)
{
    (void)state;
    char want[600];
    testdir_write("m.gguf", "x");
    testdir_write("d.jsonl", "{}\n");
    assert_int_equal(mkdir(testdir_path("hf"), 0755), 0);
    ok("output_dir", "runs/a b", "runs/a b");
    ok("base_model", "m.gguf", "m.gguf");
    ok("base_model", "hf", "hf");  /* a Hugging Face directory */
    ok("datasets.path", "d.jsonl", "d.jsonl");
    snprintf(want, sizeof want, "'%s/hf' is a directory; expected a file", testdir());
    refused("datasets.path", "hf", want);
    snprintf(want, sizeof want, "cannot find '%s/none.jsonl': No such file or directory",
             testdir());
    refused("datasets.path", "none.jsonl", want);
    refused("base_model", "/dev/null", "'/dev/null' is not a regular file");
}

static void test_lists(void **state)
{
    (void)state;
    ok("lora_target_modules", "q_proj, v_proj", "q_proj, v_proj");
    ok("lora_target_modules", "[q_proj,k_proj , o_proj]", "q_proj, k_proj, o_proj");
    ok("lora_target_modules", "[]", "");
    refused("lora_target_modules", "q_proj, q_prj",
            "'q_prj' is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, "
            "down_proj; did you mean 'q_proj'?");
    refused("datasets", "a.jsonl", "add or remove dataset entries one by one");
}

static void test_empty_means_unset(void **state)
{
    (void)state;
    char norm[64], why[256];
    assert_int_equal(config_check_input(key("max_steps"), "  ", NULL, norm, sizeof norm, why,
                                        sizeof why), 0);
    assert_int_equal(config_check_input(key("lora_r"), "", NULL, norm, sizeof norm, why,
                                        sizeof why), 0);
    refused("learning_rate", "", "required; expected a number");
}

/* The loader refuses a value with the form's words, after "KEY: ". */
static void test_loader_says_the_same(void **state)
{
    (void)state;
    const char *cases[][2] = {{"lora_r", "0"}, {"learning_rate", "fast"},
                              {"lr_scheduler", "cosin"}, {"sample_packing", "maybe"},
                              {"val_set_size", "2.5"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128], norm[64], why[512], want[600];
        snprintf(text, sizeof text, "%s: %s\n", cases[i][0], cases[i][1]);
        train_config cfg;
        config_diags d;
        train_config_load_text(&cfg, testdir_path("x.yaml"), text, strlen(text), NULL, 0, &d);
        train_config_free(&cfg);
        assert_int_equal(config_check_input(key(cases[i][0]), cases[i][1], NULL, norm,
                                            sizeof norm, why, sizeof why), -1);
        snprintf(want, sizeof want, "%s: %s", cases[i][0], why);
        bool found = false;
        for (size_t j = 0; j < d.n; j++)
            found |= !strcmp(d.items[j].msg, want);
        if (!found)
            fail_msg("the loader did not say \"%s\"", want);
    }
}

/* ------------------------------------------------------------ rules */

static train_config base(void)
{
    train_config c;
    assert_int_equal(train_config_defaults(&c), 0);
    c.learning_rate = 1e-4;
    return c;
}

static bool has_hit(const train_config *c, const char *key, const char *msg_part)
{
    config_rule_hit h[16];
    size_t n = config_rules_check(c, NULL, h, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (!strcmp(h[i].key, key) && strstr(h[i].msg, msg_part))
            return true;
    return false;
}

static void test_rule_conflicts(void **state)
{
    (void)state;
    train_config c = base();
    config_rule_hit h[16];
    assert_int_equal(config_rules_check(&c, NULL, h, 16), 0);
    c.warmup_steps = 10;
    c.warmup_ratio = 0.1;
    assert_true(has_hit(&c, "warmup_ratio", "both set"));
    c.load_in_4bit = true;
    assert_true(has_hit(&c, "load_in_4bit", "need adapter: lora"));
    c.adapter = CONFIG_ADAPTER_LORA;
    assert_false(has_hit(&c, "load_in_4bit", "need adapter: lora"));
    c.load_in_8bit = true;
    assert_true(has_hit(&c, "load_in_4bit", "both true"));
    c.early_stopping_patience = 2;
    assert_true(has_hit(&c, "early_stopping_patience", "needs eval_steps"));
    c.load_best_model_at_end = true;
    assert_true(has_hit(&c, "load_best_model_at_end", "needs eval_steps"));
    c.eval_steps = 10;
    assert_true(has_hit(&c, "eval_steps", "no validation data"));
    c.val_set_size = 0.1;
    assert_false(has_hit(&c, "eval_steps", "no validation data"));
    for (size_t i = 0; i < c.lora_target_modules.n; i++)
        free(c.lora_target_modules.items[i]);
    free(c.lora_target_modules.items);
    c.lora_target_modules = (config_strlist){NULL, 0};
    assert_true(has_hit(&c, "adapter", "needs lora_target_modules"));
    c.max_steps = 5;
    assert_true(has_hit(&c, "max_steps", "takes precedence"));
    train_config_free(&c);
}

static void test_rule_inactive(void **state)
{
    (void)state;
    train_config c = base();
    assert_non_null(config_rules_inactive(&c, key("lora_r")));
    assert_non_null(config_rules_inactive(&c, key("lora_target_modules")));
    assert_non_null(config_rules_inactive(&c, key("peft_use_rslora")));
    assert_null(config_rules_inactive(&c, key("unfrozen_layers")));
    c.adapter = CONFIG_ADAPTER_LORA;
    assert_null(config_rules_inactive(&c, key("lora_r")));
    assert_non_null(config_rules_inactive(&c, key("unfrozen_layers")));
    c.lora_target_linear = true;
    assert_non_null(config_rules_inactive(&c, key("lora_target_modules")));
    assert_null(config_rules_inactive(&c, key("adam_beta1")));
    c.optimizer = CONFIG_OPT_SGD;
    assert_non_null(config_rules_inactive(&c, key("adam_beta1")));
    assert_null(config_rules_inactive(&c, key("cosine_min_lr_ratio")));
    c.lr_scheduler = CONFIG_SCHED_LINEAR;
    assert_non_null(config_rules_inactive(&c, key("cosine_min_lr_ratio")));
    c.warmup_steps = 5;
    assert_non_null(config_rules_inactive(&c, key("warmup_ratio")));
    assert_null(config_rules_inactive(&c, key("warmup_steps")));
    assert_null(config_rules_inactive(&c, key("num_epochs")));
    c.max_steps = 100;
    assert_non_null(config_rules_inactive(&c, key("num_epochs")));
    assert_non_null(config_rules_inactive(&c, key("early_stopping_patience")));
    assert_non_null(config_rules_inactive(&c, key("eval_steps")));
    assert_non_null(config_rules_inactive(&c, key("save_total_limit")));
    assert_null(config_rules_inactive(&c, key("learning_rate")));
    train_config_free(&c);
}

static void assert_edits(const config_edit *e, size_t n, const char *const want[][2], size_t m)
{
    assert_int_equal(n, m);
    for (size_t i = 0; i < m; i++) {
        assert_string_equal(e[i].key, want[i][0]);
        if (want[i][1])
            assert_string_equal(e[i].value, want[i][1]);
        else
            assert_null(e[i].value);
    }
}

static void test_rule_follow(void **state)
{
    (void)state;
    train_config c = base();
    config_edit e[4];
    const char *const lora[][2] = {{"adapter", "lora"}};
    assert_edits(e, config_rules_follow(&c, "load_in_4bit", "true", e, 4), lora, 1);
    assert_int_equal(config_rules_follow(&c, "load_in_4bit", "false", e, 4), 0);
    c.adapter = CONFIG_ADAPTER_LORA;
    c.load_in_8bit = true;
    const char *const swap[][2] = {{"load_in_8bit", NULL}};
    assert_edits(e, config_rules_follow(&c, "load_in_4bit", "true", e, 4), swap, 1);
    const char *const drop[][2] = {{"load_in_8bit", NULL}};
    assert_edits(e, config_rules_follow(&c, "adapter", NULL, e, 4), drop, 1);
    c.warmup_ratio = 0.03;
    const char *const ws[][2] = {{"warmup_ratio", NULL}};
    assert_edits(e, config_rules_follow(&c, "warmup_steps", "10", e, 4), ws, 1);
    c.warmup_ratio = NAN;
    c.warmup_steps = 10;
    const char *const wr[][2] = {{"warmup_steps", NULL}};
    assert_edits(e, config_rules_follow(&c, "warmup_ratio", "0.1", e, 4), wr, 1);
    assert_int_equal(config_rules_follow(&c, "warmup_ratio", NULL, e, 4), 0);
    train_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_fraction_or_count),
        cmocka_unit_test(test_choices),
        cmocka_unit_test(test_strings_and_paths),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_empty_means_unset),
        cmocka_unit_test(test_loader_says_the_same),
        cmocka_unit_test(test_rule_conflicts),
        cmocka_unit_test(test_rule_inactive),
        cmocka_unit_test(test_rule_follow),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
