/* workspace.h - what `lathe [PATH]` opens: PATH (a dataset, a training
 * config, a run directory or a model) or, with none, the bundled sample
 * workspace, resolved to the dataset, config and model the workbench panes
 * start with. */
#ifndef LATHE_WORKSPACE_H
#define LATHE_WORKSPACE_H

#include <limits.h>
#include <stddef.h>

typedef struct {
    char dataset[PATH_MAX];   /* "" when PATH names no dataset */
    char config[PATH_MAX];    /* "" when there is no training config */
    char model[PATH_MAX];     /* "" when the model comes from the config or is absent */
    char run[PATH_MAX];       /* a run directory for the Train pane; "" when none */
    char title[PATH_MAX];     /* for the workbench's title line */
} workspace;

/* Where the bundled sample lives: $LATHE_SAMPLES, else the installed copy,
 * else the source tree's samples/. Returns 0, or -1 with err listing the
 * places tried. */
int workspace_samples_dir(char *dir, size_t dirlen, char *err, size_t errlen);

/* Resolves PATH (NULL: the sample workspace). MODEL and CONFIG (-m, -c; may
 * be NULL) override what PATH implies. A dataset path is taken as given, so
 * the Data pane can report a file it cannot open; a config that does not
 * load, or a PATH of no known kind, is an error. Returns 0, or -1 with err. */
int workspace_resolve(const char *path, const char *model, const char *config, workspace *ws,
                      char *err, size_t errlen);

#endif
