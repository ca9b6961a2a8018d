/* schedule.c - learning-rate multipliers, the formulas of HF transformers'
 * optimization.py (lambda functions of LambdaLR). */
#include "schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PI 3.14159265358979323846

int schedule_validate(const schedule_config *c, char *err, size_t errlen)
{
    if (c->warmup_steps < 0) {
        snprintf(err, errlen, "warmup_steps must be >= 0, got %lld", (long long)c->warmup_steps);
        return -1;
    }
    if (!(c->warmup_ratio >= 0.0 && c->warmup_ratio <= 1.0)) {
        snprintf(err, errlen, "warmup_ratio must be in [0, 1], got %g", c->warmup_ratio);
        return -1;
    }
    if (!(c->min_lr_ratio >= 0.0 && c->min_lr_ratio <= 1.0)) {
        snprintf(err, errlen, "cosine_min_lr_ratio must be in [0, 1], got %g", c->min_lr_ratio);
        return -1;
    }
    if (c->kind != SCHED_CONSTANT && c->total_steps <= 0) {
        snprintf(err, errlen, "a decaying schedule needs the total number of steps (> 0), got %lld",
                 (long long)c->total_steps);
        return -1;
    }
    return 0;
}

int64_t schedule_warmup_steps(const schedule_config *c)
{
    if (c->warmup_steps > 0)
        return c->warmup_steps;
    return (int64_t)ceil((double)c->total_steps * c->warmup_ratio);
}

static double max1(int64_t v)
{
    return v > 1 ? (double)v : 1.0;
}

double schedule_factor(const schedule_config *c, int64_t step)
{
    int64_t warm = schedule_warmup_steps(c);
    if (step < warm)
        return (double)step / max1(warm);
    double span = max1(c->total_steps - warm);
    switch (c->kind) {
    case SCHED_LINEAR: {
        double f = (double)(c->total_steps - step) / span;
        return f > 0.0 ? f : 0.0;
    }
    case SCHED_COSINE: {
        double progress = (double)(step - warm) / span;
        double f = 0.5 * (1.0 + cos(PI * progress));
        f = f * (1.0 - c->min_lr_ratio) + c->min_lr_ratio;
        return f > 0.0 ? f : 0.0;
    }
    case SCHED_CONSTANT:
    default:
        return 1.0;
    }
}

int schedule_kind_parse(const char *name, schedule_kind *out)
{
    static const char *names[] = {"constant", "linear", "cosine"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) {
            *out = (schedule_kind)i;
            return 0;
        }
    return -1;
}
