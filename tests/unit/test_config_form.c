/* test_config_form.c - the Config pane's form as data (config_form.h) over
 * the sample config: one row per schema key, grouped in the schema's order
 * under a heading each, dataset entries as rows of their own, values as the
 * file has them with those away from their default marked, keys without
 * effect given the others with the reason, keys lathe does not know kept
 * with the did-you-mean (and Axolotl's with why they do not apply), the
 * loader's problems on the rows of their lines; finding rows by path and
 * by a name or its unique start, and moving past headings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_form.h"

static char sample[PATH_MAX];

typedef struct {
    config_doc *doc;
    train_config cfg;
    config_diags diags;
    config_form form;
} fixture;

static void build(fixture *f, config_doc *d)
{
    memset(f, 0, sizeof *f);
    assert_non_null(d);
    f->doc = d;
    config_doc_load(d, &f->cfg, &f->diags);
    assert_int_equal(config_form_build(&f->form, d, &f->cfg, &f->diags), 0);
}

static void build_text(fixture *f, const char *text)
{
    char err[512], path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s", sample);   /* relative paths as the sample's */
    config_doc *d = config_doc_from_text(path, text, strlen(text), err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    build(f, d);
}

static void drop(fixture *f)
{
    config_form_free(&f->form);
    train_config_free(&f->cfg);
    config_doc_free(f->doc);
}

static const form_row *row(const fixture *f, const char *path)
{
    size_t i = config_form_find(&f->form, path);
    if (i == SIZE_MAX)
        fail_msg("no row %s", path);
    return &f->form.rows[i];
}

static void test_every_key_once_in_its_group(void **state)
{
    (void)state;
    char err[512];
    fixture f;
    build(&f, config_doc_open(sample, err, sizeof err));
    int group = -1;
    size_t headings = 0;
    for (size_t i = 0; i < f.form.n; i++) {
        const form_row *r = &f.form.rows[i];
        if (r->kind == FORM_GROUP) {
            assert_int_equal(r->group, group + 1);  /* the schema's order */
            group = r->group;
            headings++;
            continue;
        }
        assert_int_equal(r->group, group);
        if (r->kind == FORM_KEY)
            assert_int_equal(r->key->group, group);
    }
    assert_int_equal(headings, CS_GROUP_COUNT);
    for (size_t i = 0; i < config_schema_count; i++) {
        const cs_key *k = &config_schema[i];
        size_t n = 0;
        for (size_t j = 0; j < f.form.n; j++)
            n += f.form.rows[j].kind == FORM_KEY && f.form.rows[j].key == k;
        assert_int_equal(n, k->scope == CS_TOP ? 1 : 0);
    }
    drop(&f);
}

static void test_values_defaults_and_rules(void **state)
{
    (void)state;
    char err[512];
    fixture f;
    build(&f, config_doc_open(sample, err, sizeof err));
    const form_row *lr = row(&f, "learning_rate");
    assert_string_equal(lr->value, "0.004");
    assert_true(lr->given && lr->changed);
    assert_true(lr->line > 0);
    const form_row *seed = row(&f, "seed");
    assert_true(seed->given);
    assert_false(seed->changed);                  /* 42 is the default */
    const form_row *wd = row(&f, "weight_decay");
    assert_false(wd->given || wd->changed);
    assert_string_equal(row(&f, "lora_target_modules")->inactive,
                        "lora_target_linear: true puts an adapter on every projection");
    assert_string_equal(row(&f, "val_set_size")->inactive, "test_datasets are used instead");
    assert_null(lr->inactive);
    const form_row *e = row(&f, "datasets[0]");
    assert_int_equal(e->kind, FORM_ENTRY);
    assert_string_equal(e->value, "data/train.jsonl (alpaca)");
    const form_row *p = row(&f, "datasets[0].path");
    assert_int_equal(p->kind, FORM_ENTRY_KEY);
    assert_string_equal(p->value, "data/train.jsonl");
    assert_false(row(&f, "datasets[0].field_input")->given);
    assert_int_equal(row(&f, "test_datasets[0].type")->list, 1);
    assert_string_equal(row(&f, "datasets")->value, "1 entry");
    drop(&f);
}

static void test_unknown_keys_and_problems(void **state)
{
    (void)state;
    fixture f;
    build_text(&f, "base_model: model.gguf\n"
                   "datasets:\n  - path: data/train.jsonl\n"
                   "learning_rate: 0.001\n"
                   "sequence_len: 1\n"
                   "lerning_rate: 0.1\n"
                   "bf16: true\n");
    const form_row *typo = row(&f, "lerning_rate");
    assert_int_equal(typo->kind, FORM_UNKNOWN);
    assert_non_null(strstr(typo->note, "did you mean 'learning_rate'"));
    assert_true(typo->problem_is_error);
    assert_string_equal(typo->value, "0.1");
    const form_row *ax = row(&f, "bf16");
    assert_int_equal(ax->kind, FORM_UNKNOWN);
    assert_non_null(strstr(ax->note, "fp32"));
    assert_false(ax->problem_is_error);
    const form_row *seq = row(&f, "sequence_len");
    assert_non_null(strstr(seq->note, "out of range"));
    assert_true(seq->problem_is_error);
    assert_string_equal(row(&f, "learning_rate")->note, "");
    assert_int_equal(f.form.rows[f.form.n - 3].kind, FORM_GROUP);  /* the last heading */
    drop(&f);
}

static void test_is_default(void **state)
{
    (void)state;
    const cs_key *wd = config_schema_find(CS_TOP, "weight_decay");
    const cs_key *mods = config_schema_find(CS_TOP, "lora_target_modules");
    const cs_key *shuffle = config_schema_find(CS_TOP, "shuffle");
    const cs_key *tmpl = config_schema_find(CS_TOP, "chat_template");
    const cs_key *lr = config_schema_find(CS_TOP, "learning_rate");
    assert_true(config_form_is_default(wd, "0"));
    assert_true(config_form_is_default(wd, "0.0e0"));
    assert_false(config_form_is_default(wd, "0.01"));
    assert_false(config_form_is_default(wd, "0x"));
    assert_true(config_form_is_default(mods, "q_proj,v_proj"));
    assert_true(config_form_is_default(mods, "[q_proj, v_proj]"));
    assert_false(config_form_is_default(mods, "v_proj, q_proj"));
    assert_true(config_form_is_default(shuffle, "yes"));
    assert_false(config_form_is_default(shuffle, "off"));
    assert_true(config_form_is_default(tmpl, "auto"));
    assert_false(config_form_is_default(lr, "0.001"));   /* required: no default */
    char buf[128];
    config_form_default(lr, buf, sizeof buf);
    assert_string_equal(buf, "required");
    config_form_default(config_schema_find(CS_TOP, "threads"), buf, sizeof buf);
    assert_string_equal(buf, "unset: all cores");
    config_form_default(mods, buf, sizeof buf);
    assert_string_equal(buf, "q_proj, v_proj");
}

static void test_lookup_and_steps(void **state)
{
    (void)state;
    char err[512];
    fixture f;
    build(&f, config_doc_open(sample, err, sizeof err));
    size_t lr = config_form_lookup(&f.form, "learning_rate");
    assert_int_not_equal(lr, SIZE_MAX);
    assert_int_equal(config_form_lookup(&f.form, "learn"), lr);        /* a unique start */
    assert_int_equal(config_form_lookup(&f.form, "lora_"), SIZE_MAX);  /* several */
    assert_int_equal(config_form_lookup(&f.form, "nothing"), SIZE_MAX);
    assert_int_equal(config_form_lookup(&f.form, "path"), SIZE_MAX);   /* entry keys are not */
    size_t first = config_form_first(&f.form);
    assert_int_equal(f.form.rows[0].kind, FORM_GROUP);
    assert_int_equal(first, 1);
    assert_int_equal(config_form_step(&f.form, first, -1), first);     /* nothing above */
    size_t last = config_form_find(&f.form, "load_in_4bit");
    size_t next = config_form_step(&f.form, last, +1);                 /* over "Data" */
    assert_int_equal(next, last + 2);
    assert_int_equal(config_form_step(&f.form, next, -1), last);
    assert_int_equal(config_form_step(&f.form, f.form.n - 1, +1), f.form.n - 1);
    drop(&f);
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    snprintf(sample, sizeof sample, "%s/samples/lora.yaml", src ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_once_in_its_group),
        cmocka_unit_test(test_values_defaults_and_rules),
        cmocka_unit_test(test_unknown_keys_and_problems),
        cmocka_unit_test(test_is_default),
        cmocka_unit_test(test_lookup_and_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
