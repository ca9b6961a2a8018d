/* theme_picker.c - choosing a theme from a list instead of cycling with t. */
#include "theme_picker.h"

#include <curses.h>
#include <string.h>

#include "box.h"
#include "text.h"
#include "theme.h"

#define KEY_ESC 27

void theme_picker_open(theme_picker *p)
{
    p->n = theme_list(p->names, THEME_PICKER_MAX);
    p->sel = 0;
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->names[i], theme_name()))
            p->sel = i;
    p->open = p->n > 0;
}

void theme_picker_draw(const theme_picker *p)
{
    int rows = (int)p->n, h = rows + 4, w = 40, top, left;
    if (h > LINES - 4)
        rows = LINES - 8 > 1 ? LINES - 8 : 1, h = rows + 4;
    box_draw(h, w, &top, &left);
    text_put(stdscr, top, left + 2, w - 4, theme_attr(THEME_ACCENT) | A_BOLD, " Theme ");
    int first = (int)p->sel >= rows ? (int)p->sel - rows + 1 : 0;
    for (int r = 0; r < rows && (size_t)(first + r) < p->n; r++) {
        size_t i = (size_t)(first + r);
        bool current = !strcmp(p->names[i], theme_name());
        attr_t a = i == p->sel ? theme_attr(THEME_SELECTION) | A_BOLD : theme_attr(THEME_TEXT);
        text_blank(stdscr, top + 1 + r, left + 2, w - 4, a);
        text_putf(stdscr, top + 1 + r, left + 2, w - 4, a, " %s %s", current ? "*" : " ",
                  p->names[i]);
    }
    text_put(stdscr, top + h - 2, left + 2, w - 4, theme_attr(THEME_DIM),
             "Enter choose  Esc close");
}

theme_picker_result theme_picker_key(theme_picker *p, int key)
{
    switch (key) {
    case KEY_UP:
    case 'k':
        p->sel = p->sel > 0 ? p->sel - 1 : p->n - 1;
        return THEME_PICKER_STAY;
    case KEY_DOWN:
    case 'j':
        p->sel = p->sel + 1 < p->n ? p->sel + 1 : 0;
        return THEME_PICKER_STAY;
    case '\n':
    case '\r':
    case KEY_ENTER:
        p->open = false;
        return THEME_PICKER_CHOSEN;
    case KEY_ESC:
    case 'q':
    case 'T':
        p->open = false;
        return THEME_PICKER_CLOSED;
    default:
        return THEME_PICKER_STAY;
    }
}
