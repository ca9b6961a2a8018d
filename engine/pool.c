/* pool.c - fixed pthread pool. A job is posted in one of two slots (job
 * number modulo 2) and announced by an atomic generation number; threads
 * claim its task indices with an atomic counter and count finished tasks
 * down, so handing a job over takes no lock: decoding a token posts dozens
 * of jobs of a few microseconds, and with the mutex the pool took per task
 * a job's hand-over and end cost two threads about 1.1 us, now about 0.8
 * (decode of the 15M bench shape 1-3 % faster). Between jobs
 * a worker (and the caller waiting for one) spins for a few tens of
 * microseconds, then sleeps on a condition variable; whoever changes what a
 * sleeper waits for wakes it under the mutex when the sleeper count says
 * one may sleep (both sides use sequentially consistent atomics, so one of
 * them always sees the other).
 *
 * Why two slots: a worker that sees job G late may claim from G's slot
 * after the caller has posted G + 1. G's counter is exhausted by then, and
 * G's slot is not reused for G + 2 until G + 1 is finished, which waits for
 * every worker that has registered itself active (re-reading the generation
 * after registering makes a late one move on to the newest job). */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"

typedef struct {
    pool_fn fn;
    void *arg;
    int n;
    int next;               /* atomic: the next index to claim */
} job;

struct pool {
    int threads;            /* including the caller */
    pthread_t *tid;
    pthread_mutex_t mu;     /* for sleeping only */
    pthread_cond_t work;
    pthread_cond_t done;
    job slot[2];
    unsigned long gen;      /* atomic: the newest job's number */
    int pending;            /* atomic: tasks of the newest job not finished */
    int active;             /* atomic: workers inside a job */
    int sleepers;           /* atomic: workers asleep or going to sleep */
    int caller_sleeps;      /* atomic */
    int stop;               /* atomic */
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

static int load(const int *v)
{
    return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

/* Spins until DONE(p, seen) or SPIN_NS pass; true when done. */
static bool spin(pool *p, unsigned long seen, bool (*done)(pool *, unsigned long))
{
    long long end = now_ns() + SPIN_NS;
    for (int k = 0;; k++) {
        if (done(p, seen))
            return true;
        if ((k & 63) == 63 && now_ns() > end)
            return false;
        relax();
    }
}

/* Runs the tasks of job J this thread can claim. A worker counts the last
 * one down while still counted active, so only its leaving (worker())
 * can finish a job a caller sleeps on. */
static void drain(pool *p, job *j)
{
    for (;;) {
        int i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (i >= j->n)
            return;
        j->fn(j->arg, i);
        __atomic_sub_fetch(&p->pending, 1, __ATOMIC_SEQ_CST);
    }
}

static bool posted(pool *p, unsigned long seen)
{
    return __atomic_load_n(&p->gen, __ATOMIC_SEQ_CST) != seen || load(&p->stop);
}

static bool finished(pool *p, unsigned long seen)
{
    (void)seen;
    return load(&p->pending) == 0 && load(&p->active) == 0;
}

/* Blocks until a job newer than SEEN is posted or the pool stops. */
static void await_job(pool *p, unsigned long seen)
{
    if (spin(p, seen, posted))
        return;
    pthread_mutex_lock(&p->mu);
    __atomic_add_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
    while (!posted(p, seen))
        pthread_cond_wait(&p->work, &p->mu);
    __atomic_sub_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&p->mu);
}

static void *worker(void *v)
{
    pool *p = v;
    unsigned long seen = 0;
    pthread_setname_np(pthread_self(), "lathe-pool");   /* per-thread CPU by name */
    for (;;) {
        await_job(p, seen);
        if (load(&p->stop))
            return NULL;
        seen = __atomic_load_n(&p->gen, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&p->active, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&p->gen, __ATOMIC_SEQ_CST) == seen)  /* else take the newer */
            drain(p, &p->slot[seen & 1]);
        if (__atomic_sub_fetch(&p->active, 1, __ATOMIC_SEQ_CST) == 0 && load(&p->caller_sleeps)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
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
    __atomic_store_n(&p->stop, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&p->mu);
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

/* Posts job N, FN, ARG in the next slot and wakes sleeping workers. */
static job *post(pool *p, int n, pool_fn fn, void *arg)
{
    unsigned long g = __atomic_load_n(&p->gen, __ATOMIC_RELAXED) + 1;
    job *j = &p->slot[g & 1];
    j->fn = fn;
    j->arg = arg;
    j->n = n;
    __atomic_store_n(&j->next, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->pending, n, __ATOMIC_RELAXED);
    __atomic_store_n(&p->gen, g, __ATOMIC_SEQ_CST);
    if (load(&p->sleepers)) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
    }
    return j;
}

void pool_run(pool *p, int n, pool_fn fn, void *arg)
{
    if (!p || p->threads == 1 || n <= 1) {
        for (int i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    drain(p, post(p, n, fn, arg));
    if (spin(p, 0, finished))
        return;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->caller_sleeps, 1, __ATOMIC_SEQ_CST);
    while (!finished(p, 0))
        pthread_cond_wait(&p->done, &p->mu);
    __atomic_store_n(&p->caller_sleeps, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&p->mu);
}
