/* ring.c - SPSC metric ring: acquire/release on the two indices, nothing else.
 *
 * head and tail are free-running 64-bit counters; slot = counter & mask. The
 * producer publishes a slot by storing head with release after writing it, and
 * learns that a slot is free by loading tail with acquire. The consumer mirrors
 * that. There are no standalone fences (ThreadSanitizer does not model them).
 * An event's text is written before its slot is published, so the same pair
 * hands the consumer the text together with the pointer to it. */
#include "config.h"

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
    /* aligned_alloc wants a size that is a multiple of the alignment. */
    size_t bytes = (capacity * sizeof(ring_record) + RING_CACHE_LINE - 1) &
                   ~(size_t)(RING_CACHE_LINE - 1);
    ring *r = aligned_alloc(RING_CACHE_LINE, sizeof *r);
    ring_record *slots = aligned_alloc(RING_CACHE_LINE, bytes);
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
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    for (uint64_t i = atomic_load_explicit(&r->tail, memory_order_relaxed); i != head; i++)
        free(r->slots[i & r->mask].text);
    free(r->slots);
    free(r);
}

static void count_drop(ring *r)
{
    uint64_t d = atomic_load_explicit(&r->dropped, memory_order_relaxed);
    atomic_store_explicit(&r->dropped, d + 1, memory_order_relaxed);
}

bool ring_push(ring *r, const ring_record *rec)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head - r->tail_seen > r->mask) {
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head - r->tail_seen > r->mask) {
            count_drop(r);
            return false;
        }
    }
    r->slots[head & r->mask] = *rec;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

uint64_t ring_pushed(const ring *r)
{
    return atomic_load_explicit(&r->head, memory_order_relaxed);
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

bool ring_push_event(ring *r, uint32_t code, int64_t step, double elapsed_s, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = ring_push_eventv(r, code, step, elapsed_s, fmt, ap);
    va_end(ap);
    return ok;
}

bool ring_push_eventv(ring *r, uint32_t code, int64_t step, double elapsed_s, const char *fmt,
                      va_list ap)
{
    ring_record rec = {.kind = RING_EVENT, .code = code, .step = step, .elapsed_s = elapsed_s};
    if (vasprintf(&rec.text, fmt, ap) < 0)
        rec.text = NULL;
    if (!rec.text) {
        count_drop(r);
        return false;
    }
    if (ring_push(r, &rec))
        return true;
    free(rec.text);
    return false;
}

void ring_record_clear(ring_record *rec)
{
    free(rec->text);
    rec->text = NULL;
}
