/* test_optim_pool.c - the optimizer's per-step passes on a thread pool: the
 * weights after clipped AdamW and SGD steps are the same bits on 1, 2 and 3
 * threads and the same as an element-at-a-time AdamW in torch's order, and
 * the gradient norm does not depend on the thread count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grad.h"
#include "optim.h"
#include "pool.h"

/* Tensor sizes that straddle chunk boundaries, with an empty one and tails
 * that are not a multiple of the vector width. */
static const size_t sizes[] = {3 * GRAD_CHUNK + 5, 7, 0, GRAD_CHUNK - 1, 1, 50001};
#define NP (sizeof sizes / sizeof sizes[0])
#define STEPS 3

typedef struct {
    float *w, *g;        /* all tensors end to end */
    size_t total;
    optim_param p[NP];
    double norms[STEPS];
} run;

static float rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(*s >> 40) / (double)(1ULL << 24) * 2.0 - 1.0);
}

static void fill(float *x, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rnd(&seed);
}

static void run_init(run *r)
{
    r->total = 0;
    for (size_t i = 0; i < NP; i++)
        r->total += sizes[i];
    r->w = malloc(r->total * sizeof(float));
    r->g = malloc(r->total * sizeof(float));
    assert_non_null(r->w);
    assert_non_null(r->g);
    fill(r->w, r->total, 1);
    size_t off = 0;
    for (size_t i = 0; i < NP; i++) {
        r->p[i] = (optim_param){"t", r->w + off, r->g + off, sizes[i], i % 2 == 0};
        off += sizes[i];
    }
}

static void run_free(run *r)
{
    free(r->w);
    free(r->g);
}

/* Gradients for step s: large enough that clipping to 1 scales them. */
static void step_grads(run *r, int s)
{
    fill(r->g, r->total, 100 + (uint64_t)s);
}

static void run_optim(run *r, const optim_config *c, int threads)
{
    char err[128];
    pool *p = NULL;
    if (threads > 1) {
        p = pool_new(threads, err, sizeof err);
        assert_non_null(p);
    }
    run_init(r);
    optim *o = optim_new(c, r->p, NP, err, sizeof err);
    assert_non_null(o);
    optim_set_pool(o, p);
    for (int s = 0; s < STEPS; s++) {
        step_grads(r, s);
        r->norms[s] = optim_grad_norm(o);
        double coef = grad_clip_coef(r->norms[s], 1.0);
        assert_true(coef < 1.0);
        optim_step_clipped(o, 1e-2, coef);
        for (size_t i = 0; i < r->total; i++)
            assert_true(r->g[i] == 0.0f);
    }
    optim_free(o);
    pool_free(p);
}

static void assert_same(const run *a, const run *b)
{
    assert_memory_equal(a->w, b->w, a->total * sizeof(float));
    for (int s = 0; s < STEPS; s++)
        assert_true(a->norms[s] == b->norms[s]);
}

static void check_threads(const optim_config *c)
{
    run one, two, three;
    run_optim(&one, c, 1);
    run_optim(&two, c, 2);
    run_optim(&three, c, 3);
    assert_same(&one, &two);
    assert_same(&one, &three);
    run_free(&one);
    run_free(&two);
    run_free(&three);
}

static void test_adamw_same_on_any_threads(void **state)
{
    (void)state;
    optim_config c = optim_defaults();
    c.weight_decay = 0.1;
    check_threads(&c);
}

static void test_sgd_same_on_any_threads(void **state)
{
    (void)state;
    optim_config c = {OPTIM_SGD, 0.01, 0, 0, 0, 0.9, true};
    check_threads(&c);
}

/* torch's _single_tensor_adamw one element at a time, on gradients clipped in
 * place first, with the global norm summed in one sequence. */
static void reference_adamw(run *r, const optim_config *c, double lr)
{
    run_init(r);
    float *m = calloc(r->total, sizeof(float)), *v = calloc(r->total, sizeof(float));
    assert_non_null(m);
    assert_non_null(v);
    for (int s = 0; s < STEPS; s++) {
        step_grads(r, s);
        double sum = 0.0;
        for (size_t i = 0; i < r->total; i++)
            sum += (double)r->g[i] * (double)r->g[i];
        r->norms[s] = sqrt(sum);
        float coef = (float)grad_clip_coef(r->norms[s], 1.0);
        double bc1 = 1.0 - pow(c->beta1, s + 1), bc2 = 1.0 - pow(c->beta2, s + 1);
        float step_size = (float)(lr / bc1), bc2_sqrt = (float)sqrt(bc2);
        float one_b1 = (float)(1.0 - c->beta1), b2 = (float)c->beta2;
        float one_b2 = (float)(1.0 - c->beta2), eps = (float)c->eps;
        for (size_t i = 0; i < NP; i++) {
            size_t base = (size_t)(r->p[i].w - r->w);
            float decay = r->p[i].decay ? (float)(1.0 - lr * c->weight_decay) : 1.0f;
            for (size_t j = base; j < base + r->p[i].n; j++) {
                float g = r->g[j] * coef;
                float w = r->w[j] * decay;
                m[j] += (g - m[j]) * one_b1;
                v[j] = v[j] * b2 + one_b2 * g * g;
                float denom = sqrtf(v[j]) / bc2_sqrt + eps;
                r->w[j] = w - step_size * (m[j] / denom);
            }
        }
    }
    free(m);
    free(v);
}

static void test_adamw_matches_element_at_a_time(void **state)
{
    (void)state;
    optim_config c = optim_defaults();
    c.weight_decay = 0.1;
    run got, want;
    run_optim(&got, &c, 2);
    reference_adamw(&want, &c, 1e-2);
    assert_memory_equal(got.w, want.w, got.total * sizeof(float));
    for (int s = 0; s < STEPS; s++)
        assert_true(fabs(got.norms[s] - want.norms[s]) <= 1e-12 * want.norms[s]);
    run_free(&got);
    run_free(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adamw_same_on_any_threads),
        cmocka_unit_test(test_sgd_same_on_any_threads),
        cmocka_unit_test(test_adamw_matches_element_at_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
