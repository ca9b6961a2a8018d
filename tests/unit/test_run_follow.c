/* test_run_follow.c - following a run directory another writer fills
 * (run_follow.h), on real files. Lines appended bit by bit: a half-written
 * row waits for its newline; step, evaluation and event records come back
 * in step order with their kinds, an alarm with its name and action, a
 * non-finite figure as NaN, a line that is not a record as a warning
 * naming its file and line. The owner is whoever holds the run's lock:
 * running, paused after a pause event, and after the end what summary.json
 * says, or interrupted without it. metrics.jsonl renamed over (a --resume)
 * makes the next poll a reset with the whole history. A FIFO under a log's
 * name is a warning, never a hang. And a real writer: a headless `lathe
 * train` in another process, paused by an alarm, then stopped with SIGINT,
 * followed live from start to summary, the same records as a follower that
 * opens the finished run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_follow.h"
#include "run_lock.h"
#include "testdir.h"

static void append(const char *dir, const char *name, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static const char *make_run(const char *name)
{
    const char *dir = testdir_path(name);
    assert_int_equal(mkdir(dir, 0755), 0);
    append(dir, "metrics.jsonl", "");
    append(dir, "events.jsonl", "");
    return dir;
}

static void test_lines_as_they_grow(void **state)
{
    (void)state;
    const char *dir = make_run("grow");
    char err[512];
    run_follow *f = run_follow_open(dir, err, sizeof err);
    assert_non_null(f);
    run_poll p;
    assert_int_equal(run_follow_poll(f, &p), RUN_SESSION_FAILED);
    assert_int_equal(run_follow_state(f), RUN_LIST_UNFINISHED);
    assert_int_equal(p.n, 0);

    append(dir, "events.jsonl", "{\"step\":0,\"elapsed_s\":0.0,\"kind\":\"started\","
                                "\"event\":\"started: 9 steps\"}\n");
    append(dir, "metrics.jsonl", "{\"step\":1,\"epoch\":0.1,\"loss\":2.5,\"lr\":0.001,"
                                 "\"grad_norm\":1.5,\"tokens_per_s\":900,\"elapsed_s\":0.5}\n"
                                 "{\"step\":2,\"epoch\":0.2,\"loss\":null,\"lr\":0.001}\n"
                                 "{\"step\":3,\"epoch\":0.3,\"lo");
    run_follow_poll(f, &p);
    assert_false(p.reset);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.records[0].kind, RUN_RECORD_EVENT);
    assert_int_equal(p.records[0].event, RUN_EVENT_STARTED);
    assert_string_equal(p.records[0].text, "started: 9 steps");
    assert_int_equal(p.records[1].kind, RUN_RECORD_STEP);
    assert_int_equal(p.records[1].step, 1);
    assert_true(p.records[1].loss == 2.5 && p.records[1].tokens_per_s == 900);
    assert_true(p.records[1].logged);
    assert_int_equal(p.records[2].step, 2);
    assert_true(isnan(p.records[2].loss));

    /* the rest of step 3, its evaluation, and three events at step 3 (the
     * events are logged first here, as a follower may see them) */
    append(dir, "events.jsonl",
           "{\"step\":3,\"elapsed_s\":1.5,\"kind\":\"alarm\",\"event\":\"loss_spike alarm: "
           "x\",\"alarm\":\"loss_spike\",\"action\":\"pause\"}\n"
           "{\"step\":3,\"elapsed_s\":1.5,\"kind\":\"paused\",\"event\":\"paused after step 3\"}\n"
           "not json\n");
    append(dir, "metrics.jsonl", "ss\":2.0}\n{\"step\":3,\"loss\":2.0,\"eval_loss\":2.25,"
                                 "\"eval_ppl\":9.49}\n");
    run_follow_poll(f, &p);
    assert_int_equal(p.n, 5);
    assert_int_equal(p.records[0].kind, RUN_RECORD_STEP);
    assert_true(p.records[0].step == 3 && p.records[0].loss == 2.0);
    assert_int_equal(p.records[1].kind, RUN_RECORD_EVAL);
    assert_true(p.records[1].eval_loss == 2.25);
    assert_int_equal(p.records[2].event, RUN_EVENT_ALARM);
    assert_int_equal(p.records[2].alarm, RUN_ALARM_LOSS_SPIKE);
    assert_int_equal(p.records[2].action, RUN_ALARM_PAUSE);
    assert_int_equal(p.records[3].event, RUN_EVENT_PAUSED);
    assert_int_equal(p.records[4].event, RUN_EVENT_WARNING);
    assert_non_null(strstr(p.records[4].text, "events.jsonl:4: not an event"));
    run_follow_poll(f, &p);
    assert_int_equal(p.n, 0);

    /* a live owner: paused, then running after a continue; then finished */
    run_lock l;
    assert_int_equal(run_lock_take(&l, dir, err, sizeof err), 0);
    assert_int_equal(run_follow_poll(f, &p), RUN_SESSION_PAUSED);
    assert_int_equal(run_follow_owner(f), (long)getpid());
    append(dir, "events.jsonl", "{\"step\":3,\"elapsed_s\":2,\"kind\":\"continued\","
                                "\"event\":\"continued after step 3\"}\n");
    assert_int_equal(run_follow_poll(f, &p), RUN_SESSION_RUNNING);
    assert_int_equal(p.n, 1);
    testdir_write("grow/summary.json", "{\"state\":\"finished\",\"steps\":3}\n");
    assert_int_equal(run_follow_poll(f, &p), RUN_SESSION_RUNNING);
    run_lock_release(&l);
    assert_int_equal(run_follow_poll(f, &p), RUN_SESSION_DONE);
    assert_int_equal(run_follow_state(f), RUN_LIST_FINISHED);
    assert_int_equal(run_follow_owner(f), 0);
    run_follow_free(f);
}

static void test_rewrite_is_a_reset(void **state)
{
    (void)state;
    const char *dir = make_run("rewrite");
    append(dir, "metrics.jsonl", "{\"step\":1,\"loss\":3}\n{\"step\":2,\"loss\":2}\n"
                                 "{\"step\":3,\"loss\":1}\n");
    append(dir, "events.jsonl", "{\"step\":0,\"kind\":\"started\",\"event\":\"started\"}\n");
    char err[512];
    run_follow *f = run_follow_open(dir, err, sizeof err);
    assert_non_null(f);
    run_poll p;
    run_follow_poll(f, &p);
    assert_int_equal(p.n, 4);
    assert_false(p.reset);
    /* a resume from the checkpoint after step 1 renames a shorter log over */
    testdir_write("rewrite/metrics.new", "{\"step\":1,\"loss\":3}\n");
    char from[700], to[700];
    snprintf(from, sizeof from, "%s/metrics.new", dir);
    snprintf(to, sizeof to, "%s/metrics.jsonl", dir);
    assert_int_equal(rename(from, to), 0);
    append(dir, "events.jsonl", "{\"step\":1,\"kind\":\"started\",\"event\":\"resumed\"}\n");
    run_follow_poll(f, &p);
    assert_true(p.reset);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.records[0].event, RUN_EVENT_STARTED);
    assert_int_equal(p.records[1].step, 1);
    assert_int_equal(p.records[2].event, RUN_EVENT_STARTED);
    assert_string_equal(p.records[2].text, "resumed");
    run_follow_poll(f, &p);
    assert_false(p.reset);
    assert_int_equal(p.n, 0);
    run_follow_free(f);
}

static void test_not_a_run_and_fifo(void **state)
{
    (void)state;
    char err[512];
    assert_null(run_follow_open(testdir_path("nothing-here"), err, sizeof err));
    assert_non_null(strstr(err, "no such run directory"));
    const char *dir = testdir_path("empty");
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_null(run_follow_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "not a run directory (no metrics.jsonl"));

    dir = testdir_path("fifo");
    assert_int_equal(mkdir(dir, 0755), 0);
    append(dir, "metrics.jsonl", "{\"step\":1,\"loss\":3}\n");
    char path[700];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    run_follow *f = run_follow_open(dir, err, sizeof err);
    assert_non_null(f);
    run_poll p;
    run_follow_poll(f, &p);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.records[0].event, RUN_EVENT_WARNING);
    assert_non_null(strstr(p.records[0].text, "events.jsonl: is not a regular file"));
    assert_int_equal(p.records[1].step, 1);
    run_follow_free(f);
}

/* ------------------------------------------------------------ a real writer */

static pid_t start_train(const char *run)
{
    const char *build = getenv("LATHE_BUILDDIR"), *src = getenv("LATHE_SRCDIR");
    char lathe[600], config[600];
    snprintf(lathe, sizeof lathe, "%s/lathe", build ? build : ".");
    snprintf(config, sizeof config, "%s/samples/lora.yaml", src ? src : "..");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(testdir()) || !freopen("/dev/null", "w", stdout) ||
            !freopen(testdir_path("train.err"), "w", stderr))
            _exit(127);
        execl(lathe, lathe, "train", config, "--max-steps", "100000", "--set",
              "logging_steps=1", "--set", "alarm_memory=pause", "--set",
              "alarm_memory_fraction=0.000001", "--output", run, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* What a follower saw: the step rows' steps and losses, and the kinds of
 * the events. */
typedef struct {
    int64_t steps[256];
    double losses[256];
    size_t n_steps;
    run_event_kind events[256];
    size_t n_events;
    bool alarm_paused;
} seen;

static void keep(seen *s, const run_poll *p)
{
    assert_false(p->reset);
    for (size_t i = 0; i < p->n; i++) {
        const run_record *r = &p->records[i];
        if (r->kind == RUN_RECORD_STEP && s->n_steps < 256) {
            s->steps[s->n_steps] = r->step;
            s->losses[s->n_steps++] = r->loss;
        } else if (r->kind == RUN_RECORD_EVENT && s->n_events < 256) {
            s->events[s->n_events++] = r->event;
            if (r->event == RUN_EVENT_ALARM && r->alarm == RUN_ALARM_MEMORY &&
                r->action == RUN_ALARM_PAUSE)
                s->alarm_paused = true;
        }
    }
}

/* Polls F every 20 ms until it is in a state PRED accepts; fails after
 * two minutes (the sanitized builds are slow). */
static run_session_state poll_until(run_follow *f, seen *s, bool (*pred)(run_session_state))
{
    for (int i = 0; i < 6000; i++) {
        run_poll p;
        run_session_state st = run_follow_poll(f, &p);
        keep(s, &p);
        if (pred(st))
            return st;
        nanosleep(&(struct timespec){0, 20000000L}, NULL);
    }
    fail_msg("the followed run never reached the state awaited");
    return RUN_SESSION_FAILED;
}

static bool is_paused(run_session_state st)
{
    return st == RUN_SESSION_PAUSED;
}

static bool is_over(run_session_state st)
{
    return st == RUN_SESSION_DONE || st == RUN_SESSION_FAILED;
}

static bool has_event(const seen *s, run_event_kind k)
{
    for (size_t i = 0; i < s->n_events; i++)
        if (s->events[i] == k)
            return true;
    return false;
}

static void test_follows_headless_train(void **state)
{
    (void)state;
    const char *run = testdir_path("live");
    pid_t child = start_train(run);
    char err[512];
    run_follow *f = NULL;
    for (int i = 0; i < 6000 && !f; i++) {
        f = run_follow_open(run, err, sizeof err);
        if (!f)
            nanosleep(&(struct timespec){0, 20000000L}, NULL);
    }
    assert_non_null(f);
    seen live = {0};
    poll_until(f, &live, is_paused);
    assert_int_equal(run_follow_owner(f), (long)child);
    assert_int_equal(run_follow_state(f), RUN_LIST_RUNNING);
    assert_true(live.alarm_paused);
    assert_true(has_event(&live, RUN_EVENT_STARTED));
    assert_true(live.n_steps >= 1);
    assert_int_equal(live.steps[0], 1);

    assert_int_equal(kill(child, SIGINT), 0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(poll_until(f, &live, is_over), RUN_SESSION_DONE);
    assert_int_equal(run_follow_state(f), RUN_LIST_STOPPED);
    assert_int_equal(run_follow_owner(f), 0);
    assert_true(has_event(&live, RUN_EVENT_END));
    assert_true(has_event(&live, RUN_EVENT_CHECKPOINT));
    assert_true(has_event(&live, RUN_EVENT_OUTPUT));
    run_follow_free(f);

    /* the finished run, read at once, is what was followed live */
    f = run_follow_open(run, err, sizeof err);
    assert_non_null(f);
    seen after = {0};
    run_poll p;
    assert_int_equal(run_follow_poll(f, &p), RUN_SESSION_DONE);
    keep(&after, &p);
    assert_int_equal(after.n_steps, live.n_steps);
    assert_int_equal(after.n_events, live.n_events);
    for (size_t i = 0; i < live.n_steps; i++) {
        assert_int_equal(after.steps[i], live.steps[i]);
        assert_true(after.losses[i] == live.losses[i]);
    }
    for (size_t i = 0; i < live.n_events; i++)
        assert_int_equal(after.events[i], live.events[i]);
    run_follow_free(f);
}

static void test_killed_writer_is_interrupted(void **state)
{
    (void)state;
    const char *run = testdir_path("killed");
    pid_t child = start_train(run);
    char err[512];
    run_follow *f = NULL;
    for (int i = 0; i < 6000 && !f; i++) {
        f = run_follow_open(run, err, sizeof err);
        if (!f)
            nanosleep(&(struct timespec){0, 20000000L}, NULL);
    }
    assert_non_null(f);
    seen live = {0};
    poll_until(f, &live, is_paused);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(poll_until(f, &live, is_over), RUN_SESSION_FAILED);
    assert_int_equal(run_follow_state(f), RUN_LIST_UNFINISHED);
    assert_int_equal(run_follow_owner(f), 0);
    assert_false(has_event(&live, RUN_EVENT_END));
    run_follow_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_as_they_grow),
        cmocka_unit_test(test_rewrite_is_a_reset),
        cmocka_unit_test(test_not_a_run_and_fifo),
        cmocka_unit_test(test_follows_headless_train),
        cmocka_unit_test(test_killed_writer_is_interrupted),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
