/* train_bind.h - binds the decoder (model.h) to the trainer (trainer.h): its
 * trainable tensors become the optimizer's parameter list and a trainer batch
 * becomes a model_batch whose loss is normalised by the step's token weight. */
#ifndef LATHE_TRAIN_BIND_H
#define LATHE_TRAIN_BIND_H

#include <stddef.h>

#include "model.h"
#include "trainer.h"

typedef struct {
    model *m;
    optim_param *params;
    size_t n_params;
} train_bind;

/* Fills *out to drive m; call after model_set_training and model_set_threads
 * (the parameter list and the pool are taken as they are now). Returns 0, or
 * -1 with a message in err. */
int train_bind_model(train_bind *b, model *m, trainer_model *out, char *err, size_t errlen);
void train_bind_free(train_bind *b);

#endif
