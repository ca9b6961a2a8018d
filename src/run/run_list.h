/* run_list.h - the runs under a directory (runs/ by default) and how far each
 * got, for a pane that lists them: a run's state comes from its summary.json,
 * written when the run ends; a run without one is going or was killed, and its
 * last metrics.jsonl row and that file's age say how far it got and when. */
#ifndef LATHE_RUN_LIST_H
#define LATHE_RUN_LIST_H

#include <stddef.h>

typedef enum {
    RUN_LIST_UNFINISHED,  /* no summary.json: running, or killed before the end */
    RUN_LIST_FINISHED,
    RUN_LIST_STOPPED,
    RUN_LIST_FAILED,
} run_list_state;

typedef struct {
    char name[256];
    run_list_state state;
    long long steps;      /* the summary's steps, or the last logged step; -1 unknown */
    double loss;          /* the summary's final_loss, or the last logged loss; NaN unknown */
    double age_s;         /* seconds since metrics.jsonl (or the directory) last changed */
} run_list_entry;

/* Fills at most MAX entries with the run directories under DIR (those that
 * hold a metrics.jsonl or a summary.json), most recently changed first, and
 * returns how many there are in all (more than MAX when some did not fit).
 * 0 when DIR does not exist; -1 with err when it cannot be read. */
long run_list_scan(const char *dir, run_list_entry *out, size_t max, char *err, size_t errlen);

/* "finished", "stopped", "failed", or "running or interrupted". */
const char *run_list_state_name(run_list_state s);

#endif
