/* train_bind.c - the decoder seen through the trainer's model interface. */
#include "train_bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bind_accumulate(void *ctx, const trainer_batch *tb, double loss_norm, double *loss,
                           char *err, size_t errlen)
{
    train_bind *b = ctx;
    model_batch mb = {tb->B, tb->T, tb->tokens, tb->targets, tb->weights, tb->doc, loss_norm};
    return model_forward_backward(b->m, &mb, loss, NULL, err, errlen);
}

static void bind_begin_step(void *ctx, int64_t step)
{
    train_bind *b = ctx;
    model_set_step(b->m, (uint64_t)step);
}

int train_bind_model(train_bind *b, model *m, trainer_model *out, char *err, size_t errlen)
{
    int n = 0;
    const model_param *mp = model_params(m, &n);
    memset(b, 0, sizeof *b);
    b->m = m;
    b->params = calloc(n > 0 ? (size_t)n : 1, sizeof *b->params);
    if (!b->params) {
        snprintf(err, errlen, "out of memory for %d trainable tensors", n);
        return -1;
    }
    for (int i = 0; i < n; i++)
        b->params[i] = (optim_param){mp[i].name, mp[i].data, mp[i].grad, mp[i].n, mp[i].decay};
    b->n_params = (size_t)n;
    *out = (trainer_model){b, b->params, b->n_params, bind_accumulate, bind_begin_step,
                           model_pool(m)};
    return 0;
}

void train_bind_free(train_bind *b)
{
    free(b->params);
    b->params = NULL;
    b->n_params = 0;
}
