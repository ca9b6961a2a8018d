/* run_session_alarm.c - the run's alarms (run_alarm.h) inside the session:
 * set from the config's alarm_* keys on the worker, then fed on the
 * consumer's thread, inside poll, with every step and evaluation it logs
 * and the resident memory each step measured against the process's limit
 * (mem_limit.h): the alarms watch exactly what the logs hold and share
 * nothing with the trainer thread. An alarm that fires becomes an event of
 * its own (kind "alarm" in events.jsonl, with "alarm" and "action"), a
 * warning through the message callback, and then its action: the run is
 * paused, or stopped (its end saves a checkpoint and the outputs, as every
 * stop does, and says which alarm stopped it). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "mem_limit.h"
#include "run_session_impl.h"

static run_alarm_action action_of(config_alarm_action a)
{
    switch (a) {
    case CONFIG_ALARM_OFF: return RUN_ALARM_OFF;
    case CONFIG_ALARM_PAUSE: return RUN_ALARM_PAUSE;
    case CONFIG_ALARM_STOP: return RUN_ALARM_STOP;
    case CONFIG_ALARM_WARN: break;
    }
    return RUN_ALARM_WARN;
}

void run_session_alarm_setup(run_session *s)
{
    const train_config *c = &s->cfg;
    run_alarm_config ac = run_alarm_defaults();
    ac.action[RUN_ALARM_OVERFIT] = action_of(c->alarm_overfit);
    ac.action[RUN_ALARM_LOSS_SPIKE] = action_of(c->alarm_loss_spike);
    ac.action[RUN_ALARM_GRAD_NORM] = action_of(c->alarm_grad_norm);
    ac.action[RUN_ALARM_NONFINITE] = action_of(c->alarm_nonfinite);
    ac.action[RUN_ALARM_THROUGHPUT] = action_of(c->alarm_throughput);
    ac.action[RUN_ALARM_MEMORY] = action_of(c->alarm_memory);
    ac.overfit_evals = (int)c->alarm_overfit_evals;
    ac.spike_sigma = c->alarm_loss_spike_sigma;
    ac.grad_factor = c->alarm_grad_norm_factor;
    ac.throughput_drop = c->alarm_throughput_drop;
    ac.memory_fraction = c->alarm_memory_fraction;
    run_alarm_init(&s->alarms, &ac);
    s->mem_limit = mem_limit_bytes("");
}

static const char *const doing[] = {
    [RUN_ALARM_OFF] = "",
    [RUN_ALARM_WARN] = "",
    [RUN_ALARM_PAUSE] = "; pausing the run (resume it to go on)",
    [RUN_ALARM_STOP] = "; stopping the run after a checkpoint",
};

static void raise_alarm(run_session *s, const run_alarm_hit *h, double elapsed)
{
    char *text;
    if (asprintf(&text, "%s alarm: %s%s", run_alarm_name(h->kind), h->text,
                 doing[h->action]) < 0)
        return;
    run_record r = {.step = h->step, .elapsed_s = elapsed, .event = RUN_EVENT_ALARM,
                    .alarm = h->kind, .action = h->action};
    run_session_poll_event(s, &r, text);
    if (h->action == RUN_ALARM_PAUSE) {
        run_session_pause(s);
    } else if (h->action == RUN_ALARM_STOP) {
        pthread_mutex_lock(&s->mu);
        if (!s->alarm_stop)
            s->alarm_stop = run_alarm_name(h->kind);
        pthread_mutex_unlock(&s->mu);
        run_session_stop(s);
    }
}

void run_session_alarm_step(run_session *s, const ring_record *rec)
{
    run_alarm_hit hits[RUN_ALARM_COUNT];
    int n = run_alarm_step(&s->alarms, rec->step, rec->loss, rec->grad_norm,
                           rec->tokens_per_s, hits);
    n += run_alarm_memory(&s->alarms, rec->step, rec->mem_bytes, s->mem_limit, hits + n);
    for (int i = 0; i < n; i++)
        raise_alarm(s, &hits[i], rec->elapsed_s);
}

void run_session_alarm_eval(run_session *s, const ring_record *rec)
{
    run_alarm_hit hit;
    if (run_alarm_eval(&s->alarms, rec->step, rec->eval_loss, &hit))
        raise_alarm(s, &hit, rec->elapsed_s);
}
