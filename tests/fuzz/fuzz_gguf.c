/* fuzz_gguf.c - libFuzzer target for the GGUF reader: any input must either be
 * rejected with a message or yield a file whose every value, tensor and
 * derived config can be read without touching memory outside the input, and
 * whose tensors' first rows decode and multiply in their blocks (every
 * weight type's dequantizer and integer kernel) within the tensor. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"
#include "quant_dot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch_kv(const gguf_kv *kv)
{
    const char *s;
    size_t len;
    int64_t i;
    double d;
    bool b;
    volatile size_t sink = 0;
    gguf_kv_int(kv, &i);
    gguf_kv_float(kv, &d);
    gguf_kv_bool(kv, &b);
    if (gguf_kv_str(kv, &s, &len) && len)
        sink += (unsigned char)s[len - 1];
    if (kv->type != GGUF_TYPE_ARRAY)
        return;
    for (uint64_t k = 0; k < kv->n && k < 4096; k++) {
        if (gguf_kv_arr_str(kv, k, &s, &len) && len)
            sink += (unsigned char)s[0] + (unsigned char)s[len - 1];
        gguf_kv_arr_int(kv, k, &i);
        gguf_kv_arr_float(kv, k, &d);
    }
    if (kv->arr_type != GGUF_TYPE_STRING && kv->n <= 4096) {
        float *f = malloc((size_t)(kv->n ? kv->n : 1) * sizeof *f);
        if (f && gguf_kv_arr_f32(kv, f) && kv->n)
            sink += f[kv->n - 1] > 0;
        free(f);
    }
    (void)sink;
}

static void touch_tensor(const gguf_tensor *t)
{
    volatile uint8_t sink = 0;
    if (t->nbytes) {
        sink ^= ((const uint8_t *)t->data)[0];
        sink ^= ((const uint8_t *)t->data)[t->nbytes - 1];
    }
    (void)sink;
    /* Dequantize the first row when it is small, and multiply it in its own
     * blocks against a one-row and a two-row activation. */
    if (quant_can_dequantize(t->type) && t->ne[0] > 0 && t->ne[0] <= 4096 && t->nbytes) {
        int k = (int)t->ne[0];
        float *row = malloc((size_t)k * 2 * sizeof *row), y[2];
        void *act = malloc(quant_act_bytes(2, k));
        if (row && quant_dequantize_rows(t->type, t->data, k, 0, 1, row) == 0 && act &&
            quant_dot_supported(t->type) && k % 32 == 0) {
            memcpy(row + k, row, (size_t)k * sizeof *row);
            quant_act a;
            size_t rb = ggml_row_bytes(t->type, k);
            quant_act_init(&a, act, row, 1, k);
            quant_dot_rows(t->type, t->data, rb, 0, 1, &a, y, 1);
            quant_act_init(&a, act, row, 2, k);
            quant_dot_rows(t->type, t->data, rb, 0, 1, &a, y, 1);
        }
        free(row);
        free(act);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    gguf_file *g = gguf_open_mem(data, size, "fuzz", err, sizeof err);
    if (!g)
        return 0;
    for (size_t i = 0; i < gguf_n_kv(g); i++) {
        const gguf_kv *kv = gguf_kv_at(g, i);
        touch_kv(kv);
        if (gguf_find_kv(g, kv->key) != kv)
            abort();
    }
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        touch_tensor(t);
        if (gguf_find_tensor(g, t->name) != t)
            abort();
    }
    model_config cfg;
    gguf_model_config(g, &cfg, err, sizeof err);
    gguf_close(g);
    return 0;
}
