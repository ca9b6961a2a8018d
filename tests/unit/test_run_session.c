/* test_run_session.c - the run session (run_session.h) on the tiny random
 * llama of train_fixture_model.h, polled from a consumer thread that is
 * neither the test's (which creates the session and steers it) nor the
 * trainer's: every control takes effect and is logged in events.jsonl
 * (pause: the step count stops; save now: the checkpoint appears, also on a
 * paused run; evaluate now: an evaluation record; lr multiplier: the lr in
 * metrics.jsonl; stop: a checkpoint, then the end), each event logged with
 * its kind; an alarm set off by a real run (memory, with a threshold every
 * process passes) is logged, told and carried out (warn, pause, stop after a
 * checkpoint), and off silences it; an event of more than
 * 500 bytes arrives whole in events.jsonl; a preparation error comes back
 * through the message callback with its file:line:column and leaves no run
 * directory behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run_session.h"
#include "testdir.h"
#include "train_fixture_model.h"

#define WAIT_MS 120000  /* generous: the sanitized builds are slow */
#define MAX_KEPT 4096

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L}, NULL);
}

/* ------------------------------------------------------------ the consumer */

/* What the consumer thread saw, under mu: the test's thread reads it. */
typedef struct {
    run_session *s;
    bool autostart;
    pthread_mutex_t mu;
    char *messages[MAX_KEPT];
    bool located[MAX_KEPT];          /* the message carried a config place */
    size_t n_messages;
    char *events[MAX_KEPT];
    run_event_kind kinds[MAX_KEPT];
    run_alarm_kind alarms[MAX_KEPT];
    run_alarm_action actions[MAX_KEPT];
    size_t n_events;
    int64_t last_step;
    double last_lr;
    size_t evals;
    bool quit;                       /* the test asks the consumer to stop polling */
    int64_t last_eval_step;
    bool model_phase;                /* progress said it was loading the model */
    run_session_state state;
    pthread_t thread;
} consumer;

static void on_message(void *ctx, const run_message *m)
{
    consumer *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (c->n_messages < MAX_KEPT) {
        c->located[c->n_messages] = m->diag && m->diag->line > 0;
        c->messages[c->n_messages++] = strdup(m->text);
    }
    pthread_mutex_unlock(&c->mu);
}

static void on_progress(void *ctx, const run_progress *p)
{
    consumer *c = ctx;
    pthread_mutex_lock(&c->mu);
    c->model_phase |= strcmp(p->phase, "loading the model") == 0;
    pthread_mutex_unlock(&c->mu);
}

static void keep(consumer *c, const run_poll *p)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < p->n; i++) {
        const run_record *r = &p->records[i];
        if (r->kind == RUN_RECORD_STEP) {
            c->last_step = r->step;
            c->last_lr = r->lr;
        } else if (r->kind == RUN_RECORD_EVAL) {
            c->evals++;
            c->last_eval_step = r->step;
        } else if (c->n_events < MAX_KEPT) {
            c->kinds[c->n_events] = r->event;
            c->alarms[c->n_events] = r->alarm;
            c->actions[c->n_events] = r->action;
            c->events[c->n_events++] = strdup(r->text);
        }
    }
    c->state = p->state;
    pthread_mutex_unlock(&c->mu);
}

static void *consume(void *arg)
{
    consumer *c = arg;
    char err[256];
    for (;;) {
        run_poll p;
        run_session_state st = run_session_poll(c->s, &p);
        keep(c, &p);
        pthread_mutex_lock(&c->mu);
        bool quit = c->quit;
        pthread_mutex_unlock(&c->mu);
        if (st == RUN_SESSION_DONE || st == RUN_SESSION_FAILED || quit)
            break;
        if (st == RUN_SESSION_READY && c->autostart)
            assert_int_equal(run_session_start(c->s, err, sizeof err), 0);
        sleep_ms(2);
    }
    return NULL;
}

static void consumer_start(consumer *c, const run_session_options *o, bool autostart)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->autostart = autostart;
    c->last_eval_step = -1;
    run_session_hooks h = {.ctx = c, .message = on_message, .progress = on_progress};
    char err[256];
    c->s = run_session_new(o, &h, err, sizeof err);
    assert_non_null(c->s);
    assert_int_equal(run_session_prepare(c->s, err, sizeof err), 0);
    assert_int_equal(pthread_create(&c->thread, NULL, consume, c), 0);
}

static run_session_state consumer_state(consumer *c)
{
    pthread_mutex_lock(&c->mu);
    run_session_state st = c->state;
    pthread_mutex_unlock(&c->mu);
    return st;
}

/* Stops the consumer's polling and frees the session. */
static void consumer_end(consumer *c)
{
    pthread_mutex_lock(&c->mu);
    c->quit = true;
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    run_session_free(c->s);
    for (size_t i = 0; i < c->n_messages; i++)
        free(c->messages[i]);
    for (size_t i = 0; i < c->n_events; i++)
        free(c->events[i]);
    pthread_mutex_destroy(&c->mu);
}

/* The first message or event text holding NEEDLE, or NULL. */
static const char *seen(consumer *c, bool events, const char *needle)
{
    const char *hit = NULL;
    pthread_mutex_lock(&c->mu);
    char **v = events ? c->events : c->messages;
    size_t n = events ? c->n_events : c->n_messages;
    for (size_t i = 0; i < n && !hit; i++)
        if (strstr(v[i], needle))
            hit = v[i];
    pthread_mutex_unlock(&c->mu);
    return hit;
}

/* Waits until PRED(C, ARG) holds. */
static void wait_until(consumer *c, bool (*pred)(consumer *c, int64_t arg), int64_t arg,
                       const char *what)
{
    for (int i = 0; i < WAIT_MS / 2; i++) {
        if (pred(c, arg))
            return;
        sleep_ms(2);
    }
    fail_msg("timed out waiting for %s", what);
}

static bool step_past(consumer *c, int64_t step)
{
    run_session_status st;
    run_session_get_status(c->s, &st);
    return st.step > step;
}

static bool in_state(consumer *c, int64_t state)
{
    run_session_status st;
    run_session_get_status(c->s, &st);
    return st.state == (run_session_state)state;
}

static bool ended(consumer *c, int64_t unused)
{
    (void)unused;
    run_session_state st = consumer_state(c);
    return st == RUN_SESSION_DONE || st == RUN_SESSION_FAILED;
}

static bool evals_past(consumer *c, int64_t n)
{
    pthread_mutex_lock(&c->mu);
    bool more = (int64_t)c->evals > n;
    pthread_mutex_unlock(&c->mu);
    return more;
}

static bool path_exists(consumer *c, int64_t path)
{
    (void)c;
    struct stat sb;
    return stat((const char *)(intptr_t)path, &sb) == 0;
}

/* ------------------------------------------------------------ fixtures */

static char base_model[512], dataset[512];

static int setup(void **state)
{
    if (testdir_setup(state))
        return -1;
    char err[512];
    snprintf(base_model, sizeof base_model, "%s", testdir_path("base.gguf"));
    snprintf(dataset, sizeof dataset, "%s/samples/data/train.jsonl", LATHE_SRCDIR);
    if (train_fixture_write(LATHE_SRCDIR "/samples/data/vocab.gguf", base_model, err,
                            sizeof err)) {
        fprintf(stderr, "fixture: %s\n", err);
        return -1;
    }
    return 0;
}

/* A LoRA config NAME in the test directory, with EXTRA lines. */
static const char *config(const char *name, const char *extra)
{
    char text[2048];
    snprintf(text, sizeof text,
             "base_model: %s\n"
             "datasets:\n"
             "  - path: %s\n"
             "    type: alpaca\n"
             "val_set_size: 8\n"
             "sequence_len: 128\n"
             "sample_packing: true\n"
             "learning_rate: 0.01\n"
             "lr_scheduler: constant\n"
             "micro_batch_size: 2\n"
             "threads: 1\n"
             "adapter: lora\n"
             "lora_r: 4\n"
             "lora_alpha: 8\n"
             "lora_target_linear: true\n"
             "%s",
             base_model, dataset, extra);
    return testdir_write(name, text);
}

/* Whether NEEDLE is on the line that starts at ROW. */
static bool on_line(const char *row, const char *needle)
{
    const char *hit = strstr(row, needle), *end = strchr(row, '\n');
    return hit && (!end || hit < end);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------ tests */

/* Every control, from this thread, while the consumer thread polls. */
static void test_controls(void **state)
{
    (void)state;
    char run[600];
    snprintf(run, sizeof run, "%s", testdir_path("runs/controls"));
    run_session_options o = {.config = config("controls.yaml", "max_steps: 100000\n"),
                             .output = run};
    consumer c;
    consumer_start(&c, &o, true);
    wait_until(&c, step_past, 2, "three steps");

    run_session_pause(c.s);
    wait_until(&c, in_state, RUN_SESSION_PAUSED, "the pause");
    run_session_status st;
    run_session_get_status(c.s, &st);
    int64_t at = st.step;
    sleep_ms(100);
    run_session_get_status(c.s, &st);
    assert_int_equal(st.step, at);

    char ckpt[700];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoints/step-%lld/state.json", run, (long long)at);
    run_session_save_now(c.s);
    wait_until(&c, path_exists, (int64_t)(intptr_t)ckpt, "the checkpoint asked for");
    run_session_eval_now(c.s);
    wait_until(&c, evals_past, 0, "the evaluation asked for");
    pthread_mutex_lock(&c.mu);
    assert_int_equal(c.last_eval_step, at);
    pthread_mutex_unlock(&c.mu);
    run_session_get_status(c.s, &st);
    assert_int_equal(st.step, at);
    assert_int_equal(st.state, RUN_SESSION_PAUSED);
    assert_int_equal(st.last_checkpoint, at);
    assert_true(st.mem_weights > 0 && st.mem_optimizer > 0);

    run_session_set_lr_multiplier(c.s, 0.5);
    run_session_resume(c.s);
    wait_until(&c, step_past, at + 3, "steps after the pause");
    run_session_stop(c.s);
    wait_until(&c, ended, 0, "the end");
    assert_int_equal(consumer_state(&c), RUN_SESSION_DONE);
    pthread_mutex_lock(&c.mu);
    assert_true(c.model_phase);
    int64_t last = c.last_step;
    assert_true(fabs(c.last_lr - 0.005) < 1e-12);
    pthread_mutex_unlock(&c.mu);

    char want[256];
    const char *log = testdir_path("runs/controls/events.jsonl");
    char *events = read_text(log);
    snprintf(want, sizeof want, "\"kind\":\"paused\",\"event\":\"paused after step %lld\"",
             (long long)at);
    assert_non_null(strstr(events, want));
    assert_non_null(strstr(events, "\"step\":0,\"elapsed_s\":0.0,\"kind\":\"started\","));
    snprintf(want, sizeof want, "\"event\":\"saved checkpoints/step-%lld (on request)\"",
             (long long)at);
    assert_non_null(strstr(events, want));
    snprintf(want, sizeof want, "\"event\":\"evaluated on request at step %lld", (long long)at);
    assert_non_null(strstr(events, want));
    snprintf(want, sizeof want, "\"kind\":\"lr_multiplier\",\"event\":\"learning-rate "
             "multiplier 0.5 from step %lld\"", (long long)at + 1);
    assert_non_null(strstr(events, want));
    snprintf(want, sizeof want, "\"event\":\"continued after step %lld\"", (long long)at);
    assert_non_null(strstr(events, want));
    assert_non_null(strstr(events, "\"event\":\"stopped on request\""));
    snprintf(want, sizeof want, "\"kind\":\"checkpoint\",\"event\":\"saved "
             "checkpoints/step-%lld\"", (long long)last);
    assert_non_null(strstr(events, want));
    free(events);
    assert_non_null(seen(&c, true, "stopped on request"));

    /* the lr in metrics.jsonl: as configured up to the pause, halved after */
    char *metrics = read_text(testdir_path("runs/controls/metrics.jsonl"));
    snprintf(want, sizeof want, "{\"step\":%lld,", (long long)at);
    const char *row = strstr(metrics, want);
    assert_non_null(row);
    assert_true(on_line(row, "\"lr\":0.01,"));
    snprintf(want, sizeof want, "{\"step\":%lld,", (long long)at + 1);
    row = strstr(metrics, want);
    assert_non_null(row);
    assert_true(on_line(row, "\"lr\":0.005,"));
    free(metrics);
    consumer_end(&c);
}

/* A failed checkpoint's reason, past 500 bytes (a deep run directory, with
 * a file where checkpoints/ should be), arrives whole in events.jsonl; the
 * final one failing leaves the run FAILED and summary.json says what was not
 * written. */
static void test_long_event_whole(void **state)
{
    (void)state;
    char deep[420], run[700];
    memset(deep, 'a', 200);
    deep[200] = '/';
    memset(deep + 201, 'b', 200);
    deep[401] = '\0';
    snprintf(run, sizeof run, "%s/%s/run", testdir(), deep);
    run_session_options o = {.config = config("long.yaml", "max_steps: 2\nsave_steps: 1\n"),
                             .output = run};
    consumer c;
    consumer_start(&c, &o, false);
    wait_until(&c, in_state, RUN_SESSION_READY, "the preparation");
    char blocker[800];
    snprintf(blocker, sizeof blocker, "%s/checkpoints", run);
    FILE *f = fopen(blocker, "w");
    assert_non_null(f);
    fclose(f);
    char err[256];
    assert_int_equal(run_session_start(c.s, err, sizeof err), 0);
    wait_until(&c, ended, 0, "the end");
    assert_int_equal(consumer_state(&c), RUN_SESSION_FAILED);
    const char *text = seen(&c, true, "checkpoint failed: ");
    assert_non_null(text);
    assert_true(strlen(text) > 500);
    assert_non_null(strstr(text, run));
    char log[800];
    snprintf(log, sizeof log, "%s/events.jsonl", run);
    char *events = read_text(log);
    char want[1200];
    snprintf(want, sizeof want, "\"event\":\"%s\"", text);
    assert_non_null(strstr(events, want));
    free(events);
    snprintf(log, sizeof log, "%s/summary.json", run);
    char *summary = read_text(log);
    assert_non_null(strstr(summary, "\"file\": \"checkpoints/step-2\""));
    assert_non_null(strstr(summary, "\"output\": \"adapter/\""));
    free(summary);
    assert_non_null(seen(&c, false, "checkpoint failed: "));
    consumer_end(&c);
}

/* A bad key, then a missing model: the message names file:line:column, the
 * session fails, and no run directory is made. */
static void test_preparation_errors(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"typo.yaml", "learnig_rate: 0.1\n"},
        {"nomodel.yaml", NULL},
    };
    testdir_write("nomodel.yaml", "base_model: no-such-model.gguf\nlearning_rate: 0.01\n"
                                  "datasets:\n  - path: x.jsonl\n");
    for (size_t i = 0; i < 2; i++) {
        const char *path = bad[i][1] ? config(bad[i][0], bad[i][1]) : testdir_path(bad[i][0]);
        char run[600], want[700];
        snprintf(run, sizeof run, "%s", testdir_path(bad[i][0]));
        strcat(run, ".run");
        run_session_options o = {.config = path, .output = run};
        consumer c;
        consumer_start(&c, &o, true);
        wait_until(&c, ended, 0, "the failure");
        assert_int_equal(consumer_state(&c), RUN_SESSION_FAILED);
        snprintf(want, sizeof want, "%s:%s: error: ", path, i == 0 ? "16:1" : "1:13");
        const char *m = seen(&c, false, want);
        assert_non_null(m);
        pthread_mutex_lock(&c.mu);
        bool located = false;
        for (size_t k = 0; k < c.n_messages; k++)
            located |= c.messages[k] == m && c.located[k];
        pthread_mutex_unlock(&c.mu);
        assert_true(located);
        assert_null(run_session_dir(c.s));
        struct stat sb;
        assert_int_equal(stat(run, &sb), -1);
        consumer_end(&c);
    }
}

/* The memory alarm with a threshold every process passes fires on the
 * first step of any run: what the session then does depends only on its
 * action. */
#define ALARM_ALWAYS "alarm_memory_fraction: 0.000001\n"

/* The index of the first alarm event the consumer saw, or -1. */
static long first_alarm(consumer *c)
{
    long at = -1;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n_events && at < 0; i++)
        if (c->kinds[i] == RUN_EVENT_ALARM)
            at = (long)i;
    pthread_mutex_unlock(&c->mu);
    return at;
}

static bool alarm_seen(consumer *c, int64_t unused)
{
    (void)unused;
    return first_alarm(c) >= 0;
}

/* Runs NAME (a run directory under runs/) with EXTRA config lines to its
 * end, and returns its events.jsonl. */
static char *run_to_end(consumer *c, const char *name, const char *extra)
{
    char run[600], yaml[300], log[700];
    snprintf(run, sizeof run, "%s/%s", testdir_path("runs"), name);
    snprintf(yaml, sizeof yaml, "%s.yaml", name);
    run_session_options o = {.config = config(yaml, extra), .output = run};
    consumer_start(c, &o, true);
    wait_until(c, ended, 0, "the end");
    snprintf(log, sizeof log, "%s/events.jsonl", run);
    return read_text(log);
}

/* warn: the alarm is an event (kind, alarm, action in events.jsonl) and a
 * warning, and the run goes on to its end; off: not a word of it. */
static void test_alarm_warn_and_off(void **state)
{
    (void)state;
    consumer c;
    char *events = run_to_end(&c, "alarm-warn", "max_steps: 3\n" ALARM_ALWAYS);
    assert_int_equal(consumer_state(&c), RUN_SESSION_DONE);
    long i = first_alarm(&c);
    assert_true(i >= 0);
    assert_int_equal(c.alarms[i], RUN_ALARM_MEMORY);
    assert_int_equal(c.actions[i], RUN_ALARM_WARN);
    assert_non_null(strstr(c.events[i], "memory alarm: memory near the limit at step 1: "));
    assert_non_null(strstr(events, "\"kind\":\"alarm\",\"event\":\"memory alarm: memory "
                                   "near the limit at step 1: "));
    assert_non_null(strstr(events, "\"alarm\":\"memory\",\"action\":\"warn\"}"));
    assert_non_null(strstr(events, "\"event\":\"reached max_steps\""));
    assert_non_null(seen(&c, false, "warning: memory alarm: memory near the limit"));
    assert_int_equal(c.last_step, 3);
    free(events);
    consumer_end(&c);

    events = run_to_end(&c, "alarm-off", "max_steps: 3\nalarm_memory: off\n" ALARM_ALWAYS);
    assert_int_equal(consumer_state(&c), RUN_SESSION_DONE);
    assert_int_equal(first_alarm(&c), -1);
    assert_null(strstr(events, "\"kind\":\"alarm\""));
    assert_null(strstr(events, "memory alarm"));
    assert_null(seen(&c, false, "memory alarm"));
    free(events);
    consumer_end(&c);
}

/* pause: the step count stops until the run is resumed. */
static void test_alarm_pause(void **state)
{
    (void)state;
    char run[600];
    snprintf(run, sizeof run, "%s", testdir_path("runs/alarm-pause"));
    run_session_options o = {
        .config = config("alarm-pause.yaml", "max_steps: 100000\nalarm_memory: pause\n"
                                             ALARM_ALWAYS),
        .output = run};
    consumer c;
    consumer_start(&c, &o, true);
    wait_until(&c, in_state, RUN_SESSION_PAUSED, "the alarm's pause");
    assert_true(alarm_seen(&c, 0));
    long i = first_alarm(&c);
    assert_int_equal(c.actions[i], RUN_ALARM_PAUSE);
    run_session_status st;
    run_session_get_status(c.s, &st);
    int64_t at = st.step;
    sleep_ms(200);
    run_session_get_status(c.s, &st);
    assert_int_equal(st.step, at);
    assert_int_equal(st.state, RUN_SESSION_PAUSED);
    run_session_resume(c.s);
    wait_until(&c, step_past, at, "a step after resuming");
    run_session_stop(c.s);
    wait_until(&c, ended, 0, "the end");
    char log[700];
    snprintf(log, sizeof log, "%s/events.jsonl", run);
    char *events = read_text(log);
    assert_non_null(strstr(events, "\"alarm\":\"memory\",\"action\":\"pause\"}"));
    assert_non_null(strstr(events, "; pausing the run (resume it to go on)\""));
    free(events);
    consumer_end(&c);
}

/* stop: a checkpoint of the last step, the outputs, and an end that says
 * which alarm stopped the run. */
static void test_alarm_stop(void **state)
{
    (void)state;
    consumer c;
    char *events = run_to_end(&c, "alarm-stop", "max_steps: 100000\nalarm_memory: stop\n"
                                                ALARM_ALWAYS);
    assert_int_equal(consumer_state(&c), RUN_SESSION_DONE);
    long i = first_alarm(&c);
    assert_true(i >= 0);
    assert_int_equal(c.actions[i], RUN_ALARM_STOP);
    assert_non_null(strstr(events, "\"alarm\":\"memory\",\"action\":\"stop\"}"));
    assert_non_null(strstr(events, "\"kind\":\"end\",\"event\":\"stopped by the memory "
                                   "alarm\""));
    pthread_mutex_lock(&c.mu);
    int64_t last = c.last_step;
    pthread_mutex_unlock(&c.mu);
    assert_true(last >= 1 && last < 100000);
    char want[300], path[700];
    snprintf(want, sizeof want, "\"kind\":\"checkpoint\",\"event\":\"saved "
             "checkpoints/step-%lld\"", (long long)last);
    assert_non_null(strstr(events, want));
    snprintf(path, sizeof path, "%s/checkpoints/step-%lld/state.json",
             testdir_path("runs/alarm-stop"), (long long)last);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    char *summary = read_text(testdir_path("runs/alarm-stop/summary.json"));
    assert_non_null(strstr(summary, "\"state\": \"stopped\""));
    assert_non_null(strstr(summary, "\"message\": \"stopped by the memory alarm\""));
    free(summary);
    free(events);
    consumer_end(&c);
}

static bool settled(consumer *c, int64_t unused)
{
    (void)unused;
    run_session_state st = consumer_state(c);
    return st == RUN_SESSION_READY || st == RUN_SESSION_FAILED;
}

/* A session prepared but never started, and one stopped while it
 * prepares, leave no run directory. */
static void test_unstarted_leaves_nothing(void **state)
{
    (void)state;
    for (int stop_early = 0; stop_early < 2; stop_early++) {
        char run[600];
        snprintf(run, sizeof run, "%s", testdir_path(stop_early ? "runs/stopped" : "runs/idle"));
        run_session_options o = {.config = config("idle.yaml", "max_steps: 5\n"), .output = run};
        consumer c;
        consumer_start(&c, &o, false);
        if (stop_early)
            run_session_stop(c.s);
        wait_until(&c, settled, 0, "the end of the preparation");
        if (stop_early)
            assert_non_null(seen(&c, false, "preparation cancelled"));
        consumer_end(&c);
        struct stat sb;
        assert_int_equal(stat(run, &sb), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_alarm_warn_and_off),
        cmocka_unit_test(test_alarm_pause),
        cmocka_unit_test(test_alarm_stop),
        cmocka_unit_test(test_long_event_whole),
        cmocka_unit_test(test_preparation_errors),
        cmocka_unit_test(test_unstarted_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, setup, testdir_teardown);
}
