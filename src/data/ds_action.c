/* ds_action.c - action names, their arguments, copies. */
#include "config.h"

#include "ds_action.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned args;
} kinds[DS_ACT_COUNT] = {
    [DS_ACT_DELETE] = {"delete", DS_ARG_ROWS},
    [DS_ACT_RESTORE] = {"restore", DS_ARG_ROWS},
    [DS_ACT_DROP] = {"drop", DS_ARG_FILTER},
    [DS_ACT_KEEP] = {"keep", DS_ARG_FILTER},
    [DS_ACT_TAG] = {"tag", DS_ARG_FILTER | DS_ARG_TAG},
    [DS_ACT_WHITESPACE] = {"whitespace", 0},
    [DS_ACT_NFC] = {"nfc", 0},
    [DS_ACT_DROP_EMPTY] = {"drop_empty", 0},
    [DS_ACT_DEDUPE] = {"dedupe", 0},
    [DS_ACT_NEAR_DEDUPE] = {"near_dedupe", DS_ARG_THRESHOLD},
    [DS_ACT_REDACT_PII] = {"redact_pii", 0},
    [DS_ACT_REPLACE] = {"replace", DS_ARG_ROW | DS_ARG_JSON},
};

const char *ds_action_name(ds_action_kind k)
{
    return k < DS_ACT_COUNT ? kinds[k].name : "?";
}

int ds_action_parse_name(const char *name, ds_action_kind *out)
{
    for (int k = 0; k < DS_ACT_COUNT; k++)
        if (!strcmp(kinds[k].name, name)) {
            *out = (ds_action_kind)k;
            return 0;
        }
    return -1;
}

unsigned ds_action_args(ds_action_kind k)
{
    return k < DS_ACT_COUNT ? kinds[k].args : 0;
}

static int dup_str(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

int ds_action_copy(ds_action *dst, const ds_action *src)
{
    *dst = (ds_action){.kind = src->kind, .n_rows = src->n_rows, .threshold = src->threshold};
    int rc = dup_str(&dst->filter, src->filter) | dup_str(&dst->tag, src->tag)
        | dup_str(&dst->json, src->json);
    if (rc == 0 && src->n_rows) {
        dst->rows = malloc(src->n_rows * sizeof *dst->rows);
        if (dst->rows)
            memcpy(dst->rows, src->rows, src->n_rows * sizeof *dst->rows);
        else
            rc = -1;
    }
    if (rc != 0)
        ds_action_clear(dst);
    return rc;
}

void ds_action_clear(ds_action *a)
{
    free(a->rows);
    free(a->filter);
    free(a->tag);
    free(a->json);
    *a = (ds_action){0};
}
