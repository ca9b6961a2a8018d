/* run_session.h - one training run, as `lathe train` and the Train pane both
 * drive it: created from a config path with the command line's overrides,
 * prepared on a worker thread (config, tokenized data, model, run
 * directory: seconds of work the caller's thread must not wait for), then
 * trained on the trainer thread (trainer.h) while one consumer polls it. The
 * session owns the model, the data pipeline, the trainer, its metrics ring,
 * evaluation, checkpoints, the logs and the outputs.
 *
 * Threads. The creator, the preparing worker, the trainer thread and one
 * consumer. The consumer is whichever thread calls run_session_poll (one at
 * a time, not necessarily the creator's); the message and progress
 * callbacks run only inside poll, on that thread, so a UI needs no locking
 * of its own. Control calls and run_session_get_status are safe from any
 * thread. The wake callback may run on any thread, with the session's lock
 * held: it should only signal the consumer's loop (a pipe, an eventfd) and
 * never call back into the session.
 *
 * How records travel. The trainer thread publishes every step, evaluation
 * and event into the lock-free SPSC ring (ring.h): an event carries its kind
 * as a number and its text, of any length, in a malloc'd buffer whose
 * ownership travels with the record, so nothing is cut and no prefix needs
 * comparing. What happens before the trainer starts (configuration
 * problems, cache notes, the start event) comes from the worker through a
 * small queue under the session's mutex. poll empties the queue, then the
 * ring, writes metrics.jsonl and events.jsonl (the consumer is the only
 * writer of the logs) and hands back the new records in the order they
 * happened. Every record is handed back exactly once, so a pane that keeps
 * them has the full history; when the pane goes away, a plain loop that
 * calls poll (with the callbacks cleared) carries the run to its end with
 * the same files. A checkpoint waits until the consumer has logged every
 * record before it, so a run killed after a checkpoint has logged
 * everything up to it: poll must keep being called while a run is live.
 *
 * Errors never go to stderr from here: every message, with its severity,
 * comes through the message callback; a configuration problem carries its
 * place (file:line:column).
 *
 * Data parallelism. Under mpirun every process runs a session of its own
 * with the same options and the job (run_dist.h) in them: together they
 * train as one process with N times the gradient accumulation, and only
 * process 0 makes, logs and writes the run directory; the others write
 * nothing and report only errors of their own (run_session_dist.c). */
#ifndef LATHE_RUN_SESSION_H
#define LATHE_RUN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_diag.h"
#include "run_alarm.h"
#include "run_dist.h"
#include "trainer.h"

typedef struct run_session run_session;

typedef enum {
    RUN_SESSION_NEW = 0,      /* created; run_session_prepare not yet called */
    RUN_SESSION_PREPARING,    /* the worker loads the config, the data and the model */
    RUN_SESSION_READY,        /* prepared, the run directory made; run_session_start next */
    RUN_SESSION_RUNNING,
    RUN_SESSION_PAUSED,
    RUN_SESSION_ENDING,       /* training ended: final checkpoint, evaluation, outputs */
    RUN_SESSION_DONE,         /* everything written, logs closed, directory unlocked */
    RUN_SESSION_FAILED,       /* preparation failed (no run directory is left), or the
                               * run ended with something not done or not written */
} run_session_state;

typedef enum { RUN_INFO = 0, RUN_WARNING, RUN_ERROR } run_severity;

typedef struct {
    run_severity severity;
    const char *text;          /* one line, no newline; valid during the call */
    const config_diag *diag;   /* a configuration problem: its file, line and column
                                * (text is its "FILE:LINE:COL: error: ..." line); else NULL */
} run_message;

typedef struct {
    const char *phase;         /* "loading the model", "tokenizing train.jsonl", ... */
    double fraction;           /* done of this phase, 0..1; < 0 when unknown */
} run_progress;

typedef struct {
    void *ctx;
    void (*message)(void *ctx, const run_message *m);     /* inside poll */
    void (*progress)(void *ctx, const run_progress *p);   /* inside poll: each phase begun
                                                           * since (fraction unknown), then
                                                           * the latest when it moved */
    void (*wake)(void *ctx);                              /* any thread; see above */
} run_session_hooks;

typedef struct {
    const char *config;        /* CONFIG.yaml */
    char *const *sets;         /* --set KEY=VALUE, in order */
    size_t n_sets;
    int64_t max_steps;         /* > 0: --max-steps, which wins over the file and --set */
    const char *output;        /* --output DIR, or NULL */
    const char *resume;        /* --resume RUN_DIR or "auto", or NULL */
    run_dist *dist;            /* the job of processes training together; NULL: alone */
} run_session_options;

/* The kinds of events (events.jsonl; run_record.event). The trainer's own
 * keep their trainer.h numbers. */
typedef enum {
    RUN_EVENT_END = TRAINER_EVENT_END,                 /* training ended: why */
    RUN_EVENT_NONFINITE_STOP = TRAINER_EVENT_NONFINITE_STOP,
    RUN_EVENT_SKIPPED_STEP = TRAINER_EVENT_SKIPPED,    /* a non-finite step was skipped */
    RUN_EVENT_PAUSED = TRAINER_EVENT_PAUSED,
    RUN_EVENT_CONTINUED = TRAINER_EVENT_CONTINUED,
    RUN_EVENT_LR_MULTIPLIER = TRAINER_EVENT_LR,
    RUN_EVENT_STARTED = TRAINER_EVENT_OWNER,           /* started, or resumed at a step */
    RUN_EVENT_DATA,            /* where the tokenized data came from */
    RUN_EVENT_WARNING,         /* a problem that changed nothing the run computes */
    RUN_EVENT_CHECKPOINT,      /* a checkpoint was saved (or asked for and already there) */
    RUN_EVENT_CHECKPOINT_FAILED,       /* training went on */
    RUN_EVENT_FINAL_CHECKPOINT_FAILED, /* the run's end has no checkpoint */
    RUN_EVENT_EVALUATED,       /* an evaluation asked for by run_session_eval_now */
    RUN_EVENT_EVAL_FAILED,
    RUN_EVENT_EARLY_STOP,
    RUN_EVENT_BEST_LOADED,     /* load_best_model_at_end put the best weights back */
    RUN_EVENT_OUTPUT,          /* adapter/ or model.gguf written */
    RUN_EVENT_OUTPUT_FAILED,
    RUN_EVENT_ALARM,           /* an alarm fired (run_alarm.h): the record's alarm and
                                * action say which and what was done */
    RUN_EVENT_UNKNOWN,         /* read back from a log that did not name its kind */
} run_event_kind;

/* The kind's stable name, as events.jsonl's "kind" field spells it
 * ("checkpoint_failed"); "unknown" for a value outside the enumeration. */
const char *run_event_name(run_event_kind k);
/* The kind a name spells; RUN_EVENT_UNKNOWN for NULL or any other text. */
run_event_kind run_event_parse(const char *name);

typedef enum { RUN_RECORD_STEP = 0, RUN_RECORD_EVAL, RUN_RECORD_EVENT } run_record_kind;

typedef struct {
    run_record_kind kind;
    int64_t step;
    double elapsed_s;          /* training time, pauses excluded */
    /* steps */
    double epoch, loss, lr, grad_norm;
    double tokens_per_s;       /* the step's tokens (padding included) over its compute time */
    uint64_t rss_bytes;
    bool logged;               /* a row of metrics.jsonl (every logging_steps) */
    /* evaluations */
    double eval_loss;
    /* events */
    run_event_kind event;
    const char *text;          /* valid until the next poll */
    run_alarm_kind alarm;      /* RUN_EVENT_ALARM: which alarm fired */
    run_alarm_action action;   /* RUN_EVENT_ALARM: what the session did about it */
} run_record;

typedef struct {
    run_session_state state;
    const run_record *records; /* new since the last poll, in order; valid until the next */
    size_t n;
    bool reset;                /* run_follow_poll only: the logs were rewritten (a
                                * --resume), so RECORDS is the whole history again and
                                * replaces every record handed out before */
} run_poll;

typedef struct {
    run_session_state state;
    char phase[128];           /* while preparing: what it does now */
    double phase_fraction;     /* 0..1, or < 0 when unknown */
    int64_t step, total_steps;
    double epoch, elapsed_s;
    uint64_t tokens;           /* tokens trained on, padding excluded */
    double best_eval;          /* NAN before the first evaluation */
    int64_t best_eval_step;    /* -1 before it */
    int64_t last_checkpoint;   /* the newest checkpoint's step, or -1 */
    uint64_t ring_dropped;     /* records lost to a consumer that fell behind */
    double lr_multiplier;
    /* memory by part, bytes, as of the last step */
    size_t mem_weights, mem_grads, mem_optimizer, mem_activations, mem_peak;
} run_session_status;

/* A session for O (copied) reporting through HOOKS (copied; may be NULL).
 * NULL with err only when out of memory. */
run_session *run_session_new(const run_session_options *o, const run_session_hooks *hooks,
                             char *err, size_t errlen);

/* Starts preparing on a worker thread and returns at once; poll reports
 * progress, then READY or FAILED. Only in state NEW; -1 with err otherwise
 * or when the thread cannot start. */
int run_session_prepare(run_session *s, char *err, size_t errlen);

/* Starts training a READY session. -1 with err otherwise. */
int run_session_start(run_session *s, char *err, size_t errlen);

/* The consumer's call, once a frame: messages and progress through the
 * callbacks, the logs written, the new records into *OUT (may be NULL).
 * Returns the state. */
run_session_state run_session_poll(run_session *s, run_poll *out);

/* Replaces the callbacks (NULL clears them), e.g. when a UI hands the run to
 * a headless loop. From the consumer's thread; after it returns no callback
 * runs with the old context. */
void run_session_set_hooks(run_session *s, const run_session_hooks *hooks);

/* Control, from any thread. Each takes effect at a step boundary (at once on
 * a paused run, for save and evaluate) and is logged as an event when it
 * does. Stop ends training after the current step; the end writes a
 * checkpoint and the outputs. Stopping a session being prepared cancels the
 * preparation. The lr multiplier (>= 0, finite) scales every later step's
 * learning rate, and shows in metrics.jsonl's lr. */
void run_session_pause(run_session *s);
void run_session_resume(run_session *s);
void run_session_stop(run_session *s);
void run_session_save_now(run_session *s);
void run_session_eval_now(run_session *s);
void run_session_set_lr_multiplier(run_session *s, double mult);

/* A snapshot, from any thread. */
void run_session_get_status(run_session *s, run_session_status *out);

/* The run directory, once the session is READY (NULL before, and when
 * preparing failed); valid until run_session_free. */
const char *run_session_dir(run_session *s);

/* Ends and frees the session: a run still training is stopped, and polled
 * (without callbacks) to its end so that its checkpoint, outputs and logs
 * are written; a session prepared but never started removes the run
 * directory it made. */
void run_session_free(run_session *s);

#endif
