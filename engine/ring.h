/* ring.h - lock-free single-producer/single-consumer ring of metric records.
 *
 * The training thread pushes one record per step or event; the consumer
 * drains them each frame. The producer never blocks: when the ring is full
 * the newest record is dropped and counted, so a stalled consumer can never
 * stall training. Exactly one thread may push and exactly one may pop.
 *
 * An event carries a number (its kind, defined by the producer) and a text of
 * any length: the text is malloc'd by the producer and its ownership travels
 * with the record, published by the same release/acquire pair as the rest of
 * the slot. A record that was pushed belongs to the ring until it is drained,
 * then to the consumer, which frees its text (ring_record_clear); a record
 * that could not be pushed stays the producer's. */
#ifndef LATHE_RING_H
#define LATHE_RING_H

#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CACHE_LINE 64

typedef enum {
    RING_STEP = 0,   /* a training step: loss, lr, grad norm, throughput */
    RING_EVAL,       /* an evaluation result: eval_loss */
    RING_EVENT,      /* anything else worth a line in the log: code and text */
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
    uint32_t code;                /* events: the producer's number for what happened */
    char *text;                   /* events: malloc'd, NUL-terminated; else NULL */
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
/* Frees the ring and the texts of records never drained. */
void ring_free(ring *r);

/* Producer side. Returns false (and counts a drop) when the ring is full;
 * the record, and its text, then stay the caller's. */
bool ring_push(ring *r, const ring_record *rec);

/* Producer side: an event of kind CODE with printf-style text. False (and
 * counted as a drop) when the ring is full or memory is short. */
bool ring_push_event(ring *r, uint32_t code, int64_t step, double elapsed_s, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));
bool ring_push_eventv(ring *r, uint32_t code, int64_t step, double elapsed_s, const char *fmt,
                      va_list ap) __attribute__((format(printf, 5, 0)));

/* Producer side: the records pushed so far (dropped ones not counted); a
 * consumer that counts what it drained knows when it has taken them all. */
uint64_t ring_pushed(const ring *r);

/* Producer side: free slots as last seen (a lower bound; the consumer may have
 * freed more). Re-reads the consumer's index only when the ring looks full. */
size_t ring_space(ring *r);

/* Consumer side. ring_pop copies out one record; ring_drain up to max. The
 * records' texts are the consumer's to free. */
bool ring_pop(ring *r, ring_record *out);
size_t ring_drain(ring *r, ring_record *out, size_t max);

/* Frees a drained record's text. */
void ring_record_clear(ring_record *rec);

/* Records dropped so far; safe from either thread. */
uint64_t ring_dropped(const ring *r);
size_t ring_capacity(const ring *r);

#endif
