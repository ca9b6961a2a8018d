/* ds_action.h - one cleaning action of the Data pane, as the edit session
 * (ds_edit.h) applies it and a recipe (ds_recipe.h) stores it. An action says
 * what to do, not which rows it hit: replaying it over the same input finds
 * the same rows again.
 *
 *   delete, restore   rows: record indices (0-based here, 1-based in recipes)
 *   drop, keep, tag   filter: a filter expression (ds_filter.h); tag: a name
 *   whitespace        trim every string value and normalise its whitespace
 *   nfc               Unicode NFC of every string value
 *   drop_empty        drop records with a blank text they need (ds_record_is_empty)
 *   dedupe            drop exact duplicates of an earlier visible record
 *   near_dedupe       drop near duplicates (ds_neardup.h) of an earlier visible
 *                     record; threshold: the Jaccard similarity, in (0, 1]
 *   redact_pii        replace each PII hit (ds_pii.h) in every string value
 *                     by its kind in brackets: [EMAIL], [PHONE], [CREDIT_CARD],
 *                     [API_KEY], [SECRET]
 *   replace           rows[0]: the record; json: its new text
 */
#ifndef LATHE_DS_ACTION_H
#define LATHE_DS_ACTION_H

#include <stddef.h>

typedef enum {
    DS_ACT_DELETE,
    DS_ACT_RESTORE,
    DS_ACT_DROP,
    DS_ACT_KEEP,
    DS_ACT_TAG,
    DS_ACT_WHITESPACE,
    DS_ACT_NFC,
    DS_ACT_DROP_EMPTY,
    DS_ACT_DEDUPE,
    DS_ACT_NEAR_DEDUPE,
    DS_ACT_REDACT_PII,
    DS_ACT_REPLACE,
    DS_ACT_COUNT
} ds_action_kind;

/* Which fields an action kind carries. */
enum {
    DS_ARG_ROWS = 1, DS_ARG_ROW = 2, DS_ARG_FILTER = 4, DS_ARG_TAG = 8, DS_ARG_JSON = 16,
    DS_ARG_THRESHOLD = 32
};

typedef struct {
    ds_action_kind kind;
    size_t *rows;
    size_t n_rows;
    char *filter, *tag, *json;
    double threshold;
} ds_action;

const char *ds_action_name(ds_action_kind k);
/* Returns 0 and sets *OUT for a known name, else -1. */
int ds_action_parse_name(const char *name, ds_action_kind *out);
unsigned ds_action_args(ds_action_kind k);
/* Deep copy; -1 when out of memory (DST is then empty). */
int ds_action_copy(ds_action *dst, const ds_action *src);
void ds_action_clear(ds_action *a);

#endif
