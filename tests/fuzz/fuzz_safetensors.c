/* fuzz_safetensors.c - libFuzzer target for the safetensors reader: any input
 * is rejected with a message or yields tensors that lie inside the input and
 * convert without reading past it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    st_file *f = st_open_mem(data, size, "fuzz", err, sizeof err);
    if (!f)
        return 0;
    for (size_t i = 0; i < st_n_tensors(f); i++) {
        const st_tensor *t = st_tensor_at(f, i);
        const uint8_t *p = t->data;
        if (p < data || p + (t->end - t->begin) > data + size || st_find(f, t->name) != t)
            abort();
        if (t->n_elems > 0 && t->n_elems <= 65536) {
            float *out = malloc((size_t)t->n_elems * sizeof *out);
            if (out)
                st_to_f32(t, out);
            free(out);
        }
    }
    const char *k, *v;
    for (size_t i = 0; st_metadata_at(f, i, &k, &v); i++)
        if (st_metadata(f, k) == NULL)
            abort();
    st_close(f);
    return 0;
}
