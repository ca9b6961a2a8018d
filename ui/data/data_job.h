/* data_job.h - one edit action (ds_edit_apply) on a worker thread, so a
 * dedupe or a filter drop over a million rows never freezes the Data pane.
 * While the job runs the edit session belongs to it: the UI thread may only
 * poll the job, read its progress and cancel it (ds_edit.h), so the pane
 * shows the progress instead of the table until the job is done. */
#ifndef LATHE_DATA_JOB_H
#define LATHE_DATA_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "ds_edit.h"
#include "worker.h"

typedef struct data_job data_job;

/* Starts applying A (copied) to E on a worker (worker.h) that calls NOTIFY
 * when it ends. NULL with ERR when out of memory or the thread cannot start. */
data_job *data_job_start(ds_edit *e, const ds_action *a, worker_notify notify, char *err,
                         size_t errlen);
/* True once the action has finished; then *RC, *CHANGED and ERR are what
 * ds_edit_apply returned (a cancelled action fails with "cancelled"). */
bool data_job_poll(data_job *j, int *rc, size_t *changed, char *err, size_t errlen);
/* Rows the action's current pass has reached, of TOTAL. */
void data_job_progress(const data_job *j, size_t *done, size_t *total);
void data_job_cancel(data_job *j);
/* Waits for the job (cancel first to stop it early) and frees. NULL is fine. */
void data_job_free(data_job *j);

#endif
