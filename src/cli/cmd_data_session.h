/* cmd_data_session.h - what `lathe data clean|convert|split|stats` share:
 * opening a dataset (index, format detection, check) and an edit session
 * over it, and replaying a recipe in it, with failures printed as
 * "lathe data SUB: ..." on stderr. */
#ifndef LATHE_CMD_DATA_SESSION_H
#define LATHE_CMD_DATA_SESSION_H

#include "dataset.h"
#include "ds_edit.h"
#include "ds_recipe.h"

typedef struct {
    dataset *ds;
    ds_edit *edit;
} cmd_data_session;

/* Returns 0, or -1 after printing why (a runtime failure: exit 1). */
int cmd_data_session_open(cmd_data_session *s, const char *sub, const char *path);
void cmd_data_session_close(cmd_data_session *s);
/* Applies R's steps (read from PATH) to E in order: 0, or -1 after printing
 * which step failed and why. */
int cmd_data_replay(ds_edit *e, const ds_recipe *r, const char *sub, const char *path);

#endif
