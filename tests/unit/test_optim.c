/* test_optim.c - optimizers, schedules and clipping against PyTorch and HF.
 * The expected weights were printed by torch 1.13 (torch.optim.AdamW/SGD) on
 * the same tensors and gradients; the schedule values follow the lambdas of
 * transformers' optimization.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "grad.h"
#include "optim.h"
#include "schedule.h"

static const float gw[3][4] = {{0.3f, -0.7f, 1.5f, -2.0f}, {-0.1f, 0.2f, 0.25f, 1.0f},
                               {0.6f, 0.6f, -0.9f, 0.02f}};
static const float gb[3][2] = {{0.05f, 0.4f}, {-0.3f, 0.1f}, {0.2f, -0.25f}};

static void assert_close(float got, float want, float rel)
{
    float tol = rel * fmaxf(1.0f, fabsf(want));
    if (!(fabsf(got - want) <= tol))
        fail_msg("got %.9g, want %.9g (tolerance %.3g)", (double)got, (double)want, (double)tol);
}

/* Runs three steps on a decayed weight w[4] and an undecayed bias b[2] and
 * compares every step with torch's weights. */
static void run_three(const optim_config *c, double lr, const float want[3][6])
{
    float w[4] = {0.5f, -1.25f, 2.0f, 0.0f}, b[2] = {0.1f, -0.2f};
    float g1[4], g2[2];
    optim_param p[2] = {{"w", w, g1, 4, true}, {"b", b, g2, 2, false}};
    char err[128];
    optim *o = optim_new(c, p, 2, err, sizeof err);
    assert_non_null(o);
    for (int s = 0; s < 3; s++) {
        memcpy(g1, gw[s], sizeof g1);
        memcpy(g2, gb[s], sizeof g2);
        optim_step(o, lr);
        for (int j = 0; j < 4; j++)
            assert_close(w[j], want[s][j], 1e-6f);
        for (int j = 0; j < 2; j++)
            assert_close(b[j], want[s][4 + j], 1e-6f);
    }
    assert_int_equal(optim_steps(o), 3);
    optim_free(o);
}

static void test_adamw_matches_torch(void **state)
{
    (void)state;
    static const float want[3][6] = {
        {0.489500016f, -1.23874998f, 1.98800004f, 0.0100000007f, 0.0900000036f, -0.210000008f},
        {0.48496744f, -1.23306632f, 1.97808397f, 0.0126736946f, 0.096166335f, -0.218399718f},
        {0.477492392f, -1.23328137f, 1.97412968f, 0.0147038884f, 0.0966807008f, -0.220596865f}};
    optim_config c = optim_defaults();
    c.beta2 = 0.95;
    c.weight_decay = 0.1;
    run_three(&c, 0.01, want);
}

/* Adam from the textbook form m^/(sqrt(v^)+eps) in double, as a second,
 * independent check of the bias corrections on a longer run. */
static void test_adamw_matches_formula(void **state)
{
    (void)state;
    float w = 1.0f, g;
    optim_param p = {"w", &w, &g, 1, true};
    optim_config c = optim_defaults();
    c.weight_decay = 0.05;
    char err[128];
    optim *o = optim_new(&c, &p, 1, err, sizeof err);
    assert_non_null(o);
    double rw = 1.0, m = 0.0, v = 0.0, lr = 1e-3;
    for (int t = 1; t <= 20; t++) {
        g = (float)(0.2 * rw - 0.1 * t);
        double gd = g;
        rw -= lr * 0.05 * rw;
        m = 0.9 * m + 0.1 * gd;
        v = 0.999 * v + 0.001 * gd * gd;
        double mh = m / (1.0 - pow(0.9, t)), vh = v / (1.0 - pow(0.999, t));
        rw -= lr * mh / (sqrt(vh) + 1e-8);
        optim_step(o, lr);
        assert_close(w, (float)rw, 1e-5f);
        g = 0.0f;
    }
    optim_free(o);
}

static void test_sgd_momentum_matches_torch(void **state)
{
    (void)state;
    static const float want[3][6] = {
        {0.469500005f, -1.17875004f, 1.84800005f, 0.200000003f, 0.0949999988f, -0.24000001f},
        {0.451580495f, -1.13344634f, 1.68435204f, 0.279799998f, 0.120499998f, -0.286000013f},
        {0.375001371f, -1.15153956f, 1.62538445f, 0.3493402f, 0.123449996f, -0.302400023f}};
    optim_config c = {OPTIM_SGD, 0.01, 0, 0, 0, 0.9, false};
    run_three(&c, 0.1, want);
}

static void test_sgd_nesterov_matches_torch(void **state)
{
    (void)state;
    static const float want[3][6] = {
        {0.442999989f, -1.11699998f, 1.71500003f, 0.379999995f, 0.0905000046f, -0.275999993f},
        {0.437699974f, -1.09829998f, 1.546f, 0.351999998f, 0.143450007f, -0.327399999f},
        {0.309929967f, -1.17746997f, 1.58739996f, 0.412999988f, 0.126105011f, -0.31716001f}};
    optim_config c = {OPTIM_SGD, 0.0, 0, 0, 0, 0.9, true};
    run_three(&c, 0.1, want);
}

static void test_state_bytes_and_bad_config(void **state)
{
    (void)state;
    float w[10] = {0}, g[10] = {0}, w2[6] = {0}, g2[6] = {0};
    optim_param p[2] = {{"a", w, g, 10, true}, {"b", w2, g2, 6, false}};
    char err[128];
    optim_config c = optim_defaults();
    optim *o = optim_new(&c, p, 2, err, sizeof err);
    assert_int_equal(optim_state_bytes(o), 2 * 16 * sizeof(float));
    optim_free(o);
    optim_config s = {OPTIM_SGD, 0, 0, 0, 0, 0.9, false};
    o = optim_new(&s, p, 2, err, sizeof err);
    assert_int_equal(optim_state_bytes(o), 16 * sizeof(float));
    optim_free(o);
    s.momentum = 0.0;
    o = optim_new(&s, p, 2, err, sizeof err);
    assert_int_equal(optim_state_bytes(o), 0);
    optim_free(o);
    c.beta1 = 1.0;
    assert_null(optim_new(&c, p, 2, err, sizeof err));
    assert_non_null(strstr(err, "betas"));
    s.nesterov = true;
    assert_null(optim_new(&s, p, 2, err, sizeof err));
    optim_kind k;
    assert_int_equal(optim_kind_parse("sgd", &k), 0);
    assert_int_equal(k, OPTIM_SGD);
    assert_int_equal(optim_kind_parse("adam", &k), -1);
}

static void test_schedules(void **state)
{
    (void)state;
    schedule_config c = {SCHED_COSINE, 10, 0.0, 110, 0.0};
    char err[128];
    assert_int_equal(schedule_validate(&c, err, sizeof err), 0);
    assert_true(schedule_factor(&c, 0) == 0.0);
    assert_true(fabs(schedule_factor(&c, 5) - 0.5) < 1e-15);
    assert_true(schedule_factor(&c, 10) == 1.0);
    assert_true(fabs(schedule_factor(&c, 60) - 0.5) < 1e-12);
    assert_true(fabs(schedule_factor(&c, 35) - 0.5 * (1 + cos(M_PI * 0.25))) < 1e-12);
    assert_true(fabs(schedule_factor(&c, 110)) < 1e-12);
    c.min_lr_ratio = 0.1;
    assert_true(fabs(schedule_factor(&c, 60) - 0.55) < 1e-12);
    assert_true(fabs(schedule_factor(&c, 110) - 0.1) < 1e-12);
    assert_true(fabs(schedule_factor(&c, 5) - 0.5) < 1e-15);

    schedule_config l = {SCHED_LINEAR, 0, 0.05, 100, 0.0};
    assert_int_equal(schedule_warmup_steps(&l), 5);
    l.warmup_ratio = 0.031;   /* HF rounds up: ceil(3.1) = 4 */
    assert_int_equal(schedule_warmup_steps(&l), 4);
    assert_true(fabs(schedule_factor(&l, 2) - 0.5) < 1e-15);
    assert_true(fabs(schedule_factor(&l, 4) - 1.0) < 1e-15);
    assert_true(fabs(schedule_factor(&l, 52) - 48.0 / 96.0) < 1e-15);
    assert_true(schedule_factor(&l, 100) == 0.0);
    assert_true(schedule_factor(&l, 150) == 0.0);

    schedule_config k = {SCHED_CONSTANT, 3, 0.0, 0, 0.0};
    assert_int_equal(schedule_validate(&k, err, sizeof err), 0);
    assert_true(fabs(schedule_factor(&k, 1) - 1.0 / 3.0) < 1e-15);
    assert_true(schedule_factor(&k, 3) == 1.0);
    assert_true(schedule_factor(&k, 1000) == 1.0);

    schedule_config bad = {SCHED_COSINE, 0, 0.0, 0, 0.0};
    assert_int_equal(schedule_validate(&bad, err, sizeof err), -1);
    bad.total_steps = 10;
    bad.min_lr_ratio = 1.5;
    assert_int_equal(schedule_validate(&bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "cosine_min_lr_ratio"));
    schedule_kind sk;
    assert_int_equal(schedule_kind_parse("linear", &sk), 0);
    assert_int_equal(sk, SCHED_LINEAR);
    assert_int_equal(schedule_kind_parse("poly", &sk), -1);
}

static void test_clipping(void **state)
{
    (void)state;
    float g1[2] = {3.0f, 0.0f}, g2[1] = {4.0f}, w[3] = {1.0f, 1.0f, 1.0f};
    float h1[2] = {3.0f, 0.0f}, h2[1] = {4.0f}, u[3] = {1.0f, 1.0f, 1.0f};
    optim_param p[2] = {{"a", w, g1, 2, true}, {"b", w + 2, g2, 1, true}};
    optim_param q[2] = {{"a", u, h1, 2, true}, {"b", u + 2, h2, 1, true}};
    char err[128];
    optim_config c = {OPTIM_SGD, 0, 0, 0, 0, 0.0, false};
    optim *o = optim_new(&c, p, 2, err, sizeof err), *ref = optim_new(&c, q, 2, err, sizeof err);
    assert_non_null(o);
    assert_non_null(ref);
    double norm = optim_grad_norm(o);
    assert_true(norm == 5.0);
    double coef = grad_clip_coef(norm, 1.0);
    assert_true(fabs(coef - 1.0 / (5.0 + 1e-6)) < 1e-15);
    /* The clipped step equals scaling in place, then a plain step. */
    optim_step_clipped(o, 0.5, coef);
    h1[0] *= (float)coef;
    h2[0] *= (float)coef;
    optim_step(ref, 0.5);
    assert_memory_equal(w, u, sizeof w);
    assert_close(w[0], 1.0f - 0.5f * 0.6f, 1e-6f);
    assert_close(w[2], 1.0f - 0.5f * 0.8f, 1e-6f);
    assert_true(g1[0] == 0.0f && g1[1] == 0.0f && g2[0] == 0.0f);
    assert_true(grad_clip_coef(0.5, 1.0) == 1.0);
    assert_true(grad_clip_coef(5.0, 0.0) == 1.0);
    g2[0] = NAN;
    assert_false(isfinite(optim_grad_norm(o)));
    g2[0] = INFINITY;
    assert_false(isfinite(optim_grad_norm(o)));
    g1[1] = 2.0f;
    optim_zero_grad(o);
    assert_true(g1[0] == 0.0f && g1[1] == 0.0f && g2[0] == 0.0f);
    optim_free(o);
    optim_free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adamw_matches_torch),
        cmocka_unit_test(test_adamw_matches_formula),
        cmocka_unit_test(test_sgd_momentum_matches_torch),
        cmocka_unit_test(test_sgd_nesterov_matches_torch),
        cmocka_unit_test(test_state_bytes_and_bad_config),
        cmocka_unit_test(test_schedules),
        cmocka_unit_test(test_clipping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
