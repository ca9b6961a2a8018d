/* config_draw.c - the Config pane's header, its form (a row per key: name,
 * value, then its default, range or choices and help as far as the width
 * goes; values set away from their default stand out, keys without effect
 * are dimmed with the reason, problems marked), the line describing the
 * row under the cursor, the prompt line, and the list and checkbox editors
 * drawn over the form. */
#include "config_pane_impl.h"

#include <stdio.h>
#include <string.h>

#include "box.h"
#include "crt.h"
#include "text.h"
#include "theme.h"

#define KEY_W 30                  /* the key column, indent included */

static int value_width(const pane_config *p)
{
    return p->super.w >= 120 ? 26 : p->super.w >= 100 ? 22 : 18;
}

void config_draw_header(pane_config *p, WINDOW *w)
{
    const pane *b = &p->super;
    int x = b->x + 1, width = b->w - 2, used = 0;
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    char est[160], what[64];
    bool bad = false;
    used += text_put(w, b->y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Config ");
    used += text_put(w, b->y, x + used, width - used, theme_attr(THEME_TEXT) | A_BOLD,
                     config_doc_path(p->doc));
    if (config_doc_modified(p->doc)) {
        config_file_unsaved(p, what, sizeof what);
        used += text_putf(w, b->y, x + used, width - used, theme_attr(THEME_ACCENT),
                          " %s unsaved %s", dot, what);
    }
    if (p->diags.errors)
        used += text_putf(w, b->y, x + used, width - used, theme_attr(THEME_ERROR), " %s %zu "
                          "error%s", dot, p->diags.errors, p->diags.errors == 1 ? "" : "s");
    config_estimate_summary(p, est, sizeof est, &bad);
    int ew = text_width(est);
    if (ew && ew < width - used - 2)     /* the estimate's summary where it fits */
        text_put(w, b->y, x + width - ew, ew, theme_attr(bad ? THEME_ERROR : THEME_DIM), est);
}

/* Default, range or choices, then the help: as much as fits. */
static void about(const form_row *r, char *buf, size_t n)
{
    char def[128], range[256];
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    if (r->kind == FORM_ENTRY) {
        snprintf(buf, n, "x removes this entry");
        return;
    }
    if (r->kind == FORM_UNKNOWN || r->note[0]) {
        snprintf(buf, n, "%s", r->note);
        return;
    }
    if (r->inactive) {
        snprintf(buf, n, "no effect: %s", r->inactive);
        return;
    }
    config_form_default(r->key, def, sizeof def);
    if (r->key->choices)
        config_choices_text(r->key, range, sizeof range);
    else
        config_range_text(r->key, range, sizeof range);
    int k = snprintf(buf, n, "%s%s", r->key->default_yaml ? "default " : "", def);
    if (range[0] && k > 0 && (size_t)k < n)
        k += snprintf(buf + k, n - (size_t)k, " %s %s%s", dot, r->key->choices ? "one of " : "",
                      range);
    if (k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, " %s %s", dot, r->key->help);
}

/* What an absent key's value is, short: its default, "unset" or "required". */
static void absent(const cs_key *k, char *buf, size_t n)
{
    if (k->default_yaml)
        config_form_default(k, buf, n);
    else
        snprintf(buf, n, "%s", (k->flags & CS_REQUIRED) ? "(required)" : "unset");
}

static theme_role value_role(const form_row *r)
{
    if (r->kind == FORM_UNKNOWN || r->inactive)
        return THEME_DIM;
    if (!r->given)
        return r->key && (r->key->flags & CS_REQUIRED) ? THEME_ERROR : THEME_DIM;
    return r->changed ? THEME_ACCENT : THEME_TEXT;
}

static void draw_row(pane_config *p, WINDOW *w, int y, const form_row *r, bool sel)
{
    int x = p->super.x + 1, width = p->super.w - 2, vw = value_width(p);
    attr_t base = sel ? theme_attr(THEME_SELECTION) : 0;
    if (r->kind == FORM_GROUP) {
        text_put(w, y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, r->name);
        return;
    }
    if (sel)
        text_blank(w, y, x, width, base);
    if (r->note[0] && (r->problem_is_error || r->kind != FORM_UNKNOWN))
        text_put(w, y, x, 1, (sel ? base : theme_attr(r->problem_is_error ? THEME_ERROR
                                                                          : THEME_GAUGE_WARN)) | A_BOLD, "!");
    char name[FORM_PATH_MAX + 8], value[FORM_VALUE_MAX + 16], text[1024];
    int indent = r->kind == FORM_ENTRY_KEY ? 5 : r->kind == FORM_ENTRY ? 3 : 1;
    snprintf(name, sizeof name, "%*s%s", indent, "", r->name);
    attr_t key_a = sel ? base : theme_attr(r->inactive || r->kind == FORM_UNKNOWN ? THEME_DIM
                                                                                  : THEME_TEXT);
    text_put(w, y, x + 1, KEY_W - 1, key_a, name);
    if (r->given || !r->key)
        snprintf(value, sizeof value, "%s", r->value);
    else
        absent(r->key, value, sizeof value);
    attr_t val_a = sel ? base : theme_attr(value_role(r));
    text_put(w, y, x + KEY_W, vw, val_a | (r->changed && !r->inactive ? A_BOLD : 0),
             value[0] ? value : "[]");
    about(r, text, sizeof text);
    theme_role ar = r->note[0] && r->kind != FORM_UNKNOWN
                    ? (r->problem_is_error ? THEME_ERROR : THEME_GAUGE_WARN) : THEME_DIM;
    text_put(w, y, x + KEY_W + vw + 1, width - KEY_W - vw - 1, sel ? base : theme_attr(ar), text);
}

void config_draw_form(pane_config *p, WINDOW *w, int y, int h)
{
    int x = p->super.x + 1, vw = value_width(p);
    text_put(w, y - 1, x + 2, KEY_W - 2, theme_attr(THEME_DIM), "key");
    text_put(w, y - 1, x + KEY_W, vw, theme_attr(THEME_DIM), "value");
    text_put(w, y - 1, x + KEY_W + vw + 1, p->super.w - KEY_W - vw - 3, theme_attr(THEME_DIM),
             "default, range or choices, and what it does");
    if (p->cursor < p->top)
        p->top = p->cursor;
    if (p->cursor >= p->top + (size_t)h)
        p->top = p->cursor - (size_t)h + 1;
    for (int row = 0; row < h && p->top + (size_t)row < p->form.n; row++) {
        size_t i = p->top + (size_t)row;
        draw_row(p, w, y + row, &p->form.rows[i], i == p->cursor);
    }
}

/* ------------------------------------------------------------ bottom lines */

static void detail_line(pane_config *p, char *buf, size_t n, theme_role *role)
{
    const form_row *r = p->cursor < p->form.n ? &p->form.rows[p->cursor] : NULL;
    *role = THEME_DIM;
    buf[0] = '\0';
    if (p->view == CONFIG_VIEW_DIFF) {
        snprintf(buf, n, "Up/Down PgUp/PgDn scroll   w save   p presets   Esc back to the form");
    } else if (p->view == CONFIG_VIEW_PRESETS) {
        snprintf(buf, n, "Up/Down choose   Enter show its diff   Esc back to the form");
    } else if (p->view == CONFIG_VIEW_TEMPLATE) {
        snprintf(buf, n, "Up/Down PgUp/PgDn scroll   trained tokens coloured, masked dimmed   Esc "
                 "back");
    } else if (p->view == CONFIG_VIEW_ESTIMATE) {
        snprintf(buf, n, "m measure a few real steps (Esc stops it)   L launch   Esc back");
    } else if (r && r->kind != FORM_GROUP) {
        char text[1024];
        about(r, text, sizeof text);
        if (r->inactive && r->key) {
            snprintf(buf, n, "%s: %s (no effect now: %s)", r->name, r->key->help, r->inactive);
        } else {
            snprintf(buf, n, "%s: %.900s", r->path, text);
            *role = r->note[0] && r->kind != FORM_UNKNOWN
                    ? (r->problem_is_error ? THEME_ERROR : THEME_GAUGE_WARN) : THEME_TEXT;
        }
    }
}

/* The live verdict on the value typed so far. */
static void verdict(const config_input *in, char *buf, size_t n, theme_role *role)
{
    char def[128];
    *role = THEME_DIM;
    if (in->check < 0) {
        snprintf(buf, n, "refused: %s", in->why);
        *role = THEME_ERROR;
    } else if (in->check == 0) {
        config_form_default(in->key, def, sizeof def);
        snprintf(buf, n, "empty: removes the key (%s)", def);
    } else {
        snprintf(buf, n, "ok: writes %.900s", in->norm[0] ? in->norm : "[]");
        *role = THEME_GAUGE_OK;
    }
}

/* The prompt line's question, and in *WHY what it is about (for the line above). */
static const char *prompt_text(const pane_config *p, char *buf, size_t n, char *why, size_t wn)
{
    const form_row *r = p->cursor < p->form.n ? &p->form.rows[p->cursor] : NULL;
    const char *path = p->doc ? config_doc_path(p->doc) : p->path;
    char what[64];
    why[0] = '\0';
    switch (p->prompt) {
    case CONFIG_PROMPT_VALUE: snprintf(buf, n, "%s = ", r ? r->path : "?"); return buf;
    case CONFIG_PROMPT_ADD:
        snprintf(buf, n, "new %s entry, path = ", p->add_list ? "test_datasets" : "datasets");
        return buf;
    case CONFIG_PROMPT_JUMP: return "go to key: ";
    case CONFIG_PROMPT_TOP_N: return "top layers: how many of the last blocks train? ";
    case CONFIG_CONFIRM_SAVE:
        snprintf(buf, n, "write these edits to %.900s? [y/n] ", path);
        return buf;
    case CONFIG_CONFIRM_OVERWRITE:
        snprintf(why, wn, "%.900s changed on disk since it was read", path);
        return "save over it? [y/n] ";
    case CONFIG_CONFIRM_PRESET: return "apply this preset? [y/n] ";
    case CONFIG_CONFIRM_DISK:
        snprintf(why, wn, "%.900s changed on disk, and the form has unsaved edits", path);
        return "[r]eload the file (drops the edits) or [k]eep the edits ";
    case CONFIG_CONFIRM_RECOVER:
        config_file_recover_why(p, why, wn);
        return "restore them? [y]es [n]ot now [d]iscard ";
    case CONFIG_CONFIRM_LAUNCH:
        config_file_unsaved(p, what, sizeof what);
        snprintf(why, wn, "the form has unsaved edits (%s lines)", what);
        return "launch: [s]ave them first, or [u]nsaved (a copy beside the config); Esc: no ";
    case CONFIG_CONFIRM_OPEN:
        snprintf(why, wn, "another pane asks to open %.900s", p->pending_open);
        return "drop the unsaved edits here and open it? [y/n] ";
    default: return "";
    }
}

static void draw_field(pane_config *p, WINDOW *w, int y, int x, line_edit *le, const char *after,
                       theme_role after_role)
{
    int room = p->super.x + p->super.w - 1 - x, field = text_width(line_edit_text(le)) + 1;
    if (field > room / 2)
        field = room / 2 > 8 ? room / 2 : room;
    pane_cursor(&p->super, y, line_edit_draw(le, w, y, x, field, theme_attr(THEME_TEXT),
                                             theme_attr(THEME_SELECTION)));
    if (after)
        text_put(w, y, x + field + 2, room - field - 2, theme_attr(after_role), after);
}

/* Tab's candidates, when it found several. */
static void candidates(const line_edit *le, char *buf, size_t n)
{
    size_t k, used = 0;
    const char *const *c = line_edit_candidates(le, &k);
    buf[0] = '\0';
    for (size_t i = 0; i < k && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? "  " : "Tab: ", c[i]);
}

void config_draw_bottom(pane_config *p, WINDOW *w)
{
    const pane *b = &p->super;
    int x = b->x + 1, width = b->w - 2, y = b->y + b->h - 1;
    char buf[1024], text[1024];
    theme_role role = THEME_DIM;
    line_edit *le = p->prompt == CONFIG_PROMPT_VALUE || p->prompt == CONFIG_PROMPT_ADD
                    ? &p->input.le : &p->line;
    char why[1024];
    const char *question = prompt_text(p, buf, sizeof buf, why, sizeof why);
    if (p->doc) {
        size_t k = 0;
        detail_line(p, text, sizeof text, &role);
        if (p->prompt != CONFIG_PROMPT_NONE && p->prompt <= CONFIG_PROMPT_TOP_N)
            line_edit_candidates(le, &k);
        if (k)
            candidates(le, text, sizeof text);
        text_put(w, y - 1, x, width, theme_attr(why[0] ? THEME_ACCENT : k ? THEME_TEXT : role),
                 why[0] ? why : text);
    }
    if (p->prompt == CONFIG_PROMPT_NONE) {
        if (p->message[0])
            text_put(w, y, x, width, theme_attr(p->message_error ? THEME_ERROR : THEME_TEXT),
                     p->message);
        return;
    }
    int used = text_put(w, y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, question);
    if (p->prompt == CONFIG_PROMPT_JUMP || p->prompt == CONFIG_PROMPT_TOP_N) {
        draw_field(p, w, y, x + used, &p->line, NULL, THEME_DIM);
    } else if ((p->prompt == CONFIG_PROMPT_VALUE || p->prompt == CONFIG_PROMPT_ADD) &&
               p->input.kind == CONFIG_INPUT_LINE) {
        verdict(&p->input, text, sizeof text, &role);
        draw_field(p, w, y, x + used, &p->input.le, text, role);
    } else if (p->prompt == CONFIG_PROMPT_VALUE) {
        text_put(w, y, x + used, width - used, theme_attr(THEME_DIM),
                 p->input.kind == CONFIG_INPUT_CHECKS ? "Space toggles, Enter applies, Esc "
                 "cancels" : "Enter picks, Esc cancels");
    }
}

/* ------------------------------------------------------------ list editors */

void config_draw_input(pane_config *p)
{
    const config_input *in = &p->input;
    int w = 48, top, left;
    for (size_t i = 0; i < in->n; i++)
        if ((int)strlen(in->choices[i]) + 12 > w)
            w = (int)strlen(in->choices[i]) + 12;
    box_draw((int)in->n + 3, w, &top, &left);
    text_putf(stdscr, top, left + 2, w - 4, theme_attr(THEME_ACCENT) | A_BOLD, " %s ",
              in->key->key);
    for (size_t i = 0; i < in->n; i++) {
        int y = top + 1 + (int)i;
        bool sel = i == in->sel;
        attr_t a = theme_attr(sel ? THEME_SELECTION : THEME_TEXT);
        if (sel)
            text_blank(stdscr, y, left + 1, w - 2, a);
        if (in->kind == CONFIG_INPUT_CHECKS)
            text_putf(stdscr, y, left + 2, w - 4, a, "%s [%c] %s", sel ? ">" : " ",
                      in->checked[i] ? 'x' : ' ', in->choices[i]);
        else
            text_putf(stdscr, y, left + 2, w - 4, a, "%s %s", sel ? ">" : " ", in->choices[i]);
    }
    text_put(stdscr, top + (int)in->n + 1, left + 2, w - 4, theme_attr(THEME_DIM),
             in->kind == CONFIG_INPUT_CHECKS ? "Space toggles  Enter applies  Esc cancels"
                                             : "Up/Down  Enter picks  Esc cancels");
}
