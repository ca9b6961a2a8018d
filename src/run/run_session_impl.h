/* run_session_impl.h - the inside of a run session (run_session.h), shared by
 * its files: run_session.c (life cycle, control, status, the worker's
 * queue), run_session_setup.c (preparation, on the worker), run_session_step.c
 * (the trainer thread's step hook: evaluations and checkpoints),
 * run_session_end.c (the end hook: final checkpoint, evaluation, outputs,
 * summary.json), run_session_poll.c (the consumer: logs and records),
 * run_session_alarm.c (the consumer: alarms over those records) and
 * run_session_dist.c (one process of a data-parallel job).
 *
 * Who touches what: fields under "under mu" only with the mutex held. The
 * run's objects belong to the worker while it prepares, then to the trainer
 * thread (its hooks) for what training touches, and to the consumer for the
 * logs and the records it hands back; the handovers are the mutex (the
 * worker's end, run_session_start) and pthread_join (the trainer's end). */
#ifndef LATHE_RUN_SESSION_IMPL_H
#define LATHE_RUN_SESSION_IMPL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model_load.h"
#include "pipe_source.h"
#include "pipeline.h"
#include "ring.h"
#include "run_alarm.h"
#include "run_dir.h"
#include "run_dist.h"
#include "run_session.h"
#include "train_bind.h"
#include "train_config.h"
#include "train_eval.h"
#include "train_setup.h"
#include "trainer.h"

/* A message or an event the worker queues for poll. */
typedef struct run_note {
    struct run_note *next;
    bool is_event;
    bool is_phase;             /* a phase of the preparation began: TEXT its name */
    run_severity severity;     /* messages */
    run_event_kind event;      /* events */
    char *text;
    config_diag *diag;         /* a configuration problem's place, or NULL */
} run_note;

typedef struct {
    run_note *head, *tail;
} run_notes;

struct run_session {
    /* Fixed at creation. */
    char *config, *output, *resume;
    char **sets;               /* --set arguments, then max_steps=N for --max-steps */
    size_t n_sets;

    pthread_mutex_t mu;
    /* Under mu. */
    run_session_state state;   /* never PAUSED: that is read from the trainer */
    run_session_hooks hooks;
    run_notes queue;
    bool progress_moved;
    bool cancel;               /* stop asked while preparing */
    bool save_req, eval_req;
    bool prepared;             /* the worker succeeded: there is a trainer */
    bool ended;                /* the end hook has finished */
    bool failed;               /* the run could not do or write something */
    char *failure;             /* what to say of it at the end (NULL: told already) */
    run_session_status live;   /* what the status reports, kept by the threads */
    const char *alarm_stop;    /* the alarm that stopped the run (its name), or NULL */

    /* The run (see the header comment for who owns what). */
    train_config cfg;
    char *run_path;
    run_dir rd;
    tok_vocab *vocab;
    char *tmpl;
    pipeline pipe;
    model_file mf;
    train_quant quant;
    train_bind bind;
    trainer_model tm;
    ring *metrics;
    trainer *t;
    pipe_source src;
    train_eval eval;
    int32_t pad;
    int64_t resume_step;       /* the checkpoint resumed from (0: from the start), or -1 */
    int64_t total_steps;
    char config_hash[17];
    double t0;                 /* when training started (monotonic seconds) */
    _Atomic uint64_t tokens;   /* real tokens handed to the trainer */
    run_notes pending;         /* worker: events logged once the run starts */

    /* Data parallelism (run_session_dist.c). */
    run_dist *dist;            /* the job this process is one of; NULL: alone */
    uint64_t config_print;     /* the resolved config's hash, which all must share */
    float **grad_bufs;         /* the trainable tensors' gradients, in order */
    size_t *grad_n;
    uint64_t reduced_bytes;    /* gradient bytes summed per step */
    int64_t taken;             /* trainer thread: this step's micro-batches taken */
    double reduce_s;           /* trainer thread: seconds summing gradients */
    int64_t reduced_steps;

    /* Trainer thread (hooks); the closing line is read by the consumer
     * after the join. */
    int64_t last_saved;        /* the newest checkpoint's step, or -1 */
    char *closing;             /* how the run went, in one line */
    int64_t hooked_step;       /* the newest step whose due work has run */
    bool early_stopped;

    /* Consumer. */
    pthread_t worker;
    bool worker_started, worker_joined, trainer_joined;
    _Atomic uint64_t logged;   /* ring records drained and logged */
    ring_record last;          /* the newest step record */
    run_record *out;           /* the records poll hands back */
    size_t n_out, cap_out;
    char **texts;              /* their texts, freed at the next poll */
    size_t n_texts, cap_texts;
    bool log_failed;
    int log_errno;             /* why the first log write failed */
    run_notes deferred;        /* messages told at the next poll, after the records
                                * before them were shown */
    bool closed;               /* the logs are closed: the run is over */
    run_alarm alarms;          /* set up by the worker, then the consumer's */
    uint64_t mem_limit;        /* bytes the process may use (mem_limit.h); 0: unknown */
};

/* run_session.c */
/* Queues a message (any thread). DIAG (copied) may be NULL. */
void run_session_say(run_session *s, run_severity sev, const config_diag *diag,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The worker's events for the log, released when training starts. */
void run_session_pending_event(run_session *s, run_event_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* While preparing: what the worker does now (FRACTION < 0: unknown). */
void run_session_set_phase(run_session *s, const char *phase, double fraction);
/* True once a stop asked the worker to give up. */
bool run_session_cancelled(run_session *s);
/* Calls the wake callback (with mu held, as the header promises). */
void run_session_wake(run_session *s);
/* Marks the run failed; WHY (NULL when an event told it already) is said
 * at the end unless an earlier failure's is (any thread). */
void run_session_fail(run_session *s, const char *why);
void run_notes_free(run_notes *q);
/* A note with FMT's text (NULL when out of memory), and appending it. */
run_note *run_note_new(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void run_notes_push(run_notes *q, run_note *n);

/* run_session_setup.c: the worker's preparation. -1 with err (the run
 * directory discarded). */
int run_session_setup(run_session *s, char *err, size_t errlen);

/* run_session_step.c (trainer thread) */
void run_session_on_step(void *ctx, int64_t step);
/* Pushes an event into the ring. */
void run_session_event(run_session *s, run_event_kind k, int64_t step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes the checkpoint after STEP steps (pruning to save_total_limit around
 * it) once the consumer has logged everything before it, and pushes what
 * happened as an event: KIND_FAILED on failure, with the reason into
 * WHY (may be NULL). NOTE is added to the saved event's text. 0 or -1. */
int run_session_checkpoint(run_session *s, int64_t step, run_event_kind kind_failed,
                           const char *note, char *why, size_t whylen);
/* Copies the trainer's progress into the status (mu taken). */
void run_session_update_live(run_session *s);

/* run_session_alarm.c */
/* The alarms as the config sets them, and the memory limit (worker). */
void run_session_alarm_setup(run_session *s);
/* Feeds a step or an evaluation the consumer logged to the alarms; one that
 * fires is logged, told and carried out (consumer). */
void run_session_alarm_step(run_session *s, const ring_record *rec);
void run_session_alarm_eval(run_session *s, const ring_record *rec);

/* run_session_end.c (trainer thread) */
void run_session_on_end(void *ctx);

/* run_session_dist.c */
/* Whether this process writes the run directory (process 0 of a job). */
bool run_session_owns_dir(const run_session *s);
/* The trainer's batch source: this process's share of every step's
 * micro-batches, counting every process's tokens. */
int run_session_next(void *ctx, trainer_batch *out, char *err, size_t errlen);
/* Gives the trainer its collective hooks when the job has several
 * processes (after the trainer is made). -1 with err. */
int run_session_dist_install(run_session *s, char *err, size_t errlen);
/* After every process prepared (RC, err: how this one did): that all did,
 * alike, and process 0's weights and resume point everywhere. RC for one
 * process; else -1 with err on every process when any failed. */
int run_session_dist_setup(run_session *s, int rc, char *err, size_t errlen);
/* The hash of CFG as every process must have it. */
uint64_t run_session_config_print(const train_config *cfg);
/* summary.json's "ranks": the processes and the reduction's cost. */
void run_session_dist_summary(const run_session *s, json_t *o);

/* run_session_poll.c (consumer) */
/* Logs the event R (its kind, step, elapsed time, alarm fields) with TEXT,
 * tells it when the user must see it, and hands it back, taking TEXT. */
void run_session_poll_event(run_session *s, run_record *r, char *text);
/* JSON has no NaN or infinity: a non-finite number is logged as null. */
json_t *run_session_json_num(double v);
/* Frees the records poll handed back; closes the logs and unlocks the
 * directory if the end did not. */
void run_session_poll_free(run_session *s);

#endif
