/* run_list.h - the runs under a directory (runs/ by default) and how far each
 * got, for a pane that lists them: a run whose directory lock a live process
 * holds (run_lock.h) is running, whatever files it holds (a resumed run still
 * has its earlier summary.json); otherwise its summary.json, written when the
 * run ends, says how it ended, and a run without one was interrupted (killed,
 * or its machine went down). Its last metrics.jsonl row and that file's age
 * say how far a running or interrupted run got and when. */
#ifndef LATHE_RUN_LIST_H
#define LATHE_RUN_LIST_H

#include <stddef.h>

typedef enum {
    RUN_LIST_UNFINISHED,  /* interrupted: no summary.json and no live process */
    RUN_LIST_RUNNING,     /* a live process holds the run's lock */
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
    long owner;           /* RUNNING: the PID of the process that holds the lock, -1
                           * when not known yet; 0 otherwise */
} run_list_entry;

/* Fills at most MAX entries with the run directories under DIR (those that
 * hold a metrics.jsonl or a summary.json), most recently changed first, and
 * returns how many there are in all (more than MAX when some did not fit).
 * 0 when DIR does not exist; -1 with err when it cannot be read. */
long run_list_scan(const char *dir, run_list_entry *out, size_t max, char *err, size_t errlen);

/* How the run in directory RUN stands, as the list says it, and in *OWNER
 * (may be NULL) the holder's PID as run_lock_holder returns it. */
run_list_state run_list_probe(const char *run, long *owner);

/* "running", "finished", "stopped", "failed" or "interrupted". */
const char *run_list_state_name(run_list_state s);

#endif
