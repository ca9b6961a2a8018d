/* run_alarm.c - the run's alarms (run_alarm.h): a window of recent steps and
 * one check per failure. The spike and explosion checks compare a step with
 * the window before it is added, so the outlier does not hide itself. */
#include "config.h"

#include "run_alarm.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Steps the window must hold before it says anything about a step. */
#define MIN_HISTORY 20

static const char *const names[RUN_ALARM_COUNT] = {
    [RUN_ALARM_OVERFIT] = "overfit",        [RUN_ALARM_LOSS_SPIKE] = "loss_spike",
    [RUN_ALARM_GRAD_NORM] = "grad_norm",    [RUN_ALARM_NONFINITE] = "nonfinite",
    [RUN_ALARM_THROUGHPUT] = "throughput",  [RUN_ALARM_MEMORY] = "memory",
};
static const char *const actions[] = {"off", "warn", "pause", "stop"};

run_alarm_config run_alarm_defaults(void)
{
    run_alarm_config c = {
        .overfit_evals = 3, .spike_sigma = 4, .grad_factor = 10, .throughput_drop = 0.5,
        .throughput_steps = 5, .memory_fraction = 0.9, .window = 50, .cooldown = 50,
    };
    for (int k = 0; k < RUN_ALARM_COUNT; k++)
        c.action[k] = RUN_ALARM_WARN;
    return c;
}

const char *run_alarm_name(run_alarm_kind k)
{
    return k < RUN_ALARM_COUNT ? names[k] : "?";
}

const char *run_alarm_action_name(run_alarm_action a)
{
    return (size_t)a < sizeof actions / sizeof actions[0] ? actions[a] : "?";
}

int run_alarm_parse(const char *name, run_alarm_kind *out)
{
    for (size_t i = 0; i < RUN_ALARM_COUNT; i++)
        if (!strcmp(name, names[i])) {
            *out = (run_alarm_kind)i;
            return 0;
        }
    return -1;
}

int run_alarm_action_parse(const char *name, run_alarm_action *out)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (!strcmp(name, actions[i])) {
            *out = (run_alarm_action)i;
            return 0;
        }
    return -1;
}

void run_alarm_init(run_alarm *a, const run_alarm_config *cfg)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    if (a->cfg.window < 1 || a->cfg.window > RUN_ALARM_WINDOW_MAX)
        a->cfg.window = a->cfg.window < 1 ? 1 : RUN_ALARM_WINDOW_MAX;
    a->last_eval = a->train_at_last_eval = NAN;
    for (int k = 0; k < RUN_ALARM_COUNT; k++)
        a->quiet_until[k] = INT64_MIN;
}

/* Fills OUT when the alarm is on and not cooling down; 1 when it fired. */
__attribute__((format(printf, 5, 6)))
static int fire(run_alarm *a, run_alarm_kind k, int64_t step, run_alarm_hit *out,
                const char *fmt, ...)
{
    if (a->cfg.action[k] == RUN_ALARM_OFF || step < a->quiet_until[k])
        return 0;
    a->quiet_until[k] = step + (a->cfg.cooldown > 0 ? a->cfg.cooldown : 1);
    *out = (run_alarm_hit){.kind = k, .action = a->cfg.action[k], .step = step};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof out->text, fmt, ap);
    va_end(ap);
    return 1;
}

static double mean_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : NAN;
}

static double std_of(const double *v, size_t n, double mean)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - mean) * (v[i] - mean);
    return n > 1 ? sqrt(s / (double)(n - 1)) : 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median_of(const double *v, size_t n)
{
    double tmp[RUN_ALARM_WINDOW_MAX];
    memcpy(tmp, v, n * sizeof *v);
    qsort(tmp, n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static bool has_history(const run_alarm *a)
{
    size_t need = (size_t)a->cfg.window < MIN_HISTORY ? (size_t)a->cfg.window : MIN_HISTORY;
    return a->n >= need;
}

static int check_loss(run_alarm *a, int64_t step, double loss, run_alarm_hit *out)
{
    double m = mean_of(a->loss, a->n), sd = std_of(a->loss, a->n, m);
    if (!has_history(a) || sd <= 0 || loss <= m + a->cfg.spike_sigma * sd)
        return 0;
    return fire(a, RUN_ALARM_LOSS_SPIKE, step, out,
                "loss spike at step %lld: %.4g is %.1f standard deviations above the last %zu "
                "steps' mean %.4g", (long long)step, loss, (loss - m) / sd, a->n, m);
}

static int check_grad(run_alarm *a, int64_t step, double g, run_alarm_hit *out)
{
    if (!has_history(a))
        return 0;
    double med = median_of(a->grad, a->n);
    if (!(med > 0) || g <= a->cfg.grad_factor * med)
        return 0;
    return fire(a, RUN_ALARM_GRAD_NORM, step, out,
                "gradient norm explosion at step %lld: %.4g is %.0fx the recent median %.4g",
                (long long)step, g, g / med, med);
}

static int check_throughput(run_alarm *a, int64_t step, double tps, run_alarm_hit *out)
{
    if (!has_history(a) || !(tps > 0))
        return 0;
    double med = median_of(a->tps, a->n);
    a->slow_run = tps < a->cfg.throughput_drop * med ? a->slow_run + 1 : 0;
    if (a->slow_run != a->cfg.throughput_steps)
        return 0;
    return fire(a, RUN_ALARM_THROUGHPUT, step, out,
                "throughput dropped at step %lld: %.0f tokens/s for %d steps, the recent "
                "median was %.0f", (long long)step, tps, a->slow_run, med);
}

static void push(run_alarm *a, double loss, double grad, double tps)
{
    size_t w = (size_t)a->cfg.window;
    a->loss[a->head] = loss;
    a->grad[a->head] = isfinite(grad) ? grad : 0;
    a->tps[a->head] = tps > 0 ? tps : 0;
    a->head = (a->head + 1) % w;
    a->n = a->n < w ? a->n + 1 : w;
}

int run_alarm_step(run_alarm *a, int64_t step, double loss, double grad_norm,
                   double tokens_per_s, run_alarm_hit *out)
{
    if (!isfinite(loss) || !isfinite(grad_norm))
        return fire(a, RUN_ALARM_NONFINITE, step, out, "step %lld was skipped: its %s is not "
                    "finite", (long long)step, isfinite(loss) ? "gradient" : "loss");
    int n = check_loss(a, step, loss, out);
    n += check_grad(a, step, grad_norm, out + n);
    n += check_throughput(a, step, tokens_per_s, out + n);
    push(a, loss, grad_norm, tokens_per_s);
    return n;
}

int run_alarm_eval(run_alarm *a, int64_t step, double eval_loss, run_alarm_hit *out)
{
    double train = mean_of(a->loss, a->n);
    bool up = eval_loss > a->last_eval, train_down = train < a->train_at_last_eval;
    a->rising = up && train_down ? a->rising + 1 : 0;
    a->train_at_last_eval = train;
    a->last_eval = eval_loss;
    if (a->rising < a->cfg.overfit_evals)
        return 0;
    a->rising = 0;
    return fire(a, RUN_ALARM_OVERFIT, step, out,
                "overfitting at step %lld: evaluation loss rose %d times running (now %.4g) "
                "while training loss fell (now %.4g)", (long long)step, a->cfg.overfit_evals,
                eval_loss, train);
}

int run_alarm_memory(run_alarm *a, int64_t step, uint64_t used, uint64_t limit,
                     run_alarm_hit *out)
{
    if (!limit || (double)used <= a->cfg.memory_fraction * (double)limit)
        return 0;
    return fire(a, RUN_ALARM_MEMORY, step, out,
                "memory near the limit at step %lld: %.1f of %.1f GiB (%.0f%%)",
                (long long)step, (double)used / (1 << 30), (double)limit / (1 << 30),
                100.0 * (double)used / (double)limit);
}
