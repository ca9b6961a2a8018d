/* data_problems.c - the problems view: every structural fault and every
 * record that does not parse, with its line, byte offset and reason, in file
 * order; Enter on one opens the record's detail view. */
#include "data_pane_impl.h"

#include <stdio.h>

#include "text.h"
#include "theme.h"

enum { COL_LINE = 10, COL_BYTE = 14 };

static void clamp(pane_data *p, int rows)
{
    size_t n = dataset_problem_count(data_source_dataset(p->src));
    if (p->prob_cursor >= n)
        p->prob_cursor = n ? n - 1 : 0;
    if (p->prob_cursor < p->prob_top)
        p->prob_top = p->prob_cursor;
    if (rows > 0 && p->prob_cursor >= p->prob_top + (size_t)rows)
        p->prob_top = p->prob_cursor - (size_t)rows + 1;
}

void data_problems_draw(pane_data *p, WINDOW *w, int y, int h)
{
    const pane *b = &p->super;
    dataset *ds = data_source_dataset(p->src);
    attr_t head = theme_attr(THEME_ACCENT) | A_BOLD;
    if (!dataset_checked(ds)) {
        text_put(w, y, b->x + 1, b->w - 2, theme_attr(THEME_DIM),
                 "problems are listed once every record has been checked");
        return;
    }
    size_t n = dataset_problem_count(ds), total = dataset_problem_total(ds);
    text_putf(w, y, b->x + 1, b->w - 2, head, "Problems: %zu%s", total,
              total > n ? " (the first ones listed)" : "");
    if (n == 0) {
        text_put(w, y + 2, b->x + 1, b->w - 2, theme_attr(THEME_TEXT), "none: every record parses");
        return;
    }
    text_put(w, y + 1, b->x + 1, COL_LINE, head, "line");
    text_put(w, y + 1, b->x + 1 + COL_LINE, COL_BYTE, head, "byte");
    text_put(w, y + 1, b->x + 1 + COL_LINE + COL_BYTE, b->w - 2 - COL_LINE - COL_BYTE, head,
             "reason");
    int rows = h - 2;
    clamp(p, rows);
    for (int r = 0; r < rows && p->prob_top + (size_t)r < n; r++) {
        size_t i = p->prob_top + (size_t)r;
        const dataset_problem *pr = dataset_problem_at(ds, i);
        bool sel = i == p->prob_cursor;
        attr_t a = theme_attr(sel ? THEME_SELECTION : THEME_TEXT);
        int row = y + 2 + r;
        if (sel)
            text_blank(w, row, b->x, b->w, a);
        text_putf(w, row, b->x + 1, COL_LINE, a, "%llu", (unsigned long long)pr->line);
        text_putf(w, row, b->x + 1 + COL_LINE, COL_BYTE, a, "%llu", (unsigned long long)pr->offset);
        text_put(w, row, b->x + 1 + COL_LINE + COL_BYTE, b->w - 2 - COL_LINE - COL_BYTE,
                 sel ? a : theme_attr(THEME_ERROR), pr->reason);
    }
}

/* Moves the cursor; Enter opens the record (structural problems have none). */
bool data_problems_key(pane_data *p, int key, int page)
{
    dataset *ds = data_source_dataset(p->src);
    size_t n = dataset_problem_count(ds);
    switch (key) {
    case KEY_UP: p->prob_cursor -= p->prob_cursor > 0; break;
    case KEY_DOWN: p->prob_cursor += p->prob_cursor + 1 < n; break;
    case KEY_PPAGE: p->prob_cursor = p->prob_cursor > (size_t)page ? p->prob_cursor - (size_t)page : 0; break;
    case KEY_NPAGE: p->prob_cursor += (size_t)page; break;
    case KEY_HOME: p->prob_cursor = 0; break;
    case KEY_END: p->prob_cursor = n ? n - 1 : 0; break;
    case '\n':
    case '\r':
    case KEY_ENTER: {
        const dataset_problem *pr = dataset_problem_at(ds, p->prob_cursor);
        if (!pr || pr->record == SIZE_MAX) {
            data_pane_say(p, false, "a problem in the file's structure: no record to show");
            return true;
        }
        p->shown = pr->record;
        p->mode = DATA_MODE_DETAIL;
        p->doc_top = 0;
        p->doc_width = 0;
        return true;
    }
    default: return false;
    }
    if (p->prob_cursor >= n)
        p->prob_cursor = n ? n - 1 : 0;
    return true;
}
