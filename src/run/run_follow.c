/* run_follow.c - a run directory followed from its files (see
 * run_follow.h). Each poll asks the lock first and reads the logs after:
 * the owner writes everything before it lets the lock go, so a poll that
 * finds no owner reads the run to its last line. events.jsonl is read
 * before metrics.jsonl: the one consumer writing them logs a step's row
 * before the events that follow it, so every step row an event comes after
 * is already there to be put before it. */
#include "config.h"

#include "run_follow.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "grow.h"
#include "log_tail.h"

/* Records parsed from one log in one poll, with their texts. */
typedef struct {
    run_record *r;
    size_t n, cap;
    char **texts;
    size_t n_texts, cap_texts;
    bool oom;
} record_list;

struct run_follow {
    char *dir;
    log_tail metrics, events;
    record_list from_metrics, from_events, out;
    long owner;
    run_list_state state;
    bool paused;        /* the newest pause event has no continue after it */
    bool restarted;     /* the logs are being read again from their start */
};

/* ------------------------------------------------------------ records */

static void list_clear(record_list *l)
{
    for (size_t i = 0; i < l->n_texts; i++)
        free(l->texts[i]);
    l->n = l->n_texts = 0;
    l->oom = false;
}

static void list_free(record_list *l)
{
    list_clear(l);
    free(l->r);
    free(l->texts);
}

static void list_add(record_list *l, const run_record *r)
{
    run_record *grown = grow_array(l->r, &l->cap, l->n + 1, sizeof *l->r, 64);
    if (!grown) {
        l->oom = true;
        return;
    }
    l->r = grown;
    l->r[l->n++] = *r;
}

/* Adds an event record whose TEXT (copied) the list keeps. */
static void list_add_event(record_list *l, run_record *r, const char *text)
{
    char **grown = grow_array(l->texts, &l->cap_texts, l->n_texts + 1, sizeof *l->texts, 16);
    char *copy = grown ? strdup(text) : NULL;
    if (grown)
        l->texts = grown;
    if (!copy) {
        l->oom = true;
        return;
    }
    l->texts[l->n_texts++] = copy;
    r->kind = RUN_RECORD_EVENT;
    r->text = copy;
    list_add(l, r);
}

/* A warning event about line LINENO of the log NAME. */
static void bad_line(record_list *l, const char *name, long lineno, const char *what)
{
    char text[256];
    snprintf(text, sizeof text, "%s:%ld: %s; the line is skipped", name, lineno, what);
    run_record r = {.event = RUN_EVENT_WARNING, .step = l->n ? l->r[l->n - 1].step : 0};
    list_add_event(l, &r, text);
}

/* ------------------------------------------------------------ the logs' rows */

/* A number of ROW; JSON null (a non-finite figure) or absent is NaN. */
static double num(const json_t *row, const char *key)
{
    const json_t *v = json_object_get(row, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* An object on one line with an integer "step", or NULL. */
static json_t *parse_row(char *line, size_t len)
{
    json_t *row = line ? json_loadb(line, len, 0, NULL) : NULL;
    if (row && (!json_is_object(row) || !json_is_integer(json_object_get(row, "step")))) {
        json_decref(row);
        row = NULL;
    }
    return row;
}

static void metrics_line(void *ctx, char *line, size_t len, long lineno)
{
    record_list *l = ctx;
    json_t *row = parse_row(line, len);
    if (!row) {
        bad_line(l, "metrics.jsonl", lineno, line ? "not a metrics row (a JSON object with "
                 "an integer step)" : "a line too long to be a metrics row");
        return;
    }
    run_record r = {.step = json_integer_value(json_object_get(row, "step")),
                    .elapsed_s = num(row, "elapsed_s")};
    if (json_object_get(row, "eval_loss")) {
        r.kind = RUN_RECORD_EVAL;
        r.eval_loss = num(row, "eval_loss");
    } else {
        r = (run_record){.kind = RUN_RECORD_STEP, .step = r.step, .elapsed_s = r.elapsed_s,
                         .epoch = num(row, "epoch"), .loss = num(row, "loss"),
                         .lr = num(row, "lr"), .grad_norm = num(row, "grad_norm"),
                         .tokens_per_s = num(row, "tokens_per_s"), .logged = true};
    }
    json_decref(row);
    list_add(l, &r);
}

static void events_line(void *ctx, char *line, size_t len, long lineno)
{
    record_list *l = ctx;
    json_t *row = parse_row(line, len);
    const char *text = row ? json_string_value(json_object_get(row, "event")) : NULL;
    if (!text) {
        bad_line(l, "events.jsonl", lineno, line ? "not an event (a JSON object with an "
                 "integer step and an event text)" : "a line too long to be an event");
        json_decref(row);
        return;
    }
    run_record r = {.step = json_integer_value(json_object_get(row, "step")),
                    .elapsed_s = num(row, "elapsed_s"),
                    .event = run_event_parse(json_string_value(json_object_get(row, "kind")))};
    const char *alarm = json_string_value(json_object_get(row, "alarm"));
    const char *action = json_string_value(json_object_get(row, "action"));
    if (r.event == RUN_EVENT_ALARM &&
        (!alarm || run_alarm_parse(alarm, &r.alarm) || !action ||
         run_alarm_action_parse(action, &r.action)))
        r.event = RUN_EVENT_UNKNOWN;
    list_add_event(l, &r, text);
    json_decref(row);
}

/* ------------------------------------------------------------ the poll */

/* Reads LOG's new lines into L with READ_LINE. 1 when the log was
 * rewritten; a log that cannot be read becomes a warning event. */
static int read_log(log_tail *log, record_list *l, log_tail_line_fn read_line)
{
    char err[512];
    int rc = log_tail_read(log, read_line, l, err, sizeof err);
    if (rc < 0) {
        run_record r = {.event = RUN_EVENT_WARNING};
        list_add_event(l, &r, err);
    }
    return rc > 0;
}

/* Both logs' new records; on a rewrite, both logs again from their start.
 * True when the records are the whole history again: the logs were read
 * anew since the last records handed out (a log rewritten once more while
 * being read again leaves nothing read, and the reset for the next poll). */
static bool read_logs(run_follow *f)
{
    for (int tries = 0; tries < 2; tries++) {
        list_clear(&f->from_events);
        list_clear(&f->from_metrics);
        if (!read_log(&f->events, &f->from_events, events_line) &&
            !read_log(&f->metrics, &f->from_metrics, metrics_line)) {
            bool reset = f->restarted;
            f->restarted = false;
            return reset;
        }
        log_tail_restart(&f->events);
        log_tail_restart(&f->metrics);
        f->restarted = true;
    }
    list_clear(&f->from_events);
    list_clear(&f->from_metrics);
    return false;
}

/* Step rows before the events at their step or later; then the rest. */
static void merge(run_follow *f)
{
    record_list *m = &f->from_metrics, *e = &f->from_events;
    size_t i = 0, j = 0;
    list_clear(&f->out);
    while (i < m->n || j < e->n) {
        bool metrics_first = j == e->n || (i < m->n && m->r[i].step <= e->r[j].step);
        const run_record *r = metrics_first ? &m->r[i++] : &e->r[j++];
        if (r->kind == RUN_RECORD_EVENT)
            f->paused = r->event == RUN_EVENT_PAUSED ||
                        (f->paused && r->event != RUN_EVENT_CONTINUED &&
                         r->event != RUN_EVENT_STARTED && r->event != RUN_EVENT_END);
        list_add(&f->out, r);
    }
}

run_session_state run_follow_poll(run_follow *f, run_poll *out)
{
    f->state = run_list_probe(f->dir, &f->owner);
    bool reset = read_logs(f);
    if (reset)
        f->paused = false;
    merge(f);
    if (f->out.oom || f->from_events.oom || f->from_metrics.oom) {
        list_clear(&f->out);
        run_record r = {.event = RUN_EVENT_WARNING};
        list_add_event(&f->out, &r, "out of memory while reading the run's logs");
    }
    run_session_state st = f->state == RUN_LIST_RUNNING
                               ? (f->paused ? RUN_SESSION_PAUSED : RUN_SESSION_RUNNING)
                           : f->state == RUN_LIST_FINISHED || f->state == RUN_LIST_STOPPED
                               ? RUN_SESSION_DONE
                               : RUN_SESSION_FAILED;
    if (out)
        *out = (run_poll){.state = st, .records = f->out.r, .n = f->out.n, .reset = reset};
    return st;
}

/* ------------------------------------------------------------ open, free */

static bool has_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0;
}

static int init_log(log_tail *t, const char *dir, const char *name)
{
    char *path;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return -1;
    int rc = log_tail_init(t, path);
    free(path);
    return rc;
}

run_follow *run_follow_open(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", dir, errno == ENOENT ? "no such run directory"
                                                             : "not a run directory");
        return NULL;
    }
    if (!has_file(dir, "metrics.jsonl") && !has_file(dir, "events.jsonl") &&
        !has_file(dir, "summary.json")) {
        snprintf(err, errlen, "%s: not a run directory (no metrics.jsonl, events.jsonl or "
                 "summary.json)", dir);
        return NULL;
    }
    run_follow *f = calloc(1, sizeof *f);
    if (f && init_log(&f->metrics, dir, "metrics.jsonl") == 0 &&
        init_log(&f->events, dir, "events.jsonl") == 0 && (f->dir = strdup(dir))) {
        f->state = RUN_LIST_UNFINISHED;
        return f;
    }
    run_follow_free(f);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

long run_follow_owner(const run_follow *f)
{
    return f->owner;
}

run_list_state run_follow_state(const run_follow *f)
{
    return f->state;
}

const char *run_follow_dir(const run_follow *f)
{
    return f->dir;
}

void run_follow_free(run_follow *f)
{
    if (!f)
        return;
    log_tail_free(&f->metrics);
    log_tail_free(&f->events);
    list_free(&f->from_metrics);
    list_free(&f->from_events);
    list_free(&f->out);
    free(f->dir);
    free(f);
}
