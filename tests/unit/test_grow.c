/* test_grow.c - grow_array (engine/grow.c): doubling from the first
 * capacity, room for a jump past one doubling, and an overflowing size that
 * fails without touching the array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "grow.h"

static void doubles_from_first(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = grow_array(NULL, &cap, 1, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 4);
    assert_ptr_equal(grow_array(v, &cap, 4, sizeof *v, 4), v);
    assert_int_equal(cap, 4);
    v = grow_array(v, &cap, 5, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 8);
    v = grow_array(v, &cap, 100, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 128);
    v[99] = 1;
    free(v);
}

static void overflow_leaves_the_array(void **state)
{
    (void)state;
    size_t cap = 0;
    char *v = grow_array(NULL, &cap, 16, 1, 0);
    assert_non_null(v);
    assert_int_equal(cap, 16);
    assert_null(grow_array(v, &cap, SIZE_MAX / 4, 64, 16));
    assert_int_equal(cap, 16);
    v[15] = 'x';
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doubles_from_first),
        cmocka_unit_test(overflow_leaves_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
