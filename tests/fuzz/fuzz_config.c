/* fuzz_config.c - libFuzzer target for the training-config loader: any bytes
 * as a config file must load or fail with diagnostics, never crash. The file
 * lives in a private temp directory so relative dataset paths stay inside it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config_diag.h"
#include "train_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        char dir[] = "/tmp/lathe-fuzz-config-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/c.yaml", dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    train_config cfg;
    config_diags diags;
    config_diags_init(&diags);
    train_config_load(&cfg, path, NULL, 0, &diags);
    train_config_free(&cfg);
    return 0;
}
