/* pool.c - fixed pthread pool: workers sleep on a condition variable and pull
 * task indices from a shared counter under the pool mutex; a generation number
 * tells them a new job has been posted. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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

/* Pull indices until the job is exhausted; called with mu held. */
static void drain(pool *p)
{
    while (p->next < p->n) {
        int i = p->next++;
        pool_fn fn = p->fn;
        void *arg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(arg, i);
        pthread_mutex_lock(&p->mu);
    }
}

static void *worker(void *v)
{
    pool *p = v;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->gen == seen)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        seen = p->gen;
        p->active++;
        drain(p);
        if (--p->active == 0)
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
    p->stop = 1;
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
    p->n = n;
    p->next = 0;
    p->active = 1;
    p->gen++;
    pthread_cond_broadcast(&p->work);
    drain(p);
    p->active--;
    while (p->active > 0 || p->next < p->n)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
