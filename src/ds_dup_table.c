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

size_t ds_dup_table_add(ds_dup_table *t, size_t id, const ds_record *rec)
{
    uint64_t h = ds_record_hash(rec);
    size_t s = (size_t)h & t->mask;
    for (; t->slots[s].id1; s = (s + 1) & t->mask)
        if (t->slots[s].hash == h && same_as(t, t->slots[s].id1 - 1, rec))
            return t->slots[s].id1 - 1;
    t->slots[s] = (struct ds_dup_slot){h, id + 1};
    return SIZE_MAX;
}

void ds_dup_table_free(ds_dup_table *t)
{
    free(t->slots);
    t->slots = NULL;
}
