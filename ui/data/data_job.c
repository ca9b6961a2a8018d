/* data_job.c - an edit action on a worker thread (see data_job.h). The
 * result fields are written by the worker before `done` (release) and read
 * after it (acquire). */
#include "config.h"

#include "data_job.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "data_source.h"

struct data_job {
    ds_edit *e;
    ds_action a;
    size_t total;               /* the session's rows, read before the thread starts */
    pthread_t thread;
    atomic_bool done;
    int rc;
    size_t changed;
    char err[1024];
};

static void *work(void *arg)
{
    data_job *j = arg;
    data_thread_background();
    j->rc = ds_edit_apply(j->e, &j->a, &j->changed, j->err, sizeof j->err);
    atomic_store_explicit(&j->done, true, memory_order_release);
    return NULL;
}

data_job *data_job_start(ds_edit *e, const ds_action *a, char *err, size_t errlen)
{
    data_job *j = calloc(1, sizeof *j);
    if (!j || ds_action_copy(&j->a, a) != 0) {
        snprintf(err, errlen, "out of memory starting %s", ds_action_name(a->kind));
        free(j);
        return NULL;
    }
    j->e = e;
    j->total = ds_edit_rows(e);
    if (pthread_create(&j->thread, NULL, work, j) != 0) {
        snprintf(err, errlen, "cannot start a thread for %s", ds_action_name(a->kind));
        ds_action_clear(&j->a);
        free(j);
        return NULL;
    }
    return j;
}

bool data_job_poll(data_job *j, int *rc, size_t *changed, char *err, size_t errlen)
{
    if (!atomic_load_explicit(&j->done, memory_order_acquire))
        return false;
    *rc = j->rc;
    *changed = j->changed;
    snprintf(err, errlen, "%s", j->err);
    return true;
}

void data_job_progress(const data_job *j, size_t *done, size_t *total)
{
    *done = ds_edit_progress(j->e);
    *total = j->total;
}

void data_job_cancel(data_job *j)
{
    /* a cancel that arrives after the action would stop the next one */
    if (!atomic_load_explicit(&j->done, memory_order_acquire))
        ds_edit_cancel(j->e);
}

void data_job_free(data_job *j)
{
    if (!j)
        return;
    pthread_join(j->thread, NULL);
    ds_action_clear(&j->a);
    free(j);
}
