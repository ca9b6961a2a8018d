/* test_data_thread.c - the Data pane's threads, run under TSan in the
 * threaded tree: the background loader (index, tokenizer, check, stats pass)
 * polled from this thread the way the pane does each tick, closed at every
 * stage (cancel, then join), and the search worker polled and stopped
 * half-way through a large file, the filter worker, an edit action on a
 * worker (data_job), the stats pass restarted over the edit session
 * while the session changes, and the filter's dup and near_dup from a pass
 * over the edits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data_filter.h"
#include "data_job.h"
#include "data_search.h"
#include "data_source.h"
#include "ds_fixture.h"

/* The workers here are polled, as the pane does while no host wakes it. */
static const worker_notify no_notify;

static void write_gen(ds_fixture *fx, ds_format fmt, uint64_t bytes, uint64_t *records)
{
    assert_int_equal(ds_fixture_generate(fx, fmt, bytes, 3, records), 0);
}

static void nap(void)
{
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
}

/* Polls until the loader is done, checking that what it publishes only grows. */
static void poll_to_done(data_source *s)
{
    data_source_state last = {0}, st;
    for (;;) {
        data_source_state_get(s, &st);
        assert_true(st.stage >= last.stage);
        assert_true(st.records >= last.records);
        assert_true(st.measured >= last.measured);
        assert_true(st.fraction >= 0 && st.fraction <= 1.0001);
        data_metrics m;
        if (st.measured)
            assert_true(data_source_metrics(s, st.measured - 1, &m));
        assert_false(data_source_metrics(s, st.records + 1, &m));
        last = st;
        if (st.stage == DATA_STAGE_DONE || st.stage == DATA_STAGE_FAILED)
            break;
        nap();
    }
    assert_int_equal(st.stage, DATA_STAGE_DONE);
}

/* Waits out a stats pass, which must end well. */
static void wait_stats_done(data_source *s)
{
    data_source_state st;
    do {
        nap();
        data_source_state_get(s, &st);
    } while (st.stage == DATA_STAGE_STATS);
    assert_int_equal(st.stage, DATA_STAGE_DONE);
}

/* PATH opened and indexed, checked and measured to the end. */
static data_source *open_indexed(const char *path)
{
    char err[512];
    data_source *s = data_source_open(path, NULL, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    poll_to_done(s);
    return s;
}

static void test_loader_runs_to_done(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    write_gen(&fx, DS_FMT_SHAREGPT, 3u << 20, &records);
    data_source *s = open_indexed(fx.path);
    dataset *ds = data_source_dataset(s);
    assert_int_equal(dataset_count(ds), records);
    assert_null(data_source_vocab(s));
    /* the stats pass agrees with measuring a record here */
    char ferr[256];
    ds_feat_ctx *fc = ds_feat_ctx_new(NULL, ferr, sizeof ferr);
    assert_non_null(fc);
    for (size_t i = 0; i < records; i += records / 7 + 1) {
        data_metrics a, b;
        assert_true(data_source_metrics(s, i, &a));
        ds_record rec;
        char why[256];
        assert_int_equal(dataset_get(ds, i, &rec, why, sizeof why), DATASET_OK);
        data_measure(s, fc, &rec, i, &b);
        ds_record_clear(&rec);
        assert_int_equal(a.chars, b.chars);
        assert_int_equal(a.tokens, b.tokens);
        assert_int_equal(a.flags & ~DS_ROW_NEAR_DUP, b.flags);
        assert_int_equal(a.lang, b.lang);
        assert_true(a.chars > 0 && a.tokens > 0);
    }
    ds_feat_ctx_free(fc);
    assert_non_null(data_source_stats(s));
    assert_int_equal(ds_stats_summary(data_source_stats(s))->rows, records);
    /* the Stats view's +/-: the pass again with another threshold */
    char rerr[256];
    assert_true(data_source_stats_stop(s));     /* none runs */
    data_source_pass again = {NULL, 0, 0, 0.7}, later = {NULL, 0, 0, 0.6};
    assert_int_equal(data_source_restat(s, &again, rerr, sizeof rerr), 0);
    assert_int_equal(data_source_restat(s, &later, rerr, sizeof rerr), -1);   /* still running */
    poll_to_done(s);
    assert_true(ds_stats_summary(data_source_stats(s))->near_threshold == 0.7);
    data_source_close(s);
    ds_fixture_drop(&fx);
}

static void test_loader_with_tokenizer(void **state)
{
    (void)state;
    char model[4096];
    snprintf(model, sizeof model, "%s/samples/data/vocab.gguf",
             getenv("LATHE_SRCDIR") ? getenv("LATHE_SRCDIR") : LATHE_SRCDIR);
    ds_fixture fx;
    uint64_t records;
    write_gen(&fx, DS_FMT_ALPACA, 200u << 10, &records);
    char err[256];
    data_source_options o = {.model = model};
    data_source *s = data_source_open(fx.path, &o, err, sizeof err);
    assert_non_null(s);
    poll_to_done(s);
    assert_non_null(data_source_vocab(s));
    data_metrics m;
    assert_true(data_source_metrics(s, 0, &m));
    assert_true(m.tokens > 0);
    data_source_close(s);

    o.model = "/nonexistent/model.gguf";
    s = data_source_open(fx.path, &o, err, sizeof err);
    assert_non_null(s);
    poll_to_done(s);
    assert_null(data_source_vocab(s));
    data_source_state st;
    data_source_state_get(s, &st);
    assert_non_null(strstr(st.message, "/nonexistent/model.gguf"));
    data_source_close(s);
    ds_fixture_drop(&fx);
}

/* Closing cancels whatever stage is running and returns. */
static void test_close_at_every_stage(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    write_gen(&fx, DS_FMT_ALPACA, 8u << 20, &records);
    char err[256];
    data_source *s = data_source_open(fx.path, NULL, err, sizeof err);
    assert_non_null(s);
    data_source_close(s);           /* most likely still indexing */
    for (data_stage want = DATA_STAGE_CHECK; want <= DATA_STAGE_STATS; want++) {
        s = data_source_open(fx.path, NULL, err, sizeof err);
        assert_non_null(s);
        data_source_state st;
        do {
            nap();
            data_source_state_get(s, &st);
        } while (st.stage < want);
        data_source_close(s);
    }
    ds_fixture_drop(&fx);
}

static void test_search_thread(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    write_gen(&fx, DS_FMT_ALPACA, 4u << 20, &records);
    char err[256];
    dataset *ds = dataset_open(fx.path, NULL, err, sizeof err);
    assert_non_null(ds);
    data_query q;
    assert_int_equal(data_query_compile(&q, "no record has this", false, DATA_FIELD_ALL, err,
                                        sizeof err), 0);
    /* stopped half-way: polling shows progress, stop joins */
    data_search *s = data_search_start(ds, NULL, &q, NULL, records, 0, +1, no_notify, err,
                                       sizeof err);
    assert_non_null(s);
    size_t found, scanned;
    while (!data_search_poll(s, &found, &scanned) && scanned < 10)
        ;
    data_search_stop(s);
    /* a regex over a reversed view finds the match at its view position */
    data_query r;
    assert_int_equal(data_query_compile(&r, "^", true, DATA_FIELD_ALL, err, sizeof err), 0);
    size_t *rows = malloc(records * sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < records; i++)
        rows[i] = records - 1 - i;
    s = data_search_start(ds, NULL, &r, rows, records, 4, +1, no_notify, err, sizeof err);
    assert_non_null(s);
    while (!data_search_poll(s, &found, &scanned))
        nap();
    assert_int_equal(found, 5);
    assert_int_equal(scanned, 1);
    data_search_stop(s);
    /* a full scan ends with no match and every row looked at */
    s = data_search_start(ds, NULL, &q, NULL, records, records - 1, -1, no_notify, err, sizeof err);
    assert_non_null(s);
    while (!data_search_poll(s, &found, &scanned))
        nap();
    assert_int_equal(found, SIZE_MAX);
    assert_int_equal(scanned, records);
    data_search_stop(s);
    data_query_free(&r);
    data_query_free(&q);
    dataset_free(ds);
    ds_fixture_drop(&fx);
}

static void filter_to_done(data_filter *j, size_t *matched)
{
    size_t scanned;
    while (!data_filter_poll(j, &scanned, matched))
        nap();
}

/* The filter worker agrees with evaluating the rows here, before and after
 * the stats pass (records measured, then the pass's figures), skips deleted
 * rows, and stops half-way when asked. */
static void test_filter_thread(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    write_gen(&fx, DS_FMT_ALPACA, 2u << 20, &records);
    char err[256];
    data_source *s = data_source_open(fx.path, NULL, err, sizeof err);
    assert_non_null(s);
    data_source_state st;
    do {
        nap();
        data_source_state_get(s, &st);
    } while (st.stage < DATA_STAGE_STATS);
    data_filter *j = data_filter_start(s, NULL, false,
                                       ds_filter_compile("chars > 300", err, sizeof err),
                                       records, no_notify, err, sizeof err);
    assert_non_null(j);
    size_t early;
    filter_to_done(j, &early);
    data_filter_stop(j);
    poll_to_done(s);
    dataset *ds = data_source_dataset(s);
    ds_edit *e = ds_edit_new(ds, err, sizeof err);
    assert_non_null(e);
    size_t row0 = 0;
    ds_action del = {.kind = DS_ACT_DELETE, .rows = &row0, .n_rows = 1};
    assert_int_equal(ds_edit_apply(e, &del, NULL, err, sizeof err), 0);
    j = data_filter_start(s, e, false, ds_filter_compile("chars > 300", err, sizeof err),
                          records, no_notify, err, sizeof err);
    assert_non_null(j);
    size_t late, want = 0;
    filter_to_done(j, &late);
    const uint8_t *m = data_filter_matches(j);
    for (size_t i = 0; i < records; i++) {
        data_metrics dm;
        assert_true(data_source_metrics(s, i, &dm));
        bool hit = i != row0 && dm.chars > 300;
        assert_int_equal(m[i], hit);
        want += hit;
    }
    assert_int_equal(late, want);
    assert_true(early >= late && early <= late + 1);   /* row 0 may have matched */
    data_filter_stop(j);
    j = data_filter_start(s, e, false, ds_filter_compile("output ~ /zzz/", err, sizeof err),
                          records, no_notify, err, sizeof err);
    assert_non_null(j);
    data_filter_stop(j);                              /* stopped while it runs */
    /* an action on a worker, polled with its progress, then one cancelled */
    data_job *job = data_job_start(e, &(ds_action){.kind = DS_ACT_DEDUPE}, no_notify, err,
                                   sizeof err);
    assert_non_null(job);
    int rc;
    size_t changed, done, total;
    while (!data_job_poll(job, &rc, &changed, err, sizeof err)) {
        data_job_progress(job, &done, &total);
        assert_true(done <= total && total == records);
        nap();
    }
    assert_int_equal(rc, 0);
    data_job_free(job);
    job = data_job_start(e, &(ds_action){.kind = DS_ACT_DROP, .filter = "output ~ /zzz/"},
                         no_notify, err, sizeof err);
    assert_non_null(job);
    data_job_cancel(job);
    while (!data_job_poll(job, &rc, &changed, err, sizeof err))
        nap();
    assert_true(rc == 0 || strstr(err, "cancelled"));
    data_job_free(job);
    ds_edit_free(e);
    data_source_close(s);
    ds_fixture_drop(&fx);
}

/* Restarts the stats pass over the edit session while the session keeps
 * changing on this thread (deletes, replacements and undos that drop texts
 * the running pass reads through its snapshot), stopping stale passes the
 * way the pane does each tick; the last pass equals one run here over the
 * same snapshot. */
static void restart_over(data_source *s, ds_edit *e, unsigned gen, ds_view **twin)
{
    char err[256];
    while (!data_source_stats_stop(s))      /* asks a running pass to stop */
        nap();
    data_source_pass pass = {ds_edit_view(e, err, sizeof err), gen, ds_edit_step_count(e), 0.8};
    assert_non_null(pass.view);
    ds_view_free(*twin);
    *twin = ds_edit_view(e, err, sizeof err);
    assert_int_equal(data_source_restat(s, &pass, err, sizeof err), 0);
    data_source_state st;
    data_source_state_get(s, &st);
    assert_int_equal(st.stats_gen, gen);
    assert_int_equal(st.stats_edits, ds_edit_step_count(e));
}

static void test_restat_while_editing(void **state)
{
    (void)state;
    ds_fixture fx;
    uint64_t records;
    write_gen(&fx, DS_FMT_SHAREGPT, 1 << 20, &records);
    char err[512];
    data_source *s = open_indexed(fx.path);
    ds_edit *e = ds_edit_new(data_source_dataset(s), err, sizeof err);
    assert_non_null(e);
    ds_view *twin = NULL;
    char text[] = "{\"conversations\":[{\"from\":\"human\",\"value\":\"hi\"},"
                  "{\"from\":\"gpt\",\"value\":\"a new answer\"}]}";
    for (unsigned gen = 1; gen <= 9; gen++) {
        size_t row = (gen * 37) % records;
        ds_action a = {.kind = gen % 2 ? DS_ACT_DELETE : DS_ACT_REPLACE, .rows = &row,
                       .n_rows = 1, .json = text};
        if (ds_edit_apply(e, &a, NULL, err, sizeof err) != 0)
            fail_msg("%s", err);
        restart_over(s, e, gen, &twin);
        if (gen % 3 == 0)
            assert_true(ds_edit_undo(e));    /* frees a text only the snapshot holds */
    }
    wait_stats_done(s);
    ds_stats *ref = ds_stats_new_view(twin, NULL, err, sizeof err);
    assert_non_null(ref);
    assert_int_equal(ds_stats_run(ref, err, sizeof err), 0);
    const ds_summary *a = ds_stats_summary(data_source_stats(s)), *b = ds_stats_summary(ref);
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->rows, ds_edit_visible_count(e) - 1);   /* its delete was undone */
    assert_int_equal(a->exact_dups, b->exact_dups);
    assert_int_equal(a->near_dups, b->near_dups);
    assert_int_equal(a->tokens_total.count, b->tokens_total.count);
    assert_int_equal(a->chars_total.max, b->chars_total.max);
    ds_stats_free(ref);
    ds_edit_free(e);
    data_source_close(s);
    ds_fixture_drop(&fx);
}

#define MSG(u, a) "{\"messages\":[{\"role\":\"user\",\"content\":\"" u "\"},"          \
                  "{\"role\":\"assistant\",\"content\":\"" a "\"}]}\n"

/* Rows of F matching FILTER, evaluated through E with a pass that is
 * CURRENT (or not); bit i of the result: row i matched. */
static unsigned filter_rows(data_source *s, ds_edit *e, bool current, const char *filter,
                            size_t n)
{
    char err[256];
    data_filter *j = data_filter_start(s, e, current, ds_filter_compile(filter, err, sizeof err),
                                       n, no_notify, err, sizeof err);
    assert_non_null(j);
    size_t matched;
    filter_to_done(j, &matched);
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++)
        bits |= data_filter_matches(j)[i] ? 1u << i : 0;
    data_filter_stop(j);
    return bits;
}

static void pass_over_edits(data_source *s, ds_edit *e, unsigned gen)
{
    ds_view *twin = NULL;
    restart_over(s, e, gen, &twin);
    ds_view_free(twin);
    wait_stats_done(s);
}

/* The filter's dup and near_dup follow the edits once a pass describes
 * them: a near duplicate whose partners are deleted is none, and an edited
 * row is compared by its new text. */
static void test_filter_follows_edits(void **state)
{
    (void)state;
    ds_fixture fx;
    assert_int_equal(ds_fixture_text(&fx,
        MSG("Say hello to everyone here", "Hello there, dear friend of mine, how are you today?")
        MSG("Say hello to everyone here", "Hello there, dear friend of mine, how are you today?")
        MSG("Mail me", "write to someone@example.com please")
        MSG("say HELLO to everyone here", "hello there dear friend of mine how are you today")
        MSG("What is two plus two", "Four")), 0);
    char err[512];
    data_source *s = open_indexed(fx.path);
    ds_edit *e = ds_edit_new(data_source_dataset(s), err, sizeof err);
    assert_non_null(e);
    assert_int_equal(filter_rows(s, e, false, "near_dup", 5), 1u << 3);
    assert_int_equal(filter_rows(s, e, false, "dup", 5), 1u << 1);
    size_t rows[] = {0, 1};
    assert_int_equal(ds_edit_apply(e, &(ds_action){.kind = DS_ACT_DELETE, .rows = rows,
                                                   .n_rows = 2}, NULL, err, sizeof err), 0);
    pass_over_edits(s, e, 1);
    assert_int_equal(filter_rows(s, e, true, "near_dup", 5), 0);
    size_t four = 4;
    char same_as_2[] = MSG("Mail me", "write to someone@example.com please");
    assert_int_equal(ds_edit_apply(e, &(ds_action){.kind = DS_ACT_REPLACE, .rows = &four,
                                                   .n_rows = 1, .json = same_as_2},
                                   NULL, err, sizeof err), 0);
    pass_over_edits(s, e, 2);
    assert_int_equal(filter_rows(s, e, true, "dup", 5), 1u << 4);
    assert_int_equal(filter_rows(s, e, true, "pii", 5), 1u << 2 | 1u << 4);
    data_metrics m;
    assert_false(data_source_metrics(s, 0, &m));     /* deleted: not in the pass */
    assert_true(data_source_metrics(s, 4, &m) && (m.flags & DS_ROW_DUP));
    ds_edit_free(e);
    data_source_close(s);
    ds_fixture_drop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_runs_to_done),
        cmocka_unit_test(test_loader_with_tokenizer),
        cmocka_unit_test(test_close_at_every_stage),
        cmocka_unit_test(test_search_thread),
        cmocka_unit_test(test_filter_thread),
        cmocka_unit_test(test_restat_while_editing),
        cmocka_unit_test(test_filter_follows_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
