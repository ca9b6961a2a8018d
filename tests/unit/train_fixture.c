/* train_fixture.c - writes the base model the shell tests of `lathe train`
 * train (train_fixture_model.h).
 * usage: train_fixture VOCAB.gguf OUT.gguf */
#include <stdio.h>

#include "train_fixture_model.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: train_fixture VOCAB.gguf OUT.gguf\n");
        return 2;
    }
    char err[512] = "";
    if (train_fixture_write(argv[1], argv[2], err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "train_fixture: %s\n", err);
    return 1;
}
