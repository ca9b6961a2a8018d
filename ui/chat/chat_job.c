/* chat_job.c - the Chat pane's session work on a worker (chat_job.h). */
#include "config.h"

#include "chat_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat_cmd.h"

/* The settings a new chat starts with, as `lathe chat`'s defaults: a seed
 * of the moment, 256 new tokens at most. */
static chat_settings defaults(void)
{
    chat_settings c = {tsample_defaults(), 256};
    c.sp.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    return c;
}

static void show_lineup(chat_job *j)
{
    for (int c = 0; c < chat_session_columns(j->s); c++) {
        const char *label = chat_session_label(j->s, c);
        bytebuf_put(&j->out, label, strlen(label));
        bytebuf_put(&j->out, "\n", 1);
    }
}

static int open_session(chat_job *j, char *err, size_t errlen)
{
    chat_options o = {.model = j->arg, .set = defaults()};
    o.b = (chat_b_spec){j->adapter, j->run, j->step, 1.0f};
    o.lineup.notify = j->notify;
    o.lineup.notify_ctx = j->notify_ctx;
    return (j->s = chat_session_new(&o, err, errlen)) ? 0 : -1;
}

static int job_run(worker *w, void *input, char *err, size_t errlen)
{
    (void)w;
    chat_job *j = input;
    char msg[4096] = "";
    int rc;
    switch (j->kind) {
    case CHAT_JOB_OPEN:
        rc = open_session(j, err, errlen);
        break;
    case CHAT_JOB_COMMAND:
        return chat_cmd_run(j->s, j->arg, &j->out, err, errlen) < 0 ? -1 : 0;
    case CHAT_JOB_MODEL:
        rc = chat_session_set_model(j->s, j->arg, err, errlen);
        break;
    case CHAT_JOB_LORA:
        rc = chat_session_set_lora(j->s, j->arg, 1.0f, err, errlen);
        break;
    default:
        rc = chat_session_set_checkpoint(j->s, j->arg, j->step, msg, sizeof msg, err, errlen);
        if (!rc)
            bytebuf_put(&j->out, msg, strlen(msg));
        return rc;
    }
    if (!rc)
        show_lineup(j);
    return rc;
}

static void job_free(void *input)
{
    chat_job *j = input;
    chat_session_free(j->s);
    free(j->arg);
    free(j->adapter);
    free(j->run);
    bytebuf_free(&j->out);
    free(j);
}

const worker_job chat_job_class = {.name = "chat", .run = job_run, .free_input = job_free};

chat_job *chat_job_new(chat_job_kind kind, const char *arg)
{
    chat_job *j = calloc(1, sizeof *j);
    if (j && !(j->arg = strdup(arg))) {
        free(j);
        j = NULL;
    }
    if (j) {
        j->kind = kind;
        j->step = -1;
    }
    return j;
}
