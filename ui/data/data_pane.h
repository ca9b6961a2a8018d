/* data_pane.h - the Data pane as the rest of lathe sees it: opening a dataset
 * in it, and what a driver that cannot read the screen (lathe bench data)
 * asks of it. Its internals are in data_pane_impl.h. */
#ifndef LATHE_DATA_PANE_H
#define LATHE_DATA_PANE_H

#include <stdbool.h>
#include <stddef.h>

#include "pane.h"

/* Opens a dataset file in a Data pane (made from data_pane_class): indexing
 * starts on a background thread. MODEL and CONFIG may be NULL (token counts
 * are then estimated). On failure the pane shows the error and so does err. */
int data_pane_open(pane *p, const char *path, const char *model, const char *config, char *err,
                   size_t errlen);
/* For drivers that cannot read the screen (lathe bench data): the rows the
 * table had at the last tick (so the frame drawn after it shows records when
 * > 0), and whether a worker is still scanning rows for the pane (a search or a
 * filter, also one waiting for the stats pass). */
size_t data_pane_rows(const pane *p);
bool data_pane_scanning(const pane *p);

#endif
