/* ds_edit_impl.h - what ds_edit.c (steps, undo/redo) and ds_edit_actions.c
 * (what each action changes) share: the session and the change list an
 * action fills. Not for use outside those two files. */
#ifndef LATHE_DS_EDIT_IMPL_H
#define LATHE_DS_EDIT_IMPL_H

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

/* Fills C with what action A changes in E's current state. -1 with ERR. */
int ds_edit_plan(ds_edit *e, const ds_action *a, ds_change_list *c, char *err, size_t errlen);

#endif
