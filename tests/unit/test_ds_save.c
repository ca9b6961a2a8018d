/* test_ds_save.c - saving a session: JSONL and JSON-array layouts with
 * untouched records byte for byte, .gz output, refusing to overwrite the
 * input without the option and keeping numbered backups with it, and a
 * writer SIGKILLed mid-save: the old file intact, its temporary clearly named
 * and removed by the next save, while a live writer's temporary is left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ds_output.h"
#include "ds_save.h"
#include "ds_session_fixture.h"

static void save_ok(ds_edit *e, const char *out, bool overwrite, ds_save_result *res)
{
    char err[512] = "";
    ds_save_options o = {.overwrite_input = overwrite};
    if (ds_save(e, out, &o, res, err, sizeof err) != DS_SAVE_OK)
        fail_msg("save %s: %s", out, err);
}

static void expect_file(const char *path, const char *want)
{
    char *got = read_all(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_array_layout_keeps_records(void **state)
{
    (void)state;
    session s;
    session_open(&s, "arr.json",
                 "[\n  {\n    \"instruction\": \"a\",\n    \"output\": \"b\"\n  },\n"
                 "  {\"instruction\":\"c\",\"output\":\"d\"},\n  {\"instruction\":\" e\",\"output\":\"f\"}\n]\n");
    size_t r1 = 1;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r1, .n_rows = 1}, NULL);
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_WHITESPACE}, NULL);
    ds_save_result res;
    save_ok(s.e, testdir_path("arr-out.json"), false, &res);
    expect_file(testdir_path("arr-out.json"),
                "[\n{\n    \"instruction\": \"a\",\n    \"output\": \"b\"\n  },\n"
                "{\"instruction\":\"e\",\"output\":\"f\"}\n]\n");
    assert_int_equal(res.written, 2);
    assert_int_equal(res.deleted, 1);
    assert_string_equal(res.recipe, testdir_path("arr-out.json.recipe.yaml"));
    struct stat st;
    assert_int_equal(stat(res.recipe, &st), 0);
    session_close(&s);
}

static const char *const lines =
    "{\"instruction\":\"a\", \"output\":\"b\"}\r\n"
    "not json\n"
    "{\"instruction\":\"c\",\"output\":\"d\"}\n";

static void test_jsonl_and_gz(void **state)
{
    (void)state;
    session s;
    session_open(&s, "lines.jsonl", lines);
    ds_save_result res;
    save_ok(s.e, testdir_path("lines-out.jsonl"), false, &res);
    const char *want = "{\"instruction\":\"a\", \"output\":\"b\"}\n"
                       "{\"instruction\":\"c\",\"output\":\"d\"}\n";
    expect_file(testdir_path("lines-out.jsonl"), want);
    assert_int_equal(res.problems, 1);
    save_ok(s.e, testdir_path("lines-out.jsonl.gz"), false, &res);
    gzFile g = gzopen(testdir_path("lines-out.jsonl.gz"), "rb");
    assert_non_null(g);
    char buf[256] = "";
    int n = gzread(g, buf, sizeof buf - 1);
    gzclose(g);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
    session_close(&s);
}

static void test_in_place_needs_option_and_keeps_backups(void **state)
{
    (void)state;
    session s;
    session_open(&s, "inplace.jsonl", lines);
    size_t r0 = 0;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r0, .n_rows = 1}, NULL);
    char err[512] = "";
    ds_save_result res;
    assert_int_equal(ds_save(s.e, s.path, NULL, &res, err, sizeof err), DS_SAVE_NEEDS_OVERWRITE);
    assert_non_null(strstr(err, "--in-place"));
    expect_file(s.path, lines);
    save_ok(s.e, s.path, true, &res);
    assert_string_equal(res.backup, testdir_path("inplace.jsonl.bak"));
    expect_file(res.backup, lines);
    expect_file(s.path, "{\"instruction\":\"c\",\"output\":\"d\"}\n");
    save_ok(s.e, s.path, true, &res);
    assert_string_equal(res.backup, testdir_path("inplace.jsonl.bak.1"));
    expect_file(res.backup, "{\"instruction\":\"c\",\"output\":\"d\"}\n");
    expect_file(testdir_path("inplace.jsonl.bak"), lines);
    session_close(&s);
}

/* A save killed between linking its backup and replacing the input leaves
 * the backup name as a second link to the unchanged input: the next save
 * takes that name for its backup instead of moving on to .bak.1. */
static void test_killed_save_backup_is_reused(void **state)
{
    (void)state;
    session s;
    session_open(&s, "relink.jsonl", lines);
    char bak[4096];
    snprintf(bak, sizeof bak, "%s", testdir_path("relink.jsonl.bak"));
    assert_int_equal(link(s.path, bak), 0);
    size_t r0 = 0;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r0, .n_rows = 1}, NULL);
    ds_save_result res;
    save_ok(s.e, s.path, true, &res);
    assert_string_equal(res.backup, bak);
    expect_file(bak, lines);
    struct stat st;
    assert_int_not_equal(stat(testdir_path("relink.jsonl.bak.1"), &st), 0);
    session_close(&s);
}

/* --in-place on a symbolic link writes through it: the link stays a link,
 * the file it points to gets the new records and the backup beside it. */
static void test_in_place_through_a_symlink(void **state)
{
    (void)state;
    session s;
    session_open(&s, "target.jsonl", lines);
    char link_path[4096];
    snprintf(link_path, sizeof link_path, "%s", testdir_path("link.jsonl"));
    assert_int_equal(symlink("target.jsonl", link_path), 0);
    size_t r0 = 0;
    apply_ok(s.e, &(ds_action){.kind = DS_ACT_DELETE, .rows = &r0, .n_rows = 1}, NULL);
    ds_save_result res;
    save_ok(s.e, link_path, true, &res);
    struct stat st;
    assert_int_equal(lstat(link_path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    expect_file(s.path, "{\"instruction\":\"c\",\"output\":\"d\"}\n");
    expect_file(testdir_path("target.jsonl.bak"), lines);
    session_close(&s);
}

/* Temporaries of TARGET (TARGET.tmp.PID.XXXXXX) in the test directory. */
static size_t count_temps(const char *target)
{
    const char *base = strrchr(target, '/') + 1;
    DIR *d = opendir(testdir());
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, base, strlen(base)) && strstr(de->d_name, ".tmp."))
            n++;
    closedir(d);
    return n;
}

static off_t temp_size(const char *target)
{
    const char *base = strrchr(target, '/') + 1;
    DIR *d = opendir(testdir());
    off_t size = -1;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        struct stat st;
        if (!strncmp(de->d_name, base, strlen(base)) && strstr(de->d_name, ".tmp.")
            && stat(testdir_path(de->d_name), &st) == 0)
            size = st.st_size;
    }
    if (d)
        closedir(d);
    return size;
}

/* About 16 MB of records with varied text, so gzip takes a while. */
static void write_big(const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint64_t x = 12345;
    for (int i = 0; i < 60000; i++) {
        fprintf(f, "{\"instruction\":\"row %d\",\"output\":\"", i);
        for (int k = 0; k < 240; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            fputc("abcdefghijklmnopqrstuvwxyz0123456789 "[(x >> 33) % 37], f);
        }
        fputs("\"}\n", f);
    }
    assert_int_equal(fclose(f), 0);
}

static void child_save(const char *in, const char *out)
{
    char err[512];
    dataset *ds = dataset_open(in, NULL, err, sizeof err);
    ds_edit *e = ds ? ds_edit_new(ds, err, sizeof err) : NULL;
    ds_save_result res;
    _exit(e && ds_save(e, out, NULL, &res, err, sizeof err) == DS_SAVE_OK ? 0 : 1);
}

static void test_kill_during_save(void **state)
{
    (void)state;
    char in[4096], out[4096], other[4096];
    snprintf(in, sizeof in, "%s", testdir_path("big.jsonl"));
    snprintf(out, sizeof out, "%s", testdir_path("old.jsonl.gz"));
    snprintf(other, sizeof other, "%s", testdir_path("live.jsonl"));
    write_big(in);
    const char *old = "the previous output, which must survive\n";
    write_file(out, old);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_save(in, out);
    struct timespec tick = {0, 1000000};
    int status, waited = 0;
    while (temp_size(out) < 65536 && (waited = waitpid(pid, &status, WNOHANG)) == 0)
        nanosleep(&tick, NULL);
    assert_int_equal(waited, 0); /* still writing: not finished, not failed */
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    expect_file(out, old);
    assert_int_equal(count_temps(out), 1);

    /* a live writer's temporary is not touched; the dead one's is */
    ds_output live;
    char err[512] = "";
    assert_int_equal(ds_output_open(&live, other, DS_LAYOUT_JSONL, err, sizeof err), 0);
    assert_int_equal(atomic_file_clean_stale(other), 0);
    assert_int_equal(count_temps(other), 1);
    ds_output_abort(&live);
    assert_int_equal(count_temps(other), 0);

    session s;
    session_open_path(&s, in);
    ds_save_result res;
    save_ok(s.e, out, false, &res);
    assert_int_equal(count_temps(out), 0);
    assert_int_equal(res.written, 60000);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_layout_keeps_records),
        cmocka_unit_test(test_jsonl_and_gz),
        cmocka_unit_test(test_in_place_needs_option_and_keeps_backups),
        cmocka_unit_test(test_killed_save_backup_is_reused),
        cmocka_unit_test(test_in_place_through_a_symlink),
        cmocka_unit_test(test_kill_during_save),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
