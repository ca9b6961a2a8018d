/* sample_vocab.c - the tests' sample vocabulary; see sample_vocab.h. */
#include "sample_vocab.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "testdir.h"

tok_vocab *sample_vocab;
char *sample_vocab_template;
char sample_vocab_path[4096];

int sample_vocab_setup(void **state)
{
    const char *src = getenv("LATHE_SRCDIR");
    char err[256], rel[4096];
    snprintf(rel, sizeof rel, "%s/samples/data/vocab.gguf", src ? src : ".");
    if (!realpath(rel, sample_vocab_path))
        return -1;
    sample_vocab = tok_vocab_load(sample_vocab_path, &sample_vocab_template, err, sizeof err);
    if (!sample_vocab) {
        fprintf(stderr, "# %s\n", err);
        return -1;
    }
    return testdir_setup(state);
}

int sample_vocab_teardown(void **state)
{
    tok_vocab_free(sample_vocab);
    free(sample_vocab_template);
    return testdir_teardown(state);
}
