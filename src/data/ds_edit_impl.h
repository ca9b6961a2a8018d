/* ds_edit_impl.h - what ds_edit.c (steps, undo/redo) and ds_edit_actions.c
 * (what each action changes) share: the session and the change list an
 * action fills. Not for use outside those two files. */
#ifndef LATHE_DS_EDIT_IMPL_H
#define LATHE_DS_EDIT_IMPL_H

#include <stdatomic.h>

#include "ds_edit.h"
#include "ds_overlay.h"

typedef struct {
    ds_action action;
    ds_row_change *before, *after;   /* the same rows, in increasing order */
    size_t n;
} ds_edit_step_rec;

struct ds_edit {
    dataset *ds;
    ds_overlay ov;
    ds_edit_step_rec *steps;
    size_t n_steps, n_done, cap_steps;
    char *tags[DS_EDIT_MAX_TAGS];
    size_t n_tags;
    ds_edit_tokens tok;
    atomic_size_t done;    /* rows the running action's pass has reached */
    atomic_bool cancel;
};

/* New states for rows, pushed in increasing row order; each state owns one
 * reference to its text blob. */
typedef struct {
    ds_row_change *v;
    size_t n, cap;
} ds_change_list;

/* Pushes ROW's new state ST, taking over ST's blob reference (dropped on failure). */
int ds_changes_push(ds_change_list *c, size_t row, ds_row_state st);
void ds_changes_free(ds_change_list *c);

/* For each row a pass looks at: notes the progress and returns true, with
 * "PATH: cancelled" in ERR, once ds_edit_cancel asked the action to stop. */
bool ds_edit_stopped(ds_edit *e, size_t row, char *err, size_t errlen);

/* Called for each visible row with its record, or NULL when the row does
 * not parse; nonzero stops the walk and is returned. */
typedef int (*ds_edit_row_fn)(ds_edit *e, size_t row, const ds_record *rec, void *ctx,
                              char *err, size_t errlen);
/* Calls FN on every visible row in order (ds_edit_stopped between rows).
 * 0, FN's nonzero result, or -1 with ERR once cancelled. */
int ds_edit_each_row(ds_edit *e, ds_edit_row_fn fn, void *ctx, char *err, size_t errlen);

/* "PATH: out of memory" in ERR; returns -1. */
int ds_edit_oom(ds_edit *e, char *err, size_t errlen);

/* Fills C with what action A changes in E's current state. -1 with ERR. */
int ds_edit_plan(ds_edit *e, const ds_action *a, ds_change_list *c, char *err, size_t errlen);

/* Row bitsets over all rows (ds_edit_rows / 8 + 1 bytes, zeroed by the
 * caller), set for visible rows only (ds_edit_marks.c):
 * exact duplicates of an earlier visible row; near duplicates at THRESHOLD
 * (exact ones included); rows FILTER matches (ERR "filter: column C: ..."). */
int ds_edit_mark_dups(ds_edit *e, uint8_t *bits, char *err, size_t errlen);
int ds_edit_mark_near(ds_edit *e, double threshold, uint8_t *bits, char *err, size_t errlen);
int ds_edit_mark_filter(ds_edit *e, const char *filter, uint8_t *bits, char *err,
                        size_t errlen);

static inline bool ds_bit(const uint8_t *bits, size_t i)
{
    return bits[i / 8] >> (i % 8) & 1;
}

static inline void ds_bit_set(uint8_t *bits, size_t i)
{
    bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

#endif
