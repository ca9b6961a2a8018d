/* data_view.c - the table's row order (see data_view.h). Sorting packs
 * (key, record) into one 64-bit word so a plain qsort is stable and fast. */
#include "data_view.h"

#include <stdlib.h>
#include <string.h>

void data_view_init(data_view *v)
{
    *v = (data_view){0};
}

void data_view_free(data_view *v)
{
    free(v->rows);
    *v = (data_view){0};
}

void data_view_sync(data_view *v, size_t count)
{
    if (!v->rows)
        v->n = count;
}

bool data_view_identity(const data_view *v)
{
    return v->rows == NULL;
}

size_t data_view_len(const data_view *v)
{
    return v->n;
}

size_t data_view_row(const data_view *v, size_t pos)
{
    return v->rows ? v->rows[pos] : pos;
}

size_t data_view_find(const data_view *v, size_t record)
{
    if (!v->rows)
        return record < v->n ? record : SIZE_MAX;
    for (size_t i = 0; i < v->n; i++)
        if (v->rows[i] == record)
            return i;
    return SIZE_MAX;
}

void data_view_take(data_view *v, size_t *rows, size_t n)
{
    free(v->rows);
    v->rows = rows;
    v->n = n;
}

void data_view_reset(data_view *v, size_t count)
{
    free(v->rows);
    v->rows = NULL;
    v->n = count;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int data_view_sort(data_view *v, const size_t *rows, size_t n, const uint32_t *key, bool desc)
{
    uint64_t *packed = malloc((n ? n : 1) * sizeof *packed);
    size_t *out = malloc((n ? n : 1) * sizeof *out);
    if (!packed || !out) {
        free(packed);
        free(out);
        return -1;
    }
    /* Descending: invert the key, not the record, so ties keep file order. */
    for (size_t i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : i;
        if (r > UINT32_MAX) {
            free(packed);
            free(out);
            return -1;
        }
        packed[i] = (uint64_t)(desc ? UINT32_MAX - key[r] : key[r]) << 32 | r;
    }
    qsort(packed, n, sizeof *packed, cmp_u64);
    for (size_t i = 0; i < n; i++)
        out[i] = (size_t)(packed[i] & UINT32_MAX);
    free(packed);
    free(v->rows);
    v->rows = out;
    v->n = n;
    return 0;
}

size_t *data_view_snapshot(const data_view *v, bool *oom)
{
    *oom = false;
    if (!v->rows)
        return NULL;
    size_t *copy = malloc((v->n ? v->n : 1) * sizeof *copy);
    if (!copy) {
        *oom = true;
        return NULL;
    }
    memcpy(copy, v->rows, v->n * sizeof *copy);
    return copy;
}
