/* ds_overlay.h - the edited state of a dataset's rows, kept beside the file
 * rather than in it: for each row that differs from the file, whether it is
 * deleted, its replacement JSON text and its tags. Memory grows with the rows
 * edited, not with the rows in the file, and the visible rows (those not
 * deleted) are found by a binary search over the sorted deleted rows, so a
 * pane can page through a million rows without a table of them.
 *
 * Replacement texts are shared, reference-counted blobs: the overlay and
 * every undo step that mentions one hold a reference, and so does a copy of
 * the overlay (ds_overlay_copy) that a background pass reads while the
 * session goes on changing, which is why the count is atomic. */
#ifndef LATHE_DS_OVERLAY_H
#define LATHE_DS_OVERLAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    atomic_size_t refs;
    size_t len;
    char text[];   /* NUL-terminated */
} ds_blob;

/* A blob holding a copy of LEN bytes of TEXT with one reference; NULL when out of memory. */
ds_blob *ds_blob_new(const char *text, size_t len);
ds_blob *ds_blob_ref(ds_blob *b);   /* NULL-safe */
void ds_blob_unref(ds_blob *b);     /* NULL-safe */

typedef struct {
    bool deleted;
    uint32_t tags;   /* bit i: the session's tag i */
    ds_blob *text;   /* NULL: the file's text */
} ds_row_state;

typedef struct {
    size_t row;
    ds_row_state st;
} ds_row_change;

typedef struct {
    size_t rows;            /* rows in the file */
    ds_row_change *v;       /* edited rows, sorted by row */
    size_t n;
    size_t *del;            /* deleted rows, sorted */
    size_t n_del, del_cap;
} ds_overlay;

void ds_overlay_init(ds_overlay *o, size_t rows);
void ds_overlay_free(ds_overlay *o);
/* DST becomes a copy of SRC sharing its blobs (a reference each). -1 when
 * out of memory, with DST empty. */
int ds_overlay_copy(ds_overlay *dst, const ds_overlay *src);
/* The state of ROW (borrowed; the default state when it is not edited). */
ds_row_state ds_overlay_get(const ds_overlay *o, size_t row);
/* Sets the states of N rows given in increasing row order (references to
 * their blobs are taken). -1 when out of memory, with nothing changed. */
int ds_overlay_set(ds_overlay *o, const ds_row_change *c, size_t n);
bool ds_row_state_equal(const ds_row_state *a, const ds_row_state *b);

size_t ds_overlay_visible(const ds_overlay *o);
/* The row shown at visible position K (< ds_overlay_visible). */
size_t ds_overlay_visible_row(const ds_overlay *o, size_t k);
/* The visible position of ROW, or SIZE_MAX when it is deleted. */
size_t ds_overlay_visible_index(const ds_overlay *o, size_t row);

#endif
