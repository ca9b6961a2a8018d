/* ds_view.h - the records a whole-dataset pass reads: the dataset as opened,
 * or an edit session's rows as they stand at one moment (deleted rows left
 * out, replaced rows read from their new text). The stats pass (ds_stats.h)
 * reads through a view, so the same pass describes the file or the edits.
 *
 * A view of edits holds a copy of the session's overlay (ds_overlay_copy),
 * so the session may go on changing while other threads read the view.
 * Positions 0..ds_view_count-1 are the rows in file order; every function
 * but ds_view_free may be called from any number of threads at once. */
#ifndef LATHE_DS_VIEW_H
#define LATHE_DS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "ds_overlay.h"

typedef struct ds_view ds_view;

/* A view of DS (checked, borrowed: it must outlive the view) through OV, or
 * as opened when OV is NULL. NULL with ERR when out of memory. */
ds_view *ds_view_new(dataset *ds, const ds_overlay *ov, char *err, size_t errlen);
void ds_view_free(ds_view *v);

dataset *ds_view_dataset(const ds_view *v);
/* False for the file as opened: its duplicates and problems are the check's. */
bool ds_view_edited(const ds_view *v);
size_t ds_view_count(const ds_view *v);
/* The file's record at position K (< ds_view_count). */
size_t ds_view_record(const ds_view *v, size_t k);
/* The position of RECORD, or SIZE_MAX when it is not in the view. */
size_t ds_view_position(const ds_view *v, size_t record);
/* The record at position K parsed, as dataset_get; a record the check found
 * bad is DATASET_PROBLEM without parsing. Clear REC (ds_record_clear) either way. */
int ds_view_get(const ds_view *v, size_t k, ds_record *rec, char *why, size_t whylen);
/* Problems of the records in the view plus those outside any record. */
size_t ds_view_problems(const ds_view *v);

#endif
