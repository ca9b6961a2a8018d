/* ds_dup_table.h - exact-duplicate detection over records numbered 0..n-1:
 * an open-addressing table of (record hash, number) that, given each record
 * in turn, names the earlier one equal to it. Records are compared in full
 * (ds_record_same) after a hash match, read back through a callback so the
 * table holds no text. Used by the dataset check and the editor's dedupe. */
#ifndef LATHE_DS_DUP_TABLE_H
#define LATHE_DS_DUP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds_record.h"

/* Reads record ID into OUT (which the table clears); false when it cannot. */
typedef bool (*ds_dup_get_fn)(void *ctx, size_t id, ds_record *out);

typedef struct {
    struct ds_dup_slot *slots;
    size_t mask;
    ds_dup_get_fn get;
    void *ctx;
} ds_dup_table;

/* Room for N records. -1 when out of memory. */
int ds_dup_table_init(ds_dup_table *t, size_t n, ds_dup_get_fn get, void *ctx);
/* The earlier record equal to REC, or SIZE_MAX after remembering REC as ID. */
size_t ds_dup_table_add(ds_dup_table *t, size_t id, const ds_record *rec);
/* The same for record ID whose ds_record_hash is HASH, computed beforehand
 * (e.g. on other threads): ID is read back only when an earlier record has
 * the same hash. */
size_t ds_dup_table_add_hash(ds_dup_table *t, size_t id, uint64_t hash);
void ds_dup_table_free(ds_dup_table *t);

#endif
