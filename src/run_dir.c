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

static int mkdir_p(const char *path, char *err, size_t errlen)
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

static FILE *open_log(const run_dir *rd, const char *name, char *err, size_t errlen)
{
    char *p = run_dir_file(rd, name);
    FILE *fp = p ? fopen(p, "w") : NULL;
    if (!fp)
        snprintf(err, errlen, "%s/%s: cannot create: %s", rd->path, name,
                 p ? strerror(errno) : "out of memory");
    free(p);
    return fp;
}

int run_dir_open(run_dir *rd, const char *dir, char *err, size_t errlen)
{
    memset(rd, 0, sizeof *rd);
    rd->path = dir ? strdup(dir) : default_dir();
    if (!rd->path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (mkdir_p(rd->path, err, errlen))
        return -1;
    char *m = run_dir_file(rd, "metrics.jsonl");
    bool taken = m && access(m, F_OK) == 0;
    free(m);
    if (taken) {
        snprintf(err, errlen, "%s already holds a run (metrics.jsonl); choose another --output "
                 "(resuming a run is not available yet)", rd->path);
        return -1;
    }
    if (!(rd->metrics = open_log(rd, "metrics.jsonl", err, errlen)) ||
        !(rd->events = open_log(rd, "events.jsonl", err, errlen)))
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
