/* ds_overlay.c - sorted overlay entries merged with sorted change lists, and
 * the deleted-row list rebuilt after each merge. */
#include "config.h"

#include "ds_overlay.h"

#include <stdlib.h>
#include <string.h>

ds_blob *ds_blob_new(const char *text, size_t len)
{
    ds_blob *b = malloc(sizeof *b + len + 1);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    memcpy(b->text, text, len);
    b->text[len] = '\0';
    return b;
}

ds_blob *ds_blob_ref(ds_blob *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void ds_blob_unref(ds_blob *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

void ds_overlay_init(ds_overlay *o, size_t rows)
{
    *o = (ds_overlay){.rows = rows};
}

void ds_overlay_free(ds_overlay *o)
{
    for (size_t i = 0; i < o->n; i++)
        ds_blob_unref(o->v[i].st.text);
    free(o->v);
    free(o->del);
    *o = (ds_overlay){0};
}

int ds_overlay_copy(ds_overlay *dst, const ds_overlay *src)
{
    ds_overlay_init(dst, src->rows);
    dst->v = malloc((src->n + 1) * sizeof *dst->v);
    dst->del = malloc((src->n_del + 1) * sizeof *dst->del);
    if (!dst->v || !dst->del) {
        ds_overlay_free(dst);
        ds_overlay_init(dst, src->rows);
        return -1;
    }
    if (src->n)    /* an empty overlay's arrays may be NULL */
        memcpy(dst->v, src->v, src->n * sizeof *dst->v);
    if (src->n_del)
        memcpy(dst->del, src->del, src->n_del * sizeof *dst->del);
    dst->n = src->n;
    dst->n_del = src->n_del;
    dst->del_cap = src->n_del + 1;
    for (size_t i = 0; i < dst->n; i++)
        ds_blob_ref(dst->v[i].st.text);
    return 0;
}

static bool is_default(const ds_row_state *s)
{
    return !s->deleted && !s->tags && !s->text;
}

bool ds_row_state_equal(const ds_row_state *a, const ds_row_state *b)
{
    return a->deleted == b->deleted && a->tags == b->tags && a->text == b->text;
}

/* First entry with row >= ROW. */
static size_t lower_bound(const ds_overlay *o, size_t row)
{
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->v[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

ds_row_state ds_overlay_get(const ds_overlay *o, size_t row)
{
    size_t i = lower_bound(o, row);
    return i < o->n && o->v[i].row == row ? o->v[i].st : (ds_row_state){0};
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static void rebuild_deleted(ds_overlay *o)
{
    o->n_del = 0;
    for (size_t i = 0; i < o->n; i++)
        if (o->v[i].st.deleted)
            o->del[o->n_del++] = o->v[i].row;
}

/* Merges into a new array so a failed allocation leaves O as it was. */
int ds_overlay_set(ds_overlay *o, const ds_row_change *c, size_t n)
{
    ds_row_change *out = malloc((o->n + n + 1) * sizeof *out);
    if (!out || grow((void **)&o->del, &o->del_cap, o->n + n + 1, sizeof *o->del) != 0) {
        free(out);
        return -1;
    }
    size_t a = 0, b = 0, k = 0;
    while (a < o->n || b < n) {
        if (b == n || (a < o->n && o->v[a].row < c[b].row)) {
            out[k++] = o->v[a++];
            continue;
        }
        if (a < o->n && o->v[a].row == c[b].row)
            ds_blob_unref(o->v[a++].st.text);
        if (!is_default(&c[b].st)) {
            out[k] = c[b];
            ds_blob_ref(out[k++].st.text);
        }
        b++;
    }
    free(o->v);
    o->v = out;
    o->n = k;
    rebuild_deleted(o);
    return 0;
}

size_t ds_overlay_visible(const ds_overlay *o)
{
    return o->rows - o->n_del;
}

/* del[j] - j rows are visible before del[j]; the row at K sits after the
 * first j deleted rows where that count first exceeds K. */
size_t ds_overlay_visible_row(const ds_overlay *o, size_t k)
{
    size_t lo = 0, hi = o->n_del;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->del[mid] - mid <= k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return k + lo;
}

size_t ds_overlay_visible_index(const ds_overlay *o, size_t row)
{
    size_t lo = 0, hi = o->n_del;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->del[mid] < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < o->n_del && o->del[lo] == row)
        return SIZE_MAX;
    return row - lo;
}
