/* test_config_doc.c - editing a config file in place (config_doc.h): the
 * bytes round-trip untouched over the sample configs and hand-written ugly files
 * (anchors, aliases, flow style, comments after values, quotes, CRLF, a
 * BOM, no final line break); every edit changes exactly the expected bytes;
 * multi-document files are refused; unknown keys are flagged as --check
 * flags them; the diff, the change-on-disk check and the atomic save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_doc.h"
#include "file_read.h"
#include "testdir.h"

static char src_dir[PATH_MAX];

static char *slurp(const char *path, size_t *len)
{
    char err[256];
    char *t = file_read_path(path, len, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    return t;
}

static config_doc *open_text(const char *name, const char *text)
{
    char err[512];
    config_doc *d = config_doc_open(testdir_write(name, text), err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    return d;
}

static void assert_text(const config_doc *d, const char *want)
{
    size_t len;
    const char *t = config_doc_text(d, &len);
    if (len != strlen(want) || memcmp(t, want, len))
        fail_msg("text:\n[%s]\nwant:\n[%s]", t, want);
}

static void set(config_doc *d, const char *path, const char *value)
{
    char err[512];
    if (config_doc_set(d, path, value, err, sizeof err) < 0)
        fail_msg("set %s=%s: %s", path, value, err);
}

static void unset(config_doc *d, const char *path)
{
    char err[512];
    if (config_doc_unset(d, path, err, sizeof err) < 0)
        fail_msg("unset %s: %s", path, err);
}

/* Opens PATH, saves it elsewhere untouched: the bytes must not move. */
static void round_trip(const char *path)
{
    char err[512];
    size_t len, len2;
    char *want = slurp(path, &len);
    config_doc *d = config_doc_open(path, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    assert_false(config_doc_modified(d));
    const char *copy = testdir_write("copy.yaml", "");
    char *text = strdup(config_doc_text(d, NULL));
    config_doc_free(d);
    d = config_doc_from_text(copy, text, len, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(config_doc_save(d, true, err, sizeof err), 0);
    char *got = slurp(copy, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(want, got, len);
    free(want);
    free(got);
    free(text);
    config_doc_free(d);
}

static char *sample(const char *name)
{
    static char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", src_dir, name);
    return path;
}

static void test_round_trip_samples(void **state)
{
    (void)state;
    round_trip(sample("samples/lora.yaml"));
    round_trip(sample("samples/full.yaml"));
    round_trip(sample("samples/pretrain.yaml"));
    round_trip(sample("tests/fixtures/config/ugly.yaml"));
    round_trip(sample("tests/fixtures/config/full.yaml"));
}

/* TEXT with every "\n" made "\r\n", optionally after a UTF-8 BOM. */
static char *crlf(const char *text, bool bom)
{
    char *out = malloc(2 * strlen(text) + 4), *o = out;
    if (bom)
        o += sprintf(o, "\xEF\xBB\xBF");
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            *o++ = '\r';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static void test_round_trip_crlf_bom(void **state)
{
    (void)state;
    size_t len;
    char *ugly = slurp(sample("tests/fixtures/config/ugly.yaml"), &len);
    char *both = crlf(ugly, true);
    round_trip(testdir_write("crlf_bom.yaml", both));
    char *bom_only = malloc(len + 4);
    sprintf(bom_only, "\xEF\xBB\xBF%s", ugly);
    round_trip(testdir_write("bom.yaml", bom_only));
    round_trip(testdir_write("no_eol.yaml", "lora_r: 8\nlora_alpha: 16"));
    round_trip(testdir_write("empty.yaml", ""));
    round_trip(testdir_write("comments.yaml", "# only a comment\n\n"));
    free(ugly);
    free(both);
    free(bom_only);
}

static void test_reading(void **state)
{
    (void)state;
    char err[512], buf[256];
    config_doc *d = config_doc_open(sample("tests/fixtures/config/ugly.yaml"), err, sizeof err);
    assert_non_null(d);
    assert_int_equal(config_doc_get(d, "base_model", buf, sizeof buf), 1);
    assert_string_equal(buf, "../hf-tiny");
    assert_int_equal(config_doc_get(d, "eval_steps", buf, sizeof buf), 1);
    assert_string_equal(buf, "10");  /* the alias reads its anchor */
    assert_int_equal(config_doc_get(d, "lora_target_modules", buf, sizeof buf), 1);
    assert_string_equal(buf, "q_proj, v_proj");
    assert_int_equal(config_doc_get(d, "datasets[1].path", buf, sizeof buf), 1);
    assert_string_equal(buf, "train.jsonl");
    assert_int_equal(config_doc_get(d, "datasets[0].type", buf, sizeof buf), 1);
    assert_string_equal(buf, "alpaca");
    assert_int_equal(config_doc_get(d, "datasets[0]", buf, sizeof buf), -1);
    assert_int_equal(config_doc_get(d, "max_steps", buf, sizeof buf), 0);
    assert_int_equal(config_doc_list_len(d, "datasets"), 2);
    assert_int_equal(config_doc_list_len(d, "test_datasets"), 0);
    assert_int_equal(config_doc_key_count(d), 15);
    const config_doc_key *k = config_doc_key_at(d, 14);
    assert_string_equal(k->name, "lr_schedular");
    assert_null(k->schema);
    assert_string_equal(k->hint->key, "lr_scheduler");
    assert_int_equal(k->line, 24);
    assert_ptr_equal(config_doc_key_at(d, 0)->schema, config_schema_find(CS_TOP, "base_model"));
    config_doc_free(d);
}

/* Unknown keys carry the text and place `lathe config --check` gives. */
static void test_unknown_keys_as_check(void **state)
{
    (void)state;
    const char *text = "base_model: x\nlearnin_rate: 1\ndatasets:\n  - path: a\n    tpye: alpaca\n"
                       "zzzzzz: 1\n";
    config_doc *d = open_text("unknown.yaml", text);
    config_diags flags, check;
    config_doc_unknown_keys(d, &flags);
    train_config cfg;
    config_doc_load(d, &cfg, &check);
    train_config_free(&cfg);
    assert_int_equal(flags.n, 3);
    assert_string_equal(flags.items[0].msg, "unknown key 'learnin_rate'; did you mean 'learning_rate'?");
    assert_string_equal(flags.items[1].msg, "unknown key 'zzzzzz'");
    assert_string_equal(flags.items[2].msg,
                        "unknown key 'tpye' in datasets[0]; did you mean 'type'?");
    for (size_t i = 0; i < flags.n; i++) {
        bool found = false;
        for (size_t j = 0; j < check.n; j++)
            found |= !strcmp(check.items[j].msg, flags.items[i].msg) &&
                     check.items[j].line == flags.items[i].line &&
                     check.items[j].col == flags.items[i].col;
        assert_true(found);
    }
    config_doc_free(d);
}

static void test_refused(void **state)
{
    (void)state;
    char err[512];
    assert_null(config_doc_open(testdir_write("two.yaml", "lora_r: 8\n---\nlora_r: 16\n"), err,
                                sizeof err));
    assert_non_null(strstr(err, "two.yaml:2:1: expected one YAML document, found a second one"));
    assert_null(config_doc_open(testdir_write("list.yaml", "- a\n- b\n"), err, sizeof err));
    assert_non_null(strstr(err, "list.yaml:1:1: expected a mapping of keys at the top level"));
    assert_null(config_doc_open(testdir_write("bad.yaml", "a: [1, 2\nb: 3\n"), err, sizeof err));
    assert_non_null(strstr(err, "bad.yaml:"));
    assert_non_null(strstr(err, "YAML syntax error"));
    assert_null(config_doc_open(testdir_path("none.yaml"), err, sizeof err));
    assert_non_null(strstr(err, "none.yaml: cannot read"));
    assert_null(config_doc_open(testdir(), err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));
}

static void test_set_values(void **state)
{
    (void)state;
    config_doc *d = open_text("v.yaml", "base_model: \"a.gguf\"  # quoted\n"
                                         "chat_template: 'auto'\n"
                                         "learning_rate: 4.0e-3 # peak\n"
                                         "warmup_steps: &w 10\n"
                                         "eval_steps: *w\n"
                                         "output_dir:\n"
                                         "lora_r:  16     # rank\n");
    set(d, "learning_rate", "1e-4");
    set(d, "base_model", "b c.gguf");
    set(d, "chat_template", "chatml");
    set(d, "warmup_steps", "20");
    set(d, "eval_steps", "30");
    set(d, "output_dir", "runs/x");
    set(d, "lora_r", "8");
    assert_text(d, "base_model: \"b c.gguf\"  # quoted\n"
                   "chat_template: 'chatml'\n"
                   "learning_rate: 1e-4 # peak\n"
                   "warmup_steps: &w 20\n"
                   "eval_steps: 30\n"
                   "output_dir: runs/x\n"
                   "lora_r:  8     # rank\n");
    assert_true(config_doc_modified(d));
    config_doc_free(d);
}

static void test_strings_quoted_when_needed(void **state)
{
    (void)state;
    config_doc *d = open_text("q.yaml", "seed: 1\n");
    set(d, "output_dir", "true");
    set(d, "base_model", "a: b #c");
    set(d, "seed", "7");
    assert_text(d, "seed: 7\noutput_dir: \"true\"\nbase_model: \"a: b #c\"\n");
    config_doc_free(d);
}

/* New keys go after the last key of their group, else to the end. */
static void test_add_keys(void **state)
{
    (void)state;
    config_doc *d = open_text("add.yaml", "# head\nbase_model: m\n\nadapter: lora\nlora_r: 8\n"
                                           "\nlearning_rate: 0.1\n# tail\n");
    set(d, "lora_alpha", "16");
    set(d, "load_in_4bit", "true");
    set(d, "threads", "2");
    assert_text(d, "# head\nbase_model: m\nload_in_4bit: true\n\nadapter: lora\nlora_r: 8\n"
                   "lora_alpha: 16\n\nlearning_rate: 0.1\n# tail\nthreads: 2\n");
    config_doc_free(d);
    d = open_text("empty.yaml", "");
    set(d, "learning_rate", "2e-4");
    assert_text(d, "learning_rate: 2e-4\n");
    config_doc_free(d);
    d = open_text("noeol.yaml", "lora_r: 8");
    set(d, "seed", "1");
    assert_text(d, "lora_r: 8\nseed: 1\n");
    config_doc_free(d);
}

static void test_unset(void **state)
{
    (void)state;
    config_doc *d = open_text("u.yaml", "lora_r: 8  # r\nlora_alpha: 16\nlora_target_modules:\n"
                                         "  - q_proj\n  - v_proj\n\nseed: 1\n");
    unset(d, "lora_alpha");
    unset(d, "lora_target_modules");
    unset(d, "max_steps");  /* absent: nothing to do */
    assert_text(d, "lora_r: 8  # r\n\nseed: 1\n");
    config_doc_free(d);
}

static void test_flow_list_edits(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = open_text("f.yaml", "lora_target_modules: [q_proj,   v_proj]   # flow list\n");
    set(d, "lora_target_modules[1]", "k_proj");
    assert_text(d, "lora_target_modules: [q_proj,   k_proj]   # flow list\n");
    const char *three[] = {"q_proj", "k_proj", "o_proj"};
    assert_int_equal(config_doc_list_set(d, "lora_target_modules", three, 3, err, sizeof err), 0);
    assert_text(d, "lora_target_modules: [q_proj,   k_proj, o_proj]   # flow list\n");
    set(d, "lora_target_modules", "o_proj, q_proj");
    assert_text(d, "lora_target_modules: [q_proj,   o_proj]   # flow list\n");
    unset(d, "lora_target_modules[0]");
    unset(d, "lora_target_modules[0]");
    assert_text(d, "lora_target_modules: []   # flow list\n");
    set(d, "lora_target_modules", "up_proj");
    assert_text(d, "lora_target_modules: [up_proj]   # flow list\n");
    config_doc_free(d);
}

static void test_block_list_edits(void **state)
{
    (void)state;
    config_doc *d = open_text("b.yaml", "lora_target_modules:\n    - q_proj  # q\n    - v_proj\n"
                                         "seed: 1\n");
    set(d, "lora_target_modules", "q_proj, v_proj, gate_proj");
    assert_text(d, "lora_target_modules:\n    - q_proj  # q\n    - v_proj\n    - gate_proj\n"
                   "seed: 1\n");
    set(d, "lora_target_modules", "q_proj, gate_proj");
    assert_text(d, "lora_target_modules:\n    - q_proj  # q\n    - gate_proj\nseed: 1\n");
    set(d, "lora_target_modules", "");
    assert_text(d, "lora_target_modules: []  # q\nseed: 1\n");
    config_doc_free(d);
    d = open_text("b2.yaml", "adapter: lora\n");
    set(d, "lora_target_modules", "q_proj, v_proj");
    assert_text(d, "adapter: lora\nlora_target_modules: [q_proj, v_proj]\n");
    config_doc_free(d);
}

static void add_dataset(config_doc *d, const char *list, const char *path, const char *type)
{
    char err[512];
    if (config_doc_dataset_add(d, list, path, type, err, sizeof err) < 0)
        fail_msg("add %s to %s: %s", path, list, err);
}

static void test_dataset_edits(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = open_text("d.yaml", "datasets:\n- {path: a.jsonl, type: alpaca}\n"
                                         "-   path: 'b.jsonl'    # b\n    type:    alpaca\n"
                                         "test_datasets: []\nseed: 1\n");
    add_dataset(d, "datasets", "c d.jsonl", "sharegpt");
    add_dataset(d, "test_datasets", "e.jsonl", "completion");
    set(d, "datasets[0].type", "messages");
    set(d, "datasets[0].field_messages", "turns");
    set(d, "datasets[1].field_output", "answer");
    assert_text(d, "datasets:\n- {path: a.jsonl, type: messages, field_messages: turns}\n"
                   "-   path: 'b.jsonl'    # b\n    type:    alpaca\n    field_output: answer\n"
                   "-   path: c d.jsonl\n    type: sharegpt\n"
                   "test_datasets:\n  - path: e.jsonl\n    type: completion\nseed: 1\n");
    unset(d, "datasets[0].type");
    unset(d, "datasets[1].path");
    assert_int_equal(config_doc_dataset_remove(d, "datasets", 2, err, sizeof err), 0);
    assert_text(d, "datasets:\n- {path: a.jsonl, field_messages: turns}\n"
                   "-   type:    alpaca\n    field_output: answer\n"
                   "test_datasets:\n  - path: e.jsonl\n    type: completion\nseed: 1\n");
    assert_int_equal(config_doc_dataset_remove(d, "datasets", 0, err, sizeof err), 0);
    assert_int_equal(config_doc_dataset_remove(d, "test_datasets", 0, err, sizeof err), 0);
    assert_text(d, "datasets:\n-   type:    alpaca\n    field_output: answer\n"
                   "test_datasets: []\nseed: 1\n");
    assert_int_equal(config_doc_unset(d, "datasets[0].type", err, sizeof err), 0);
    assert_int_equal(config_doc_unset(d, "datasets[0].field_output", err, sizeof err), -1);
    assert_non_null(strstr(err, "the entry's only key"));
    assert_int_equal(config_doc_dataset_remove(d, "datasets", 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such entry"));
    assert_int_equal(config_doc_set(d, "datasets", "x", err, sizeof err), -1);
    config_doc_free(d);
    d = open_text("d2.yaml", "seed: 1\n");
    add_dataset(d, "datasets", "a.jsonl", "alpaca");
    assert_text(d, "seed: 1\ndatasets:\n  - path: a.jsonl\n    type: alpaca\n");
    config_doc_free(d);
}

/* Edits in a CRLF file with a BOM write CRLF and keep the BOM. */
static void test_crlf_bom_edits(void **state)
{
    (void)state;
    char *text = crlf("# c\nlora_r: 8\nseed: 1\n", true);
    config_doc *d = open_text("crlf.yaml", text);
    set(d, "lora_r", "16");
    set(d, "lora_alpha", "32");
    unset(d, "seed");
    char *want = crlf("# c\nlora_r: 16\nlora_alpha: 32\n", true);
    assert_text(d, want);
    free(text);
    free(want);
    config_doc_free(d);
}

/* Removing an anchor its aliases still use copies the value into them. */
static void test_anchor_removed(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = open_text("anchor.yaml", "warmup_steps: &w 10  # w\neval_steps: *w\n"
                                              "save_steps: *w\n");
    unset(d, "warmup_steps");
    assert_text(d, "eval_steps: 10\nsave_steps: 10\n");
    config_doc_free(d);
    d = open_text("anchor2.yaml", "lora_target_modules: &m\n  - q_proj\nx: *m\n");
    assert_int_equal(config_doc_unset(d, "lora_target_modules", err, sizeof err), -1);
    assert_non_null(strstr(err, "anchor2.yaml:3:4: *m refers to the list being removed"));
    assert_text(d, "lora_target_modules: &m\n  - q_proj\nx: *m\n");
    config_doc_free(d);
    assert_null(config_doc_open(testdir_write("alias.yaml", "a: *nowhere\n"), err, sizeof err));
    assert_non_null(strstr(err, "alias.yaml:1:4: *nowhere refers to no anchor"));
}

static void test_apply_all_or_nothing(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = open_text("apply.yaml", "adapter: lora\nlora_r: 8\n");
    const config_edit bad[] = {{"lora_r", "16"}, {"datasets[4].path", "x"}};
    assert_int_equal(config_doc_apply(d, bad, 2, err, sizeof err), -1);
    assert_text(d, "adapter: lora\nlora_r: 8\n");
    const config_edit good[] = {{"lora_r", "16"}, {"adapter", NULL}, {"lora_alpha", "32"}};
    assert_int_equal(config_doc_apply(d, good, 3, err, sizeof err), 0);
    assert_text(d, "lora_r: 16\nlora_alpha: 32\n");
    config_doc_free(d);
}

static void test_diff(void **state)
{
    (void)state;
    config_doc *d = open_text("diff.yaml", "a_line: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nlora_r: 8\n");
    set(d, "lora_r", "16");
    config_diff df;
    assert_int_equal(config_doc_diff(d, 2, &df), 0);
    assert_int_equal(df.n, 5);
    assert_int_equal(df.lines[0].kind, CONFIG_DIFF_HUNK);
    assert_string_equal(df.lines[0].text, "@@ -6,3 +6,3 @@");
    assert_int_equal(df.lines[3].kind, CONFIG_DIFF_REMOVED);
    assert_string_equal(df.lines[3].text, "lora_r: 8");
    assert_int_equal(df.lines[3].old_line, 8);
    assert_int_equal(df.lines[4].kind, CONFIG_DIFF_ADDED);
    assert_string_equal(df.lines[4].text, "lora_r: 16");
    assert_int_equal(df.added, 1);
    assert_int_equal(df.removed, 1);
    config_diff_free(&df);
    config_diff same;
    assert_int_equal(config_diff_texts("x\n", 2, "x\n", 2, 3, &same), 0);
    assert_int_equal(same.n, 0);
    config_diff_free(&same);
    config_doc_free(d);
}

/* Another program writing the file is noticed; touching it is not. */
static void test_disk_changes(void **state)
{
    (void)state;
    char err[512];
    const char *path = testdir_write("disk.yaml", "lora_r: 8\n");
    config_doc *d = config_doc_open(path, err, sizeof err);
    assert_int_equal(config_doc_disk_state(d), CONFIG_DISK_SAME);
    struct timespec later[2] = {{.tv_sec = time(NULL) + 5}, {.tv_sec = time(NULL) + 5}};
    assert_int_equal(utimensat(AT_FDCWD, path, later, 0), 0);
    assert_int_equal(config_doc_disk_state(d), CONFIG_DISK_SAME);
    testdir_write("disk.yaml", "lora_r: 9\n");
    assert_int_equal(config_doc_disk_state(d), CONFIG_DISK_CHANGED);
    set(d, "lora_r", "16");
    assert_int_equal(config_doc_save(d, false, err, sizeof err), -1);
    assert_non_null(strstr(err, "changed on disk"));
    assert_int_equal(config_doc_reload(d, err, sizeof err), 0);
    assert_false(config_doc_modified(d));
    assert_text(d, "lora_r: 9\n");
    set(d, "lora_r", "16");
    assert_int_equal(config_doc_save(d, false, err, sizeof err), 0);
    assert_false(config_doc_modified(d));
    assert_int_equal(config_doc_disk_state(d), CONFIG_DISK_SAME);
    size_t len;
    char *got = slurp(path, &len);
    assert_string_equal(got, "lora_r: 16\n");
    free(got);
    unlink(path);
    assert_int_equal(config_doc_disk_state(d), CONFIG_DISK_GONE);
    config_doc_free(d);
}

static void test_save_through_symlink(void **state)
{
    (void)state;
    char err[512];
    const char *target = testdir_write("target.yaml", "seed: 1\n");
    const char *link = testdir_path("link.yaml");
    assert_int_equal(symlink(target, link), 0);
    config_doc *d = config_doc_open(link, err, sizeof err);
    set(d, "seed", "2");
    assert_int_equal(config_doc_save(d, false, err, sizeof err), 0);
    struct stat sb;
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    size_t len;
    char *got = slurp(target, &len);
    assert_string_equal(got, "seed: 2\n");
    free(got);
    config_doc_free(d);
}

/* The loaded config of the document equals the file's, edits included. */
static void test_load_matches_loader(void **state)
{
    (void)state;
    char err[512];
    config_doc *d = config_doc_open(sample("samples/lora.yaml"), err, sizeof err);
    train_config a, b;
    config_diags da, db;
    assert_int_equal(config_doc_load(d, &a, &da), 0);
    assert_int_equal(train_config_load(&b, sample("samples/lora.yaml"), NULL, 0, &db), 0);
    assert_true(train_config_equal(&a, &b));
    train_config_free(&a);
    set(d, "lora_r", "4");
    assert_int_equal(config_doc_load(d, &a, &da), 0);
    assert_int_equal(a.lora_r, 4);
    train_config_free(&a);
    train_config_free(&b);
    config_doc_free(d);
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    if (!realpath(src ? src : ".", src_dir)) {
        fprintf(stderr, "test_config_doc: cannot find the source directory\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_samples),
        cmocka_unit_test(test_round_trip_crlf_bom),
        cmocka_unit_test(test_reading),
        cmocka_unit_test(test_unknown_keys_as_check),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_set_values),
        cmocka_unit_test(test_strings_quoted_when_needed),
        cmocka_unit_test(test_add_keys),
        cmocka_unit_test(test_unset),
        cmocka_unit_test(test_flow_list_edits),
        cmocka_unit_test(test_block_list_edits),
        cmocka_unit_test(test_dataset_edits),
        cmocka_unit_test(test_crlf_bom_edits),
        cmocka_unit_test(test_anchor_removed),
        cmocka_unit_test(test_apply_all_or_nothing),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_disk_changes),
        cmocka_unit_test(test_save_through_symlink),
        cmocka_unit_test(test_load_matches_loader),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
