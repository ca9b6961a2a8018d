/* test_config_input.c - the Config pane's value editors (config_input.h)
 * driven key by key: a number checked at every keystroke with the reason
 * while it is refused (Enter on it is refused and nothing is applied),
 * scientific notation written so YAML reads a number; an empty line
 * removing an optional key; a choice picked from a list (an optional enum
 * has an unset choice, a letter jumps); checkboxes for a list with fixed
 * items; Tab completing paths from the config's directory; booleans toggle
 * rather than open an editor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_input.h"
#include "testdir.h"

#define KEY_ESC 27
#define CTRL(c) ((c) & 0x1f)

static const cs_key *key(const char *name)
{
    const cs_key *k = config_schema_find(CS_TOP, name);
    assert_non_null(k);
    return k;
}

static config_input_result type(config_input *in, const char *s)
{
    config_input_result r = CONFIG_INPUT_GOING;
    for (; *s; s++)
        r = config_input_key(in, (unsigned char)*s);
    return r;
}

static void test_number_checked_as_typed(void **state)
{
    (void)state;
    config_input in = {0};
    char buf[256];
    config_input_open(&in, key("learning_rate"), "0.004", NULL, NULL);
    assert_int_equal(in.kind, CONFIG_INPUT_LINE);
    assert_int_equal(in.check, 1);
    config_input_key(&in, CTRL('U'));
    assert_int_equal(in.check, -1);                   /* required */
    assert_non_null(strstr(in.why, "required"));
    type(&in, "0");
    assert_int_equal(in.check, -1);
    assert_string_equal(in.why, "0 is out of range; expected a number in (0, 10]");
    assert_int_equal(config_input_key(&in, '\n'), CONFIG_INPUT_REFUSED);
    assert_null(config_input_value(&in, buf, sizeof buf));
    config_input_key(&in, KEY_BACKSPACE);
    type(&in, "2e-");
    assert_int_equal(in.check, -1);
    assert_non_null(strstr(in.why, "expected a number"));
    type(&in, "4");
    assert_int_equal(in.check, 1);
    assert_string_equal(in.norm, "2.0e-4");
    assert_int_equal(config_input_key(&in, '\r'), CONFIG_INPUT_APPLY);
    assert_string_equal(config_input_value(&in, buf, sizeof buf), "2.0e-4");
    config_input_close(&in);
    assert_int_equal(in.kind, CONFIG_INPUT_NONE);
}

static void test_empty_removes_an_optional_key(void **state)
{
    (void)state;
    config_input in = {0};
    char buf[64];
    config_input_open(&in, key("max_steps"), "", NULL, NULL);
    assert_int_equal(in.check, 0);
    assert_int_equal(config_input_key(&in, '\n'), CONFIG_INPUT_APPLY);
    assert_null(config_input_value(&in, buf, sizeof buf));
    config_input_open(&in, key("max_steps"), "100", NULL, NULL);
    assert_int_equal(type(&in, "x"), CONFIG_INPUT_GOING);
    assert_int_equal(in.check, -1);
    assert_int_equal(config_input_key(&in, KEY_ESC), CONFIG_INPUT_CANCEL);
    config_input_close(&in);
}

static void test_choices(void **state)
{
    (void)state;
    config_input in = {0};
    char buf[64];
    config_input_open(&in, key("chat_template"), "auto", NULL, NULL);
    assert_int_equal(in.kind, CONFIG_INPUT_CHOICE);
    assert_false(in.unset_choice);
    assert_string_equal(in.choices[in.sel], "auto");
    config_input_key(&in, KEY_DOWN);
    assert_int_equal(config_input_key(&in, '\n'), CONFIG_INPUT_APPLY);
    assert_string_equal(config_input_value(&in, buf, sizeof buf), "chatml");
    config_input_open(&in, key("chat_template"), "", NULL, NULL);
    assert_string_equal(in.choices[in.sel], "auto");  /* absent: the default */
    config_input_key(&in, 'l');
    assert_string_equal(in.choices[in.sel], "llama2");
    config_input_key(&in, 'l');
    assert_string_equal(in.choices[in.sel], "llama3");
    config_input_key(&in, KEY_UP);
    config_input_key(&in, KEY_END);
    assert_string_equal(in.choices[in.sel], "alpaca");
    config_input_key(&in, KEY_DOWN);                  /* wraps */
    assert_string_equal(in.choices[in.sel], "auto");
    config_input_open(&in, key("adapter"), "lora", NULL, NULL);
    assert_true(in.unset_choice);
    assert_string_equal(in.choices[0], CONFIG_INPUT_UNSET);
    assert_string_equal(in.choices[in.sel], "lora");
    config_input_key(&in, KEY_HOME);
    assert_int_equal(config_input_key(&in, KEY_ENTER), CONFIG_INPUT_APPLY);
    assert_null(config_input_value(&in, buf, sizeof buf));   /* full fine-tuning */
    config_input_close(&in);
}

static void test_checkboxes(void **state)
{
    (void)state;
    config_input in = {0};
    char buf[256];
    config_input_open(&in, key("lora_target_modules"), "q_proj, v_proj", NULL, NULL);
    assert_int_equal(in.kind, CONFIG_INPUT_CHECKS);
    assert_int_equal(in.n, 7);
    assert_true(in.checked[0] && !in.checked[1] && in.checked[2]);
    config_input_key(&in, KEY_DOWN);
    config_input_key(&in, ' ');
    config_input_key(&in, KEY_END);
    config_input_key(&in, ' ');
    assert_int_equal(config_input_key(&in, '\n'), CONFIG_INPUT_APPLY);
    assert_string_equal(config_input_value(&in, buf, sizeof buf),
                        "q_proj, k_proj, v_proj, down_proj");
    config_input_open(&in, key("lora_target_modules"), "[o_proj]", NULL, NULL);
    assert_true(in.checked[3]);
    config_input_key(&in, KEY_UP);                    /* to down_proj, unchecked */
    config_input_key(&in, KEY_HOME);
    for (int i = 0; i < 3; i++)
        config_input_key(&in, KEY_DOWN);
    config_input_key(&in, ' ');                       /* o_proj off: none left */
    assert_int_equal(config_input_key(&in, '\n'), CONFIG_INPUT_APPLY);
    assert_string_equal(config_input_value(&in, buf, sizeof buf), "");   /* [] */
    config_input_close(&in);
}

static void test_path_completion(void **state)
{
    (void)state;
    config_input in = {0};
    char buf[PATH_MAX];
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", testdir_path("cfg"));
    mkdir(dir, 0700);
    mkdir(testdir_path("cfg/data"), 0700);
    testdir_write("cfg/data/train.jsonl", "{}\n");
    testdir_write("cfg/data/test.jsonl", "{}\n");
    testdir_write("cfg/model.gguf", "x");
    config_input_open(&in, config_schema_find(CS_DATASET, "path"), "", dir, NULL);
    assert_int_equal(in.check, -1);                   /* required */
    type(&in, "da");
    config_input_key(&in, '\t');
    assert_string_equal(line_edit_text(&in.le), "data/");
    config_input_key(&in, '\t');                      /* two files: their common start */
    assert_string_equal(line_edit_text(&in.le), "data/t");
    size_t n;
    line_edit_candidates(&in.le, &n);
    assert_int_equal(n, 2);
    type(&in, "r");
    config_input_key(&in, '\t');
    assert_string_equal(line_edit_text(&in.le), "data/train.jsonl");
    assert_int_equal(in.check, 1);                    /* the file exists */
    assert_int_equal(config_input_key(&in, '\n'), CONFIG_INPUT_APPLY);
    assert_string_equal(config_input_value(&in, buf, sizeof buf), "data/train.jsonl");
    config_input_open(&in, config_schema_find(CS_DATASET, "path"), "", dir, NULL);
    type(&in, "data/nope.jsonl");
    assert_int_equal(in.check, -1);
    assert_non_null(strstr(in.why, "nope.jsonl"));
    config_input_close(&in);
}

static void test_booleans_toggle(void **state)
{
    (void)state;
    assert_true(config_input_toggles(key("sample_packing")));
    assert_false(config_input_toggles(key("seed")));
    assert_false(config_input_toggles(key("lora_target_modules")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_checked_as_typed),
        cmocka_unit_test(test_empty_removes_an_optional_key),
        cmocka_unit_test(test_choices),
        cmocka_unit_test(test_checkboxes),
        cmocka_unit_test(test_path_completion),
        cmocka_unit_test(test_booleans_toggle),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
