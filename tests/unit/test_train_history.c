/* test_train_history.c - the Train pane's store of a run (ui/train/
 * train_history.c): its smoothed loss is smooth_ema over the whole series
 * whatever order steps and weight changes come in; a step logged again (a
 * resumed run) drops what followed it; the best evaluation, the tokens axis
 * and the ETA. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "smooth.h"
#include "train_history.h"

static void add(train_history *h, int64_t step, double loss)
{
    train_step s = {step, (double)step, loss, 1e-3, 1, 100};
    assert_int_equal(train_history_add_step(h, &s), 0);
}

/* TRAIN_SMOOTH, brought up to date, equals smooth_ema over the losses. */
static void assert_smoothed(train_history *h, double weight)
{
    double want[64];
    assert_true(h->n <= 64);
    smooth_ema(h->y[TRAIN_LOSS], h->n, weight, want);
    train_history_smooth(h);
    for (size_t i = 0; i < h->n; i++) {
        if (isnan(want[i]))
            assert_true(isnan(h->y[TRAIN_SMOOTH][i]));
        else
            assert_true(want[i] == h->y[TRAIN_SMOOTH][i]);
    }
}

static void test_smoothing_is_smooth_ema(void **state)
{
    (void)state;
    train_history h;
    train_history_init(&h, 0.6);
    const double loss[] = {3, 3, 3, 2.5, NAN, 2, 1.5, INFINITY, 1.2, 1.1};
    for (size_t i = 0; i < sizeof loss / sizeof loss[0]; i++) {
        add(&h, (int64_t)i + 1, loss[i]);
        assert_smoothed(&h, 0.6);   /* constant at first, then not; NaN passed through */
    }
    train_history_set_weight(&h, 0.9);
    assert_smoothed(&h, 0.9);
    add(&h, 11, 1.0);
    assert_smoothed(&h, 0.9);
    assert_int_equal(h.nonfinite, 2);
    train_history_free(&h);
}

static void test_constant_series_as_is(void **state)
{
    (void)state;
    train_history h;
    train_history_init(&h, 0.99);
    for (int i = 1; i <= 5; i++)
        add(&h, i, 2.0);
    train_history_smooth(&h);
    for (size_t i = 0; i < h.n; i++)
        assert_true(h.y[TRAIN_SMOOTH][i] == 2.0);
    train_history_free(&h);
}

static void test_step_again_rewinds(void **state)
{
    (void)state;
    train_history h;
    train_history_init(&h, 0.6);
    for (int i = 1; i <= 10; i++)
        add(&h, i, 10.0 - i);
    assert_int_equal(train_history_add_eval(&h, 4, 5.0), 0);
    assert_int_equal(train_history_add_eval(&h, 8, 3.0), 0);
    assert_int_equal(h.best_eval_step, 8);
    add(&h, 6, 0.5);   /* resumed from the checkpoint of step 5 */
    assert_int_equal(h.n, 6);
    assert_int_equal(train_history_last_step(&h), 6);
    assert_int_equal(h.n_eval, 1);
    assert_int_equal(h.best_eval_step, 4);
    assert_float_equal(h.best_eval, 5.0, 0);
    assert_smoothed(&h, 0.6);
    train_history_free(&h);
}

static void test_tokens_and_eta(void **state)
{
    (void)state;
    train_history h;
    train_history_init(&h, 0.6);
    for (int i = 1; i <= 4; i++)
        add(&h, i, 1.0);   /* a step a second at 100 tokens/s */
    assert_float_equal(h.x[TRAIN_X_TOKENS][3], 400.0, 1e-9);
    assert_float_equal(train_history_eta(&h, 10, 50), 6.0, 1e-9);
    assert_float_equal(train_history_eta(&h, 4, 50), 0.0, 0);
    size_t i0, i1;
    train_history_window(&h, 2, &i0, &i1);
    assert_int_equal(i0, 2);
    assert_int_equal(i1, 4);
    train_history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smoothing_is_smooth_ema),
        cmocka_unit_test(test_constant_series_as_is),
        cmocka_unit_test(test_step_again_rewinds),
        cmocka_unit_test(test_tokens_and_eta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
