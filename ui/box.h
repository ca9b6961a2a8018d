/* box.h - the framed, cleared box that overlays (help, quit prompt, theme
 * picker) are drawn in, centred on stdscr. */
#ifndef LATHE_BOX_H
#define LATHE_BOX_H

/* Clears an h x w box in the middle of stdscr, frames it, and returns its
 * top-left corner. */
void box_draw(int h, int w, int *top, int *left);

#endif
