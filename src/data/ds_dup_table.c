/* ds_dup_table.c - exact-duplicate table (ds_dup_table.h). */
#include "ds_dup_table.h"

#include <stdlib.h>

/* 0 in id1 marks a free slot. */
struct ds_dup_slot {
    uint64_t hash;
    size_t id1;
};

int ds_dup_table_init(ds_dup_table *t, size_t n, ds_dup_get_fn get, void *ctx)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    *t = (ds_dup_table){calloc(cap, sizeof *t->slots), cap - 1, get, ctx};
    return t->slots ? 0 : -1;
}

static bool same_as(const ds_dup_table *t, size_t id, const ds_record *rec)
{
    ds_record other;
    bool same = t->get(t->ctx, id, &other) && ds_record_same(&other, rec);
    ds_record_clear(&other);
    return same;
}

/* REC is record ID, or NULL to read it only if some slot's hash matches. */
static size_t add(ds_dup_table *t, size_t id, uint64_t h, const ds_record *rec)
{
    ds_record own;
    bool read = false, ok = true;
    size_t s = (size_t)h & t->mask, found = SIZE_MAX;
    for (; t->slots[s].id1 && found == SIZE_MAX; s = (s + 1) & t->mask) {
        if (t->slots[s].hash != h)
            continue;
        if (!rec) {
            read = true;
            ok = t->get(t->ctx, id, &own);
            rec = &own;
        }
        if (ok && same_as(t, t->slots[s].id1 - 1, rec))
            found = t->slots[s].id1 - 1;
    }
    if (read)
        ds_record_clear(&own);
    if (found == SIZE_MAX)
        t->slots[s] = (struct ds_dup_slot){h, id + 1};
    return found;
}

size_t ds_dup_table_add(ds_dup_table *t, size_t id, const ds_record *rec)
{
    return add(t, id, ds_record_hash(rec), rec);
}

size_t ds_dup_table_add_hash(ds_dup_table *t, size_t id, uint64_t hash)
{
    return add(t, id, hash, NULL);
}

void ds_dup_table_free(ds_dup_table *t)
{
    free(t->slots);
    t->slots = NULL;
}
