/* chat_view.h - the Chat pane's entries drawn as a transcript, newest at
 * the bottom, scrolled by rows from there: a prompt after "> ", a reply
 * under the label of what produced it and over its figures (tokens, time
 * to the first token, tokens/s, why it stopped), an A/B pair in two
 * columns side by side with the words that differ underlined, notices and
 * command output dimmed, errors in the error role. Entries are wrapped at
 * spaces by display width at every frame, so a resize just draws again. */
#ifndef LATHE_CHAT_VIEW_H
#define LATHE_CHAT_VIEW_H

#include <curses.h>

#include "chat_log.h"

/* Where the view is: SCROLL rows back from the bottom (0: following the
 * newest), over a log of ROWS rows when last drawn. */
typedef struct {
    int scroll, rows;
} chat_view_pos;

/* Draws L into the H x WIDTH rectangle at (Y, X) as POS says, POS->scroll
 * clamped to what there is. Scrolled back, the rows shown stay in place as
 * the log grows below them. */
void chat_view_draw(const chat_log *l, WINDOW *w, int y, int x, int h, int width,
                    chat_view_pos *pos);

#endif
