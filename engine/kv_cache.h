/* kv_cache.h - the keys and values an inference session keeps per layer and
 * position, and causal grouped-query attention of new query rows over them.
 * Keys are stored after RoPE, so each position is rotated exactly once. */
#ifndef LATHE_KV_CACHE_H
#define LATHE_KV_CACHE_H

#include <stddef.h>

#include "pool.h"

typedef struct {
    int n_layers, n_ctx;
    int n_heads, n_kv_heads, head_dim;
    float *k, *v;           /* [n_layers][n_kv_heads][n_ctx][head_dim] */
    float *scores;          /* [n_heads][n_ctx], attention scratch */
} kv_cache;

int kv_cache_init(kv_cache *c, int n_layers, int n_ctx, int n_heads, int n_kv_heads,
                  int head_dim, char *err, size_t errlen);
void kv_cache_free(kv_cache *c);
/* Bytes held by keys and values. */
size_t kv_cache_bytes(const kv_cache *c);
/* Keys (values) of K/V head KVH in layer LAYER, [n_ctx][head_dim]: a head's
 * positions are contiguous, so attention reads each head as one stream. */
float *kv_cache_keys(const kv_cache *c, int layer, int kvh);
float *kv_cache_values(const kv_cache *c, int layer, int kvh);
/* Stores N rows of keys K and values V ([n][n_kv_heads * head_dim], as a
 * projection writes them) of layer LAYER at positions POS..POS+N-1. */
void kv_cache_store(kv_cache *c, int layer, int pos, int n, const float *k, const float *v);
/* o[n][n_heads*head_dim] = softmax(q k^T / sqrt(head_dim)) v for query rows
 * q[n][n_heads*head_dim] at positions p0..p0+n-1, each seeing cached
 * positions 0..its own. Query head h reads kv head h / (n_heads/n_kv_heads). */
void kv_cache_attend(pool *p, kv_cache *c, int layer, const float *q, float *o, int n, int p0);

#endif
