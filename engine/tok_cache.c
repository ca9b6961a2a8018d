/* tok_cache.c - the session's word cache: a word's bytes -> the ids it
 * encoded to. Natural text repeats words, so most words skip merging.
 * Entries live in one id pool as [n, id...]; when the pool grows past a
 * bound the whole cache is dropped and refilled. */
#include "config.h"

#include <string.h>

#include "tok_impl.h"

#define CACHE_MAX_IDS (1u << 22)

int tok_cache_get(tok_session *s, const char *key, size_t len, tok_ids *out)
{
    int32_t at = tok_map_get(&s->cache, key, len);
    if (at < 0)
        return 0;
    size_t n = (size_t)s->cache_ids.ids[at];
    if (tok_reserve((void **)&out->ids, &out->cap, out->n + n, sizeof *out->ids) != 0)
        return -1;
    if (n)   /* an empty entry may meet an empty, NULL out */
        memcpy(out->ids + out->n, s->cache_ids.ids + at + 1, n * sizeof *out->ids);
    out->n += n;
    return 1;
}

int tok_cache_put(tok_session *s, const char *key, size_t len, const tok_ids *out, size_t first)
{
    if (s->cache_ids.n > CACHE_MAX_IDS) {
        tok_map_clear(&s->cache);
        s->cache_ids.n = 0;
    }
    size_t off = s->cache_ids.n;
    if (tok_ids_push(&s->cache_ids, (int32_t)(out->n - first)) != 0)
        return -1;
    for (size_t i = first; i < out->n; i++)
        if (tok_ids_push(&s->cache_ids, out->ids[i]) != 0)
            return -1;
    return tok_map_put(&s->cache, key, len, (int32_t)off, 0);
}
