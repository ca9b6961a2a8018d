/* fuzz_filter.c - libFuzzer target for the Data pane's filter expressions:
 * any bytes are compiled; a compile either succeeds or fails with a message
 * that names a column inside the input (or one past its end), and a compiled
 * filter is evaluated on a record, its features and every flag combination
 * without crashing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void evaluate(ds_filter *f)
{
    static const char json[] = "{\"instruction\":\"Mail me\",\"input\":\"\","
                               "\"output\":\"a@b.io 안녕 \\u0001\"}";
    ds_record rec;
    char why[128], err[128];
    if (ds_record_parse(json, sizeof json - 1, DS_FMT_ALPACA, NULL, &rec, why, sizeof why, NULL))
        abort();
    ds_feat_ctx *c = ds_feat_ctx_new(NULL, err, sizeof err);
    ds_features ft;
    if (!c || ds_features_compute(c, &rec, &ft, err, sizeof err))
        abort();
    for (unsigned flags = 0; flags < 256; flags += 37) {
        ds_filter_row row = {&rec, &ft, flags}, bad = {NULL, NULL, flags | DS_ROW_PROBLEM};
        ds_filter_eval(f, &row);
        ds_filter_eval(f, &bad);
    }
    ds_feat_ctx_free(c);
    ds_record_clear(&rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr = malloc(size + 1);
    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = 0;
    char err[256] = "";
    ds_filter *f = ds_filter_compile(expr, err, sizeof err);
    if (f) {
        evaluate(f);
        ds_filter_free(f);
    } else {
        unsigned long col;
        if (strcmp(err, "out of memory") && (sscanf(err, "column %lu:", &col) != 1 || col < 1
                                             || col > strlen(expr) + 1))
            abort();
    }
    free(expr);
    return 0;
}
