/* train_source.c - the Train pane's source of records (train_source.h). */
#include "train_source.h"

#include <stdio.h>
#include <string.h>

int train_source_launch(train_source *src, const run_session_options *o,
                        const run_session_hooks *hooks, char *err, size_t errlen)
{
    memset(src, 0, sizeof *src);
    run_session *s = run_session_new(o, hooks, err, errlen);
    if (!s)
        return -1;
    if (run_session_prepare(s, err, errlen) != 0) {
        run_session_free(s);
        return -1;
    }
    src->session = s;
    src->state = RUN_SESSION_PREPARING;
    return 0;
}

int train_source_follow(train_source *src, const char *dir, char *err, size_t errlen)
{
    memset(src, 0, sizeof *src);
    src->follow = run_follow_open(dir, err, errlen);
    if (!src->follow)
        return -1;
    snprintf(src->dir, sizeof src->dir, "%s", dir);
    src->state = RUN_SESSION_RUNNING;   /* until the first poll says */
    return 0;
}

run_session_state train_source_poll(train_source *src, run_poll *out, char *err, size_t errlen)
{
    *out = (run_poll){.state = src->state};
    if (src->follow) {
        src->state = run_follow_poll(src->follow, out);
        return src->state;
    }
    if (!src->session)
        return src->state;
    src->state = run_session_poll(src->session, out);
    if (src->state == RUN_SESSION_READY && run_session_start(src->session, err, errlen) != 0)
        src->state = RUN_SESSION_FAILED;
    if (!src->dir[0] && run_session_dir(src->session))
        snprintf(src->dir, sizeof src->dir, "%s", run_session_dir(src->session));
    return src->state;
}

bool train_source_live(const train_source *src)
{
    return (src->session || src->follow) && src->state != RUN_SESSION_DONE &&
           src->state != RUN_SESSION_FAILED;
}

bool train_source_owned(const train_source *src)
{
    return src->session && train_source_live(src);
}

run_session *train_source_take(train_source *src)
{
    run_session *s = src->session;
    memset(src, 0, sizeof *src);
    return s;
}

void train_source_close(train_source *src)
{
    run_session_free(src->session);
    run_follow_free(src->follow);
    memset(src, 0, sizeof *src);
}
