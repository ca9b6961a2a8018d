/* ds_edit.c - the edit session: steps with before/after row states, undo and
 * redo by writing one or the other into the overlay, and the row accessors. */
#include "config.h"

#include "ds_edit_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

ds_edit *ds_edit_new(dataset *ds, char *err, size_t errlen)
{
    ds_index_progress p;
    dataset_progress(ds, &p);
    if (p.phase != DS_PHASE_DONE) {
        snprintf(err, errlen, "%s: still indexing; editing starts when the index is complete",
                 dataset_path(ds));
        return NULL;
    }
    ds_edit *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "%s: out of memory", dataset_path(ds));
        return NULL;
    }
    e->ds = ds;
    ds_overlay_init(&e->ov, dataset_count(ds));
    atomic_init(&e->done, 0);
    atomic_init(&e->cancel, false);
    return e;
}

static void free_changes(ds_row_change *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ds_blob_unref(v[i].st.text);
    free(v);
}

static void free_step(ds_edit_step_rec *s)
{
    ds_action_clear(&s->action);
    free_changes(s->before, s->n);
    free_changes(s->after, s->n);
}

void ds_edit_free(ds_edit *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_steps; i++)
        free_step(&e->steps[i]);
    free(e->steps);
    for (size_t i = 0; i < e->n_tags; i++)
        free(e->tags[i]);
    ds_overlay_free(&e->ov);
    free(e);
}

dataset *ds_edit_dataset(const ds_edit *e)
{
    return e->ds;
}

void ds_edit_set_tokens(ds_edit *e, const ds_edit_tokens *t)
{
    e->tok = *t;
}

const ds_edit_tokens *ds_edit_get_tokens(const ds_edit *e)
{
    return &e->tok;
}

bool ds_edit_stopped(ds_edit *e, size_t row, char *err, size_t errlen)
{
    if (row % 1024)
        return false;
    atomic_store_explicit(&e->done, row, memory_order_relaxed);
    if (!atomic_load_explicit(&e->cancel, memory_order_relaxed))
        return false;
    snprintf(err, errlen, "%s: cancelled", dataset_path(e->ds));
    return true;
}

int ds_edit_each_row(ds_edit *e, ds_edit_row_fn fn, void *ctx, char *err, size_t errlen)
{
    char why[8];
    int rc = 0;
    for (size_t row = 0; rc == 0 && row < ds_edit_rows(e); row++) {
        if (ds_edit_stopped(e, row, err, errlen))
            return -1;
        if (ds_edit_deleted(e, row))
            continue;
        ds_record rec;
        bool ok = ds_edit_get(e, row, &rec, why, sizeof why) == DATASET_OK;
        rc = fn(e, row, ok ? &rec : NULL, ctx, err, errlen);
        ds_record_clear(&rec);
    }
    return rc;
}

size_t ds_edit_progress(const ds_edit *e)
{
    return atomic_load_explicit(&e->done, memory_order_relaxed);
}

void ds_edit_cancel(ds_edit *e)
{
    atomic_store_explicit(&e->cancel, true, memory_order_relaxed);
}

int ds_edit_oom(ds_edit *e, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: out of memory", dataset_path(e->ds));
    return -1;
}

int ds_changes_push(ds_change_list *c, size_t row, ds_row_state st)
{
    ds_row_change *v = grow_array(c->v, &c->cap, c->n + 1, sizeof *v, 64);
    if (!v) {
        ds_blob_unref(st.text);
        return -1;
    }
    c->v = v;
    c->v[c->n++] = (ds_row_change){row, st};
    return 0;
}

void ds_changes_free(ds_change_list *c)
{
    free_changes(c->v, c->n);
    *c = (ds_change_list){0};
}

/* Keeps only the rows whose state changes, and records their old states. */
static int make_step(ds_edit *e, ds_change_list *c, ds_edit_step_rec *s)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        ds_row_state old = ds_overlay_get(&e->ov, c->v[i].row);
        if (ds_row_state_equal(&old, &c->v[i].st))
            ds_blob_unref(c->v[i].st.text);
        else
            c->v[k++] = c->v[i];
    }
    c->n = k;
    s->before = malloc((k + 1) * sizeof *s->before);
    if (!s->before)
        return -1;
    for (size_t i = 0; i < k; i++) {
        s->before[i].row = c->v[i].row;
        s->before[i].st = ds_overlay_get(&e->ov, c->v[i].row);
        ds_blob_ref(s->before[i].st.text);
    }
    s->after = c->v;
    s->n = k;
    *c = (ds_change_list){0};
    return 0;
}

static int push_step(ds_edit *e, ds_edit_step_rec *s)
{
    while (e->n_steps > e->n_done)
        free_step(&e->steps[--e->n_steps]);
    ds_edit_step_rec *v = grow_array(e->steps, &e->cap_steps, e->n_steps + 1, sizeof *v, 16);
    if (!v)
        return -1;
    e->steps = v;
    e->steps[e->n_steps++] = *s;
    e->n_done = e->n_steps;
    return 0;
}

/* A cancel is cleared when the action it was meant for ends, not when one
 * starts, so one asked for just before the worker begins is not lost. */
static int plan(ds_edit *e, const ds_action *a, ds_change_list *c, char *err, size_t errlen)
{
    int rc = ds_edit_plan(e, a, c, err, errlen);
    atomic_store_explicit(&e->cancel, false, memory_order_relaxed);
    atomic_store_explicit(&e->done, 0, memory_order_relaxed);
    return rc;
}

int ds_edit_apply(ds_edit *e, const ds_action *a, size_t *changed, char *err, size_t errlen)
{
    ds_change_list c = {0};
    ds_edit_step_rec s = {0};
    if (plan(e, a, &c, err, errlen) != 0) {
        ds_changes_free(&c);
        return -1;
    }
    int rc = make_step(e, &c, &s);
    if (rc == 0)
        rc = ds_action_copy(&s.action, a);
    if (rc == 0)
        rc = ds_overlay_set(&e->ov, s.after, s.n);
    if (rc == 0 && push_step(e, &s) != 0) {
        ds_overlay_set(&e->ov, s.before, s.n);
        rc = -1;
    }
    if (rc != 0) {
        ds_changes_free(&c);
        free_step(&s);
        snprintf(err, errlen, "%s: out of memory applying %s", dataset_path(e->ds),
                 ds_action_name(a->kind));
        return -1;
    }
    if (changed)
        *changed = s.n;
    return 0;
}

bool ds_edit_can_undo(const ds_edit *e)
{
    return e->n_done > 0;
}

bool ds_edit_can_redo(const ds_edit *e)
{
    return e->n_done < e->n_steps;
}

bool ds_edit_undo(ds_edit *e)
{
    if (!ds_edit_can_undo(e))
        return false;
    ds_edit_step_rec *s = &e->steps[e->n_done - 1];
    if (ds_overlay_set(&e->ov, s->before, s->n) != 0)
        return false;
    e->n_done--;
    return true;
}

bool ds_edit_redo(ds_edit *e)
{
    if (!ds_edit_can_redo(e))
        return false;
    ds_edit_step_rec *s = &e->steps[e->n_done];
    if (ds_overlay_set(&e->ov, s->after, s->n) != 0)
        return false;
    e->n_done++;
    return true;
}

size_t ds_edit_step_count(const ds_edit *e)
{
    return e->n_done;
}

const ds_action *ds_edit_step(const ds_edit *e, size_t i)
{
    return i < e->n_done ? &e->steps[i].action : NULL;
}

ds_view *ds_edit_view(const ds_edit *e, char *err, size_t errlen)
{
    return ds_view_new(e->ds, &e->ov, err, errlen);
}

size_t ds_edit_rows(const ds_edit *e)
{
    return e->ov.rows;
}

size_t ds_edit_visible_count(const ds_edit *e)
{
    return ds_overlay_visible(&e->ov);
}

size_t ds_edit_visible_row(const ds_edit *e, size_t k)
{
    return ds_overlay_visible_row(&e->ov, k);
}

size_t ds_edit_visible_index(const ds_edit *e, size_t row)
{
    return ds_overlay_visible_index(&e->ov, row);
}

bool ds_edit_deleted(const ds_edit *e, size_t row)
{
    return ds_overlay_get(&e->ov, row).deleted;
}

bool ds_edit_replaced(const ds_edit *e, size_t row)
{
    return ds_overlay_get(&e->ov, row).text != NULL;
}

const char *ds_edit_text(const ds_edit *e, size_t row, size_t *len)
{
    ds_blob *b = ds_overlay_get(&e->ov, row).text;
    if (!b)
        return dataset_text(e->ds, row, len);
    *len = b->len;
    return b->text;
}

int ds_edit_get(ds_edit *e, size_t row, ds_record *rec, char *why, size_t whylen)
{
    ds_blob *b = ds_overlay_get(&e->ov, row).text;
    if (!b)
        return dataset_get(e->ds, row, rec, why, whylen);
    return dataset_parse(e->ds, b->text, b->len, rec, why, whylen);
}

uint32_t ds_edit_tags(const ds_edit *e, size_t row)
{
    return ds_overlay_get(&e->ov, row).tags;
}

size_t ds_edit_tag_count(const ds_edit *e)
{
    return e->n_tags;
}

const char *ds_edit_tag_name(const ds_edit *e, size_t i)
{
    return i < e->n_tags ? e->tags[i] : NULL;
}
