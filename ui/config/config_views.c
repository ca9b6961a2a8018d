/* config_views.c - the Config pane's text views: lines emitted one by one
 * into a scrolled window (config_lines), the diff of the file against the
 * edits (or a preset's preview) and the list of presets. */
#include "config_pane_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_preset.h"
#include "crt.h"
#include "text.h"
#include "text_clean.h"

void config_lines_put(config_lines *l, theme_role role, bool bold, const char *fmt, ...)
{
    size_t row = l->row++;
    if (row < l->top || row >= l->top + (size_t)l->h)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_put(l->w, l->y + (int)(row - l->top), l->x, l->width,
             theme_attr(role) | (bold ? A_BOLD : 0), buf);
}

bool config_lines_key(size_t *top, size_t n, int page, int key)
{
    size_t pg = page > 0 ? (size_t)page : 1;
    switch (key) {
    case KEY_UP: *top -= *top > 0; break;
    case KEY_DOWN: *top += *top + 1 < n; break;
    case KEY_PPAGE: *top = *top > pg ? *top - pg : 0; break;
    case KEY_NPAGE: *top = *top + pg < n ? *top + pg : *top; break;
    case KEY_HOME: *top = 0; break;
    case KEY_END: *top = n > pg ? n - pg : 0; break;
    default: return false;
    }
    return true;
}

/* ------------------------------------------------------------ diff */

void config_views_show_diff(pane_config *p)
{
    char what[64];
    config_diff_free(&p->diff);
    if (config_doc_diff(p->doc, 3, &p->diff) != 0) {
        config_pane_say(p, true, "out of memory comparing the edits with the file");
        return;
    }
    config_file_unsaved(p, what, sizeof what);
    snprintf(p->diff_title, sizeof p->diff_title, "Diff: %s on disk (-) against the edits (+), %s lines",
             config_doc_path(p->doc), what);
    p->view = CONFIG_VIEW_DIFF;
    p->view_top = 0;
    if (!p->diff.n)
        config_pane_say(p, false, "no edits: the form holds what the file holds");
}

static void diff_line(config_lines *l, const config_diff_line *d)
{
    static const char marks[] = {'@', ' ', '-', '+'};
    static const theme_role roles[] = {THEME_ACCENT, THEME_TEXT, THEME_ERROR, THEME_GAUGE_OK};
    char *clean = text_clean(d->text, strlen(d->text), true, 512);
    if (d->kind == CONFIG_DIFF_HUNK)
        config_lines_put(l, roles[d->kind], true, "%s", clean ? clean : "");
    else
        config_lines_put(l, roles[d->kind], d->kind != CONFIG_DIFF_CONTEXT, "%c %4d %s",
                         marks[d->kind], d->kind == CONFIG_DIFF_REMOVED ? d->old_line : d->new_line,
                         clean ? clean : "");
    free(clean);
}

void config_views_draw_diff(pane_config *p, WINDOW *w, int y, int h)
{
    config_lines l = {w, y, p->super.x + 1, h, p->super.w - 2, p->view_top, 0};
    config_lines_put(&l, THEME_ACCENT, true, "%s", p->diff_title);
    if (!p->diff.n)
        config_lines_put(&l, THEME_DIM, false, "(no differences)");
    for (size_t i = 0; i < p->diff.n; i++)
        diff_line(&l, &p->diff.lines[i]);
}

/* ------------------------------------------------------------ presets */

void config_views_draw_presets(pane_config *p, WINDOW *w, int y, int h)
{
    int x = p->super.x + 1, width = p->super.w - 2;
    config_lines l = {w, y, x, h, width, 0, 0};
    config_lines_put(&l, THEME_ACCENT, true, "Presets: Enter shows what one changes as a diff; y "
                     "then applies it (not saved until w)");
    config_lines_put(&l, THEME_TEXT, false, "%s", "");
    for (size_t i = 0; i < config_preset_count; i++) {
        const config_preset *pr = &config_presets[i];
        bool sel = i == p->preset_sel;
        int row = y + (int)l.row;
        if (row >= y + h)
            break;
        if (sel)
            text_blank(w, row, x, width, theme_attr(THEME_SELECTION));
        attr_t a = sel ? theme_attr(THEME_SELECTION) : theme_attr(THEME_TEXT);
        int used = text_putf(w, row, x, width, a | A_BOLD, " %-20s ", pr->title);
        text_put(w, row, x + used, width - used, a, pr->help);
        l.row++;
    }
}

bool config_views_presets_key(pane_config *p, int key)
{
    switch (key) {
    case KEY_UP: p->preset_sel = p->preset_sel ? p->preset_sel - 1 : config_preset_count - 1;
        return true;
    case KEY_DOWN: p->preset_sel = (p->preset_sel + 1) % config_preset_count; return true;
    case KEY_HOME: p->preset_sel = 0; return true;
    case KEY_END: p->preset_sel = config_preset_count - 1; return true;
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (config_presets[p->preset_sel].top_layers > 0) {
            char n[16];
            snprintf(n, sizeof n, "%d", config_presets[p->preset_sel].top_layers);
            p->prompt = CONFIG_PROMPT_TOP_N;
            line_edit_open(&p->line, n, NULL);
        } else {
            config_edit_preset_preview(p, 0);
        }
        return true;
    default: return false;
    }
}
