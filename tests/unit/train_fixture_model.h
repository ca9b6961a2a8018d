/* train_fixture_model.h - the base model the training tests train: a tiny
 * random llama (2 layers, dim 32) whose tokenizer and chat template are
 * those of a vocabulary GGUF (samples/data/vocab.gguf). */
#ifndef LATHE_TRAIN_FIXTURE_MODEL_H
#define LATHE_TRAIN_FIXTURE_MODEL_H

#include <stddef.h>

/* Writes it to OUT. -1 with err. */
int train_fixture_write(const char *vocab_gguf, const char *out, char *err, size_t errlen);

#endif
