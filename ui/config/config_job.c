/* config_job.c - a worker that follows the config's edits (see
 * config_job.h). */
#include "config_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const config_job_kind *kind;
    char *path, *text;
    size_t len;
    void *result;                 /* the run's, until the owner takes it */
} job_input;

struct config_job {
    const config_job_kind *kind;
    worker_job wjob;
    worker *w;
    job_input *input;             /* the last run's (the worker frees it) */
    bool running;
    bool due;                     /* a run is wanted once the text settles */
    double due_ms;
    unsigned run_gen;             /* the text the running run reads */
    config_job_state last;        /* how the last run ended */
    char error[WORKER_ERROR_MAX];
};

static int run(worker *w, void *arg, char *err, size_t errlen)
{
    job_input *in = arg;
    in->result = in->kind->compute(w, in->path, in->text, in->len, err, errlen);
    return in->result ? 0 : -1;
}

static void free_input(void *arg)
{
    job_input *in = arg;
    if (in->result)
        in->kind->free_result(in->result);
    free(in->path);
    free(in->text);
    free(in);
}

config_job *config_job_new(const config_job_kind *kind, worker_notify notify, char *err,
                           size_t errlen)
{
    config_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory for the %s", kind->name);
        return NULL;
    }
    j->kind = kind;
    j->wjob = (worker_job){.name = kind->name, .run = run, .free_input = free_input};
    if (!(j->w = worker_new(&j->wjob, notify, err, errlen))) {
        free(j);
        return NULL;
    }
    j->last = CONFIG_JOB_IDLE;
    return j;
}

void config_job_free(config_job *j)
{
    if (!j)
        return;
    worker_free(j->w);
    free(j);
}

void config_job_touch(config_job *j, double now_ms)
{
    j->due = true;
    j->due_ms = now_ms + CONFIG_JOB_SETTLE_MS;
}

static void start(config_job *j, const config_doc *d, unsigned gen)
{
    size_t len;
    const char *text = config_doc_text(d, &len);
    job_input *in = calloc(1, sizeof *in);
    char *copy = malloc(len + 1);
    char *path = strdup(config_doc_path(d));
    j->due = false;
    if (!in || !copy || !path) {
        free(in);
        free(copy);
        free(path);
        j->last = CONFIG_JOB_FAILED;
        snprintf(j->error, sizeof j->error, "out of memory starting the %s", j->kind->name);
        return;
    }
    memcpy(copy, text, len + 1);
    *in = (job_input){j->kind, path, copy, len, NULL};
    if (worker_start(j->w, in, j->error, sizeof j->error) != 0) {
        j->last = CONFIG_JOB_FAILED;
        return;
    }
    j->input = in;
    j->running = true;
    j->run_gen = gen;
}

/* The ended run's result when it is for GEN and was not cancelled. */
static void *finish(config_job *j, worker_state end, unsigned gen)
{
    j->running = false;
    if (j->last == CONFIG_JOB_CANCELLED || j->run_gen != gen)
        return NULL;
    if (end != WORKER_DONE) {
        j->last = CONFIG_JOB_FAILED;
        snprintf(j->error, sizeof j->error, "%s", worker_error(j->w));
        return NULL;
    }
    j->last = CONFIG_JOB_IDLE;
    void *r = j->input->result;
    j->input->result = NULL;
    return r;
}

void *config_job_poll(config_job *j, const config_doc *d, unsigned gen, double now_ms,
                      bool *changed)
{
    void *result = NULL;
    *changed = false;
    if (j->running) {
        worker_state st = worker_poll(j->w, NULL);
        if (st == WORKER_RUNNING)
            return NULL;
        result = finish(j, st, gen);
        *changed = true;
    }
    if (!j->running && j->due && now_ms >= j->due_ms && d) {
        j->last = CONFIG_JOB_IDLE;
        start(j, d, gen);
        *changed = true;
    }
    return result;
}

void config_job_cancel(config_job *j)
{
    if (!j->running && !j->due)
        return;
    j->due = false;
    j->last = CONFIG_JOB_CANCELLED;
    if (j->running)
        worker_cancel(j->w);
}

config_job_state config_job_get(const config_job *j, worker_status *st)
{
    if (st)
        worker_poll(j->w, st);
    if (j->running && j->last != CONFIG_JOB_CANCELLED)
        return CONFIG_JOB_RUNNING;
    if (j->due)
        return CONFIG_JOB_SETTLING;
    return j->last;
}

const char *config_job_error(const config_job *j)
{
    return j->error;
}

int config_job_load(train_config *cfg, const char *path, const char *text, size_t len, char *err,
                    size_t errlen)
{
    config_diags diags;
    if (train_config_load_text(cfg, path, text, len, NULL, 0, &diags) == 0)
        return 0;
    config_diags_sort(&diags);
    char line[700] = "";
    for (size_t i = 0; i < diags.n && !line[0]; i++)
        if (diags.items[i].sev == CONFIG_ERROR)
            config_diag_format(&diags.items[i], line, sizeof line);
    snprintf(err, errlen, "the config has errors (%s)", line[0] ? line : "?");
    return -1;
}
