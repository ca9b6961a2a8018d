/* test_membw.c - the read-bandwidth measurements behind `lathe bench
 * generate`'s decode bound: a buffer read and a read of given spans give a
 * rate for any pool size, and the span read stays inside spans of any
 * length and alignment and takes any bytes (an overread or an overflowing
 * sum is an error in the ASan+UBSan build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "membw.h"

static void test_buffer_read_has_a_rate(void **state)
{
    (void)state;
    char err[128];
    pool *p = pool_new(2, err, sizeof err);
    assert_non_null(p);
    assert_true(membw_read(p, 3 << 20, 2) > 0);
    assert_true(membw_read(NULL, 1, 1) > 0);
    pool_free(p);
}

/* Spans of odd lengths at odd offsets, each its own allocation, none a
 * whole number of the reader's streams or cache lines. */
static void check_spans(pool *p)
{
    static const size_t lengths[] = {1, 63, 64, 65, 255, 257, 4099, 100003, 1 << 20};
    enum { N = sizeof lengths / sizeof lengths[0] };
    membw_span spans[N + 1];
    uint8_t *bufs[N];
    for (int k = 0; k < N; k++) {
        bufs[k] = malloc(lengths[k] + 3);
        assert_non_null(bufs[k]);
        for (size_t i = 0; i < lengths[k] + 3; i++)   /* bytes of every value */
            bufs[k][i] = (uint8_t)((i * 2654435761u) >> 13);
        spans[k] = (membw_span){bufs[k] + 3, lengths[k]};
    }
    spans[N] = (membw_span){NULL, 0};  /* nothing there */
    assert_true(membw_read_spans(p, spans, N + 1, 3) > 0);
    for (int k = 0; k < N; k++)
        free(bufs[k]);
}

static void test_spans_read_inside_their_bounds(void **state)
{
    (void)state;
    char err[128];
    check_spans(NULL);
    for (int threads = 2; threads <= 3; threads++) {
        pool *p = pool_new(threads, err, sizeof err);
        assert_non_null(p);
        check_spans(p);
        pool_free(p);
    }
}

static void test_no_bytes_no_rate(void **state)
{
    (void)state;
    membw_span none = {NULL, 100};
    assert_true(membw_read_spans(NULL, &none, 1, 2) == 0);
    assert_true(membw_read_spans(NULL, NULL, 0, 2) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer_read_has_a_rate),
        cmocka_unit_test(test_spans_read_inside_their_bounds),
        cmocka_unit_test(test_no_bytes_no_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
