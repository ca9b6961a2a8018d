/* schedule.h - learning-rate schedules with linear warmup, matching Hugging Face
 * transformers' get_constant_schedule_with_warmup, get_linear_schedule_with_warmup
 * and get_cosine_schedule_with_warmup (with min_lr_rate, Axolotl's
 * cosine_min_lr_ratio).
 *
 * As in HF, the factor for the optimizer step numbered `step` (0-based: the
 * number of optimizer steps already taken) is lambda(step); so with warmup the
 * very first update runs at lr 0, exactly like a LambdaLR stepped after
 * optimizer.step(). */
#ifndef LATHE_SCHEDULE_H
#define LATHE_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SCHED_CONSTANT = 0,
    SCHED_LINEAR,
    SCHED_COSINE,
} schedule_kind;

typedef struct {
    schedule_kind kind;
    int64_t warmup_steps;     /* used when > 0 */
    double warmup_ratio;      /* otherwise ceil(total_steps * ratio), as HF get_warmup_steps */
    int64_t total_steps;      /* num_training_steps */
    double min_lr_ratio;      /* cosine only: floor as a fraction of the base lr */
} schedule_config;

/* Checks ranges (ratios in [0,1], counts >= 0, total_steps > 0 for decaying
 * schedules). Returns 0, or -1 with a message in err. */
int schedule_validate(const schedule_config *c, char *err, size_t errlen);

/* The resolved number of warmup steps. */
int64_t schedule_warmup_steps(const schedule_config *c);

/* The multiplier of the base learning rate for optimizer step `step`. */
double schedule_factor(const schedule_config *c, int64_t step);

/* Parses "constant", "linear" or "cosine". Returns 0, or -1 if unknown. */
int schedule_kind_parse(const char *name, schedule_kind *out);

#endif
