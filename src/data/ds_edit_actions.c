/* ds_edit_actions.c - what each action changes: the new state of every row
 * it touches, computed from the session's current state. */
#include "config.h"

#include "ds_edit_impl.h"
#include "ds_features.h"
#include "ds_json_rewrite.h"
#include "ds_text_clean.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int push_state(ds_change_list *c, size_t row, ds_row_state st)
{
    ds_blob_ref(st.text);
    return ds_changes_push(c, row, st);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int set_deleted(ds_edit *e, const ds_action *a, bool deleted, ds_change_list *c,
                       char *err, size_t errlen)
{
    size_t *rows = malloc((a->n_rows + 1) * sizeof *rows);
    if (!rows)
        return ds_edit_oom(e, err, errlen);
    memcpy(rows, a->rows, a->n_rows * sizeof *rows);
    qsort(rows, a->n_rows, sizeof *rows, cmp_size);
    int rc = 0;
    for (size_t i = 0; i < a->n_rows && rc == 0; i++) {
        if (rows[i] >= ds_edit_rows(e)) {
            snprintf(err, errlen, "%s: no record %zu (the file has %zu)", dataset_path(e->ds),
                     rows[i] + 1, ds_edit_rows(e));
            rc = -1;
        } else if (i == 0 || rows[i] != rows[i - 1]) {
            ds_row_state st = ds_overlay_get(&e->ov, rows[i]);
            st.deleted = deleted;
            if (push_state(c, rows[i], st) != 0)
                rc = ds_edit_oom(e, err, errlen);
        }
    }
    free(rows);
    return rc;
}

static int replace(ds_edit *e, const ds_action *a, ds_change_list *c, char *err, size_t errlen)
{
    if (a->n_rows != 1 || !a->json || a->rows[0] >= ds_edit_rows(e)) {
        snprintf(err, errlen, "%s: replace needs one existing record and its JSON text",
                 dataset_path(e->ds));
        return -1;
    }
    size_t row = a->rows[0], len;
    char *text, why[512];
    if (ds_json_compact(a->json, strlen(a->json), &text, &len, why, sizeof why) != 0) {
        snprintf(err, errlen, "record %zu: %s", row + 1, why);
        return -1;
    }
    ds_record rec;
    int ok = dataset_parse(e->ds, text, len, &rec, why, sizeof why);
    ds_record_clear(&rec);
    if (ok != DATASET_OK) {
        snprintf(err, errlen, "record %zu: %s", row + 1, why);
        free(text);
        return -1;
    }
    ds_row_state st = ds_overlay_get(&e->ov, row);
    st.text = ds_blob_new(text, len);
    free(text);
    if (!st.text || ds_changes_push(c, row, st) != 0)
        return ds_edit_oom(e, err, errlen);
    return 0;
}

/* Rewrites the string values of every visible record through FN; records
 * that are not JSON are left for the problems view. */
static int rewrite(ds_edit *e, ds_string_fn fn, ds_change_list *c, char *err, size_t errlen)
{
    char why[256];
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        if (ds_edit_stopped(e, row, err, errlen))
            return -1;
        ds_row_state st = ds_overlay_get(&e->ov, row);
        if (st.deleted)
            continue;
        size_t len, outlen;
        char *out;
        const char *text = ds_edit_text(e, row, &len);
        if (ds_json_rewrite(text, len, fn, NULL, &out, &outlen, why, sizeof why) != 1)
            continue;
        st.text = ds_blob_new(out, outlen);
        free(out);
        if (!st.text || ds_changes_push(c, row, st) != 0)
            return ds_edit_oom(e, err, errlen);
    }
    return 0;
}

static int delete_row(ds_edit *e, size_t row, ds_change_list *c, char *err, size_t errlen)
{
    ds_row_state st = ds_overlay_get(&e->ov, row);
    st.deleted = true;
    return push_state(c, row, st) == 0 ? 0 : ds_edit_oom(e, err, errlen);
}

static int delete_if_empty(ds_edit *e, size_t row, const ds_record *rec, void *c, char *err,
                           size_t errlen)
{
    return rec && ds_record_is_empty(rec) ? delete_row(e, row, c, err, errlen) : 0;
}

static int drop_empty(ds_edit *e, ds_change_list *c, char *err, size_t errlen)
{
    return ds_edit_each_row(e, delete_if_empty, c, err, errlen);
}

/* Deletes the rows set in BITS (from one of ds_edit_mark_*). */
static int drop_marked(ds_edit *e, const uint8_t *bits, ds_change_list *c, char *err,
                       size_t errlen)
{
    for (size_t row = 0; row < ds_edit_rows(e); row++)
        if (ds_bit(bits, row) && delete_row(e, row, c, err, errlen) != 0)
            return -1;
    return 0;
}

/* The session's index of tag NAME, adding it when new; -1 with ERR. */
static int tag_index(ds_edit *e, const char *name, char *err, size_t errlen)
{
    for (size_t i = 0; i < e->n_tags; i++)
        if (!strcmp(e->tags[i], name))
            return (int)i;
    if (!*name || e->n_tags == DS_EDIT_MAX_TAGS) {
        snprintf(err, errlen, *name ? "at most %d different tags" : "a tag needs a name",
                 DS_EDIT_MAX_TAGS);
        return -1;
    }
    if (!(e->tags[e->n_tags] = strdup(name)))
        return ds_edit_oom(e, err, errlen);
    return (int)e->n_tags++;
}

/* drop, keep, tag: the rows the filter matches, or (keep) those it does not. */
static int by_filter(ds_edit *e, const ds_action *a, const uint8_t *bits, ds_change_list *c,
                     char *err, size_t errlen)
{
    int tag = a->kind == DS_ACT_TAG ? tag_index(e, a->tag ? a->tag : "", err, errlen) : 0;
    if (tag < 0)
        return -1;
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        if (ds_edit_deleted(e, row) || ds_bit(bits, row) == (a->kind == DS_ACT_KEEP))
            continue;
        ds_row_state st = ds_overlay_get(&e->ov, row);
        if (a->kind == DS_ACT_TAG)
            st.tags |= 1u << tag;
        else
            st.deleted = true;
        if (push_state(c, row, st) != 0)
            return ds_edit_oom(e, err, errlen);
    }
    return 0;
}

/* Actions that act on a set of marked rows. */
static int marked(ds_edit *e, const ds_action *a, ds_change_list *c, char *err, size_t errlen)
{
    bool dedupe = a->kind == DS_ACT_DEDUPE || a->kind == DS_ACT_NEAR_DEDUPE;
    if (!dedupe && !a->filter) {
        snprintf(err, errlen, "%s needs a filter expression", ds_action_name(a->kind));
        return -1;
    }
    uint8_t *bits = calloc(ds_edit_rows(e) / 8 + 1, 1);
    if (!bits)
        return ds_edit_oom(e, err, errlen);
    int rc;
    if (a->kind == DS_ACT_DEDUPE)
        rc = ds_edit_mark_dups(e, bits, err, errlen);
    else if (a->kind == DS_ACT_NEAR_DEDUPE)
        rc = ds_edit_mark_near(e, a->threshold, bits, err, errlen);
    else
        rc = ds_edit_mark_filter(e, a->filter, bits, err, errlen);
    if (rc == 0)
        rc = dedupe ? drop_marked(e, bits, c, err, errlen) : by_filter(e, a, bits, c, err, errlen);
    free(bits);
    return rc;
}

int ds_edit_plan(ds_edit *e, const ds_action *a, ds_change_list *c, char *err, size_t errlen)
{
    switch (a->kind) {
    case DS_ACT_DELETE: return set_deleted(e, a, true, c, err, errlen);
    case DS_ACT_RESTORE: return set_deleted(e, a, false, c, err, errlen);
    case DS_ACT_REPLACE: return replace(e, a, c, err, errlen);
    case DS_ACT_WHITESPACE: return rewrite(e, ds_text_whitespace, c, err, errlen);
    case DS_ACT_NFC: return rewrite(e, ds_text_nfc, c, err, errlen);
    case DS_ACT_DROP_EMPTY: return drop_empty(e, c, err, errlen);
    case DS_ACT_REDACT_PII: return rewrite(e, ds_text_redact_pii, c, err, errlen);
    case DS_ACT_DEDUPE:
    case DS_ACT_NEAR_DEDUPE:
    case DS_ACT_DROP:
    case DS_ACT_KEEP:
    case DS_ACT_TAG: return marked(e, a, c, err, errlen);
    default: break;
    }
    snprintf(err, errlen, "unknown action %d", (int)a->kind);
    return -1;
}
