/* workspace.h - what `lathe [PATH]` opens: PATH (a dataset, a training
 * config, a run directory or a model) or, with none, the bundled sample
 * workspace, resolved to the dataset, config and model the workbench panes
 * start with, and what the Chat pane runs: the model (a config's base
 * model) and as B a run directory's adapter, or for the sample workspace
 * the newest run under runs/ that trained an adapter on the sample model. */
#ifndef LATHE_WORKSPACE_H
#define LATHE_WORKSPACE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char dataset[PATH_MAX];   /* "" when PATH names no dataset */
    char config[PATH_MAX];    /* "" when there is no training config */
    char model[PATH_MAX];     /* "" when the model comes from the config or is absent */
    char chat_model[PATH_MAX];  /* the Chat pane's model: the model, or the config's */
    char adapter[PATH_MAX];   /* the Chat pane's B: a run directory's adapter; "" none */
    char run[PATH_MAX];       /* a run directory for the Train pane; "" when none */
    char title[PATH_MAX];     /* for the workbench's title line */
    bool config_first;        /* PATH named the config itself: its pane comes first */
} workspace;

/* Where the bundled sample lives: $LATHE_SAMPLES, else the installed copy,
 * else the source tree's samples/. Returns 0, or -1 with err listing the
 * places tried. */
int workspace_samples_dir(char *dir, size_t dirlen, char *err, size_t errlen);

/* Resolves PATH (NULL: the sample workspace). MODEL and CONFIG (-m, -c; may
 * be NULL) override what PATH implies. A dataset path is taken as given, so
 * the Data pane can report a file it cannot open; a config PATH that does
 * not load opens alone (the Config pane shows its errors), while such a
 * config as -c CONFIG or in a run directory, or a PATH of no known kind, is
 * an error. Returns 0, or -1 with err. */
int workspace_resolve(const char *path, const char *model, const char *config, workspace *ws,
                      char *err, size_t errlen);

#endif
