/* optim.h - optimizers over a list of trainable float32 tensors: AdamW and SGD
 * with momentum, each step bit-for-bit in the order of operations of
 * torch.optim (single-tensor path), so runs can be checked against PyTorch.
 *
 * State (Adam moments, momentum buffers) exists only for the tensors handed
 * in, i.e. the trainable ones; frozen weights cost nothing here.
 *
 * The per-step passes (gradient norm, zeroing, update) run on an engine pool
 * when one is set, chunked by grad.h's plan: elementwise updates give the same
 * bits on any number of threads, and the norm sums in a fixed chunk order. */
#ifndef LATHE_OPTIM_H
#define LATHE_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pool.h"

/* One trainable tensor: weights and their gradient, n floats each. */
typedef struct {
    const char *name;   /* for messages; may be NULL */
    float *w;
    float *g;
    size_t n;
    bool decay;         /* weight decay applies (false for norms and biases) */
} optim_param;

typedef enum { OPTIM_ADAMW = 0, OPTIM_SGD } optim_kind;

typedef struct {
    optim_kind kind;
    double weight_decay;  /* AdamW: decoupled, p -= lr*wd*p; SGD: L2, g += wd*p */
    double beta1, beta2, eps;       /* AdamW */
    double momentum;                /* SGD; 0 = plain SGD (dampening is 0) */
    bool nesterov;                  /* SGD */
} optim_config;

typedef struct optim optim;

/* The PyTorch / Axolotl defaults: AdamW, betas (0.9, 0.999), eps 1e-8, no decay. */
optim_config optim_defaults(void);

/* Parses "adamw" or "sgd". Returns 0, or -1 if unknown. */
int optim_kind_parse(const char *name, optim_kind *out);

/* Copies the parameter list (not the tensors) and allocates zeroed state.
 * NULL with a message in err on bad settings or short memory. */
optim *optim_new(const optim_config *c, const optim_param *params, size_t n_params,
                 char *err, size_t errlen);
void optim_free(optim *o);

/* Runs the passes below on p's threads (NULL: the caller's thread only).
 * p must stay alive while o uses it. */
void optim_set_pool(optim *o, pool *p);

/* One update of every parameter from its gradient at learning rate lr.
 * The caller has already checked the gradients are finite and clipped them. */
void optim_step(optim *o, double lr);

/* A training step's tail in one pass over memory: the update of optim_step
 * from every gradient multiplied by grad_scale (the clipping factor; the
 * product is rounded to float, as if the gradients had been scaled in place
 * first), after which the gradients are zero, ready to accumulate again. */
void optim_step_clipped(optim *o, double lr, double grad_scale);

/* The global L2 norm of the gradients (grad_global_norm) and their zeroing,
 * on the optimizer's pool. */
double optim_grad_norm(optim *o);
void optim_zero_grad(optim *o);

/* Updates taken so far (Adam's t). */
int64_t optim_steps(const optim *o);

/* The state (step count, moments or momentum buffers) as raw bytes to FP,
 * and back from FP into an optimizer built over the same parameter list.
 * Return 0, or -1 (with err naming what did not match on load). */
int optim_state_save(const optim *o, FILE *fp);
int optim_state_load(optim *o, FILE *fp, char *err, size_t errlen);

/* Bytes of optimizer state (moments or momentum buffers). */
size_t optim_state_bytes(const optim *o);
/* The floats of state C keeps for N trainable floats: two moments for
 * AdamW, a momentum buffer for SGD with momentum, none for plain SGD. */
size_t optim_state_floats(const optim_config *c, size_t n);

#endif
