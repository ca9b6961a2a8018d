/* fuzz_json_tree.c - libFuzzer target for the record parser: any bytes are
 * parsed by json_tree and by jansson; they must agree on what is JSON
 * (except numbers too large for jansson) and, where both accept, on every
 * string, kind and element count. Disagreement aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jtree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const jtree *t, jt_node n, json_t *j)
{
    size_t len;
    const char *s;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        if (jtree_kind(t, n) != JT_OBJECT)
            abort();
        json_object_foreach(j, key, v)
            same(t, jtree_get(t, n, key), v);
        break;
    }
    case JSON_ARRAY: {
        jt_node c = jtree_first(t, n);
        if (jtree_kind(t, n) != JT_ARRAY || jtree_count(t, n) != json_array_size(j))
            abort();
        for (size_t i = 0; i < json_array_size(j); i++, c = jtree_next(t, c))
            same(t, c, json_array_get(j, i));
        break;
    }
    case JSON_STRING:
        s = jtree_str(t, n, &len);
        if (!s || len != json_string_length(j) || memcmp(s, json_string_value(j), len) != 0)
            abort();
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        if (jtree_kind(t, n) != JT_NUMBER)
            abort();
        break;
    case JSON_NULL:
        if (jtree_kind(t, n) != JT_NULL)
            abort();
        break;
    default:
        if (jtree_kind(t, n) != JT_BOOL)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[200];
    size_t pos = 0;
    json_error_t e;
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &e);
    jtree *t = jtree_parse((const char *)data, size, why, sizeof why, &pos);
    if (!t && pos > size)
        abort();
    /* jansson nests up to 2048 levels, json_tree 512; jansson reads a NUL byte
     * after the value as the end, json_tree as a bad record. */
    if (j && !t && !strstr(why, "nested deeper") && !memchr(data, 0, size))
        abort();
    if (t && !j && !strstr(e.text, "too big") && !strstr(e.text, "overflow"))
        abort();
    if (t && j)
        same(t, jtree_root(t), j);
    json_decref(j);
    jtree_free(t);
    return 0;
}
