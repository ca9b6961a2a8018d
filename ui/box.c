/* box.c - centred overlay boxes framed with the terminal's line characters
 * (ACS, so they work in ASCII-only locales too). */
#include "box.h"

#include <curses.h>

#include "text.h"
#include "theme.h"

void box_draw(int h, int w, int *top, int *left)
{
    *top = (LINES - h) / 2;
    *left = (COLS - w) / 2;
    for (int r = 0; r < h; r++)
        text_blank(stdscr, *top + r, *left, w, theme_attr(THEME_BACKGROUND));
    attr_t a = theme_attr(THEME_BORDER);
    wattr_set(stdscr, a, PAIR_NUMBER(a), NULL);
    mvhline(*top, *left + 1, ACS_HLINE, w - 2);
    mvhline(*top + h - 1, *left + 1, ACS_HLINE, w - 2);
    mvvline(*top + 1, *left, ACS_VLINE, h - 2);
    mvvline(*top + 1, *left + w - 1, ACS_VLINE, h - 2);
    mvaddch(*top, *left, ACS_ULCORNER);
    mvaddch(*top, *left + w - 1, ACS_URCORNER);
    mvaddch(*top + h - 1, *left, ACS_LLCORNER);
    mvaddch(*top + h - 1, *left + w - 1, ACS_LRCORNER);
    wattr_set(stdscr, A_NORMAL, 0, NULL);
}
