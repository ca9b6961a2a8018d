/* test_trainer.c - the training thread on a toy linear-regression model:
 * token-weighted gradient accumulation, non-finite steps skipped before they
 * touch the weights, the nan_tolerance stop, and pause/resume/stop/lr
 * multiplier driven from the test's own thread while the trainer runs, each
 * published as an event with its code when it takes effect; hook calls
 * served while paused, and an end hook in place of the end event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trainer.h"

#define POISON_LOSS (-1)   /* token id that makes the loss NaN */
#define POISON_GRAD (-2)   /* token id that makes a gradient Inf, loss finite */
#define NB 2
#define NT 3

/* Toy model: pred = w.x(tok) + b, per-token loss 0.5 (pred - y(tok))^2 with
 * y linear in x, so the loss can go to zero. */
typedef struct {
    float w[4], b[1], gw[4], gb[1];
    optim_param params[2];
    atomic_int calls;
    _Atomic int64_t last_step;
} toy;

static void features(int32_t tok, float x[4])
{
    x[0] = 1.0f;
    x[1] = (float)(tok % 3);
    x[2] = (float)(tok % 5) * 0.5f;
    x[3] = (float)(tok % 7) / 3.0f;
}

static int toy_accumulate(void *ctx, const trainer_batch *b, double loss_norm, double *loss,
                          char *err, size_t errlen)
{
    (void)err, (void)errlen;
    toy *m = ctx;
    atomic_fetch_add(&m->calls, 1);
    double sum = 0.0;
    for (int i = 0; i < b->B * b->T; i++) {
        float wt = b->weights[i];
        if (wt == 0.0f || b->targets[i] < 0)
            continue;
        int32_t tok = b->tokens[i];
        float x[4];
        features(tok, x);
        float pred = m->b[0], r;
        for (int j = 0; j < 4; j++)
            pred += m->w[j] * x[j];
        r = pred - (0.3f + 0.2f * x[1] - 0.1f * x[2] + 0.25f * x[3]);
        sum += tok == POISON_LOSS ? NAN : 0.5 * (double)(r * r) * wt;
        float d = (float)(wt / loss_norm) * r;
        for (int j = 0; j < 4; j++)
            m->gw[j] += d * x[j] + (tok == POISON_GRAD ? INFINITY : 0.0f);
        m->gb[0] += d;
    }
    *loss = sum / loss_norm;
    return 0;
}

static void toy_begin_step(void *ctx, int64_t step)
{
    toy *m = ctx;
    atomic_store(&m->last_step, step);
}

static void toy_init(toy *m)
{
    memset(m, 0, sizeof *m);
    static const float w0[4] = {0.1f, -0.2f, 0.3f, 0.05f};
    memcpy(m->w, w0, sizeof w0);
    m->b[0] = 0.5f;
    m->params[0] = (optim_param){"w", m->w, m->gw, 4, true};
    m->params[1] = (optim_param){"b", m->b, m->gb, 1, false};
}

static trainer_model toy_model(toy *m)
{
    trainer_model tm = {m, m->params, 2, toy_accumulate, toy_begin_step, NULL};
    return tm;
}

/* Batches of tokens 1..; a batch whose index is in the poison list is made of
 * one poison token. `limit` batches then the data ends (0 = endless). */
typedef struct {
    int32_t tokens[NB * NT];
    int32_t targets[NB * NT];
    float weights[NB * NT];
    int next, limit;
    int poison_from, poison_to, poison_tok;  /* batches [from, to) are poisoned */
    int sparse_every;                        /* odd batches score only 2 tokens */
} source;

static int src_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    source *s = ctx;
    if (s->limit && s->next >= s->limit)
        return 0;
    int k = s->next++;
    for (int i = 0; i < NB * NT; i++) {
        s->tokens[i] = 1 + (k * 7 + i * 3) % 20;
        /* A sparse batch scores positions 0-1: 2-3 weigh 0, 4-5 are masked. */
        bool sparse = s->sparse_every && k % 2 == 1;
        s->targets[i] = sparse && i >= 4 ? -100 : 0;
        s->weights[i] = sparse && (i == 2 || i == 3) ? 0.0f : 1.0f;
    }
    if (k >= s->poison_from && k < s->poison_to)
        s->tokens[0] = s->poison_tok;
    out->B = NB;
    out->T = NT;
    out->tokens = s->tokens;
    out->targets = s->targets;
    out->weights = s->weights;
    out->doc = NULL;
    out->epoch = (double)(k + 1) / 100.0;
    return 1;
}

static trainer_config sgd_config(void)
{
    trainer_config c = trainer_defaults();
    c.optim.kind = OPTIM_SGD;
    c.optim.momentum = 0.0;
    c.learning_rate = 0.05;
    c.max_grad_norm = 0.0;
    return c;
}

static trainer_status run_to_end(const trainer_config *c, toy *m, source *s, ring *r)
{
    char err[256];
    trainer_model tm = toy_model(m);
    trainer_source ts = {s, src_next};
    trainer *t = trainer_new(c, &tm, &ts, r, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(trainer_start(t, err, sizeof err), 0);
    trainer_join(t);
    trainer_status st;
    trainer_get_status(t, &st);
    trainer_free(t);
    return st;
}

static ring *new_ring(void)
{
    char err[128];
    ring *r = ring_new(256, err, sizeof err);
    assert_non_null(r);
    return r;
}

#define TEXT_MAX 512

/* Counts drained records of each kind; remembers the last event text. */
static int drain_count(ring *r, ring_kind kind, char *last_text)
{
    ring_record rec;
    int n = 0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == (uint32_t)kind) {
            n++;
            if (last_text)
                snprintf(last_text, TEXT_MAX, "%s", rec.text ? rec.text : "");
        }
        ring_record_clear(&rec);
    }
    return n;
}

/* Drains R; the codes of its events in order into CODES (up to 16), their
 * count returned. */
static int drain_codes(ring *r, uint32_t *codes)
{
    ring_record rec;
    int n = 0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_EVENT && n < 16)
            codes[n++] = rec.code;
        ring_record_clear(&rec);
    }
    return n;
}

static void test_runs_to_max_steps_and_learns(void **state)
{
    (void)state;
    toy m;
    toy_init(&m);
    source s = {.limit = 0};
    ring *r = new_ring();
    trainer_config c = sgd_config();
    c.max_steps = 100;
    c.learning_rate = 0.1;
    trainer_status st = run_to_end(&c, &m, &s, r);
    assert_int_equal(st.state, TRAINER_FINISHED);
    assert_int_equal(st.step, 100);
    ring_record rec, first = {0}, last = {0};
    double early = 0.0, late = 0.0;
    int steps = 0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_STEP) {
            if (!steps++)
                first = rec;
            last = rec;
            early += steps <= 5 ? rec.loss : 0.0;
            late += steps > 95 ? rec.loss : 0.0;
            assert_true(rec.lr == 0.1 && rec.grad_norm > 0.0 && rec.tokens_per_s > 0.0);
            assert_true(rec.mem_bytes > 0);
        }
        ring_record_clear(&rec);
    }
    assert_int_equal(steps, 100);
    assert_int_equal(first.step, 1);
    assert_true(late < early * 0.5);
    assert_true(fabs(last.epoch - 1.00) < 1e-12);
    assert_non_null(strstr(st.message, "max_steps"));
    ring_free(r);
}

/* Two micro-batches scoring 6 and 2 tokens: the step is the mean over the 8
 * tokens, not the mean of the two means. */
static void test_accumulation_is_token_weighted(void **state)
{
    (void)state;
    toy m, ref;
    toy_init(&m);
    toy_init(&ref);
    source s = {.limit = 2, .sparse_every = 1}, rs = s;
    trainer_batch b;
    char err[64];
    double total = 0.0, part;
    for (int k = 0; k < 2; k++) {
        src_next(&rs, &b, err, sizeof err);
        assert_true(trainer_batch_weight(&b) == (k ? 2.0 : 6.0));
        toy_accumulate(&ref, &b, 1.0, &part, err, sizeof err);
        total += part;
    }
    ring *r = new_ring();
    trainer_config c = sgd_config();
    c.grad_accum = 2;
    trainer_status st = run_to_end(&c, &m, &s, r);
    assert_int_equal(st.step, 1);
    assert_int_equal(atomic_load(&m.last_step), 0);
    assert_true(fabs(st.last_loss - total / 8.0) < 1e-9);
    for (int j = 0; j < 4; j++)
        assert_true(fabsf(m.w[j] - (ref.w[j] - 0.05f * ref.gw[j] / 8.0f)) < 1e-6f);
    assert_true(fabsf(m.b[0] - (ref.b[0] - 0.05f * ref.gb[0] / 8.0f)) < 1e-6f);
    assert_non_null(strstr(st.message, "data exhausted"));
    ring_free(r);
}

static void check_skip(int poison_tok)
{
    toy a, b;
    toy_init(&a);
    toy_init(&b);
    source sa = {.limit = 1}, sb = {.limit = 2, .poison_from = 1, .poison_to = 2,
                                    .poison_tok = poison_tok};
    ring *r = new_ring();
    trainer_config c = trainer_defaults();
    c.learning_rate = 0.01;
    run_to_end(&c, &a, &sa, r);
    drain_count(r, RING_STEP, NULL);
    trainer_status st = run_to_end(&c, &b, &sb, r);
    assert_int_equal(st.state, TRAINER_FINISHED);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.step, 2);
    assert_memory_equal(a.w, b.w, sizeof a.w);
    assert_memory_equal(a.b, b.b, sizeof a.b);
    ring_record rec;
    int skipped_events = 0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_EVENT && rec.code == TRAINER_EVENT_SKIPPED &&
            strstr(rec.text, "skipped step 2"))
            skipped_events++;
        ring_record_clear(&rec);
    }
    assert_int_equal(skipped_events, 1);
    ring_free(r);
}

static void test_nonfinite_loss_is_skipped(void **state)
{
    (void)state;
    check_skip(POISON_LOSS);
}

static void test_nonfinite_grad_is_skipped(void **state)
{
    (void)state;
    check_skip(POISON_GRAD);
}

/* Non-finite steps 2..4 with nan_tolerance 3: the run stops at step 4. A
 * finite step in between would reset the count (steps 1 and 5+ are fine). */
static void test_stops_after_nan_tolerance(void **state)
{
    (void)state;
    toy m;
    toy_init(&m);
    source s = {.limit = 0, .poison_from = 1, .poison_to = 4, .poison_tok = POISON_LOSS};
    ring *r = new_ring();
    trainer_config c = trainer_defaults();
    c.learning_rate = 0.01;
    trainer_status st = run_to_end(&c, &m, &s, r);
    assert_int_equal(st.state, TRAINER_FAILED);
    assert_int_equal(st.step, 4);
    assert_int_equal(st.skipped, 3);
    assert_non_null(strstr(st.message, "3 consecutive steps"));
    assert_int_equal(st.end, TRAINER_END_NONFINITE);
    for (int j = 0; j < 4; j++)
        assert_true(isfinite(m.w[j]));
    char last[TEXT_MAX];
    assert_int_equal(drain_count(r, RING_EVENT, last), 4);
    assert_non_null(strstr(last, "non-finite"));

    toy m2;
    toy_init(&m2);
    source s2 = {.limit = 8, .poison_from = 1, .poison_to = 3, .poison_tok = POISON_LOSS};
    st = run_to_end(&c, &m2, &s2, r);
    assert_int_equal(st.state, TRAINER_FINISHED);
    assert_int_equal(st.skipped, 2);
    ring_free(r);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A resumed run counts on from the checkpoint's trailing skips: with two
 * pending, one more non-finite step reaches nan_tolerance 3. The status
 * reports the trailing run, which a finite step resets. */
static void test_restored_skip_count(void **state)
{
    (void)state;
    char err[256];
    toy m;
    toy_init(&m);
    source s = {.limit = 0, .poison_from = 0, .poison_to = 1, .poison_tok = POISON_LOSS};
    ring *r = new_ring();
    trainer_config c = trainer_defaults();
    c.learning_rate = 0.01;
    trainer_model tm = toy_model(&m);
    trainer_source ts = {&s, src_next};
    trainer *t = trainer_new(&c, &tm, &ts, r, err, sizeof err);
    assert_non_null(t);
    trainer_restore_step(t, 10, 2, 2);
    assert_int_equal(trainer_start(t, err, sizeof err), 0);
    trainer_join(t);
    trainer_status st;
    trainer_get_status(t, &st);
    trainer_free(t);
    assert_int_equal(st.state, TRAINER_FAILED);
    assert_int_equal(st.step, 11);
    assert_int_equal(st.skipped, 3);
    assert_int_equal(st.consecutive_skipped, 3);

    toy m2;
    toy_init(&m2);
    source s2 = {.limit = 4, .poison_from = 3, .poison_to = 4, .poison_tok = POISON_LOSS};
    st = run_to_end(&c, &m2, &s2, r);
    assert_int_equal(st.state, TRAINER_FINISHED);
    assert_int_equal(st.consecutive_skipped, 1);
    source s3 = {.limit = 4, .poison_from = 1, .poison_to = 2, .poison_tok = POISON_LOSS};
    st = run_to_end(&c, &m2, &s3, r);
    assert_int_equal(st.consecutive_skipped, 0);
    ring_free(r);
}

static void slow_hook(void *ctx, int64_t step)
{
    (void)ctx, (void)step;
    sleep_ms(60);
}

/* Work in the step hook (evaluation, checkpoints) is outside every step's
 * tokens/s, though inside the elapsed time. */
static void test_hook_time_not_in_throughput(void **state)
{
    (void)state;
    char err[256];
    toy m;
    toy_init(&m);
    source s = {.limit = 4};
    ring *r = new_ring();
    trainer_config c = sgd_config();
    trainer_model tm = toy_model(&m);
    trainer_source ts = {&s, src_next};
    trainer *t = trainer_new(&c, &tm, &ts, r, err, sizeof err);
    assert_non_null(t);
    trainer_set_step_hook(t, slow_hook, NULL);
    assert_int_equal(trainer_start(t, err, sizeof err), 0);
    trainer_join(t);
    trainer_free(t);
    ring_record rec;
    int steps = 0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_STEP) {
            steps++;
            /* NB*NT tokens in well under the hook's 60 ms */
            assert_true(rec.tokens_per_s > NB * NT / 0.03);
            assert_true(rec.elapsed_s > 0.055 * (double)(rec.step - 1));
        }
        ring_record_clear(&rec);
    }
    assert_int_equal(steps, 4);
    ring_free(r);
}

static trainer_status wait_for(trainer *t, trainer_state want)
{
    trainer_status st;
    for (int i = 0; i < 5000; i++) {
        trainer_get_status(t, &st);
        if (st.state == want)
            return st;
        sleep_ms(1);
    }
    fail_msg("the trainer never reached state %d (it is in %d)", (int)want, (int)st.state);
    return st;
}

static int64_t wait_steps_past(trainer *t, int64_t step)
{
    trainer_status st;
    for (int i = 0; i < 5000; i++) {
        trainer_get_status(t, &st);
        if (st.step > step)
            return st.step;
        sleep_ms(1);
    }
    fail_msg("the trainer made no progress past step %lld", (long long)step);
    return -1;
}

/* A step hook that keeps the steps slow enough for the ring to hold every
 * record of the control test. */
static void pace_hook(void *ctx, int64_t step)
{
    (void)ctx, (void)step;
    sleep_ms(1);
}

static void test_control_from_another_thread(void **state)
{
    (void)state;
    toy m;
    toy_init(&m);
    source s = {.limit = 0};
    ring *r = new_ring();
    trainer_config c = sgd_config();
    c.learning_rate = 1e-4;
    char err[256];
    trainer_model tm = toy_model(&m);
    trainer_source ts = {&s, src_next};
    trainer *t = trainer_new(&c, &tm, &ts, r, err, sizeof err);
    assert_non_null(t);
    trainer_set_step_hook(t, pace_hook, NULL);
    assert_int_equal(trainer_start(t, err, sizeof err), 0);
    assert_int_equal(trainer_start(t, err, sizeof err), -1);
    wait_steps_past(t, 3);
    trainer_pause(t);
    trainer_status st = wait_for(t, TRAINER_PAUSED);
    int calls = atomic_load(&m.calls);
    sleep_ms(20);
    assert_int_equal(atomic_load(&m.calls), calls);
    trainer_get_status(t, &st);
    int64_t paused_at = st.step;
    trainer_set_lr_multiplier(t, 0.5);
    trainer_set_lr_multiplier(t, -1.0);
    trainer_set_lr_multiplier(t, NAN);
    uint32_t codes[16];
    assert_int_equal(drain_codes(r, codes), 1);
    assert_int_equal(codes[0], TRAINER_EVENT_PAUSED);
    trainer_resume(t);
    wait_steps_past(t, paused_at + 2);
    trainer_stop(t);
    trainer_join(t);
    trainer_get_status(t, &st);
    assert_int_equal(st.state, TRAINER_STOPPED);
    assert_true(st.lr_multiplier == 0.5);
    ring_record rec;
    int after = 0, events = 0;
    uint32_t want[] = {TRAINER_EVENT_CONTINUED, TRAINER_EVENT_LR, TRAINER_EVENT_END};
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_STEP) {
            assert_true(rec.step > paused_at);
            assert_true(fabs(rec.lr - 0.5e-4) < 1e-15);
            after++;
        } else if (rec.kind == RING_EVENT) {
            assert_true(events < 3);
            assert_int_equal(rec.code, want[events]);
            if (rec.code == TRAINER_EVENT_LR)
                assert_int_equal(rec.step, paused_at + 1);
            events++;
        }
        ring_record_clear(&rec);
    }
    assert_true(after >= 2);
    assert_int_equal(ring_dropped(r), 0);
    assert_int_equal(events, 3);
    trainer_free(t);
    ring_free(r);
}

typedef struct {
    trainer *t;
    atomic_int hook_calls, end_calls;
    _Atomic int64_t hook_step;
} hooks;

static void count_hook(void *ctx, int64_t step)
{
    hooks *h = ctx;
    atomic_fetch_add(&h->hook_calls, 1);
    atomic_store(&h->hook_step, step);
}

static void count_end(void *ctx)
{
    hooks *h = ctx;
    trainer_status st;
    trainer_get_status(h->t, &st);
    assert_int_equal(st.end, TRAINER_END_STOP);
    atomic_fetch_add(&h->end_calls, 1);
}

/* trainer_call_hook on a paused trainer: the hook runs at once, for the
 * steps done, and no step is taken; the end hook runs once and the trainer
 * publishes no end event of its own. */
static void test_hook_calls_while_paused(void **state)
{
    (void)state;
    toy m;
    toy_init(&m);
    source s = {.limit = 0};
    ring *r = new_ring();
    trainer_config c = sgd_config();
    c.learning_rate = 1e-4;
    char err[256];
    trainer_model tm = toy_model(&m);
    trainer_source ts = {&s, src_next};
    hooks h = {0};
    trainer *t = h.t = trainer_new(&c, &tm, &ts, r, err, sizeof err);
    assert_non_null(t);
    trainer_set_step_hook(t, count_hook, &h);
    trainer_set_end_hook(t, count_end, &h);
    trainer_pause(t);
    assert_int_equal(trainer_start(t, err, sizeof err), 0);
    wait_for(t, TRAINER_PAUSED);
    trainer_call_hook(t);
    for (int i = 0; i < 5000 && atomic_load(&h.hook_calls) == 0; i++)
        sleep_ms(1);
    assert_int_equal(atomic_load(&h.hook_calls), 1);
    assert_int_equal(atomic_load(&h.hook_step), 0);
    trainer_status st;
    trainer_get_status(t, &st);
    assert_int_equal(st.state, TRAINER_PAUSED);
    assert_int_equal(st.step, 0);
    trainer_stop(t);
    trainer_join(t);
    assert_int_equal(atomic_load(&h.end_calls), 1);
    uint32_t codes[16];
    assert_int_equal(drain_codes(r, codes), 1);
    assert_int_equal(codes[0], TRAINER_EVENT_PAUSED);
    trainer_free(t);
    ring_free(r);
}

static void test_rejects_bad_config(void **state)
{
    (void)state;
    toy m;
    toy_init(&m);
    source s = {0};
    ring *r = new_ring();
    trainer_model tm = toy_model(&m);
    trainer_source ts = {&s, src_next};
    char err[256];
    trainer_config c = sgd_config();
    c.grad_accum = 0;
    assert_null(trainer_new(&c, &tm, &ts, r, err, sizeof err));
    assert_non_null(strstr(err, "gradient_accumulation_steps"));
    c = sgd_config();
    c.nan_tolerance = 0;
    assert_null(trainer_new(&c, &tm, &ts, r, err, sizeof err));
    c = sgd_config();
    c.learning_rate = NAN;
    assert_null(trainer_new(&c, &tm, &ts, r, err, sizeof err));
    c = sgd_config();
    c.schedule.kind = SCHED_COSINE;
    assert_null(trainer_new(&c, &tm, &ts, r, err, sizeof err));
    assert_non_null(strstr(err, "total number of steps"));
    ring_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_to_max_steps_and_learns),
        cmocka_unit_test(test_accumulation_is_token_weighted),
        cmocka_unit_test(test_nonfinite_loss_is_skipped),
        cmocka_unit_test(test_nonfinite_grad_is_skipped),
        cmocka_unit_test(test_stops_after_nan_tolerance),
        cmocka_unit_test(test_restored_skip_count),
        cmocka_unit_test(test_hook_time_not_in_throughput),
        cmocka_unit_test(test_control_from_another_thread),
        cmocka_unit_test(test_hook_calls_while_paused),
        cmocka_unit_test(test_rejects_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
