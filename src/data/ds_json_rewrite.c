/* ds_json_rewrite.c - a jansson walk over string values, and compact dumps. */
#include "config.h"

#include "ds_json_rewrite.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns 1 when some string under V changed, 0 when none did, -1 on failure. */
static int walk(json_t *v, ds_string_fn fn, void *ctx)
{
    int changed = 0, rc = 0;
    if (json_is_string(v)) {
        char *s;
        size_t n;
        rc = fn(json_string_value(v), json_string_length(v), &s, &n, ctx);
        if (rc == 1) {
            rc = json_string_setn(v, s, n) == 0 ? 1 : -1;
            free(s);
        }
        return rc;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child) {
            if ((rc = walk(child, fn, ctx)) < 0)
                return -1;
            changed |= rc;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            if ((rc = walk(child, fn, ctx)) < 0)
                return -1;
            changed |= rc;
        }
    }
    return changed;
}

static int dump(json_t *root, char **out, size_t *outlen, char *why, size_t whylen)
{
    *out = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!*out) {
        snprintf(why, whylen, "out of memory writing the record");
        return -1;
    }
    *outlen = strlen(*out);
    return 0;
}

static json_t *load(const char *text, size_t len, char *why, size_t whylen)
{
    json_error_t e;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY, &e);
    if (!root)
        snprintf(why, whylen, "line %d, column %d: %s", e.line, e.column, e.text);
    return root;
}

int ds_json_rewrite(const char *text, size_t len, ds_string_fn fn, void *ctx, char **out,
                    size_t *outlen, char *why, size_t whylen)
{
    json_t *root = load(text, len, why, whylen);
    if (!root)
        return -1;
    int rc = walk(root, fn, ctx);
    if (rc < 0)
        snprintf(why, whylen, "a string could not be rewritten (not UTF-8, or out of memory)");
    else if (rc == 1 && dump(root, out, outlen, why, whylen) != 0)
        rc = -1;
    json_decref(root);
    return rc;
}

int ds_json_compact(const char *text, size_t len, char **out, size_t *outlen, char *why,
                    size_t whylen)
{
    json_t *root = load(text, len, why, whylen);
    if (!root)
        return -1;
    int rc = dump(root, out, outlen, why, whylen);
    json_decref(root);
    return rc;
}
