/* ring.c - SPSC metric ring: acquire/release on the two indices, nothing else.
 *
 * head and tail are free-running 64-bit counters; slot = counter & mask. The
 * producer publishes a slot by storing head with release after writing it, and
 * learns that a slot is free by loading tail with acquire. The consumer mirrors
 * that. There are no standalone fences (ThreadSanitizer does not model them). */
#include "ring.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ring *ring_new(size_t capacity, char *err, size_t errlen)
{
    if (capacity < 2 || (capacity & (capacity - 1)) != 0) {
        snprintf(err, errlen, "ring capacity %zu is not a power of two >= 2", capacity);
        return NULL;
    }
    ring *r = aligned_alloc(RING_CACHE_LINE, sizeof *r);
    ring_record *slots = aligned_alloc(RING_CACHE_LINE, capacity * sizeof *slots);
    if (!r || !slots) {
        free(r);
        free(slots);
        snprintf(err, errlen, "out of memory allocating a ring of %zu records", capacity);
        return NULL;
    }
    memset(r, 0, sizeof *r);
    memset(slots, 0, capacity * sizeof *slots);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->dropped, 0);
    r->mask = capacity - 1;
    r->slots = slots;
    return r;
}

void ring_free(ring *r)
{
    if (!r)
        return;
    free(r->slots);
    free(r);
}

bool ring_push(ring *r, const ring_record *rec)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head - r->tail_seen > r->mask) {
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head - r->tail_seen > r->mask) {
            uint64_t d = atomic_load_explicit(&r->dropped, memory_order_relaxed);
            atomic_store_explicit(&r->dropped, d + 1, memory_order_relaxed);
            return false;
        }
    }
    r->slots[head & r->mask] = *rec;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

size_t ring_space(ring *r)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head - r->tail_seen > r->mask)
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
    return (size_t)(r->mask + 1 - (head - r->tail_seen));
}

bool ring_pop(ring *r, ring_record *out)
{
    return ring_drain(r, out, 1) == 1;
}

size_t ring_drain(ring *r, ring_record *out, size_t max)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (r->head_seen - tail < max)
        r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t n = 0;
    while (n < max && tail + n != r->head_seen) {
        out[n] = r->slots[(tail + n) & r->mask];
        n++;
    }
    if (n)
        atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return n;
}

uint64_t ring_dropped(const ring *r)
{
    return atomic_load_explicit(&r->dropped, memory_order_relaxed);
}

size_t ring_capacity(const ring *r)
{
    return (size_t)r->mask + 1;
}

void ring_event(ring_record *rec, int64_t step, double elapsed_s, const char *fmt, ...)
{
    memset(rec, 0, sizeof *rec);
    rec->kind = RING_EVENT;
    rec->step = step;
    rec->elapsed_s = elapsed_s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rec->text, sizeof rec->text, fmt, ap);
    va_end(ap);
}
