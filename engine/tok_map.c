/* tok_map.c - the tokenizers' byte-string -> int32 hash map. */
#include "config.h"

#include "tok_map.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void tok_map_init(tok_map *m)
{
    memset(m, 0, sizeof *m);
}

void tok_map_free(tok_map *m)
{
    free(m->slots);
    free(m->pool);
    tok_map_init(m);
}

size_t tok_map_bytes(const tok_map *m)
{
    return m->cap * sizeof *m->slots + m->pool_cap;
}

void tok_map_clear(tok_map *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
    m->pool_len = 0;
}

static int key_eq(const tok_map *m, const tok_map_slot *s, uint64_t h, const char *key, size_t len)
{
    return s->hash == h && s->key_len == len && memcmp(m->pool + s->key_off, key, len) == 0;
}

int32_t tok_map_get(const tok_map *m, const char *key, size_t len)
{
    if (!m->count)
        return -1;
    uint64_t h = XXH3_64bits(key, len);
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const tok_map_slot *s = &m->slots[i];
        if (!s->used)
            return -1;
        if (key_eq(m, s, h, key, len))
            return s->val;
    }
}

static int grow(tok_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    tok_map_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].used)
            continue;
        size_t j = (size_t)m->slots[i].hash & (ncap - 1);
        while (ns[j].used)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

static int pool_add(tok_map *m, const char *key, size_t len, uint32_t *off)
{
    if (len > UINT32_MAX || m->pool_len + len > UINT32_MAX)
        return -1;
    if (m->pool_len + len > m->pool_cap) {
        size_t ncap = m->pool_cap ? m->pool_cap : 4096;
        while (ncap < m->pool_len + len)
            ncap *= 2;
        char *np = realloc(m->pool, ncap);
        if (!np)
            return -1;
        m->pool = np;
        m->pool_cap = ncap;
    }
    if (len)
        memcpy(m->pool + m->pool_len, key, len);
    *off = (uint32_t)m->pool_len;
    m->pool_len += len;
    return 0;
}

int tok_map_put(tok_map *m, const char *key, size_t len, int32_t val, int keep_first)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return -1;
    uint64_t h = XXH3_64bits(key, len);
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    for (; m->slots[i].used; i = (i + 1) & mask) {
        if (key_eq(m, &m->slots[i], h, key, len)) {
            if (!keep_first)
                m->slots[i].val = val;
            return 0;
        }
    }
    uint32_t off;
    if (pool_add(m, key, len, &off) != 0)
        return -1;
    m->slots[i] = (tok_map_slot){h, off, (uint32_t)len, val, 1};
    m->count++;
    return 0;
}
