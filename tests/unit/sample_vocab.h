/* sample_vocab.h - the sample vocabulary (samples/data/vocab.gguf: a
 * byte-level BPE with a ChatML template) loaded once per test program by
 * the cmocka group setup, together with the program's temporary directory
 * (testdir.h). */
#ifndef LATHE_SAMPLE_VOCAB_H
#define LATHE_SAMPLE_VOCAB_H

#include "tok.h"

extern tok_vocab *sample_vocab;
extern char *sample_vocab_template;   /* its chat template */
extern char sample_vocab_path[4096];  /* absolute: configs may live elsewhere */

int sample_vocab_setup(void **state);
int sample_vocab_teardown(void **state);

#endif
