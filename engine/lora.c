/* lora.c - LoRA adapter storage, PEFT-compatible init, merge into the base
 * weight, and the counter-based dropout mask shared by forward and backward. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lora.h"
#include "prng.h"
#include "vec.h"

size_t lora_floats(int in, int out, int r)
{
    return (size_t)r * (size_t)in + (size_t)out * (size_t)r;
}

lora_adapter *lora_new(int in, int out, int r, float alpha, bool rslora, float dropout,
                       uint64_t key)
{
    lora_adapter *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->r = r;
    l->in = in;
    l->out = out;
    l->scale = rslora ? alpha / sqrtf((float)r) : alpha / (float)r;
    l->dropout = dropout;
    l->key = key;
    size_t na = (size_t)r * in, nb = (size_t)out * r;
    l->a = malloc(na * sizeof *l->a);
    l->b = calloc(nb, sizeof *l->b);
    l->ga = calloc(na, sizeof *l->ga);
    l->gb = calloc(nb, sizeof *l->gb);
    if (!l->a || !l->b || !l->ga || !l->gb) {
        lora_free(l);
        return NULL;
    }
    /* kaiming_uniform_(a=sqrt(5)): gain sqrt(2/(1+5)), bound gain*sqrt(3/in) = 1/sqrt(in) */
    float bound = 1.0f / sqrtf((float)in);
    for (size_t i = 0; i < na; i++)
        l->a[i] = (2.0f * prng_uniform(prng_mix(key) + i) - 1.0f) * bound;
    return l;
}

void lora_free(lora_adapter *l)
{
    if (!l)
        return;
    free(l->a);
    free(l->b);
    free(l->ga);
    free(l->gb);
    free(l);
}

void lora_merge_into(const lora_adapter *l, float *w)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->out, l->in, l->r, l->scale,
                l->b, l->r, l->a, l->in, 1.0f, w, l->in);
}

void lora_dropout(const lora_adapter *l, uint64_t step, const float *x, float *xd, int n)
{
    size_t count = (size_t)n * l->in;
    if (l->dropout <= 0.0f) {
        memcpy(xd, x, count * sizeof *x);
        return;
    }
    uint64_t base = prng_mix(prng_mix(l->key ^ 0xd1b54a32d192ed03ull) + step);
    float keep = 1.0f / (1.0f - l->dropout);
    for (size_t i = 0; i < count; i++)
        xd[i] = prng_uniform(base + i) < l->dropout ? 0.0f : x[i] * keep;
}

void lora_apply_row(const lora_adapter *l, const float *x, float *u, float *y)
{
    for (int k = 0; k < l->r; k++)
        u[k] = vec_dot(l->a + (size_t)k * l->in, x, l->in);
    for (int i = 0; i < l->out; i++)
        y[i] += l->scale * vec_dot(l->b + (size_t)i * l->r, u, l->r);
}
