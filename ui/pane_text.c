/* pane_text.c - the scrollable text body shared by panes whose real content
 * has not landed yet: they say what they will hold and which headless
 * command does the job meanwhile. */
#include "pane.h"

#include <string.h>

#include "text.h"
#include "theme.h"

const pane_key pane_text_keys[PANE_TEXT_N_KEYS] = {
    {"Up/Down", "scroll one line", "scroll"},
    {"PgUp/PgDn", "scroll one page", "page"},
    {"Home", "back to the top", "top"},
};

static int max_scroll(const pane_text *p, size_t n)
{
    int m = (int)n - p->super.h;
    return m > 0 ? m : 0;
}

void pane_text_draw(pane *b, WINDOW *w, const pane_env *env)
{
    (void)env;
    pane_text *p = (pane_text *)b;
    const char *const *lines = b->cls->text;
    size_t n = b->cls->n_text;
    if (p->scroll > max_scroll(p, n))
        p->scroll = max_scroll(p, n);
    for (int row = 0; row < b->h && (size_t)(p->scroll + row) < n; row++) {
        const char *line = lines[p->scroll + row];
        bool cmd = !strncmp(line, "$ ", 2);
        text_put(w, b->y + row, b->x + 1, b->w - 2,
                 theme_attr(cmd ? THEME_ACCENT : THEME_TEXT), line);
    }
}

pane_result pane_text_key(pane *b, int key)
{
    pane_text *p = (pane_text *)b;
    size_t n_lines = b->cls->n_text;
    int page = p->super.h > 1 ? p->super.h - 1 : 1;
    switch (key) {
    case KEY_UP: p->scroll--; break;
    case KEY_DOWN: p->scroll++; break;
    case KEY_PPAGE: p->scroll -= page; break;
    case KEY_NPAGE: p->scroll += page; break;
    case KEY_HOME: p->scroll = 0; break;
    default: return PANE_IGNORED;
    }
    if (p->scroll > max_scroll(p, n_lines))
        p->scroll = max_scroll(p, n_lines);
    if (p->scroll < 0)
        p->scroll = 0;
    return PANE_HANDLED;
}
