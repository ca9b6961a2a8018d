/* chat_job.h - the Chat pane's work on its chat session that can take
 * seconds (opening a model, loading an adapter or a run's checkpoint, a
 * slash command, which may do either) on a worker thread (worker.h), so
 * the pane keeps drawing and taking keys meanwhile. The session is handed
 * to the job when it starts and taken back once the job has ended; the pane
 * does not touch it in between (it is one thread's at a time). */
#ifndef LATHE_CHAT_JOB_H
#define LATHE_CHAT_JOB_H

#include <stdint.h>

#include "bytebuf.h"
#include "chat_session.h"
#include "worker.h"

typedef enum {
    CHAT_JOB_OPEN,              /* a session on the model ARG, with B from ADAPTER or RUN */
    CHAT_JOB_COMMAND,           /* the slash command ARG */
    CHAT_JOB_MODEL,             /* the model ARG for both sides */
    CHAT_JOB_LORA,              /* B's adapter ARG */
    CHAT_JOB_CHECKPOINT,        /* B from the run ARG's checkpoint STEP */
} chat_job_kind;

typedef struct {
    chat_job_kind kind;
    char *arg;
    char *adapter, *run;        /* OPEN: B's adapter or run (NULL: none) */
    int64_t step;               /* OPEN with RUN, CHECKPOINT: the step; < 0: the newest */
    chat_notify_fn notify;      /* OPEN: the session's (each streamed piece) */
    void *notify_ctx;
    chat_session *s;            /* handed over (OPEN: made); the owner's once the job ended */
    bytebuf out;                /* what to show when it worked */
} chat_job;

/* The worker job that runs a chat_job (free_input frees it, and the
 * session it still holds). */
extern const worker_job chat_job_class;

/* A job of KIND on ARG (copied); NULL when out of memory. */
chat_job *chat_job_new(chat_job_kind kind, const char *arg);

#endif
