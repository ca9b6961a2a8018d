/* grad.h - whole-model gradient operations between backward and the optimizer:
 * zeroing, the global L2 norm (which doubles as the non-finite check), and
 * clipping with torch.nn.utils.clip_grad_norm_ semantics. */
#ifndef LATHE_GRAD_H
#define LATHE_GRAD_H

#include <stddef.h>

#include "optim.h"

void grad_zero(const optim_param *params, size_t n);

/* sqrt(sum of g^2) over every gradient, accumulated in double. NaN or Inf
 * when any gradient is non-finite, so one finite check covers them all. */
double grad_global_norm(const optim_param *params, size_t n);

/* The factor clip_grad_norm_ multiplies the gradients by:
 * min(1, max_norm / (total_norm + 1e-6)). 1 when max_norm <= 0 (no clipping). */
double grad_clip_coef(double total_norm, double max_norm);

void grad_scale(const optim_param *params, size_t n, double factor);

#endif
