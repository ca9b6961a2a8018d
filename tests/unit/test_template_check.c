/* test_template_check.c - the template check (template_check.h) on the
 * sample config: its first records render through the model's own ChatML
 * with learned and masked tokens and no warning; a template that is not
 * the model's is said to be so, and one whose end-of-turn token the sample
 * vocabulary lacks says so too; train_on_inputs learns every prompt token
 * and says so; a missing model is an error naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_check.h"

static char sample[PATH_MAX];

/* The sample config with --set style overrides. */
static void load(train_config *cfg, char *const *sets, size_t n)
{
    config_diags diags;
    if (train_config_load(cfg, sample, sets, n, &diags) != 0) {
        config_diags_print(&diags, stderr);
        fail_msg("%s does not load", sample);
    }
}

static bool warned(const template_check *c, const char *text)
{
    for (size_t i = 0; i < c->n_warnings; i++)
        if (strstr(c->warnings[i], text))
            return true;
    return false;
}

static void test_own_template(void **state)
{
    (void)state;
    train_config cfg;
    template_check c;
    char err[512];
    load(&cfg, NULL, 0);
    assert_int_equal(template_check_run(&c, &cfg, 2, err, sizeof err), 0);
    assert_int_equal(c.tmpl, CHAT_TMPL_CHATML);
    assert_true(c.model_has_template);
    assert_int_equal(c.n_warnings, 0);
    assert_int_equal(c.n_records, 2);
    for (size_t i = 0; i < c.n_records; i++) {
        const pipe_doc *d = &c.records[i].doc;
        assert_string_equal(c.records[i].error, "");
        assert_true(d->learned > 0 && d->learned < d->n);
    }
    assert_true(c.dataset_records > 2);
    template_check_free(&c);
    train_config_free(&cfg);
}

static void test_other_template_and_inputs(void **state)
{
    (void)state;
    train_config cfg;
    template_check c;
    char err[512];
    char tmpl[] = "chat_template=llama2", inputs[] = "train_on_inputs=true";
    char *sets[] = {tmpl, inputs};
    load(&cfg, sets, 2);
    assert_int_equal(template_check_run(&c, &cfg, 1, err, sizeof err), 0);
    assert_true(warned(&c, "chat_template llama2 is not the model's own (chatml)"));
    assert_true(warned(&c, "end-of-turn token </s> is not in the model's vocabulary"));
    assert_true(warned(&c, "train_on_inputs: true trains the prompts too"));
    const pipe_doc *d = &c.records[0].doc;
    assert_int_equal(d->learned, d->n - 1);     /* all but the first token */
    template_check_free(&c);
    train_config_free(&cfg);
}

static void test_missing_model(void **state)
{
    (void)state;
    train_config cfg;
    template_check c;
    char err[512];
    load(&cfg, NULL, 0);
    free(cfg.base_model);
    cfg.base_model = strdup("/nonexistent/model.gguf");
    assert_int_equal(template_check_run(&c, &cfg, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/model.gguf"));
    template_check_free(&c);
    train_config_free(&cfg);
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    snprintf(sample, sizeof sample, "%s/samples/lora.yaml", src ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_template),
        cmocka_unit_test(test_other_template_and_inputs),
        cmocka_unit_test(test_missing_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
