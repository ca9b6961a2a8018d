/* workbench.h - the interactive workbench: the one entry point src/ calls. */
#ifndef LATHE_WORKBENCH_H
#define LATHE_WORKBENCH_H

#include <stdbool.h>

#include "run_session.h"

typedef struct {
    const char *title;     /* what was opened, for the title line */
    const char *dataset;   /* the Data pane opens it; NULL = none */
    const char *theme;     /* theme name or path; NULL = "default" */
    bool no_color;         /* --no-color (NO_COLOR is read by the workbench itself) */
    const char *model;     /* tokenizer for the Data pane; NULL = none */
    const char *config;    /* training config: the Config pane edits it, the Data pane
                            * counts tokens with it; NULL = none */
    bool config_first;     /* show the Config pane first (PATH was the config) */
    const char *chat_model;    /* the Chat pane's model, loaded once the pane is shown;
                                * alone (no dataset, no config) it opens on the Chat pane */
    const char *chat_adapter;  /* and its B: an adapter or a run directory; NULL = none */
    const char *run_dir;   /* a run directory the Train pane shows (and follows
                            * while another process writes it); NULL = none */
    const run_session_options *train;  /* a run the Train pane starts and shows
                                        * (lathe train CONFIG.yaml --tui); NULL = none */
} workbench_options;

/* True when PATH names a dataset file the Data pane opens (.jsonl, .json,
 * or gzip-compressed: .gz). */
bool workbench_is_dataset(const char *path);

/* Runs the workbench until the user quits. Returns a process exit status
 * (0 normal quit, 1 failure with a message already on stderr). */
int workbench_run(const workbench_options *opt);

#endif
