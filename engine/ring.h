/* ring.h - lock-free single-producer/single-consumer ring of metric records.
 *
 * The training thread pushes one record per step or event; the UI thread
 * drains them each frame. The producer never blocks: when the ring is full
 * the newest record is dropped and counted, so a stalled UI can never stall
 * training. Exactly one thread may push and exactly one may pop. */
#ifndef LATHE_RING_H
#define LATHE_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_TEXT_MAX 48
#define RING_CACHE_LINE 64

typedef enum {
    RING_STEP = 0,   /* a training step: loss, lr, grad norm, throughput */
    RING_EVAL,       /* an evaluation result: eval_loss */
    RING_EVENT,      /* anything else worth a line in the log: text */
} ring_kind;

typedef struct {
    int64_t step;
    double epoch;
    double loss;
    double eval_loss;
    double lr;
    double grad_norm;
    double tokens_per_s;
    double elapsed_s;
    uint64_t mem_bytes;
    uint32_t kind;                /* ring_kind */
    char text[RING_TEXT_MAX];     /* NUL-terminated; events only */
} ring_record;

typedef struct {
    /* Producer's line: its index and its cached view of the consumer's. */
    alignas(RING_CACHE_LINE) _Atomic uint64_t head;
    uint64_t tail_seen;
    /* Consumer's line. */
    alignas(RING_CACHE_LINE) _Atomic uint64_t tail;
    uint64_t head_seen;
    /* Written by the producer only, read now and then by the consumer. */
    alignas(RING_CACHE_LINE) _Atomic uint64_t dropped;
    alignas(RING_CACHE_LINE) uint64_t mask;
    ring_record *slots;
} ring;

/* Allocates a ring of `capacity` records (a power of two, at least 2).
 * Returns NULL with a message in err when the capacity is invalid or memory
 * is short. */
ring *ring_new(size_t capacity, char *err, size_t errlen);
void ring_free(ring *r);

/* Producer side. Returns false (and counts a drop) when the ring is full. */
bool ring_push(ring *r, const ring_record *rec);

/* Producer side: free slots as last seen (a lower bound; the consumer may have
 * freed more). Re-reads the consumer's index only when the ring looks full. */
size_t ring_space(ring *r);

/* Consumer side. ring_pop copies out one record; ring_drain up to max. */
bool ring_pop(ring *r, ring_record *out);
size_t ring_drain(ring *r, ring_record *out, size_t max);

/* Records dropped so far; safe from either thread. */
uint64_t ring_dropped(const ring *r);
size_t ring_capacity(const ring *r);

/* Convenience for producers: fill an event record with printf-style text. */
void ring_event(ring_record *rec, int64_t step, double elapsed_s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
