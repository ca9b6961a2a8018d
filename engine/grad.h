/* grad.h - whole-model gradient passes between backward and the optimizer:
 * zeroing, the global L2 norm (which doubles as the non-finite check), and
 * clipping with torch.nn.utils.clip_grad_norm_ semantics.
 *
 * The passes run on the engine pool over a plan that cuts the tensors, laid
 * end to end, into chunks of GRAD_CHUNK floats. The cut depends only on the
 * tensor sizes, and the norm adds one partial sum per chunk in chunk order, so
 * every result is the same for any thread count and schedule (exact resume
 * needs that). */
#ifndef LATHE_GRAD_H
#define LATHE_GRAD_H

#include <stddef.h>

#include "optim.h"
#include "pool.h"

/* Floats per chunk: large enough that handing out a chunk costs little next
 * to its work, small enough to balance a few threads over a small model. */
#define GRAD_CHUNK 32768

typedef struct grad_plan grad_plan;

/* Plans over params[0..n), which must outlive the plan. NULL with a message
 * in err on short memory. */
grad_plan *grad_plan_new(const optim_param *params, size_t n, char *err, size_t errlen);
void grad_plan_free(grad_plan *pl);

/* A pass over elements [off, off+len) of tensor `param` of the plan. */
typedef void (*grad_piece_fn)(void *arg, size_t param, size_t off, size_t len);

/* Calls fn on every piece of every chunk, chunks spread over p (NULL: the
 * caller's thread). Pieces of different chunks never overlap. */
void grad_plan_run(const grad_plan *pl, pool *p, grad_piece_fn fn, void *arg);

void grad_zero(const grad_plan *pl, pool *p);

/* sqrt(sum of g^2) over every gradient, accumulated in double. NaN or Inf
 * when any gradient is non-finite, so one finite check covers them all. */
double grad_global_norm(grad_plan *pl, pool *p);

/* The factor clip_grad_norm_ multiplies the gradients by:
 * min(1, max_norm / (total_norm + 1e-6)). 1 when max_norm <= 0 (no clipping). */
double grad_clip_coef(double total_norm, double max_norm);

#endif
