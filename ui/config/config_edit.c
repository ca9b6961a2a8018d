/* config_edit.c - what the form's keys do to the document: a value typed,
 * picked or toggled is written with the edits the rules make go with it
 * (config_rules_follow: a quantized base brings adapter: lora, ...) all or
 * none, keys are removed so their default applies, dataset entries are
 * added (their type guessed from the file) and removed, and presets are
 * applied once their diff was shown. */
#include "config_pane_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_check.h"
#include "config_preset.h"
#include "config_rules.h"
#include "ds_type_probe.h"

#define KEY_ESC 27
/* Edits the rules may add to one. */
#define FOLLOW_MAX 4

static const char *const lists[] = {"datasets", "test_datasets"};

static const form_row *cursor_row(const pane_config *p)
{
    return p->cursor < p->form.n ? &p->form.rows[p->cursor] : NULL;
}

/* "; with it: adapter lora, load_in_8bit removed" for the edits that followed. */
static void followed(const config_edit *e, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s", i ? ", " : "; with it: ",
                                 e[i].key, e[i].value ? " " : " removed",
                                 e[i].value ? e[i].value : "");
}

int config_edit_apply(pane_config *p, const char *key, const char *value)
{
    config_edit edits[1 + FOLLOW_MAX];
    edits[0] = (config_edit){key, value};
    size_t n = 1 + config_rules_follow(&p->cfg, key, value, edits + 1, FOLLOW_MAX);
    char err[1024], with[512];
    if (config_doc_apply(p->doc, edits, n, err, sizeof err) != 0) {
        config_pane_say(p, true, "not changed: %s", err);
        return -1;
    }
    followed(edits + 1, n - 1, with, sizeof with);
    config_file_changed(p);
    size_t row = config_form_find(&p->form, key);
    const char *idle = row != SIZE_MAX ? p->form.rows[row].inactive : NULL;
    if (value)
        config_pane_say(p, false, "%s: %s%s%s%s", key, value[0] ? value : "[]", with,
                        idle ? "; no effect while " : "", idle ? idle : "");
    else
        config_pane_say(p, false, "%s removed: its default applies%s", key, with);
    return 0;
}

/* ------------------------------------------------------------ the form's keys */

static void toggle(pane_config *p, const form_row *r)
{
    char norm[16], why[256];
    const char *now = r->given ? r->value : r->key->default_yaml;
    bool on = config_check_input(r->key, now, NULL, norm, sizeof norm, why, sizeof why) == 1 &&
              !strcmp(norm, "true");
    config_edit_apply(p, r->path, on ? "false" : "true");
}

/* The editor on R's value; an absent list's boxes start as its default. */
static void open_value(pane_config *p, const form_row *r)
{
    const char *start = r->given ? r->value : r->key->type == CS_STRLIST && r->key->default_yaml
                                              ? r->key->default_yaml : "";
    config_input_open(&p->input, r->key, start, p->base_dir, &p->value_history);
    p->prompt = CONFIG_PROMPT_VALUE;
}

static void open_add(pane_config *p, int list)
{
    config_input_open(&p->input, config_schema_find(CS_DATASET, "path"), "", p->base_dir,
                      &p->value_history);
    p->add_list = list;
    p->prompt = CONFIG_PROMPT_ADD;
}

static void edit_row(pane_config *p)
{
    const form_row *r = cursor_row(p);
    if (!r || r->kind == FORM_GROUP)
        return;
    if (r->kind == FORM_UNKNOWN) {
        config_pane_say(p, false, "%s is not lathe's key: it stays as it is (x removes it, e "
                        "edits the file)", r->name);
    } else if (r->kind == FORM_ENTRY) {
        p->cursor = config_form_step(&p->form, p->cursor, +1);
        open_value(p, cursor_row(p));
    } else if (r->key->type == CS_DATASETS) {
        open_add(p, !strcmp(r->key->key, "test_datasets"));
    } else if (config_input_toggles(r->key)) {
        toggle(p, r);
    } else {
        open_value(p, r);
    }
}

static void remove_row(pane_config *p)
{
    const form_row *r = cursor_row(p);
    char err[1024];
    if (!r || r->kind == FORM_GROUP)
        return;
    if (r->kind == FORM_ENTRY) {
        if (config_doc_dataset_remove(p->doc, lists[r->list], r->entry, err, sizeof err) != 0) {
            config_pane_say(p, true, "not removed: %s", err);
            return;
        }
        size_t entry = r->entry + 1;
        int list = r->list;
        config_file_changed(p);
        config_pane_say(p, false, "%s entry %zu removed", lists[list], entry);
    } else if (r->key && (r->key->flags & CS_REQUIRED) && r->key->type != CS_DATASETS) {
        config_pane_say(p, true, "%s is required: it has no default to fall back to%s", r->name,
                        r->kind == FORM_ENTRY_KEY ? " (x on the entry's heading removes it)"
                                                  : "");
    } else if (r->key && r->key->type == CS_DATASETS) {
        config_pane_say(p, true, "x on an entry's heading removes that entry");
    } else if (!r->given) {
        config_pane_say(p, false, "%s is not in the file: its default applies already", r->name);
    } else {
        char path[FORM_PATH_MAX];
        snprintf(path, sizeof path, "%s", r->path);
        config_edit_apply(p, path, NULL);
    }
}

/* The cursor's row in view, a third of the way down when it jumped. */
static void show_cursor(pane_config *p)
{
    size_t h = (size_t)config_pane_body_rows(p);
    if (p->cursor < p->top || p->cursor >= p->top + h)
        p->top = p->cursor > h / 3 ? p->cursor - h / 3 : 0;
}

static bool move_key(pane_config *p, int key)
{
    int page = config_pane_body_rows(p) - 1;
    switch (key) {
    case KEY_UP: p->cursor = config_form_step(&p->form, p->cursor, -1); break;
    case KEY_DOWN: p->cursor = config_form_step(&p->form, p->cursor, +1); break;
    case KEY_PPAGE:
    case KEY_NPAGE:
        for (int i = 0; i < page; i++)
            p->cursor = config_form_step(&p->form, p->cursor, key == KEY_NPAGE ? +1 : -1);
        break;
    case KEY_HOME: p->cursor = config_form_first(&p->form); break;
    case KEY_END: p->cursor = p->form.n ? p->form.n - 1 : 0; break;
    default: return false;
    }
    return true;
}

bool config_edit_form_key(pane_config *p, int key)
{
    const form_row *r = cursor_row(p);
    if (move_key(p, key))
        return true;
    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER:
    case ' ': edit_row(p); return true;
    case 'x':
    case KEY_DC: remove_row(p); return true;
    case 'a':
        open_add(p, r && ((r->kind == FORM_KEY && r->key && !strcmp(r->key->key, "test_datasets"))
                          || ((r->kind == FORM_ENTRY || r->kind == FORM_ENTRY_KEY) && r->list)));
        return true;
    default: return false;
    }
}

/* ------------------------------------------------------------ the value editors */

/* The type the records of PATH have: alpaca unless they look like another. */
static const char *guess_type(const pane_config *p, const char *path, char *buf, size_t n)
{
    char full[PATH_MAX * 2], err[256];
    ds_type_probe probe;
    ds_mapping fields = {0};
    snprintf(full, sizeof full, "%s%s%s", path[0] == '/' ? "" : p->base_dir,
             path[0] == '/' ? "" : "/", path);
    bool other = ds_type_probe_path(full, DS_FMT_ALPACA, &fields, DS_TYPE_PROBE_RECORDS, &probe,
                                    err, sizeof err) == 0 && probe.misfits &&
                 probe.looks_like != DS_FMT_AUTO;
    snprintf(buf, n, "%s", other ? ds_format_name(probe.looks_like) : "alpaca");
    return buf;
}

static void add_entry(pane_config *p, const char *path)
{
    char err[1024], type[32];
    int list = p->add_list;
    guess_type(p, path, type, sizeof type);
    if (config_doc_dataset_add(p->doc, lists[list], path, type, err, sizeof err) != 0) {
        config_pane_say(p, true, "not added: %s", err);
        return;
    }
    config_file_changed(p);
    char at[FORM_PATH_MAX];
    snprintf(at, sizeof at, "%s[%zu]", lists[list], config_doc_list_len(p->doc, lists[list]) - 1);
    size_t row = config_form_find(&p->form, at);
    if (row != SIZE_MAX) {
        p->cursor = row;
        show_cursor(p);
    }
    config_pane_say(p, false, "%s: added %s (type %s; Enter on its type changes it)",
                    lists[list], path, type);
}

void config_edit_input_key(pane_config *p, int key)
{
    char value[1024];
    config_prompt kind = p->prompt;
    switch (config_input_key(&p->input, key)) {
    case CONFIG_INPUT_GOING: return;
    case CONFIG_INPUT_REFUSED:
        config_pane_say(p, true, "refused: %s (nothing changed)", p->input.why);
        return;
    case CONFIG_INPUT_CANCEL:
        config_pane_say(p, false, "unchanged");
        break;
    case CONFIG_INPUT_APPLY: {
        const char *v = config_input_value(&p->input, value, sizeof value);
        const form_row *r = cursor_row(p);
        if (kind == CONFIG_PROMPT_ADD && v)
            add_entry(p, v);
        else if (kind == CONFIG_PROMPT_ADD)
            config_pane_say(p, false, "no path: nothing added");
        else if (r)
            config_edit_apply(p, r->path, v);
        break;
    }
    }
    config_input_close(&p->input);
    p->prompt = CONFIG_PROMPT_NONE;
}

void config_edit_jump(pane_config *p, const char *name)
{
    size_t row = config_form_lookup(&p->form, name);
    if (row == SIZE_MAX) {
        const cs_key *near = config_schema_suggest(CS_TOP, name);
        config_pane_say(p, true, "no key %s%s%s%s", name, near ? "; did you mean " : "",
                        near ? near->key : "", near ? "?" : "");
        return;
    }
    p->cursor = row;
    show_cursor(p);
}

/* ------------------------------------------------------------ presets */

void config_edit_preset_preview(pane_config *p, int top_n)
{
    const config_preset *pr = &config_presets[p->preset_sel];
    char err[1024];
    config_diff_free(&p->diff);
    if (config_preset_preview(p->doc, pr, top_n, 2, &p->diff, err, sizeof err) != 0) {
        config_pane_say(p, true, "preset %s: %s", pr->title, err);
        return;
    }
    p->top_n = top_n;
    snprintf(p->diff_title, sizeof p->diff_title, "Preset %s: what it changes in %s (+%zu -%zu)",
             pr->title, config_doc_path(p->doc), p->diff.added, p->diff.removed);
    p->view = CONFIG_VIEW_DIFF;
    p->view_top = 0;
    if (p->diff.n)
        p->prompt = CONFIG_CONFIRM_PRESET;
    else
        config_pane_say(p, false, "the config has every setting of %s already", pr->title);
}

void config_edit_preset_apply(pane_config *p)
{
    const config_preset *pr = &config_presets[p->preset_sel];
    char err[1024];
    if (config_preset_apply(p->doc, pr, p->top_n, err, sizeof err) != 0) {
        config_pane_say(p, true, "preset %s not applied: %s", pr->title, err);
        return;
    }
    config_file_changed(p);
    config_pane_say(p, false, "applied %s (+%zu -%zu lines, not saved yet: d shows them)",
                    pr->title, p->diff.added, p->diff.removed);
}
