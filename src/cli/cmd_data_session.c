/* cmd_data_session.c - dataset + edit session for the headless data commands. */
#include "config.h"

#include "cmd_data_session.h"

#include <stdio.h>

int cmd_data_session_open(cmd_data_session *s, const char *sub, const char *path)
{
    char err[1024] = "";
    *s = (cmd_data_session){0};
    s->ds = dataset_open(path, NULL, err, sizeof err);
    if (s->ds)
        s->edit = ds_edit_new(s->ds, err, sizeof err);
    if (!s->edit) {
        fprintf(stderr, "lathe data %s: %s\n", sub, err);
        cmd_data_session_close(s);
        return -1;
    }
    return 0;
}

void cmd_data_session_close(cmd_data_session *s)
{
    ds_edit_free(s->edit);
    dataset_free(s->ds);
    *s = (cmd_data_session){0};
}

int cmd_data_replay(ds_edit *e, const ds_recipe *r, const char *sub, const char *path)
{
    char err[1024];
    for (size_t i = 0; i < r->n; i++) {
        if (ds_edit_apply(e, &r->steps[i], NULL, err, sizeof err) != 0) {
            fprintf(stderr, "lathe data %s: %s: step %zu (%s): %s\n", sub, path, i + 1,
                    ds_action_name(r->steps[i].kind), err);
            return -1;
        }
    }
    return 0;
}
