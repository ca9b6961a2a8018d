/* run_dir.c - the run directory and its JSONL logs (see run_dir.h). */
#include "config.h"

#include "run_dir.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"

int run_dir_mkdirs(const char *path, char *err, size_t errlen)
{
    char *p = strdup(path);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (char *s = p + 1;; s++) {
        bool end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(p, 0777) && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create the directory: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        if (end)
            break;
        *s = '/';
    }
    free(p);
    return 0;
}

static char *default_dir(void)
{
    char buf[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "runs/%Y%m%d-%H%M%S", &tm);
    return strdup(buf);
}

char *run_dir_file(const run_dir *rd, const char *name)
{
    size_t n = strlen(rd->path) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", rd->path, name);
    return s;
}

static FILE *open_log(const run_dir *rd, const char *name, const char *mode, char *err,
                      size_t errlen)
{
    char *p = run_dir_file(rd, name);
    FILE *fp = p ? fopen(p, mode) : NULL;
    if (!fp)
        snprintf(err, errlen, "%s/%s: cannot create: %s", rd->path, name,
                 p ? strerror(errno) : "out of memory");
    free(p);
    return fp;
}

bool run_dir_holds_run(const char *dir)
{
    size_t n = strlen(dir) + sizeof "/metrics.jsonl";
    char *m = malloc(n);
    if (m)
        snprintf(m, n, "%s/metrics.jsonl", dir);
    bool taken = m && access(m, F_OK) == 0;
    free(m);
    return taken;
}

/* -1 with err when DIR holds a run already. */
static int refuse_run(const char *dir, char *err, size_t errlen)
{
    if (!run_dir_holds_run(dir))
        return 0;
    snprintf(err, errlen, "%s already holds a run (metrics.jsonl); choose another --output "
             "(or --resume it)", dir);
    return -1;
}

char *run_dir_pick(const char *dir, char *err, size_t errlen)
{
    char *path = dir ? strdup(dir) : default_dir();
    if (!path)
        snprintf(err, errlen, "out of memory");
    else if (refuse_run(path, err, errlen)) {
        free(path);
        path = NULL;
    }
    return path;
}

int run_dir_open(run_dir *rd, const char *path, char *err, size_t errlen)
{
    memset(rd, 0, sizeof *rd);
    if (!(rd->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct stat sb;
    rd->created = stat(rd->path, &sb) != 0;
    /* Checked again under the lock: another process may have started a run
     * here since run_dir_pick looked. */
    if (run_dir_mkdirs(rd->path, err, errlen) ||
        run_lock_take(&rd->lock, rd->path, err, errlen) || refuse_run(rd->path, err, errlen))
        return -1;
    if (!(rd->metrics = open_log(rd, "metrics.jsonl", "w", err, errlen)) ||
        !(rd->events = open_log(rd, "events.jsonl", "w", err, errlen)))
        return -1;
    return 0;
}

int run_dir_lock(run_dir *rd, const char *path, char *err, size_t errlen)
{
    memset(rd, 0, sizeof *rd);
    if (!(rd->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return run_lock_take(&rd->lock, rd->path, err, errlen);
}

void run_dir_discard(run_dir *rd)
{
    static const char *const made[] = {"config.yaml", "metrics.jsonl", "events.jsonl",
                                       RUN_LOCK_FILE};
    if (rd->metrics)
        fclose(rd->metrics);
    if (rd->events)
        fclose(rd->events);
    rd->metrics = rd->events = NULL;
    for (size_t i = 0; rd->created && i < sizeof made / sizeof made[0]; i++) {
        char *p = run_dir_file(rd, made[i]);
        if (p)
            unlink(p);
        free(p);
    }
    if (rd->created)
        rmdir(rd->path);
    rd->created = false;
    run_lock_release(&rd->lock);
}

/* Whether a metrics row was logged before the checkpoint after KEEP steps
 * (a step's evaluation runs, and is logged, before its checkpoint); the step
 * of a kept evaluation row goes to *LAST_EVAL. */
static bool row_kept(const char *line, long long keep, long long *last_eval)
{
    json_t *o = json_loads(line, 0, NULL);
    json_t *step = json_object_get(o, "step");
    long long s = json_is_integer(step) ? (long long)json_integer_value(step) : keep + 1;
    if (s <= keep && json_object_get(o, "eval_loss") && s > *last_eval)
        *last_eval = s;
    json_decref(o);
    return s <= keep;
}

static int write_all(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen))
        return -1;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}

static int trim_metrics(run_dir *rd, long long keep, char *err, size_t errlen)
{
    char *p = run_dir_file(rd, "metrics.jsonl");
    FILE *in = p ? fopen(p, "r") : NULL;
    char *kept = NULL, *line = NULL;
    size_t klen = 0, cap = 0;
    FILE *out = in ? open_memstream(&kept, &klen) : NULL;
    int rc = -1;
    if (!out) {
        snprintf(err, errlen, "%s/metrics.jsonl: cannot read: %s", rd->path, strerror(errno));
    } else {
        while (getline(&line, &cap, in) > 0)
            if (row_kept(line, keep, &rd->last_eval_step))
                fputs(line, out);
        rc = fclose(out) ? -1 : write_all(p, kept, klen, err, errlen);
    }
    if (in)
        fclose(in);
    free(line);
    free(kept);
    free(p);
    return rc;
}

int run_dir_reopen(run_dir *rd, long long keep_step, char *err, size_t errlen)
{
    rd->last_eval_step = -1;
    if (trim_metrics(rd, keep_step, err, errlen) ||
        !(rd->metrics = open_log(rd, "metrics.jsonl", "a", err, errlen)) ||
        !(rd->events = open_log(rd, "events.jsonl", "a", err, errlen)))
        return -1;
    return 0;
}

static int close_log(FILE **fp)
{
    int bad = 0;
    if (*fp) {
        bad = ferror(*fp) || fsync(fileno(*fp));
        bad = fclose(*fp) || bad;
    }
    *fp = NULL;
    return bad ? -1 : 0;
}

int run_dir_close(run_dir *rd, char *err, size_t errlen)
{
    int a = close_log(&rd->metrics), b = close_log(&rd->events);
    if (a || b)
        snprintf(err, errlen, "%s: writing the %s log failed", rd->path ? rd->path : "run",
                 a ? "metrics" : "events");
    run_lock_release(&rd->lock);
    free(rd->path);
    rd->path = NULL;
    return a || b ? -1 : 0;
}

int run_dir_log(FILE *fp, const json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    if (!s)
        return -1;
    int rc = fprintf(fp, "%s\n", s) < 0 || fflush(fp) ? -1 : 0;
    free(s);
    return rc;
}

int run_dir_write_json(const run_dir *rd, const char *name, const json_t *obj, char *err,
                       size_t errlen)
{
    char *p = run_dir_file(rd, name);
    char *s = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    int rc = p && s ? atomic_file_write_text(p, s, err, errlen) : -1;
    if (!p || !s)
        snprintf(err, errlen, "out of memory");
    free(p);
    free(s);
    return rc;
}
