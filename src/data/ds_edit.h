/* ds_edit.h - an edit session over an open dataset: the Data pane's cleaning
 * model, and the one `lathe data clean` replays from a recipe.
 *
 * The dataset file is never modified. Each row's edits (deleted, replaced
 * JSON text, tags) live in an overlay (ds_overlay.h) whose memory grows with
 * the rows edited; the visible rows (not deleted) are paged by position.
 * Every action (ds_action.h) becomes one undoable step holding the rows it
 * changed, before and after; the steps done so far, in order, are the
 * session's recipe, and replaying them on the same file gives the same state.
 *
 * Actions that look at content see each visible row's current text and skip
 * records that do not parse; replace validates the new JSON with jansson and
 * the dataset's format first. Filter actions (drop, keep, tag) evaluate a
 * ds_filter.h expression on the current state: features from the current
 * text, `problem` for rows that do not parse, and `dup` / `near_dup` found
 * among the visible rows as they are now (keep-first), so a replay computes
 * the same rows. `tokens` and `too_long` use the tokenizer, chat template
 * and sequence length given by ds_edit_set_tokens (default: the byte
 * estimate and no limit; with a template, a record's tokens are its trained
 * length, ds_features.h): a replay must be given the same to select the
 * same rows, so a saved recipe records them (ds_recipe.h `tokens:`).
 *
 * One thread owns a session. An action over a million rows takes seconds, so
 * ds_edit_apply may run on a worker thread; while it runs, other threads may
 * call only ds_edit_progress and ds_edit_cancel. The dataset's index must be
 * complete (dataset_build returned 0). */
#ifndef LATHE_DS_EDIT_H
#define LATHE_DS_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "dataset.h"
#include "ds_action.h"
#include "ds_view.h"
#include "tok.h"

typedef struct ds_edit ds_edit;

/* Tags are names interned per session; a row holds at most this many. */
enum { DS_EDIT_MAX_TAGS = 32 };

/* DS is borrowed and must outlive the session. */
ds_edit *ds_edit_new(dataset *ds, char *err, size_t errlen);
void ds_edit_free(ds_edit *e);
dataset *ds_edit_dataset(const ds_edit *e);
/* How the session counts tokens; a saved recipe records it (ds_save.h). */
typedef struct {
    const tok_vocab *vocab;    /* NULL: the byte estimate */
    const char *model;         /* the path VOCAB was loaded from (NULL: unknown) */
    chat_tmpl tmpl;            /* CHAT_TMPL_UNKNOWN: totals are field sums */
    uint32_t sequence_len;     /* 0: no limit */
} ds_edit_tokens;

/* T's vocab and model are borrowed and must outlive the session. */
void ds_edit_set_tokens(ds_edit *e, const ds_edit_tokens *t);
const ds_edit_tokens *ds_edit_get_tokens(const ds_edit *e);

/* Applies A as a new step (dropping any steps undone before it). *CHANGED
 * (may be NULL) gets the number of rows whose state changed; an action that
 * changes nothing is still a step, so the recipe says what was asked.
 * -1 with ERR on failure, the session unchanged. For replace, ERR reads
 * "record N: line L, column C: ..." for invalid JSON, or names what does not
 * fit the format; the caller keeps its text so the user can fix it. */
int ds_edit_apply(ds_edit *e, const ds_action *a, size_t *changed, char *err, size_t errlen);
/* Rows (of ds_edit_rows) the running action's current pass has reached; a
 * filter reading dup or near_dup makes more than one pass. */
size_t ds_edit_progress(const ds_edit *e);
/* Asks the running ds_edit_apply to stop: it fails with "cancelled" and the
 * session stays as it was. Asked with no action running, it stops the next
 * action that scans the rows. */
void ds_edit_cancel(ds_edit *e);
bool ds_edit_can_undo(const ds_edit *e);
bool ds_edit_can_redo(const ds_edit *e);
/* Return false when there is nothing to undo/redo (or, for redo, out of memory). */
bool ds_edit_undo(ds_edit *e);
bool ds_edit_redo(ds_edit *e);

/* The steps done so far (the recipe), oldest first. */
size_t ds_edit_step_count(const ds_edit *e);
const ds_action *ds_edit_step(const ds_edit *e, size_t i);

/* Rows: all of the file's records; visible: those not deleted. */
size_t ds_edit_rows(const ds_edit *e);
size_t ds_edit_visible_count(const ds_edit *e);
size_t ds_edit_visible_row(const ds_edit *e, size_t k);
/* Visible position of ROW, or SIZE_MAX when it is deleted. */
size_t ds_edit_visible_index(const ds_edit *e, size_t row);
bool ds_edit_deleted(const ds_edit *e, size_t row);
bool ds_edit_replaced(const ds_edit *e, size_t row);
/* The row's current JSON text (replacement or the file's bytes; not NUL-terminated). */
const char *ds_edit_text(const ds_edit *e, size_t row, size_t *len);
/* The row's current text parsed; as dataset_get. */
int ds_edit_get(ds_edit *e, size_t row, ds_record *rec, char *why, size_t whylen);
/* The rows as they are now (deleted ones left out, edited texts), for a
 * pass on other threads while the session goes on (ds_view.h); the
 * caller frees it. NULL with ERR when out of memory. */
ds_view *ds_edit_view(const ds_edit *e, char *err, size_t errlen);
/* Bit i set: the row has tag ds_edit_tag_name(e, i). */
uint32_t ds_edit_tags(const ds_edit *e, size_t row);
size_t ds_edit_tag_count(const ds_edit *e);
const char *ds_edit_tag_name(const ds_edit *e, size_t i);

#endif
