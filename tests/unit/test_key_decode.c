/* test_key_decode.c - the one key reader's decoding: the usual Home, End,
 * Insert, Delete, PgUp and PgDn variants whatever TERM says, unknown
 * sequences swallowed whole (ESC [ 4 ~ must never type a 4), Esc alone after
 * the escape delay, Alt-x, sequences split across reads, terminfo's own
 * sequences, and plain bytes (UTF-8 included) passed through. Also the input
 * loop's poll: woken from another thread before its timeout, the escape
 * delay, and end of input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "key_decode.h"

#define ESC "\033"
#define NO_KEY (-1000)

/* Feeds S and returns the keys it decodes into OUT (flushing at the end
 * when FLUSH); their count. */
static size_t decode(const char *s, bool flush, int *out, size_t max)
{
    key_decode d;
    key_decode_init(&d);
    key_decode_feed(&d, (const unsigned char *)s, strlen(s));
    size_t n = 0;
    while (n < max && key_decode_next(&d, &out[n]))
        n++;
    if (flush && key_decode_pending(&d)) {
        key_decode_flush(&d);
        while (n < max && key_decode_next(&d, &out[n]))
            n++;
    }
    return n;
}

static int one_key(const char *s)
{
    int keys[8];
    size_t n = decode(s, true, keys, 8);
    return n == 1 ? keys[0] : NO_KEY;
}

static void test_usual_variants(void **state)
{
    (void)state;
    static const struct { const char *seq; int key; } cases[] = {
        {ESC "[1~", KEY_HOME}, {ESC "[7~", KEY_HOME}, {ESC "[H", KEY_HOME}, {ESC "OH", KEY_HOME},
        {ESC "[4~", KEY_END}, {ESC "[8~", KEY_END}, {ESC "[F", KEY_END}, {ESC "OF", KEY_END},
        {ESC "[3~", KEY_DC}, {ESC "[2~", KEY_IC}, {ESC "[5~", KEY_PPAGE}, {ESC "[6~", KEY_NPAGE},
        {ESC "[A", KEY_UP}, {ESC "OB", KEY_DOWN}, {ESC "[C", KEY_RIGHT}, {ESC "OD", KEY_LEFT},
        {ESC "[1;5C", KEY_RIGHT}, {ESC "[3;2~", KEY_DC}, {ESC "[Z", KEY_BTAB},
        {ESC "OP", KEY_F(1)}, {ESC "[11~", KEY_F(1)}, {ESC "[[A", KEY_F(1)}, {ESC "[24~", KEY_F(12)},
        {ESC "OM", KEY_ENTER}, {ESC "[7$", KEY_HOME}, {ESC "[8^", KEY_END},
        {"\177", KEY_BACKSPACE}, {"\b", KEY_BACKSPACE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (one_key(cases[i].seq) != cases[i].key)
            fail_msg("sequence %zu (ESC%s) gave %d, want %d", i, cases[i].seq + 1,
                     one_key(cases[i].seq), cases[i].key);
    }
}

/* Each unknown sequence, then 'x': only the x comes out. */
static void test_unknown_swallowed(void **state)
{
    (void)state;
    static const char *const unknown[] = {
        ESC "[99~x", ESC "[200~x", ESC "[<0;12;7Mx", ESC "[?1;2cx", ESC "[Ix", ESC "[Ex",
        ESC "Ojx", ESC "[1;2 qx", ESC "[[Zx",
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        int keys[8];
        size_t n = decode(unknown[i], true, keys, 8);
        if (n != 1 || keys[0] != 'x')
            fail_msg("ESC%s gave %zu keys, the first %d", unknown[i] + 1, n, n ? keys[0] : 0);
    }
}

static void test_digits_never_leak(void **state)
{
    (void)state;
    int keys[16];
    size_t n = decode(ESC "[4~" ESC "[1~" ESC "[5~" ESC "[6~" ESC "[3~" ESC "[2~" "4", true,
                      keys, 16);
    int want[] = {KEY_END, KEY_HOME, KEY_PPAGE, KEY_NPAGE, KEY_DC, KEY_IC, '4'};
    assert_int_equal(n, 7);
    assert_memory_equal(keys, want, sizeof want);
}

static void test_escape_alone_and_alt(void **state)
{
    (void)state;
    key_decode d;
    int key;
    key_decode_init(&d);
    key_decode_feed(&d, (const unsigned char *)ESC, 1);
    assert_false(key_decode_next(&d, &key));      /* may be the start of a sequence */
    assert_true(key_decode_pending(&d));
    key_decode_flush(&d);                          /* the escape delay passed */
    assert_true(key_decode_next(&d, &key));
    assert_int_equal(key, KEY_DECODE_ESC);
    assert_false(key_decode_next(&d, &key));
    assert_false(key_decode_pending(&d));

    int keys[4];
    assert_int_equal(decode(ESC "x", false, keys, 4), 2);   /* Alt-x: Esc, then x */
    assert_int_equal(keys[0], KEY_DECODE_ESC);
    assert_int_equal(keys[1], 'x');
    assert_int_equal(decode(ESC ESC "[A", false, keys, 4), 2);
    assert_int_equal(keys[0], KEY_DECODE_ESC);
    assert_int_equal(keys[1], KEY_UP);
    /* a sequence cut off by the delay is dropped, not typed */
    assert_int_equal(decode(ESC "[4", true, keys, 4), 0);
}

static void test_split_across_reads(void **state)
{
    (void)state;
    key_decode d;
    int key;
    key_decode_init(&d);
    const char *parts[] = {ESC, "[", "4", "~"};
    for (int i = 0; i < 3; i++) {
        key_decode_feed(&d, (const unsigned char *)parts[i], 1);
        assert_false(key_decode_next(&d, &key));
        assert_true(key_decode_pending(&d));
    }
    key_decode_feed(&d, (const unsigned char *)parts[3], 1);
    assert_true(key_decode_next(&d, &key));
    assert_int_equal(key, KEY_END);
    assert_false(key_decode_next(&d, &key));
}

static void test_terminfo_and_bytes(void **state)
{
    (void)state;
    key_decode d;
    int key;
    key_decode_init(&d);
    key_decode_add(&d, ESC "[4h", KEY_IC);         /* a terminal's odd Insert */
    key_decode_add(&d, "x", KEY_F(5));             /* not a sequence: ignored */
    const char *bytes = ESC "[4hx\xc3\xa9\t\r";
    key_decode_feed(&d, (const unsigned char *)bytes, strlen(bytes));
    int want[] = {KEY_IC, 'x', 0xc3, 0xa9, '\t', '\r'};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_true(key_decode_next(&d, &key));
        assert_int_equal(key, want[i]);
    }
    assert_false(key_decode_next(&d, &key));
}

/* ------------------------------------------------------------ input */

static void *wake_later(void *arg)
{
    usleep(20000);
    input_wake(arg);
    return NULL;
}

static void test_input_woken_from_a_thread(void **state)
{
    (void)state;
    char err[128];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    input *in = input_new(25, err, sizeof err);
    assert_non_null(in);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wake_later, in), 0);
    /* an hour's timeout: returning at all is waking before it */
    unsigned what = input_wait(in, fds[0], 3600 * 1000);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(what, INPUT_WOKEN);
    assert_int_equal(input_wait(in, fds[0], 0), INPUT_TIMEOUT);   /* the wake-up was taken */
    input_free(in);
    close(fds[0]);
    close(fds[1]);
}

static void test_input_keys_escape_delay_and_end(void **state)
{
    (void)state;
    char err[128];
    int fds[2], key;
    assert_int_equal(pipe(fds), 0);
    input *in = input_new(10, err, sizeof err);
    assert_non_null(in);
    assert_int_equal(write(fds[1], ESC "[4~q" ESC, 6), 6);
    assert_int_equal(input_wait(in, fds[0], 3600 * 1000), INPUT_KEYS);
    assert_true(input_key(in, &key));
    assert_int_equal(key, KEY_END);
    assert_true(input_key(in, &key));
    assert_int_equal(key, 'q');
    assert_false(input_key(in, &key));             /* the ESC waits for the delay */
    assert_int_equal(input_wait(in, fds[0], 3600 * 1000), INPUT_KEYS);
    assert_true(input_key(in, &key));
    assert_int_equal(key, KEY_DECODE_ESC);
    close(fds[1]);
    assert_int_equal(input_wait(in, fds[0], 3600 * 1000), INPUT_CLOSED);
    assert_string_equal(input_closed_why(in), "end of input");
    input_free(in);
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usual_variants),
        cmocka_unit_test(test_unknown_swallowed),
        cmocka_unit_test(test_digits_never_leak),
        cmocka_unit_test(test_escape_alone_and_alt),
        cmocka_unit_test(test_split_across_reads),
        cmocka_unit_test(test_terminfo_and_bytes),
        cmocka_unit_test(test_input_woken_from_a_thread),
        cmocka_unit_test(test_input_keys_escape_delay_and_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
