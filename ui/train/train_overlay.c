/* train_overlay.c - the earlier runs overlaid on the Train pane's charts,
 * read from their logs by run_follow (the reader that shows a run opened
 * from its files). One that another process still writes keeps its reader
 * and is read again every TRAIN_IDLE_MS, so its curve grows beside this
 * run's; once it has ended its reader goes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "train_pane_impl.h"

void train_overlay_free(train_overlay *o)
{
    run_follow_free(o->follow);
    o->follow = NULL;
    train_history_free(&o->hist);
}

void train_overlays_free(train_pane *tp)
{
    for (size_t k = 0; k < tp->n_over; k++)
        train_overlay_free(&tp->over[k]);
    tp->n_over = 0;
}

/* What O's logs gained since the last read; -1 when out of memory. */
static int read_more(train_overlay *o)
{
    run_poll poll;
    run_session_state st = run_follow_poll(o->follow, &poll);
    if (poll.reset)   /* a --resume rewrote its logs: they come again whole */
        train_history_clear(&o->hist);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < poll.n; i++)
        rc = train_history_add_record(&o->hist, &poll.records[i]);
    if (st == RUN_SESSION_DONE || st == RUN_SESSION_FAILED) {
        run_follow_free(o->follow);
        o->follow = NULL;
    }
    return rc;
}

int train_overlay_open(train_overlay *o, const char *name, double weight, char *err,
                       size_t errlen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", TRAIN_RUNS_DIR, name);
    train_history_init(&o->hist, weight);
    o->follow = run_follow_open(dir, err, errlen);
    if (!o->follow)
        return -1;
    int rc = read_more(o);
    if (rc == 0 && o->hist.n == 0)
        snprintf(err, errlen, "%s/metrics.jsonl holds no step yet", dir);
    else if (rc)
        snprintf(err, errlen, "out of memory reading %s", dir);
    if (rc || o->hist.n == 0) {
        train_overlay_free(o);
        return -1;
    }
    snprintf(o->name, sizeof o->name, "%s", name);
    return 0;
}

int train_overlays_poll(train_pane *tp)
{
    bool live = false;
    for (size_t k = 0; k < tp->n_over; k++)
        live |= tp->over[k].follow != NULL;
    if (!live)
        return 0;
    double now = clock_ms();
    if (now - tp->over_polled_ms < TRAIN_IDLE_MS)
        return (int)(tp->over_polled_ms + TRAIN_IDLE_MS - now) + 1;
    tp->over_polled_ms = now;
    for (size_t k = 0; k < tp->n_over; k++) {
        train_overlay *o = &tp->over[k];
        if (!o->follow)
            continue;
        uint64_t version = o->hist.version;
        if (read_more(o) != 0)
            train_pane_note(tp, -1, TRAIN_LOG_ERROR, "out of memory: the overlaid run %s "
                            "is not drawn whole", o->name);
        if (o->hist.version != version || !o->follow)   /* it grew, or it ended */
            tp->over_version++;
    }
    return TRAIN_IDLE_MS;
}
