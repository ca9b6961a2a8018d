/* sysmon.c - the sampling thread behind the gauges.
 *
 * The thread samples into a private snapshot and only then takes the mutex to
 * publish it, so a reader waits at most for one memcpy. Between samples the
 * thread sleeps on a condition variable against CLOCK_MONOTONIC, which lets
 * sysmon_stop wake it at once instead of waiting out the interval. */
#include "config.h"

#include "sysmon.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "sampler.h"

struct sysmon {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;                  /* under lock */
    sysmon_snapshot published;      /* under lock */
    double interval_s;
    sampler *sampler;               /* sampling thread only, once started */
    sysmon_snapshot scratch;        /* sampling thread only */
    pthread_t thread;
};

static void publish(sysmon *m)
{
    pthread_mutex_lock(&m->lock);
    m->scratch.seq = m->published.seq + 1;
    m->published = m->scratch;
    pthread_mutex_unlock(&m->lock);
}

/* Sleeps until the interval has passed or stop is asked; true to go on. */
static bool wait_interval(sysmon *m)
{
    struct timespec until = clock_deadline(m->interval_s);
    pthread_mutex_lock(&m->lock);
    int rc = 0;
    while (!m->stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&m->wake, &m->lock, &until);
    bool go_on = !m->stopping;
    pthread_mutex_unlock(&m->lock);
    return go_on;
}

static void *run(void *arg)
{
    sysmon *m = arg;
    pthread_setname_np(pthread_self(), "lathe-sysmon");   /* per-thread CPU by name */
    while (wait_interval(m)) {
        sampler_take(m->sampler, &m->scratch);
        publish(m);
    }
    return NULL;
}

static int init_sync(sysmon *m, char *err, size_t errlen)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        snprintf(err, errlen, "sysmon: cannot initialise a condition attribute");
        return -1;
    }
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&m->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "sysmon: cannot create a monotonic condition variable: %s",
                 strerror(rc));
        return -1;
    }
    rc = pthread_mutex_init(&m->lock, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&m->wake);
        snprintf(err, errlen, "sysmon: cannot create a mutex: %s", strerror(rc));
        return -1;
    }
    return 0;
}

sysmon *sysmon_start(double interval_s, char *err, size_t errlen)
{
    if (!(interval_s >= 0.01 && interval_s <= 3600.0)) {
        snprintf(err, errlen, "sysmon: interval %g s is outside 0.01-3600 s", interval_s);
        return NULL;
    }
    sysmon *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "sysmon: out of memory");
        return NULL;
    }
    m->interval_s = interval_s;
    m->sampler = sampler_new(err, errlen);
    if (!m->sampler || init_sync(m, err, errlen) != 0) {
        sampler_free(m->sampler);
        free(m);
        return NULL;
    }
    sampler_take(m->sampler, &m->scratch);
    publish(m);
    int rc = pthread_create(&m->thread, NULL, run, m);
    if (rc != 0) {
        snprintf(err, errlen, "sysmon: cannot start the sampling thread: %s", strerror(rc));
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->wake);
        sampler_free(m->sampler);
        free(m);
        return NULL;
    }
    return m;
}

void sysmon_stop(sysmon *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stopping = true;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->wake);
    sampler_free(m->sampler);
    free(m);
}

void sysmon_read(sysmon *m, sysmon_snapshot *out)
{
    pthread_mutex_lock(&m->lock);
    *out = m->published;
    pthread_mutex_unlock(&m->lock);
}
