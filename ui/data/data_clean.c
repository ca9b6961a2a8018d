/* data_clean.c - the Data pane's edits: every change is a ds_action applied
 * to the pane's ds_edit session, so undo/redo, the recipe and the saved
 * bytes all come from the editing layer (ds_edit.h, ds_save.h, ds_split.h)
 * and `lathe data clean IN --recipe OUT.recipe.yaml` replays a save exactly.
 * Actions over the whole dataset (clean menu, bulk) run on a data_job; one
 * row's (delete, restore, replace) are applied at once. After each change
 * the view is rebuilt (deleted rows leave it), cached metrics go stale
 * (edit_gen) and the filter runs again. */
#include "config.h"

#include "data_pane_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_editor.h"
#include "text.h"
#include "theme.h"
#include "ds_save.h"
#include "ds_split.h"
#include "plural.h"

bool data_clean_ready(pane_data *p)
{
    if (p->edit)
        return true;
    data_source_state st;
    data_source_state_get(p->src, &st);
    dataset *ds = data_source_dataset(p->src);
    if (!dataset_checked(ds)) {
        data_pane_say(p, true, "editing waits for indexing and the check (%s %.0f%%)",
                      st.stage == DATA_STAGE_INDEX ? "indexing" : "checking", st.fraction * 100);
        return false;
    }
    char err[256];
    if (!(p->edit = ds_edit_new(ds, err, sizeof err))) {
        data_pane_say(p, true, "%s", err);
        return false;
    }
    int64_t seq = data_source_sequence_len(p->src);
    ds_edit_set_tokens(p->edit, &(ds_edit_tokens){data_source_vocab(p->src),
                                                   data_source_model(p->src),
                                                   data_source_template(p->src),
                                                   seq > 0 && seq <= UINT32_MAX ? (uint32_t)seq
                                                                                : 0});
    return true;
}

/* After the session changed; NEW_STEP: an action was added (not an undo or
 * redo). Unsaved edits are any step list other than the saved one: undoing
 * back to it is clean again, a new step after undoing past it never is. */
size_t data_clean_unsaved(const pane_data *p)
{
    size_t steps = p->edit ? ds_edit_step_count(p->edit) : 0;
    if (p->saved_steps == SIZE_MAX)
        return steps;
    return steps > p->saved_steps ? steps - p->saved_steps : p->saved_steps - steps;
}

static void changed(pane_data *p, bool new_step)
{
    size_t steps = ds_edit_step_count(p->edit);
    if (new_step && steps <= p->saved_steps)
        p->saved_steps = SIZE_MAX;
    p->edit_gen++;
    p->dirty = steps != p->saved_steps;
    p->doc_width = 0;       /* detail and preview rebuild from the new text */
    data_pane_rebuild(p);
    data_pane_refilter(p);
}

static int apply(pane_data *p, const ds_action *a, const char *what)
{
    if (!data_clean_ready(p))
        return -1;
    data_pane_stop_workers(p);
    size_t n = 0;
    char err[1024];
    if (ds_edit_apply(p->edit, a, &n, err, sizeof err) != 0) {
        data_pane_say(p, true, "%s: %s", what, err);
        data_pane_refilter(p);
        return -1;
    }
    changed(p, true);
    data_pane_say(p, false, "%s: %zu row%s changed (u undoes)", what, n, plural_s(n));
    return 0;
}

bool data_clean_start(pane_data *p, const ds_action *a, const char *what)
{
    if (!data_clean_ready(p))
        return false;
    data_pane_stop_workers(p);
    char err[512];
    if (!(p->job = data_job_start(p->edit, a, p->notify, err, sizeof err))) {
        data_pane_say(p, true, "%s: %s", what, err);
        data_pane_refilter(p);
        return false;
    }
    snprintf(p->job_what, sizeof p->job_what, "%s", what);
    return true;
}

void data_clean_poll(pane_data *p)
{
    int rc;
    size_t n;
    char err[1024];
    if (!p->job || !data_job_poll(p->job, &rc, &n, err, sizeof err))
        return;
    data_job_free(p->job);
    p->job = NULL;
    if (rc != 0) {
        data_pane_say(p, true, "%s: %s", p->job_what, err);
        data_pane_refilter(p);
        return;
    }
    changed(p, true);
    data_pane_say(p, false, "%s: %zu row%s changed (u undoes)", p->job_what, n,
                  plural_s(n));
}

void data_clean_job_draw(pane_data *p, WINDOW *w, int y)
{
    size_t done, total;
    data_job_progress(p->job, &done, &total);
    text_putf(w, y, p->super.x + 1, p->super.w - 2, theme_attr(THEME_ACCENT),
              "%s: %zu of %zu rows (Esc cancels)", p->job_what, done, total);
}

/* The record the key is about: the table's row, or the one shown. */
static bool current_record(pane_data *p, size_t *record)
{
    if (p->mode != DATA_MODE_TABLE) {
        *record = p->shown;
        return true;
    }
    if (data_view_len(&p->view) == 0)
        return false;
    *record = data_view_row(&p->view, p->cursor);
    return true;
}

void data_clean_toggle_delete(pane_data *p)
{
    size_t record;
    if (!current_record(p, &record) || !data_clean_ready(p))
        return;
    bool restore = ds_edit_deleted(p->edit, record);
    ds_action a = {.kind = restore ? DS_ACT_RESTORE : DS_ACT_DELETE, .rows = &record, .n_rows = 1};
    char what[64];
    snprintf(what, sizeof what, "%s record %zu", restore ? "restored" : "deleted", record + 1);
    apply(p, &a, what);
}

void data_clean_undo(pane_data *p, bool redo)
{
    if (!data_clean_ready(p))
        return;
    data_pane_stop_workers(p);
    size_t before = ds_edit_step_count(p->edit);
    const ds_action *last = before ? ds_edit_step(p->edit, before - 1) : NULL;
    const char *name = last ? ds_action_name(last->kind) : "";
    if (!(redo ? ds_edit_redo(p->edit) : ds_edit_undo(p->edit))) {
        data_pane_say(p, true, "nothing to %s", redo ? "redo" : "undo");
        data_pane_refilter(p);
        return;
    }
    if (redo)
        name = ds_action_name(ds_edit_step(p->edit, ds_edit_step_count(p->edit) - 1)->kind);
    changed(p, false);
    data_pane_say(p, false, "%s: %s (%zu step%s)", redo ? "redone" : "undone", name,
                  ds_edit_step_count(p->edit), plural_s(ds_edit_step_count(p->edit)));
}

void data_clean_menu_key(pane_data *p, int key)
{
    static const struct { int key; ds_action_kind kind; const char *what; } menu[] = {
        {'w', DS_ACT_WHITESPACE, "trimmed and normalised whitespace"},
        {'n', DS_ACT_NFC, "Unicode NFC"},
        {'e', DS_ACT_DROP_EMPTY, "dropped empty records"},
        {'d', DS_ACT_DEDUPE, "dropped exact duplicates"},
        {'a', DS_ACT_NEAR_DEDUPE, "dropped near duplicates"},
        {'p', DS_ACT_REDACT_PII, "redacted PII"},
    };
    for (size_t i = 0; i < sizeof menu / sizeof menu[0]; i++) {
        if (menu[i].key != key)
            continue;
        data_source_state st;
        data_source_state_get(p->src, &st);
        ds_action a = {.kind = menu[i].kind, .threshold = st.near_threshold};
        data_clean_start(p, &a, menu[i].what);
        return;
    }
    data_pane_say(p, true, "clean: no action on that key");
}

void data_clean_bulk_key(pane_data *p, int key)
{
    ds_action a = {.kind = key == 'k' ? DS_ACT_KEEP : DS_ACT_DROP, .filter = p->filter_text};
    char what[320];
    if (key == 't') {
        data_pane_prompt(p, DATA_PROMPT_TAG, NULL);
        return;
    }
    if (key != 'd' && key != 'k') {
        data_pane_say(p, true, "bulk: no action on that key");
        return;
    }
    snprintf(what, sizeof what, "%s rows where %.200s",
             key == 'k' ? "kept only the" : "dropped the", p->filter_text);
    data_clean_start(p, &a, what);
}

void data_clean_tag(pane_data *p, const char *tag)
{
    if (!tag[0]) {
        data_pane_say(p, true, "no tag given");
        return;
    }
    ds_action a = {.kind = DS_ACT_TAG, .filter = p->filter_text, .tag = (char *)tag};
    char what[320];
    snprintf(what, sizeof what, "tagged %.60s the rows where %.200s", tag, p->filter_text);
    data_clean_start(p, &a, what);
}

/* The text to edit: the draft that failed last time, or the record pretty-printed
 * (as it is when it is not JSON). */
static char *edit_text(pane_data *p, size_t record)
{
    if (p->draft && p->draft_of == record)
        return strdup(p->draft);
    size_t len;
    const char *raw = data_pane_text(p, record, &len);
    json_error_t je;
    json_t *j = json_loadb(raw, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    char *pretty = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (pretty) {
        char *out = malloc(strlen(pretty) + 2);
        if (out)
            snprintf(out, strlen(pretty) + 2, "%s\n", pretty);
        free(pretty);
        return out;
    }
    return strndup(raw, len);
}

void data_clean_edit_record(pane_data *p)
{
    size_t record;
    if (!current_record(p, &record) || !data_clean_ready(p))
        return;
    char *text = edit_text(p, record), *out = NULL, err[512];
    if (!text) {
        data_pane_say(p, true, "out of memory editing record %zu", record + 1);
        return;
    }
    p->repaint = true;      /* the editor had the terminal */
    if (data_editor_run(text, &out, err, sizeof err) != 0) {
        data_pane_say(p, true, "%s", err);
    } else if (strcmp(out, text) == 0 && !(p->draft && p->draft_of == record)) {
        data_pane_say(p, false, "record %zu unchanged", record + 1);
    } else {
        char what[64];
        snprintf(what, sizeof what, "edited record %zu", record + 1);
        ds_action a = {.kind = DS_ACT_REPLACE, .rows = &record, .n_rows = 1, .json = out};
        if (apply(p, &a, what) == 0) {
            free(p->draft);
            p->draft = NULL;
        } else {
            size_t used = strlen(p->message);
            snprintf(p->message + used, sizeof p->message - used, "; your text is kept: e again");
            free(p->draft);
            p->draft = out;
            p->draft_of = record;
            out = NULL;
        }
    }
    free(out);
    free(text);
}

void data_clean_save(pane_data *p, const char *path, bool overwrite)
{
    if (!path[0]) {
        data_pane_say(p, true, "no file name: nothing saved");
        return;
    }
    if (!data_clean_ready(p))
        return;
    ds_save_options o = {overwrite};
    ds_save_result r;
    char err[1024];
    int rc = ds_save(p->edit, path, &o, &r, err, sizeof err);
    if (rc == DS_SAVE_NEEDS_OVERWRITE) {
        snprintf(p->save_to, sizeof p->save_to, "%s", path);
        data_pane_prompt(p, DATA_CONFIRM_OVERWRITE, NULL);
        return;
    }
    if (rc != DS_SAVE_OK) {
        data_pane_say(p, true, "%s", err);
        return;
    }
    p->dirty = false;
    p->saved_steps = ds_edit_step_count(p->edit);
    data_recover_saved(p);
    data_pane_say(p, false, "saved %zu records to %s, recipe %s%s%s", r.written, path, r.recipe,
                  r.backup[0] ? ", backup " : "", r.backup);
}

/* "0.1 seed=7" or "500": the validation size and an optional seed. */
static int parse_split(const char *spec, ds_split_spec *out)
{
    char val[64];
    unsigned long long seed = 1;
    int n = sscanf(spec, "%63s seed=%llu", val, &seed);
    if (n < 1 || ds_split_parse_val(val, out) != 0)
        return -1;
    out->seed = seed;
    return 0;
}

void data_clean_split(pane_data *p, const char *spec)
{
    ds_split_spec sp;
    if (parse_split(spec, &sp) != 0) {
        data_pane_say(p, true, "split: expected a fraction (0.1) or a count (500), then seed=N");
        return;
    }
    if (!data_clean_ready(p))
        return;
    char prefix[4096], err[1024];
    data_clean_default_path(p, NULL, prefix, sizeof prefix);
    ds_split_result r;
    if (ds_split_save(p->edit, &sp, prefix, &r, err, sizeof err) != 0) {
        data_pane_say(p, true, "split: %s", err);
        return;
    }
    data_pane_say(p, false, "split: %zu records to %s, %zu to %s", r.train, r.train_path, r.val,
                  r.val_path);
}

void data_clean_default_path(const pane_data *p, const char *suffix, char *buf, size_t n)
{
    static const char *const exts[] = {".jsonl.gz", ".json.gz", ".jsonl", ".json", ".gz"};
    size_t len = strlen(p->path), cut = len;
    const char *ext = "";
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t el = strlen(exts[i]);
        if (len > el && strcmp(p->path + len - el, exts[i]) == 0) {
            cut = len - el;
            ext = exts[i];
            break;
        }
    }
    if (suffix)
        snprintf(buf, n, "%.*s%s%s", (int)cut, p->path, suffix, ext);
    else
        snprintf(buf, n, "%.*s", (int)cut, p->path);
}

int data_clean_steps(const pane_data *p, ds_action **steps, size_t *n)
{
    size_t count = p->edit ? ds_edit_step_count(p->edit) : 0;
    *steps = NULL;
    *n = 0;
    if (!count)
        return 0;
    ds_action *v = calloc(count, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (ds_action_copy(&v[i], ds_edit_step(p->edit, i)) != 0) {
            data_clean_free_steps(v, i);
            return -1;
        }
    }
    *steps = v;
    *n = count;
    return 0;
}

void data_clean_free_steps(ds_action *steps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ds_action_clear(&steps[i]);
    free(steps);
}

void data_clean_replay(pane_data *p)
{
    if (!p->replay || !dataset_checked(data_source_dataset(p->src)) || !data_clean_ready(p))
        return;
    size_t took = 0, rows;
    char err[512], first[600] = "";
    for (size_t i = 0; i < p->n_replay; i++) {
        if (ds_edit_apply(p->edit, &p->replay[i], &rows, err, sizeof err) == 0)
            took++;
        else if (!first[0])
            snprintf(first, sizeof first, "; %s: %s", ds_action_name(p->replay[i].kind), err);
    }
    size_t n = p->n_replay;
    data_clean_free_steps(p->replay, n);
    p->replay = NULL;
    p->n_replay = 0;
    if (took)
        changed(p, true);
    data_pane_say(p, took < n, "reloaded; %zu of %zu edit steps replayed on it (u undoes)%s",
                  took, n, first);
}
