/* train_pane.h - the Train pane as the rest of lathe sees it: starting a
 * run in it (lathe train CONFIG.yaml --tui). Other panes reach it by
 * messages (pane.h): PANE_MSG_LAUNCH starts a run of a config, PANE_MSG_OPEN
 * shows a run directory. Its internals are in train_pane_impl.h. */
#ifndef LATHE_TRAIN_PANE_H
#define LATHE_TRAIN_PANE_H

#include <stddef.h>

#include "pane.h"
#include "run_session.h"

/* Starts the run O describes in a Train pane (made from train_pane_class)
 * and shows it: it is prepared on a worker thread, then trains while the
 * pane follows it. -1 with err (shown in the pane too) when a run is live
 * there already or the run cannot start. */
int train_pane_launch(pane *p, const run_session_options *o, char *err, size_t errlen);

/* Shows the run directory DIR from its files (lathe runs/NAME), following
 * it as it grows while another process writes it; read only. -1 with err
 * (shown in the pane too) when DIR holds no run, or a run trains here. */
int train_pane_open(pane *p, const char *dir, char *err, size_t errlen);

#endif
