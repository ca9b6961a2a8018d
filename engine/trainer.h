/* trainer.h - the training loop on its own thread: pulls micro-batches from a
 * caller's batch source, runs forward/backward through a caller's model,
 * averages gradients over accumulation, refuses non-finite steps, clips,
 * schedules the learning rate, updates with an optimizer, and publishes every
 * step and event into a metrics ring that the UI drains.
 *
 * Gradient accumulation follows HF transformers (>= 4.46, num_items_in_batch):
 * the micro-batches of one optimizer step are fetched first, their scored
 * tokens counted (N, the sum of weights of unmasked targets), and every
 * micro-batch's loss and gradient are divided by that N, so the step's loss
 * and gradient are the mean over all scored tokens of the step, not the mean
 * of per-micro-batch means.
 *
 * A step whose loss or any gradient is NaN/Inf is skipped before the update
 * (the weights are untouched, the optimizer does not advance, the schedule
 * does, as under torch's GradScaler), reported as an event and counted; after
 * nan_tolerance consecutive skips the run stops with a message.
 *
 * Control calls (pause, resume, stop, lr multiplier, status) are safe from any
 * thread; the ring has exactly one producer, the trainer thread. What the
 * controls did is published as events when it takes effect (at a step
 * boundary), so the log says at which step. */
#ifndef LATHE_TRAINER_H
#define LATHE_TRAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "optim.h"
#include "pool.h"
#include "ring.h"
#include "schedule.h"

/* One micro-batch of B sequences of T tokens, laid out as model.h's
 * model_batch. The arrays belong to the source and need only stay valid until
 * its next call; the trainer copies them. */
typedef struct {
    int B, T;
    const int32_t *tokens;    /* [B*T] */
    const int32_t *targets;   /* [B*T] token the logits at i predict; < 0 masks i */
    const float *weights;     /* [B*T] loss weight of each target; NULL = all 1 */
    const int32_t *doc;       /* [B*T] document id of each token (packing); may be NULL */
    double epoch;             /* fractional epoch reached with this batch */
} trainer_batch;

/* The loss weight a batch carries: the sum of the weights of its unmasked
 * targets (the token count when weights are all 1). */
double trainer_batch_weight(const trainer_batch *b);

/* Fills *out with the next micro-batch. Returns 1 with a batch, 0 when the data
 * is exhausted, -1 with a message in err on failure. */
typedef int (*trainer_next_fn)(void *ctx, trainer_batch *out, char *err, size_t errlen);

/* The model as the trainer sees it: its trainable tensors and one call that
 * runs forward and backward on a micro-batch, ADDING the gradient of
 * (sum of weighted token losses) / loss_norm into the tensors' gradients and
 * returning that quantity in *loss. begin_step (may be NULL) is told the
 * 0-based optimizer step before its micro-batches run (dropout seeds).
 * Returns 0, or -1 with a message in err. The gradient passes and the
 * optimizer update run on pool (NULL: the trainer thread alone), which the
 * model's own calls may use too; both run on the trainer thread, never at
 * the same time. */
typedef struct {
    void *ctx;
    const optim_param *params;
    size_t n_params;
    int (*accumulate)(void *ctx, const trainer_batch *b, double loss_norm, double *loss,
                      char *err, size_t errlen);
    void (*begin_step)(void *ctx, int64_t step);
    pool *pool;
} trainer_model;

typedef struct {
    void *ctx;
    trainer_next_fn next;
} trainer_source;

typedef struct {
    optim_config optim;
    double learning_rate;
    schedule_config schedule;
    double max_grad_norm;         /* <= 0: no clipping */
    int grad_accum;               /* micro-batches per optimizer step, >= 1 */
    int64_t max_steps;            /* optimizer steps; 0 = until the source runs dry */
    int nan_tolerance;            /* consecutive skipped steps before stopping, >= 1 */
} trainer_config;

/* The codes (ring_record.code) of the events the trainer publishes. The
 * trainer's owner may publish its own from its hooks, numbered from
 * TRAINER_EVENT_OWNER. */
typedef enum {
    TRAINER_EVENT_END = 1,        /* the run ended; the text says why */
    TRAINER_EVENT_NONFINITE_STOP, /* it ended after nan_tolerance non-finite steps */
    TRAINER_EVENT_SKIPPED,        /* a non-finite step was skipped */
    TRAINER_EVENT_PAUSED,         /* trainer_pause took effect */
    TRAINER_EVENT_CONTINUED,      /* trainer_resume took effect */
    TRAINER_EVENT_LR,             /* a new lr multiplier applies from this step */
    TRAINER_EVENT_OWNER = 32,
} trainer_event;

/* Why the run ended. */
typedef enum {
    TRAINER_END_NONE = 0,     /* it has not */
    TRAINER_END_MAX_STEPS,
    TRAINER_END_DATA,         /* the source ran dry */
    TRAINER_END_STOP,         /* trainer_stop */
    TRAINER_END_NONFINITE,    /* nan_tolerance consecutive non-finite steps */
    TRAINER_END_ERROR,        /* the source or the model failed */
} trainer_end;

typedef enum {
    TRAINER_READY = 0,   /* created, not started */
    TRAINER_RUNNING,
    TRAINER_PAUSED,
    TRAINER_FINISHED,    /* max_steps reached or data exhausted */
    TRAINER_STOPPED,     /* trainer_stop was called */
    TRAINER_FAILED,      /* an error or too many non-finite steps; see message */
} trainer_state;

typedef struct {
    trainer_state state;
    int64_t step;             /* optimizer steps done (skipped ones included) */
    int64_t skipped;          /* steps skipped as non-finite, in total */
    int64_t consecutive_skipped; /* of them, the latest run of consecutive ones */
    double last_loss;
    double lr_multiplier;
    trainer_end end;
    char message[256];        /* why the run ended; empty while it runs */
} trainer_status;

/* Defaults from the config contract: AdamW, constant schedule, clip 1.0,
 * accumulation 1, nan_tolerance 3; learning_rate must still be set. */
trainer_config trainer_defaults(void);

typedef struct trainer trainer;

/* Validates the config and allocates the optimizer. The model, source and ring
 * must outlive the trainer. NULL with a message in err. */
trainer *trainer_new(const trainer_config *c, const trainer_model *m, const trainer_source *s,
                     ring *metrics, char *err, size_t errlen);

/* Starts the training thread. Returns 0, or -1 with a message in err. */
int trainer_start(trainer *t, char *err, size_t errlen);

void trainer_pause(trainer *t);
void trainer_resume(trainer *t);
/* Asks the thread to stop after the current step; returns at once. */
void trainer_stop(trainer *t);
/* Scales every later step's learning rate (1 = as scheduled). Ignores
 * negative or non-finite values. */
void trainer_set_lr_multiplier(trainer *t, double mult);

void trainer_get_status(trainer *t, trainer_status *out);

/* Waits for the thread to end (call after stop, or to run to completion). */
void trainer_join(trainer *t);

/* Joins if needed and frees everything the trainer allocated. */
void trainer_free(trainer *t);

/* Calls FN(CTX, STEP) on the trainer thread after each finished step is
 * published (evaluation, checkpoints): the weights and optimizer are quiet
 * then. FN may push events into the ring. Its time is outside every step's
 * tokens/s (a step is timed from its first batch to its publication), so an
 * evaluation or a save does not slow the throughput shown. Set before
 * trainer_start. */
void trainer_set_step_hook(trainer *t, void (*fn)(void *ctx, int64_t step), void *ctx);

/* Asks the trainer thread to call the step hook once more, for the steps
 * done so far, as soon as it can: after the step under way, or at once when
 * paused (so an owner can save or evaluate a paused run). Any thread. */
void trainer_call_hook(trainer *t);

/* Calls FN(CTX) on the trainer thread once the loop has ended (the status
 * says why), in place of the trainer's own end event: the owner reports the
 * end in its words and may write its outputs and push events before the
 * thread exits. Set before trainer_start. */
void trainer_set_end_hook(trainer *t, void (*fn)(void *ctx), void *ctx);

/* Seconds of training so far, pauses excluded: the clock of the records the
 * trainer publishes. Trainer thread only (its hooks). */
double trainer_elapsed(const trainer *t);

/* The optimizer, for saving and loading its state while the thread is not
 * running or from the step hook. */
optim *trainer_optim(trainer *t);

/* Before trainer_start: continue from a checkpoint taken after STEP steps
 * of which SKIPPED were skipped, the last CONSECUTIVE of them in a row (the
 * schedule and dropout seeds go on from STEP; nan_tolerance counts on from
 * CONSECUTIVE). */
void trainer_restore_step(trainer *t, int64_t step, int64_t skipped, int64_t consecutive);

/* Data parallelism: the trainer as one of several processes that train one
 * model together, each on its share of every optimizer step's micro-batches
 * (the source gives each process its own). The hooks are collective: every
 * process calls each once a step, in this order, so the step stays one step
 * of one model:
 *   begin   at the step's start, before anything is fetched: *STOP becomes
 *           true everywhere when any process was asked to stop, and
 *           *LR_MULT is the first process's multiplier;
 *   counts  once the step's own micro-batches are fetched, before any
 *           scaling: V (micro-batches, tokens, scored weight) becomes the
 *           sums over the processes, so the loss is normalised by the step's
 *           scored tokens counted on all of them (the rule above) and the
 *           data runs out for all at once; a process whose share is empty
 *           still takes part in the step;
 *   grads   after the backward pass, before the non-finite check and
 *           clipping: the gradients of PARAMS and *LOSS become their sums
 *           over the processes, so the check, the clipping norm and the
 *           update are the same everywhere.
 * A process that failed gives its message as FAILED to counts or grads
 * (else NULL); then the call returns -1 on every process with a message
 * naming the process that failed, and the run fails everywhere. Set before
 * trainer_start. */
typedef struct {
    void *ctx;
    int (*begin)(void *ctx, bool *stop, double *lr_mult, char *err, size_t errlen);
    int (*counts)(void *ctx, double v[3], const char *failed, char *err, size_t errlen);
    int (*grads)(void *ctx, const optim_param *params, size_t n_params, double *loss,
                 const char *failed, char *err, size_t errlen);
} trainer_reduce;
void trainer_set_reduce(trainer *t, const trainer_reduce *r);

/* Bytes of optimizer state. */
size_t trainer_optim_bytes(const trainer *t);

#endif
