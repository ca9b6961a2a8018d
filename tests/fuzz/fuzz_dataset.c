/* fuzz_dataset.c - libFuzzer target for the dataset layer: any bytes as a
 * JSONL/JSON-array (or gzip) file are indexed, format-detected, checked and
 * every record read, never crashing and, for plain text, never reporting a
 * record outside the file (gzip offsets are into the decompressed text).
 * Then the file shrinks under the open dataset (to a length the input's
 * last byte picks) and every record is read again: zeros past the new end,
 * no bus error, and the dataset says it changed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        char dir[] = "/tmp/lathe-fuzz-dataset-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/d.jsonl", dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    char err[256], why[256];
    dataset *ds = dataset_open(path, NULL, err, sizeof err);
    if (!ds)
        return 0;
    int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < dataset_count(ds); i++) {
            if (!gz && dataset_offset(ds, i) > size)
                abort();
            ds_record rec;
            dataset_get(ds, i, &rec, why, sizeof why);
            ds_record_clear(&rec);
        }
        size_t keep = size ? size * data[size - 1] / 256 : 0;
        if (pass == 0 && (keep == size || truncate(path, (off_t)keep) != 0))
            break;
        if (pass == 1 && !dataset_changed(ds, NULL, 0))
            abort();
    }
    dataset_free(ds);
    return 0;
}
