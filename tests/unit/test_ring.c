/* test_ring.c - the metrics ring's contract: FIFO order, wraparound of the
 * free-running indices, drop-newest accounting, and a two-thread stress run in
 * which every gap the consumer sees is exactly the producer's drop count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

static ring *make(size_t cap)
{
    char err[128];
    ring *r = ring_new(cap, err, sizeof err);
    assert_non_null(r);
    return r;
}

static ring_record step_rec(int64_t step)
{
    ring_record rec = {0};
    rec.kind = RING_STEP;
    rec.step = step;
    rec.loss = 1.0 / (double)(step + 1);
    return rec;
}

static void test_rejects_bad_capacity(void **state)
{
    (void)state;
    char err[128] = "";
    assert_null(ring_new(0, err, sizeof err));
    assert_null(ring_new(1, err, sizeof err));
    assert_null(ring_new(48, err, sizeof err));
    assert_non_null(strstr(err, "power of two"));
}

static void test_fifo_single_thread(void **state)
{
    (void)state;
    ring *r = make(8);
    ring_record out;
    assert_false(ring_pop(r, &out));
    for (int64_t i = 0; i < 5; i++) {
        ring_record rec = step_rec(i);
        assert_true(ring_push(r, &rec));
    }
    for (int64_t i = 0; i < 5; i++) {
        assert_true(ring_pop(r, &out));
        assert_int_equal(out.step, i);
        assert_true(out.loss == 1.0 / (double)(i + 1));
    }
    assert_false(ring_pop(r, &out));
    assert_int_equal(ring_dropped(r), 0);
    ring_free(r);
}

static void test_wraparound(void **state)
{
    (void)state;
    ring *r = make(4);
    ring_record out[4];
    int64_t next = 0, expect = 0;
    /* Many laps with a varying fill level cross every slot boundary. */
    for (int lap = 0; lap < 1000; lap++) {
        int fill = 1 + lap % 4;
        for (int i = 0; i < fill; i++) {
            ring_record rec = step_rec(next++);
            assert_true(ring_push(r, &rec));
        }
        size_t n = ring_drain(r, out, 4);
        assert_int_equal(n, (size_t)fill);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(out[i].step, expect++);
    }
    assert_int_equal(ring_dropped(r), 0);
    ring_free(r);
}

static void test_overflow_drops_newest(void **state)
{
    (void)state;
    ring *r = make(4);
    for (int64_t i = 0; i < 10; i++) {
        ring_record rec = step_rec(i);
        assert_int_equal(ring_push(r, &rec), i < 4);
    }
    assert_int_equal(ring_dropped(r), 6);
    assert_int_equal(ring_space(r), 0);
    ring_record out[8];
    size_t n = ring_drain(r, out, 8);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i].step, (int64_t)i);
    assert_int_equal(ring_space(r), 4);
    /* Space again after draining: pushes succeed and the count stays. */
    ring_record rec = step_rec(10);
    assert_true(ring_push(r, &rec));
    assert_int_equal(ring_dropped(r), 6);
    ring_free(r);
}

/* An event's text arrives whole, however long; a full ring refuses it (and
 * counts the drop) without leaking it; ring_free frees texts never drained
 * (the leak checkers of the sanitized builds watch both). */
static void test_event_text_whole(void **state)
{
    (void)state;
    char err[128];
    ring *r = ring_new(2, err, sizeof err);
    assert_non_null(r);
    assert_true(ring_push_event(r, 42, 7, 1.5, "checkpoint %s failed: %0500d", "step-7", 0));
    ring_record rec;
    assert_true(ring_pop(r, &rec));
    assert_int_equal(rec.kind, RING_EVENT);
    assert_int_equal(rec.code, 42);
    assert_int_equal(rec.step, 7);
    assert_int_equal(strlen(rec.text), strlen("checkpoint step-7 failed: ") + 500);
    ring_record_clear(&rec);
    assert_null(rec.text);
    assert_true(ring_push_event(r, 1, 1, 0.0, "kept"));
    assert_true(ring_push_event(r, 2, 2, 0.0, "kept too"));
    assert_false(ring_push_event(r, 3, 3, 0.0, "no room"));
    assert_int_equal(ring_dropped(r), 1);
    ring_free(r);
}

#define STRESS_RECORDS 10000000

struct stress {
    ring *r;
    int64_t records;
};

static void *producer(void *arg)
{
    struct stress *s = arg;
    for (int64_t i = 0; i < s->records; i++) {
        ring_record rec = step_rec(i);
        ring_push(s->r, &rec);
    }
    return NULL;
}

static void test_two_thread_stress(void **state)
{
    (void)state;
    struct stress s = {make(1024), STRESS_RECORDS};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, &s), 0);

    ring_record buf[256];
    int64_t last = -1, received = 0, gaps = 0;
    for (;;) {
        size_t n = ring_drain(s.r, buf, 256);
        for (size_t i = 0; i < n; i++) {
            assert_true(buf[i].step > last);
            assert_true(buf[i].loss == 1.0 / (double)(buf[i].step + 1));
            gaps += buf[i].step - last - 1;
            last = buf[i].step;
        }
        received += (int64_t)n;
        if (n == 0 && last == s.records - 1)
            break;
        if (n == 0 && received + (int64_t)ring_dropped(s.r) == s.records)
            break;
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    gaps += s.records - 1 - last;
    assert_int_equal(received + (int64_t)ring_dropped(s.r), s.records);
    assert_int_equal(gaps, (int64_t)ring_dropped(s.r));
    ring_free(s.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rejects_bad_capacity),
        cmocka_unit_test(test_fifo_single_thread),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_overflow_drops_newest),
        cmocka_unit_test(test_event_text_whole),
        cmocka_unit_test(test_two_thread_stress),
    };
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
