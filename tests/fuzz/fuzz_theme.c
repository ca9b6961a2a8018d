/* fuzz_theme.c - libFuzzer target for the theme-file parser: any bytes parse
 * or fail with a located message, never crash. */
#include <stdint.h>
#include <string.h>

#include "theme_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    theme_def def;
    char err[512];
    memset(&def, 0, sizeof def);
    theme_file_parse("fuzz.yaml", (const char *)data, size, &def, err, sizeof err);
    return 0;
}
