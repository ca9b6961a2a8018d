/* test_run_alarm.c - the run's alarms (src/run/run_alarm.c) on synthetic
 * series: each failure is caught at the step it happens, a healthy noisy run
 * raises nothing, cooldown keeps a bad stretch to one alarm, and an alarm
 * set to off stays silent. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "prng.h"
#include "run_alarm.h"

/* A draw in [0, 1) from the counter *K, which advances. */
static double noise(uint64_t *k)
{
    return prng_uniform((*k)++);
}

/* A healthy run: loss falling with noise, steady gradients and speed. */
static double healthy_loss(int64_t step, uint64_t *r)
{
    return 2.0 * exp(-(double)step / 400) + 0.5 + 0.05 * (noise(r) - 0.5);
}

/* Feeds steps [from, to) of a healthy run; returns the alarms raised. */
static int feed(run_alarm *a, int64_t from, int64_t to, uint64_t *r, run_alarm_hit *last)
{
    int fired = 0;
    for (int64_t s = from; s < to; s++) {
        run_alarm_hit hits[RUN_ALARM_COUNT];
        int n = run_alarm_step(a, s, healthy_loss(s, r), 1.0 + 0.1 * noise(r),
                               1000 + 50 * noise(r), hits);
        if (n)
            *last = hits[n - 1];
        fired += n;
    }
    return fired;
}

static void test_healthy_run_is_quiet(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    run_alarm_init(&a, &c);
    uint64_t r = 7ull << 32;
    run_alarm_hit last;
    assert_int_equal(feed(&a, 0, 3000, &r, &last), 0);
}

static void test_loss_spike_and_cooldown(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    run_alarm_init(&a, &c);
    uint64_t r = 1ull << 32;
    run_alarm_hit hits[RUN_ALARM_COUNT], last;
    feed(&a, 0, 500, &r, &last);
    assert_int_equal(run_alarm_step(&a, 500, 5.0, 1.0, 1000, hits), 1);
    assert_int_equal(hits[0].kind, RUN_ALARM_LOSS_SPIKE);
    assert_int_equal(hits[0].action, RUN_ALARM_WARN);
    assert_int_equal(hits[0].step, 500);
    assert_non_null(strstr(hits[0].text, "loss spike at step 500: 5 is"));
    feed(&a, 501, 510, &r, &last);
    assert_int_equal(run_alarm_step(&a, 510, 9.0, 1.0, 1000, hits), 0);   /* cooling down */
    feed(&a, 511, 600, &r, &last);
    assert_int_equal(run_alarm_step(&a, 600, 9.0, 1.0, 1000, hits), 1);
}

static void test_grad_explosion_and_nonfinite(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    run_alarm_init(&a, &c);
    uint64_t r = 2ull << 32;
    run_alarm_hit hits[RUN_ALARM_COUNT], last;
    feed(&a, 0, 100, &r, &last);
    assert_int_equal(run_alarm_step(&a, 100, 1.0, 50.0, 1000, hits), 1);
    assert_int_equal(hits[0].kind, RUN_ALARM_GRAD_NORM);
    assert_non_null(strstr(hits[0].text, "explosion"));
    assert_int_equal(run_alarm_step(&a, 101, NAN, NAN, 1000, hits), 1);
    assert_int_equal(hits[0].kind, RUN_ALARM_NONFINITE);
    assert_non_null(strstr(hits[0].text, "step 101 was skipped: its loss is not finite"));
    /* the skipped step did not enter the window: the next healthy step is quiet */
    assert_int_equal(feed(&a, 102, 200, &r, &last), 0);
    /* a finite loss with a non-finite gradient was skipped too: one alarm,
     * the non-finite one (after its cooldown) */
    assert_int_equal(run_alarm_step(&a, 200, 1.0, INFINITY, 1000, hits), 1);
    assert_int_equal(hits[0].kind, RUN_ALARM_NONFINITE);
    assert_non_null(strstr(hits[0].text, "step 200 was skipped: its gradient is not finite"));
}

static void test_throughput_drop_needs_a_run_of_slow_steps(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    run_alarm_init(&a, &c);
    uint64_t r = 3ull << 32;
    run_alarm_hit hits[RUN_ALARM_COUNT], last;
    feed(&a, 0, 100, &r, &last);
    for (int i = 0; i < 4; i++)   /* an evaluation's slow steps */
        assert_int_equal(run_alarm_step(&a, 100 + i, 1.0, 1.0, 300, hits), 0);
    feed(&a, 104, 110, &r, &last);
    for (int i = 0; i < 4; i++)
        assert_int_equal(run_alarm_step(&a, 110 + i, 1.0, 1.0, 300, hits), 0);
    assert_int_equal(run_alarm_step(&a, 114, 1.0, 1.0, 300, hits), 1);
    assert_int_equal(hits[0].kind, RUN_ALARM_THROUGHPUT);
}

static void test_overfit(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    run_alarm_init(&a, &c);
    uint64_t r = 4ull << 32;
    run_alarm_hit hit, last;
    const double evals[] = {2.0, 1.8, 1.85, 1.9};
    for (int i = 0; i < 4; i++) {
        feed(&a, i * 100, (i + 1) * 100, &r, &last);
        assert_int_equal(run_alarm_eval(&a, (i + 1) * 100, evals[i], &hit), 0);
    }
    feed(&a, 400, 500, &r, &last);
    assert_int_equal(run_alarm_eval(&a, 500, 1.95, &hit), 1);   /* third rise */
    assert_int_equal(hit.kind, RUN_ALARM_OVERFIT);
    assert_non_null(strstr(hit.text, "rose 3 times"));
}

/* Evaluation loss rising while training loss rises too is not overfitting. */
static void test_rising_together_is_not_overfit(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    run_alarm_init(&a, &c);
    run_alarm_hit hits[RUN_ALARM_COUNT], hit;
    for (int e = 0; e < 6; e++) {
        for (int s = 0; s < 50; s++)
            run_alarm_step(&a, e * 50 + s, 1.0 + 0.01 * e, 1.0, 1000, hits);
        assert_int_equal(run_alarm_eval(&a, e * 50 + 50, 1.0 + 0.1 * e, &hit), 0);
    }
}

static void test_memory_off_and_names(void **state)
{
    (void)state;
    run_alarm a;
    run_alarm_config c = run_alarm_defaults();
    c.action[RUN_ALARM_LOSS_SPIKE] = RUN_ALARM_OFF;
    c.action[RUN_ALARM_MEMORY] = RUN_ALARM_STOP;
    run_alarm_init(&a, &c);
    run_alarm_hit hit, hits[RUN_ALARM_COUNT], last;
    assert_int_equal(run_alarm_memory(&a, 1, 50, 100, &hit), 0);
    assert_int_equal(run_alarm_memory(&a, 1, 95, 100, &hit), 1);
    assert_int_equal(hit.action, RUN_ALARM_STOP);
    uint64_t r = 5ull << 32;
    feed(&a, 0, 100, &r, &last);
    assert_int_equal(run_alarm_step(&a, 100, 50.0, 1.0, 1000, hits), 0);   /* spike alarm off */
    run_alarm_action act;
    assert_int_equal(run_alarm_action_parse("pause", &act), 0);
    assert_int_equal(act, RUN_ALARM_PAUSE);
    assert_int_equal(run_alarm_action_parse("loud", &act), -1);
    assert_string_equal(run_alarm_name(RUN_ALARM_GRAD_NORM), "grad_norm");
    assert_string_equal(run_alarm_action_name(RUN_ALARM_STOP), "stop");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_run_is_quiet),
        cmocka_unit_test(test_loss_spike_and_cooldown),
        cmocka_unit_test(test_grad_explosion_and_nonfinite),
        cmocka_unit_test(test_throughput_drop_needs_a_run_of_slow_steps),
        cmocka_unit_test(test_overfit),
        cmocka_unit_test(test_rising_together_is_not_overfit),
        cmocka_unit_test(test_memory_off_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
