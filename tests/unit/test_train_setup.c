/* test_train_setup.c - config to engine settings for `lathe train`: the step
 * count from max_steps or epochs (with accumulation and a short last batch),
 * the epochs a max_steps run needs from the data, the training mode each
 * config asks for, and the optimizer/schedule fields the trainer gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_setup.h"

static train_config defaults(void)
{
    train_config c;
    assert_int_equal(train_config_defaults(&c), 0);
    c.learning_rate = 1e-3;
    return c;
}

static void test_steps_from_epochs(void **state)
{
    (void)state;
    train_config c = defaults();
    c.micro_batch_size = 4;
    c.num_epochs = 3;
    c.gradient_accumulation_steps = 2;
    /* 10 sequences: 3 micro-batches an epoch (the last holds 2), 9 in all,
     * 5 optimizer steps (the last takes the one micro-batch left). */
    assert_int_equal(train_setup_batches_per_epoch(&c, 10), 3);
    assert_int_equal(train_setup_total_steps(&c, 10), 5);
    assert_int_equal(train_setup_epochs(&c, 10), 3);
    train_config_free(&c);
}

static void test_max_steps_wins(void **state)
{
    (void)state;
    train_config c = defaults();
    c.micro_batch_size = 2;
    c.max_steps = 7;
    c.gradient_accumulation_steps = 3;
    /* 21 micro-batches from 5 an epoch (9 sequences): 5 epochs. */
    assert_int_equal(train_setup_total_steps(&c, 9), 7);
    assert_int_equal(train_setup_epochs(&c, 9), 5);
    c.max_steps = 1;
    c.gradient_accumulation_steps = 1;
    assert_int_equal(train_setup_epochs(&c, 9), 1);
    train_config_free(&c);
}

static void test_lora_spec(void **state)
{
    (void)state;
    train_config c = defaults();
    c.adapter = CONFIG_ADAPTER_LORA;
    c.lora_r = 16;
    c.lora_alpha = 32;
    c.lora_dropout = 0.05;
    c.peft_use_rslora = true;
    char err[256] = "";
    model_train_spec s;
    assert_int_equal(train_setup_spec(&c, &s, err, sizeof err), 0);
    assert_int_equal(s.mode, MODEL_TRAIN_LORA);
    assert_int_equal(s.modules, MODEL_MOD_Q | MODEL_MOD_V);  /* the default [q_proj, v_proj] */
    assert_int_equal(s.lora_r, 16);
    assert_true(s.lora_alpha == 32.0f && s.rslora && fabsf(s.lora_dropout - 0.05f) < 1e-7f);
    assert_int_equal(s.lora_seed, (uint64_t)c.seed);
    c.lora_target_linear = true;
    assert_int_equal(train_setup_spec(&c, &s, err, sizeof err), 0);
    assert_int_equal(s.modules, MODEL_MOD_LINEAR);
    c.lora_target_linear = false;
    free(c.lora_target_modules.items[1]);
    c.lora_target_modules.items[1] = strdup("w_proj");
    assert_int_equal(train_setup_spec(&c, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown module 'w_proj'"));
    train_config_free(&c);
}

static void test_full_and_top(void **state)
{
    (void)state;
    train_config c = defaults();
    char err[256] = "";
    model_train_spec s;
    assert_int_equal(train_setup_spec(&c, &s, err, sizeof err), 0);
    assert_int_equal(s.mode, MODEL_TRAIN_FULL);
    c.unfrozen_layers = 2;
    assert_int_equal(train_setup_spec(&c, &s, err, sizeof err), 0);
    assert_int_equal(s.mode, MODEL_TRAIN_TOP);
    assert_int_equal(s.top_layers, 2);
    assert_true(s.train_head);
    c.load_in_4bit = true;
    assert_int_equal(train_setup_spec(&c, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "adapter: lora"));
    train_config_free(&c);
}

static void test_trainer_fields(void **state)
{
    (void)state;
    train_config c = defaults();
    c.optimizer = CONFIG_OPT_SGD;
    c.weight_decay = 0.1;
    c.lr_scheduler = CONFIG_SCHED_LINEAR;
    c.warmup_ratio = 0.25;
    c.max_grad_norm = 0.5;
    c.gradient_accumulation_steps = 4;
    c.nan_tolerance = 7;
    trainer_config t = train_setup_trainer(&c, 40);
    assert_int_equal(t.optim.kind, OPTIM_SGD);
    assert_true(t.optim.weight_decay == 0.1 && t.learning_rate == 1e-3);
    assert_int_equal(t.schedule.kind, SCHED_LINEAR);
    assert_int_equal(schedule_warmup_steps(&t.schedule), 10);
    assert_int_equal(t.schedule.total_steps, 40);
    assert_int_equal(t.max_steps, 40);
    assert_true(t.max_grad_norm == 0.5);
    assert_int_equal(t.grad_accum, 4);
    assert_int_equal(t.nan_tolerance, 7);
    c.warmup_ratio = NAN;
    c.warmup_steps = 3;
    t = train_setup_trainer(&c, 40);
    assert_int_equal(schedule_warmup_steps(&t.schedule), 3);
    train_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_from_epochs), cmocka_unit_test(test_max_steps_wins),
        cmocka_unit_test(test_lora_spec),         cmocka_unit_test(test_full_and_top),
        cmocka_unit_test(test_trainer_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
