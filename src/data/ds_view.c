/* ds_view.c - a dataset read as opened or through a copy of an edit overlay. */
#include "config.h"

#include "ds_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ds_view {
    dataset *ds;
    bool edited;
    ds_overlay ov;    /* the copy, when edited */
};

ds_view *ds_view_new(dataset *ds, const ds_overlay *ov, char *err, size_t errlen)
{
    ds_view *v = calloc(1, sizeof *v);
    if (!v || (ov && ds_overlay_copy(&v->ov, ov) != 0)) {
        free(v);
        snprintf(err, errlen, "%s: out of memory for a view of the edits", dataset_path(ds));
        return NULL;
    }
    v->ds = ds;
    v->edited = ov != NULL;
    return v;
}

void ds_view_free(ds_view *v)
{
    if (!v)
        return;
    ds_overlay_free(&v->ov);
    free(v);
}

dataset *ds_view_dataset(const ds_view *v) { return v->ds; }
bool ds_view_edited(const ds_view *v) { return v->edited; }

size_t ds_view_count(const ds_view *v)
{
    return v->edited ? ds_overlay_visible(&v->ov) : dataset_count(v->ds);
}

size_t ds_view_record(const ds_view *v, size_t k)
{
    return v->edited ? ds_overlay_visible_row(&v->ov, k) : k;
}

size_t ds_view_position(const ds_view *v, size_t record)
{
    if (v->edited)
        return record < v->ov.rows ? ds_overlay_visible_index(&v->ov, record) : SIZE_MAX;
    return record < dataset_count(v->ds) ? record : SIZE_MAX;
}

int ds_view_get(const ds_view *v, size_t k, ds_record *rec, char *why, size_t whylen)
{
    size_t row = ds_view_record(v, k);
    const ds_blob *text = v->edited ? ds_overlay_get(&v->ov, row).text : NULL;
    if (text)
        return dataset_parse(v->ds, text->text, text->len, rec, why, whylen);
    if (dataset_is_bad(v->ds, row)) {
        memset(rec, 0, sizeof *rec);
        snprintf(why, whylen, "the check found record %zu bad", row + 1);
        return DATASET_PROBLEM;
    }
    return dataset_get(v->ds, row, rec, why, whylen);
}

/* Each bad record has one problem; the rest are outside records. A bad row
 * leaves the view's problems when it is deleted or replaced. */
size_t ds_view_problems(const ds_view *v)
{
    size_t total = dataset_problem_total(v->ds);
    if (!v->edited)
        return total;
    size_t gone = 0;
    for (size_t i = 0; i < v->ov.n; i++) {
        const ds_row_change *c = &v->ov.v[i];
        gone += (c->st.deleted || c->st.text) && dataset_is_bad(v->ds, c->row);
    }
    return total - gone;
}
