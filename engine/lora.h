/* lora.h - a LoRA adapter on one linear layer: A [r][in] kaiming-uniform,
 * B [out][r] zero, scale alpha/r (or alpha/sqrt(r) for rsLoRA), inverted
 * dropout on the adapter's input with reproducible per-element masks. */
#ifndef LATHE_LORA_H
#define LATHE_LORA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int r, in, out;
    float scale;
    float dropout;
    uint64_t key;           /* init and dropout stream of this adapter */
    float *a, *b;           /* [r][in], [out][r] */
    float *ga, *gb;
} lora_adapter;

/* Floats of A and B together (and of their gradients together). */
size_t lora_floats(int in, int out, int r);

lora_adapter *lora_new(int in, int out, int r, float alpha, bool rslora, float dropout,
                       uint64_t key);
void lora_free(lora_adapter *l);
/* w [out][in] += scale * B A */
void lora_merge_into(const lora_adapter *l, float *w);
/* xd = dropout(x) for n rows at training step `step`; mask-and-rescale only
 * (also used on the backward input-grad term). */
void lora_dropout(const lora_adapter *l, uint64_t step, const float *x, float *xd, int n);
/* y += scale * B A x for one row, U taking A x (r floats): how inference
 * applies an adapter, decoding or prefilling, so that a row's result does
 * not depend on which (a quantized base's next layer requantizes it). */
void lora_apply_row(const lora_adapter *l, const float *x, float *u, float *y);

#endif
