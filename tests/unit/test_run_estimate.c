/* test_run_estimate.c - the run estimate (run_estimate.h) on the sample
 * configs against what a run really does: the parameter counts of the
 * loaded model, the pipeline's counts and the step arithmetic of
 * train_setup, the activation part against a real model's arena after the
 * widest batch; every warning with its cause; and the measurement
 * (run_measure.h): real steps timed, progress from another thread, cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_load.h"
#include "run_estimate.h"
#include "run_measure.h"
#include "train_setup.h"

static char src_dir[PATH_MAX];

typedef struct {
    train_config cfg;
    run_estimate e;
} fixture;

/* The estimate of sample NAME with SETS ("KEY=VALUE") applied. */
static fixture *estimate(const char *name, char **sets, size_t n_sets)
{
    char path[PATH_MAX + 64], err[1024];
    snprintf(path, sizeof path, "%s/samples/%s", src_dir, name);
    fixture *f = calloc(1, sizeof *f);
    config_diags d;
    if (train_config_load(&f->cfg, path, sets, n_sets, &d) < 0) {
        config_diags_print(&d, stderr);
        fail_msg("%s does not load", name);
    }
    if (run_estimate_build(&f->e, &f->cfg, NULL, NULL, err, sizeof err) < 0)
        fail_msg("estimate of %s: %s", name, err);
    return f;
}

static void release(fixture *f)
{
    run_estimate_free(&f->e);
    train_config_free(&f->cfg);
    free(f);
}

static bool warned(const run_estimate *e, const char *key)
{
    for (size_t i = 0; i < e->n_warnings; i++)
        if (!strcmp(e->warnings[i].key, key))
            return true;
    return false;
}

/* Counts and steps agree with the model and train_setup's arithmetic. */
static void check_against_model(const char *name)
{
    fixture *f = estimate(name, NULL, 0);
    const run_estimate *e = &f->e;
    char err[512];
    model_file mf;
    model_train_spec spec;
    assert_int_equal(train_setup_spec(&f->cfg, &spec, err, sizeof err), 0);
    assert_int_equal(model_file_load(&mf, f->cfg.base_model, false, err, sizeof err), 0);
    assert_int_equal(model_set_training(mf.m, &spec, err, sizeof err), 0);
    assert_int_equal(e->trainable, model_n_trainable(mf.m));
    model_memory mm = model_get_memory(mf.m);
    const run_est_part *w = run_estimate_part(e, "weights"), *l = run_estimate_part(e, "lora");
    assert_int_equal(w->bytes + l->bytes, mm.weights);
    assert_int_equal(run_estimate_part(e, "gradients")->bytes, mm.grads);
    model_file_close(&mf);
    size_t n = e->pipe.train.n;
    assert_int_equal(e->train.sequences, n);
    assert_int_equal(e->total_steps, train_setup_total_steps(&f->cfg, n));
    assert_int_equal(e->epochs, train_setup_epochs(&f->cfg, n));
    assert_int_equal(e->widest_batch, (int)e->longest);
    /* every epoch's batches are walked: positions at least the tokens */
    assert_true(e->run_tokens >= e->train.tokens * (uint64_t)e->epochs);
    uint64_t sum = 0;
    for (size_t i = 0; i < e->n_parts; i++)
        sum += e->parts[i].bytes;
    assert_int_equal(sum, e->train_peak);
    assert_true(e->peak >= e->train_peak && e->peak >= e->load_peak);
    release(f);
}

static void test_against_model(void **state)
{
    (void)state;
    check_against_model("lora.yaml");
    check_against_model("full.yaml");
}

static void test_sample_lora_figures(void **state)
{
    (void)state;
    fixture *f = estimate("lora.yaml", NULL, 0);
    const run_estimate *e = &f->e;
    assert_string_equal(e->method, "lora");
    assert_int_equal(e->steps_per_epoch, (int64_t)((e->pipe.train.n + 3) / 4));
    /* eval_steps 50 over 352 steps: 7, and the final one */
    assert_int_equal(e->total_steps, 352);
    assert_int_equal(e->evals, 8);
    assert_true(e->eval_tokens >= e->val.tokens);
    assert_int_equal(run_estimate_part(e, "optimizer")->bytes, 2 * e->trainable * 4);
    assert_int_equal(run_estimate_part(e, "model_file")->bytes, e->reclaimable);
    assert_true(run_estimate_part(e, "activations")->bytes > 50u << 20);
    assert_true(warned(e, "learning_rate"));  /* 0.004 is high for LoRA */
    assert_false(warned(e, "evaluation"));
    assert_false(warned(e, "warmup"));
    release(f);
}

/* Checkpointing keeps one block's activations instead of every block's. */
static void test_checkpointing_shrinks(void **state)
{
    (void)state;
    char *on[] = {"gradient_checkpointing=true"};
    fixture *a = estimate("lora.yaml", NULL, 0), *b = estimate("lora.yaml", on, 1);
    uint64_t x = run_estimate_part(&a->e, "activations")->bytes;
    uint64_t y = run_estimate_part(&b->e, "activations")->bytes;
    assert_true(y < x / 2);
    release(a);
    release(b);
}

/* The sample model is F16: with load_in_4bit its linear weights stay F16,
 * read from the mapped file every step (so those pages are not reclaimable),
 * and only the rest is held in fp32. */
static void test_quantized_base(void **state)
{
    (void)state;
    char *q4[] = {"load_in_4bit=true"};
    fixture *a = estimate("lora.yaml", NULL, 0), *b = estimate("lora.yaml", q4, 1);
    uint64_t fp32 = run_estimate_part(&a->e, "weights")->bytes;
    assert_true(run_estimate_part(&b->e, "weights")->bytes < fp32 / 2);
    assert_int_equal(run_estimate_part(&b->e, "weights_quantized")->bytes, 0);
    assert_int_equal(b->e.reclaimable, 0);
    assert_true(a->e.reclaimable > 0);
    release(a);
    release(b);
}

static void test_warnings(void **state)
{
    (void)state;
    char *warm[] = {"warmup_steps=100", "max_steps=200"};
    char *noval[] = {"test_datasets=[]"};
    char *cut[] = {"sequence_len=24", "sample_packing=false"};
    char *alpha[] = {"lora_r=64", "lora_alpha=4"};
    char *fine[] = {"learning_rate=2.0e-4", "lora_r=8", "lora_alpha=16"};
    fixture *f = estimate("lora.yaml", warm, 2);
    assert_true(warned(&f->e, "warmup"));
    release(f);
    f = estimate("lora.yaml", noval, 1);
    assert_true(warned(&f->e, "evaluation"));
    assert_int_equal(f->e.evals, 0);
    release(f);
    f = estimate("lora.yaml", cut, 2);
    assert_true(warned(&f->e, "sequence_len"));
    assert_true(f->e.truncated_share > 0.05);
    release(f);
    f = estimate("lora.yaml", alpha, 2);
    assert_true(warned(&f->e, "lora_alpha"));
    release(f);
    f = estimate("lora.yaml", fine, 3);
    assert_false(warned(&f->e, "learning_rate"));
    assert_false(warned(&f->e, "lora_alpha"));
    release(f);
    f = estimate("full.yaml", NULL, 0);
    assert_true(warned(&f->e, "learning_rate"));  /* 0.001 is high for full fine-tuning */
    release(f);
}

static void test_bad_data(void **state)
{
    (void)state;
    char path[PATH_MAX + 64], err[1024];
    snprintf(path, sizeof path, "%s/samples/lora.yaml", src_dir);
    train_config cfg;
    config_diags d;
    assert_int_equal(train_config_load(&cfg, path, NULL, 0, &d), 0);
    free(cfg.datasets.items[0].path);
    cfg.datasets.items[0].path = strdup("/nonexistent/train.jsonl");
    run_estimate e;
    assert_int_equal(run_estimate_build(&e, &cfg, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/train.jsonl"));
    run_estimate_free(&e);
    train_config_free(&cfg);
}

static void test_measure(void **state)
{
    (void)state;
    char *sets[] = {"threads=1"};
    fixture *f = estimate("lora.yaml", sets, 1);
    char err[512];
    run_measure *m = run_measure_start(&f->e, 3, err, sizeof err);
    assert_non_null(m);
    run_measure_progress p;
    int seen_max = 0;
    do {
        nanosleep(&(struct timespec){0, 5000000}, NULL);
        run_measure_get_progress(m, &p);
        assert_true(p.steps_done >= seen_max);  /* progress only moves forward */
        seen_max = p.steps_done;
        assert_int_equal(p.steps, 3);
    } while (p.state == RUN_MEASURE_LOADING || p.state == RUN_MEASURE_STEPPING);
    run_measure_result r;
    if (run_measure_finish(m, &r, err, sizeof err) < 0)
        fail_msg("measure: %s", err);
    assert_int_equal(r.steps, 3);
    assert_true(r.first_step_s > 0 && r.step_s > 0 && r.token_s > 0);
    assert_true(r.eval_s > 0);
    assert_true(isfinite(r.first_loss));
    assert_int_equal(r.nonfinite, 0);
    /* the run is extrapolated over all its positions, evaluations included */
    assert_true(r.train_s >= r.token_s * (double)f->e.run_tokens);
    release(f);
}

static void test_measure_cancel(void **state)
{
    (void)state;
    char *sets[] = {"threads=1"};
    fixture *f = estimate("lora.yaml", sets, 1);
    char err[512];
    run_measure *m = run_measure_start(&f->e, 1000, err, sizeof err);
    assert_non_null(m);
    run_measure_progress p;
    do {
        nanosleep(&(struct timespec){0, 5000000}, NULL);
        run_measure_get_progress(m, &p);
    } while (p.steps_done < 1 && p.state != RUN_MEASURE_FAILED);
    run_measure_cancel(m);
    run_measure_result r;
    assert_int_equal(run_measure_finish(m, &r, err, sizeof err), -1);
    assert_string_equal(err, "cancelled");
    release(f);
}

int main(void)
{
    const char *src = getenv("LATHE_SRCDIR");
    if (!realpath(src ? src : ".", src_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_sample_lora_figures),
        cmocka_unit_test(test_checkpointing_shrinks),
        cmocka_unit_test(test_quantized_base),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_measure_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
