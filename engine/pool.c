/* pool.c - fixed pthread pool: workers pull task indices from a shared
 * counter under the pool mutex; a generation number tells them a new job has
 * been posted. Between jobs a worker (and the caller waiting for one) first
 * spins on the generation (or the count of busy threads) for a few tens of
 * microseconds, then sleeps on a condition variable: decoding a token posts
 * dozens of short jobs, and a futex wake-up per job costs as much as the job.
 * Fields read while spinning are written with atomic stores. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"

struct pool {
    int threads;            /* including the caller */
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t work;
    pthread_cond_t done;
    unsigned long gen;
    int stop;
    pool_fn fn;
    void *arg;
    int n, next, active;
};

/* How long a thread spins for the next job or the end of one. */
enum { SPIN_NS = 50000 };

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spins (mu not held) until DONE(p) or SPIN_NS pass; true when done. */
static bool spin(pool *p, bool (*done)(pool *))
{
    long long end = now_ns() + SPIN_NS;
    for (int k = 0;; k++) {
        if (done(p))
            return true;
        if ((k & 63) == 63 && now_ns() > end)
            return false;
        relax();
    }
}

/* Pull indices until the job is exhausted; called with mu held. */
static void drain(pool *p)
{
    while (p->next < p->n) {
        int i = p->next;
        __atomic_store_n(&p->next, i + 1, __ATOMIC_RELAXED);
        pool_fn fn = p->fn;
        void *arg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(arg, i);
        pthread_mutex_lock(&p->mu);
    }
}

static _Thread_local unsigned long spin_seen;

static bool posted(pool *p)
{
    return __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != spin_seen ||
           __atomic_load_n(&p->stop, __ATOMIC_ACQUIRE);
}

static bool finished(pool *p)
{
    return __atomic_load_n(&p->active, __ATOMIC_ACQUIRE) == 0 &&
           __atomic_load_n(&p->next, __ATOMIC_ACQUIRE) >= __atomic_load_n(&p->n, __ATOMIC_ACQUIRE);
}

static void *worker(void *v)
{
    pool *p = v;
    unsigned long seen = 0;
    pthread_setname_np(pthread_self(), "lathe-pool");   /* per-thread CPU by name */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (!p->stop && p->gen == seen) {
            spin_seen = seen;
            pthread_mutex_unlock(&p->mu);
            spin(p, posted);
            pthread_mutex_lock(&p->mu);
        }
        while (!p->stop && p->gen == seen)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        seen = p->gen;
        __atomic_store_n(&p->active, p->active + 1, __ATOMIC_RELEASE);
        drain(p);
        __atomic_store_n(&p->active, p->active - 1, __ATOMIC_RELEASE);
        if (p->active == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

pool *pool_new(int threads, char *err, size_t errlen)
{
    pool *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "pool: out of memory");
        return NULL;
    }
    p->threads = threads < 1 ? 1 : threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (p->threads > 1) {
        p->tid = calloc((size_t)p->threads - 1, sizeof *p->tid);
        if (!p->tid) {
            snprintf(err, errlen, "pool: out of memory");
            pool_free(p);
            return NULL;
        }
        for (int i = 0; i < p->threads - 1; i++) {
            if (pthread_create(&p->tid[i], NULL, worker, p) != 0) {
                snprintf(err, errlen, "pool: cannot start thread %d of %d", i + 1, p->threads - 1);
                p->threads = i + 1;
                pool_free(p);
                return NULL;
            }
        }
    }
    return p;
}

void pool_free(pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; p->tid && i < p->threads - 1; i++)
        pthread_join(p->tid[i], NULL);
    free(p->tid);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p);
}

int pool_threads(const pool *p)
{
    return p ? p->threads : 1;
}

void pool_run(pool *p, int n, pool_fn fn, void *arg)
{
    if (!p || p->threads == 1 || n <= 1) {
        for (int i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    __atomic_store_n(&p->n, n, __ATOMIC_RELAXED);
    __atomic_store_n(&p->next, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->active, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&p->gen, p->gen + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->work);
    drain(p);
    __atomic_store_n(&p->active, p->active - 1, __ATOMIC_RELEASE);
    if (p->active > 0) {
        pthread_mutex_unlock(&p->mu);
        spin(p, finished);
        pthread_mutex_lock(&p->mu);
    }
    while (p->active > 0 || p->next < p->n)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
