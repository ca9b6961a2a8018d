/* data_job.c - an edit action on a worker (see data_job.h). ds_edit_apply
 * has its own cancel flag, so the job forwards worker_cancel to it; its
 * results are read once the worker has ended. */
#include "config.h"

#include "data_job.h"

#include <stdio.h>
#include <stdlib.h>

#include "data_source.h"
#include "worker.h"

struct data_job {
    worker *w;
    ds_edit *e;
    ds_action a;
    size_t total;               /* the session's rows, read before the job starts */
    size_t changed;             /* the job's until it ends */
};

static int job_run(worker *w, void *arg, char *err, size_t errlen)
{
    (void)w;
    data_job *j = arg;
    data_thread_background();
    return ds_edit_apply(j->e, &j->a, &j->changed, err, errlen);
}

static void job_cancel(void *arg)
{
    ds_edit_cancel(((data_job *)arg)->e);
}

static const worker_job edit_job = {.name = "edit", .run = job_run, .cancel = job_cancel};

data_job *data_job_start(ds_edit *e, const ds_action *a, worker_notify notify, char *err,
                         size_t errlen)
{
    data_job *j = calloc(1, sizeof *j);
    if (!j || ds_action_copy(&j->a, a) != 0) {
        snprintf(err, errlen, "out of memory starting %s", ds_action_name(a->kind));
        free(j);
        return NULL;
    }
    j->e = e;
    j->total = ds_edit_rows(e);
    if (!(j->w = worker_new(&edit_job, notify, err, errlen)) ||
        worker_start(j->w, j, err, errlen) != 0) {
        data_job_free(j);
        return NULL;
    }
    return j;
}

bool data_job_poll(data_job *j, int *rc, size_t *changed, char *err, size_t errlen)
{
    worker_state s = worker_poll(j->w, NULL);
    if (s == WORKER_RUNNING)
        return false;
    *rc = s == WORKER_DONE ? 0 : -1;
    *changed = j->changed;
    snprintf(err, errlen, "%s", worker_error(j->w));
    return true;
}

void data_job_progress(const data_job *j, size_t *done, size_t *total)
{
    *done = ds_edit_progress(j->e);
    *total = j->total;
}

void data_job_cancel(data_job *j)
{
    worker_cancel(j->w);
}

void data_job_free(data_job *j)
{
    if (!j)
        return;
    worker_free(j->w);
    ds_action_clear(&j->a);
    free(j);
}
