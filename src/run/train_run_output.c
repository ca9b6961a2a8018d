/* train_run_output.c - the end of a `lathe train` run (finished, stopped by
 * Ctrl-C, or failed): a final checkpoint (always after Ctrl-C; its failure
 * fails the run), a final evaluation, the adapter or model (with
 * load_best_model_at_end, the best evaluation's weights: summary.json
 * output_step) and summary.json. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter.h"
#include "clock.h"
#include "train_ckpt.h"
#include "train_run.h"

/* ------------------------------------------------------------ outputs */

static int save_adapter(train_run *r)
{
    const train_config *c = &r->cfg;
    adapter ad = {0};
    char *dir = run_dir_file(&r->rd, "adapter"), *gg = run_dir_file(&r->rd, "adapter/adapter.gguf");
    int rc = dir && gg ? 0 : -1;
    if (rc)
        snprintf(r->err, sizeof r->err, "out of memory");
    rc = rc ? rc : adapter_from_model(&ad, r->mf.m, (float)c->lora_alpha, c->peft_use_rslora,
                                      (float)c->lora_dropout, r->err, sizeof r->err);
    if (!rc)
        snprintf(ad.base_model, sizeof ad.base_model, "%s", c->base_model);
    rc = rc ? rc : adapter_peft_write(&ad, dir, r->err, sizeof r->err);
    rc = rc ? rc : adapter_gguf_write(&ad, gg, GGML_TYPE_F32, r->err, sizeof r->err);
    adapter_free(&ad);
    free(dir);
    free(gg);
    return rc;
}

static int save_model(train_run *r)
{
    char *path = run_dir_file(&r->rd, "model.gguf");
    if (!path) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    int rc = r->mf.src == MODEL_SRC_GGUF
                 ? model_save_gguf(r->mf.m, r->mf.gguf, path, GGML_TYPE_F32, r->err,
                                   sizeof r->err)
                 : model_save_gguf_hf(r->mf.m, r->cfg.base_model, path, GGML_TYPE_F32, NULL,
                                      r->err, sizeof r->err);
    free(path);
    return rc;
}

/* Evaluates the final weights, unless the step hook already did. */
static int final_eval(train_run *r, int64_t step)
{
    bool done = r->eval.every > 0 && step % r->eval.every == 0;
    if (r->pipe.val.n == 0 || step == 0 || done)
        return 0;
    double loss;
    if (train_eval_loss(r->mf.m, &r->pipe.val, (size_t)r->cfg.micro_batch_size, r->pad, &loss,
                        r->err, sizeof r->err))
        return -1;
    return train_run_log_eval(r, step, loss);
}

/* load_best_model_at_end: puts the weights of the best evaluation's
 * checkpoint back unless the last weights are the best. Returns the step
 * whose weights the outputs hold, or -1 with err. */
static int64_t output_weights(train_run *r, int64_t step)
{
    if (!r->cfg.load_best_model_at_end || isnan(r->best_eval) || r->best_step == step)
        return step;
    if (train_ckpt_load_weights(r->rd.path, r->best_step, r->tm.params, r->tm.n_params, r->err,
                                sizeof r->err))
        return -1;
    char msg[128];
    snprintf(msg, sizeof msg, "loaded the best checkpoint (step %lld, eval loss %.6g)",
             (long long)r->best_step, r->best_eval);
    fprintf(stderr, "lathe train: %s\n", msg);
    return train_run_log_event(r, step, clock_s() - r->t0, msg) ? -1 : r->best_step;
}

static const char *state_name(trainer_state s)
{
    return s == TRAINER_FINISHED ? "finished" : s == TRAINER_STOPPED ? "stopped" : "failed";
}

static int write_summary(train_run *r, const trainer_status *st, double wall, int64_t out_step)
{
    json_t *o = json_pack("{ss ss sI sI sI sf sf}", "state", state_name(st->state), "message",
                          st->message, "steps", (json_int_t)st->step, "skipped_steps",
                          (json_int_t)st->skipped, "tokens", (json_int_t)r->tokens, "wall_s",
                          wall, "tokens_per_s", wall > 0 ? (double)r->tokens / wall : 0.0);
    if (!o) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    json_object_set_new(o, "final_loss",
                        st->step ? train_run_json_num(st->last_loss) : json_null());
    json_object_set_new(o, "best_eval_loss",
                        isnan(r->best_eval) ? json_null() : json_real(r->best_eval));
    json_object_set_new(o, "best_eval_step",
                        isnan(r->best_eval) ? json_null() : json_integer(r->best_step));
    json_object_set_new(o, "output", json_string(r->cfg.adapter == CONFIG_ADAPTER_LORA
                                                     ? "adapter/" : "model.gguf"));
    json_object_set_new(o, "output_step", out_step > 0 ? json_integer(out_step) : json_null());
    int rc = run_dir_write_json(&r->rd, "summary.json", o, r->err, sizeof r->err);
    json_decref(o);
    return rc;
}

int train_run_finish(train_run *r)
{
    trainer_status st;
    trainer_get_status(r->t, &st);
    double wall = clock_s() - r->t0;
    int rc = 0;
    bool lora = r->cfg.adapter == CONFIG_ADAPTER_LORA;
    bool final_save = r->cfg.save_steps != CONFIG_UNSET || st.state == TRAINER_STOPPED;
    if (st.step > 0 && final_save && st.step != r->last_saved) {
        char msg[640];
        rc = train_run_save_checkpoint(r, st.step, msg, sizeof msg);
        if (train_run_log_event(r, st.step, wall, msg) || rc) {
            snprintf(r->err, sizeof r->err, "%s", msg);
            rc = -1;
        }
    }
    int64_t out_step = -1;
    if (st.step > 0 && !rc && !final_eval(r, st.step))
        out_step = output_weights(r, st.step);
    if (st.step > 0)
        rc = out_step < 0 ? -1 : lora ? save_adapter(r) : save_model(r);
    if (st.step > 0 && !rc)
        rc = train_run_log_event(r, st.step, wall, lora ? "saved adapter/" : "saved model.gguf");
    rc = write_summary(r, &st, wall, rc ? -1 : out_step) ? -1 : rc;
    if (!rc && st.state == TRAINER_FAILED) {
        snprintf(r->err, sizeof r->err, "training failed: %s", st.message);
        rc = -1;
    }
    fprintf(stderr, "lathe train: %s after %lld steps (%s), %.1f s, %.0f tokens/s; run in %s\n",
            state_name(st.state), (long long)st.step, st.message, wall,
            wall > 0 ? (double)r->tokens / wall : 0.0, r->rd.path);
    return rc;
}
