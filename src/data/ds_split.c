/* ds_split.c - seeded selection of the validation rows, and the two files. */
#include "config.h"

#include "ds_split.h"
#include "ds_output.h"
#include "prng.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ds_split_parse_val(const char *s, ds_split_spec *spec)
{
    char *end;
    errno = 0;
    if (strchr(s, '.')) {
        double f = strtod(s, &end);
        if (errno || *end || end == s || !(f > 0 && f < 1))
            return -1;
        spec->fraction = f;
        spec->count = 0;
        return 0;
    }
    unsigned long long n = strtoull(s, &end, 10);
    if (errno || *end || end == s || s[0] == '-' || n == 0 || n > SIZE_MAX)
        return -1;
    spec->fraction = 0;
    spec->count = (size_t)n;
    return 0;
}

typedef struct {
    uint64_t key;
    size_t row;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static bool usable(ds_edit *e, size_t row)
{
    return !ds_edit_deleted(e, row)
        && (ds_edit_replaced(e, row) || !dataset_is_bad(ds_edit_dataset(e), row));
}

/* Marks the validation rows in VAL (a bitset over rows); returns their count
 * or SIZE_MAX with ERR. */
static size_t pick(ds_edit *e, const ds_split_spec *spec, uint8_t *val, size_t *problems,
                   char *err, size_t errlen)
{
    size_t rows = ds_edit_rows(e), n = 0;
    keyed *k = malloc((rows + 1) * sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory for %zu records", rows);
        return SIZE_MAX;
    }
    for (size_t row = 0; row < rows; row++) {
        if (usable(e, row))
            k[n++] = (keyed){prng_mix(spec->seed ^ prng_mix(row)), row};
        else if (!ds_edit_deleted(e, row))
            ++*problems;
    }
    size_t want = spec->fraction > 0 ? (size_t)llround(spec->fraction * (double)n) : spec->count;
    if (want > n) {
        snprintf(err, errlen, "%s: asked for %zu validation records, but there are only %zu",
                 dataset_path(ds_edit_dataset(e)), want, n);
        free(k);
        return SIZE_MAX;
    }
    qsort(k, n, sizeof *k, by_key);
    for (size_t i = 0; i < want; i++)
        val[k[i].row / 8] |= (uint8_t)(1u << (k[i].row % 8));
    free(k);
    return want;
}

static int write_both(ds_edit *e, const uint8_t *val, ds_output *tr, ds_output *va, char *err,
                      size_t errlen)
{
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        if (!usable(e, row))
            continue;
        size_t len;
        const char *text = ds_edit_text(e, row, &len);
        ds_output *o = val[row / 8] >> (row % 8) & 1 ? va : tr;
        if (ds_output_record(o, text, len, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int ds_split_save(ds_edit *e, const ds_split_spec *spec, const char *prefix,
                  ds_split_result *res, char *err, size_t errlen)
{
    *res = (ds_split_result){0};
    snprintf(res->train_path, sizeof res->train_path, "%s-train.jsonl", prefix);
    snprintf(res->val_path, sizeof res->val_path, "%s-val.jsonl", prefix);
    uint8_t *val = calloc(ds_edit_rows(e) / 8 + 1, 1);
    if (!val) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ds_output tr, va;
    int rc = pick(e, spec, val, &res->problems, err, errlen) == SIZE_MAX ? -1 : 0;
    if (rc == 0 && ds_output_open(&tr, res->train_path, DS_LAYOUT_JSONL, err, errlen) != 0)
        rc = -1;
    if (rc == 0 && ds_output_open(&va, res->val_path, DS_LAYOUT_JSONL, err, errlen) != 0) {
        ds_output_abort(&tr);
        rc = -1;
    }
    if (rc == 0 && (write_both(e, val, &tr, &va, err, errlen) != 0
                    || dataset_changed(ds_edit_dataset(e), err, errlen))) {
        ds_output_abort(&tr);
        ds_output_abort(&va);
        rc = -1;
    }
    free(val);
    if (rc != 0)
        return -1;
    res->train = tr.records;
    res->val = va.records;
    if (ds_output_commit(&tr, err, errlen) != 0) {
        ds_output_abort(&va);
        return -1;
    }
    return ds_output_commit(&va, err, errlen);
}
