/* run_list.c - the run directories under a folder and how far each got (see
 * run_list.h). Asks the lock without taking it and reads only summary.json
 * and the tail of metrics.jsonl, so a pane can call it about once a second
 * while a run is writing. The lock is asked first: a run that ends writes
 * its summary before it lets the lock go, so it is never seen between the
 * two as interrupted. */
#include "run_list.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "grow.h"
#include "run_lock.h"

/* The last metrics.jsonl row is within this many bytes of the end. */
#define TAIL_BYTES 4096

const char *run_list_state_name(run_list_state s)
{
    switch (s) {
    case RUN_LIST_RUNNING:
        return "running";
    case RUN_LIST_FINISHED:
        return "finished";
    case RUN_LIST_STOPPED:
        return "stopped";
    case RUN_LIST_FAILED:
        return "failed";
    default:
        return "interrupted";
    }
}

static double json_num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static bool from_summary(const char *path, run_list_entry *e)
{
    json_t *o = json_load_file(path, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return false;
    }
    const char *state = json_string_value(json_object_get(o, "state"));
    e->state = !state                      ? RUN_LIST_UNFINISHED
             : !strcmp(state, "finished") ? RUN_LIST_FINISHED
             : !strcmp(state, "stopped")  ? RUN_LIST_STOPPED
                                          : RUN_LIST_FAILED;
    double steps = json_num(o, "steps");
    e->steps = isnan(steps) ? -1 : (long long)steps;
    e->loss = json_num(o, "final_loss");
    json_decref(o);
    return true;
}

/* The step and loss of the last complete training row of metrics.jsonl. */
static void from_metrics_tail(const char *path, run_list_entry *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char buf[TAIL_BYTES + 1];
    size_t n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 0 && fseek(f, size > TAIL_BYTES ? size - TAIL_BYTES : 0, SEEK_SET) == 0)
            n = fread(buf, 1, TAIL_BYTES, f);
    }
    fclose(f);
    buf[n] = '\0';
    /* Walk the complete lines backwards: the newest row with a loss wins. */
    char *end = strrchr(buf, '\n');
    while (end) {
        *end = '\0';
        char *start = strrchr(buf, '\n');
        json_t *o = json_loads(start ? start + 1 : buf, 0, NULL);
        double loss = json_num(o, "loss"), step = json_num(o, "step");
        json_decref(o);
        if (!isnan(loss) && !isnan(step)) {
            e->loss = loss;
            e->steps = (long long)step;
            return;
        }
        end = start;
    }
}

/* E's state and owner for the run directory RUN, and the summary's figures
 * when it ended; false when it has no summary.json. */
static bool probe(const char *run, run_list_entry *e)
{
    char path[PATH_MAX];
    e->owner = run_lock_holder(run);
    snprintf(path, sizeof path, "%s/summary.json", run);
    bool has_summary = from_summary(path, e);
    if (e->owner)
        e->state = RUN_LIST_RUNNING;
    else if (!has_summary)
        e->state = RUN_LIST_UNFINISHED;
    return has_summary;
}

run_list_state run_list_probe(const char *run, long *owner)
{
    run_list_entry e = {0};
    probe(run, &e);
    if (owner)
        *owner = e.owner;
    return e.state;
}

/* Fills E for the run directory DIR/NAME; false when it holds no run. */
static bool read_run(const char *dir, const char *name, time_t now, run_list_entry *e)
{
    char path[PATH_MAX], metrics[PATH_MAX];
    struct stat st;
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->steps = -1;
    e->loss = NAN;
    snprintf(metrics, sizeof metrics, "%s/%s/metrics.jsonl", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    bool has_metrics = stat(metrics, &st) == 0;
    bool has_summary = probe(path, e);
    if (!has_metrics && !has_summary)
        return false;
    if (!has_summary || e->state == RUN_LIST_RUNNING)
        from_metrics_tail(metrics, e);
    if (!has_metrics && stat(path, &st) != 0)
        return false;
    e->age_s = difftime(now, st.st_mtime);
    return true;
}

static int newest_first(const void *a, const void *b)
{
    double x = ((const run_list_entry *)a)->age_s, y = ((const run_list_entry *)b)->age_s;
    return x < y ? -1 : x > y;
}

long run_list_scan(const char *dir, run_list_entry *out, size_t max, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    run_list_entry *all = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        run_list_entry *grown = grow_array(all, &cap, n + 1, sizeof *all, 16);
        if (!grown) {
            free(all);
            closedir(d);
            snprintf(err, errlen, "%s: out of memory", dir);
            return -1;
        }
        all = grown;
        if (read_run(dir, de->d_name, now, &all[n]))
            n++;
    }
    closedir(d);
    if (n)
        qsort(all, n, sizeof *all, newest_first);
    if (n && max)
        memcpy(out, all, (n < max ? n : max) * sizeof *all);
    free(all);
    return (long)n;
}
