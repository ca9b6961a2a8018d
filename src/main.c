/* main.c - lathe's entry point: everything else starts in cli_main. */
#include <locale.h>

#include "blas_env.h"
#include "cli.h"

int main(int argc, char **argv)
{
    blas_env_prepare(argv);
    setlocale(LC_ALL, "");
    return cli_main(argc, argv);
}
