/* tok_map.h - byte-string -> int32 hash map used by the tokenizers (token
 * text -> id, "left right" merge -> rank, cached word -> entry).
 *
 * Keys are copied into the map's own pool, so callers may pass slices of
 * larger buffers. Open addressing with linear probing; XXH3 hashes. */
#ifndef LATHE_TOK_MAP_H
#define LATHE_TOK_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t hash;
    uint32_t key_off;
    uint32_t key_len;
    int32_t val;
    int32_t used;
} tok_map_slot;

typedef struct {
    tok_map_slot *slots;
    size_t cap;      /* power of two */
    size_t count;
    char *pool;
    size_t pool_len, pool_cap;
} tok_map;

void tok_map_init(tok_map *m);
void tok_map_free(tok_map *m);
/* Bytes the map holds (slots and key pool). */
size_t tok_map_bytes(const tok_map *m);
/* Forgets every key but keeps the memory. */
void tok_map_clear(tok_map *m);
/* Value for key, or -1 when absent. */
int32_t tok_map_get(const tok_map *m, const char *key, size_t len);
/* Inserts or, when keep_first is zero, overwrites. Returns 0, or -1 when out
 * of memory or the key is too long. */
int tok_map_put(tok_map *m, const char *key, size_t len, int32_t val, int keep_first);

#endif
