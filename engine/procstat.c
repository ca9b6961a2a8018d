/* procstat.c - /proc parsers for the gauges.
 *
 * Numbers are parsed by hand rather than with strtoull/strtod: those skip
 * newlines, accept signs and follow LC_NUMERIC, and a gauge must not read the
 * next line's figure or a German decimal comma by accident. */
#include "procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

long procstat_read_file(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
    if (cap < 2) {
        snprintf(err, errlen, "%s: buffer of %zu bytes is too small", path, cap);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len == cap - 1) {
        /* Possibly cut mid-line: keep only whole lines. */
        while (len > 0 && buf[len - 1] != '\n')
            len--;
    }
    buf[len] = '\0';
    return (long)len;
}

/* Skips blanks (not newlines) then reads decimal digits; false if there are
 * none or the value overflows 64 bits. */
static bool parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    *p = s;
    return true;
}

static const char *next_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    return nl ? nl + 1 : NULL;
}

static int line_no(const char *buf, const char *at)
{
    int n = 1;
    for (const char *s = buf; s < at; s++)
        n += *s == '\n';
    return n;
}

static bool parse_ticks(const char *s, procstat_ticks *t)
{
    uint64_t *f[] = {&t->user, &t->nice, &t->system, &t->idle,
                     &t->iowait, &t->irq, &t->softirq, &t->steal};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!parse_u64(&s, f[i]))
            return false;
    return true;
}

int procstat_parse_stat(const char *buf, procstat_cpu *out, char *err, size_t errlen)
{
    bool have_all = false;
    out->n_cpus = 0;
    for (const char *s = buf; s && *s; s = next_line(s)) {
        if (strncmp(s, "cpu", 3) != 0)
            continue;
        const char *rest = s + 3;
        bool aggregate = *rest == ' ';
        if (!aggregate && (*rest < '0' || *rest > '9'))
            continue;
        while (*rest >= '0' && *rest <= '9')
            rest++;
        procstat_ticks t;
        if (!parse_ticks(rest, &t)) {
            snprintf(err, errlen, "/proc/stat line %d: expected 8 tick counters after \"cpu\"",
                     line_no(buf, s));
            return -1;
        }
        if (aggregate) {
            out->all = t;
            have_all = true;
        } else if (out->n_cpus < PROCSTAT_MAX_CPUS) {
            out->cpu[out->n_cpus++] = t;
        }
    }
    if (!have_all) {
        snprintf(err, errlen, "/proc/stat: no aggregate \"cpu\" line");
        return -1;
    }
    return 0;
}

/* Finds "key:" at the start of a line and reads its "N kB" value in bytes. */
static int kb_field(const char *buf, const char *file, const char *key, uint64_t *bytes,
                    char *err, size_t errlen)
{
    size_t klen = strlen(key);
    for (const char *s = buf; s && *s; s = next_line(s)) {
        if (strncmp(s, key, klen) != 0 || s[klen] != ':')
            continue;
        const char *p = s + klen + 1;
        uint64_t kb;
        if (!parse_u64(&p, &kb) || strncmp(p, " kB", 3) != 0 || kb > UINT64_MAX / 1024) {
            snprintf(err, errlen, "%s line %d: expected \"%s: N kB\"", file, line_no(buf, s), key);
            return -1;
        }
        *bytes = kb * 1024;
        return 0;
    }
    snprintf(err, errlen, "%s: no %s line", file, key);
    return -1;
}

int procstat_parse_meminfo(const char *buf, procstat_mem *out, char *err, size_t errlen)
{
    if (kb_field(buf, "/proc/meminfo", "MemTotal", &out->total, err, errlen) != 0 ||
        kb_field(buf, "/proc/meminfo", "MemAvailable", &out->available, err, errlen) != 0)
        return -1;
    if (out->available > out->total) {
        snprintf(err, errlen, "/proc/meminfo: MemAvailable exceeds MemTotal");
        return -1;
    }
    return 0;
}

int procstat_parse_self_status(const char *buf, procstat_self_mem *out, char *err, size_t errlen)
{
    if (kb_field(buf, "/proc/self/status", "VmRSS", &out->rss, err, errlen) != 0 ||
        kb_field(buf, "/proc/self/status", "VmHWM", &out->peak_rss, err, errlen) != 0)
        return -1;
    return 0;
}

int procstat_parse_uptime(const char *buf, double *uptime_s, char *err, size_t errlen)
{
    const char *p = buf;
    uint64_t whole, frac = 0;
    double scale = 1.0;
    if (!parse_u64(&p, &whole))
        goto bad;
    if (*p == '.') {
        p++;
        const char *digits = p;
        if (!parse_u64(&p, &frac) || p - digits > 9)
            goto bad;
        for (long i = 0; i < p - digits; i++)
            scale *= 10.0;
    }
    if (*p != ' ' && *p != '\n' && *p != '\0')
        goto bad;
    *uptime_s = (double)whole + (double)frac / scale;
    return 0;
bad:
    snprintf(err, errlen, "/proc/uptime: expected seconds as \"N.NN\" at offset %ld",
             (long)(p - buf));
    return -1;
}

/* Moves *p past n blank-separated fields. */
static bool skip_fields(const char **p, int n)
{
    const char *s = *p;
    for (int i = 0; i < n; i++) {
        while (*s == ' ')
            s++;
        if (*s == '\0' || *s == '\n')
            return false;
        while (*s && *s != ' ' && *s != '\n')
            s++;
    }
    *p = s;
    return true;
}

int procstat_parse_self_stat(const char *buf, procstat_self_cpu *out, char *err, size_t errlen)
{
    /* Field 2 is "(comm)", and comm may itself hold spaces and ')': the
     * fields after it start at the last ')' in the line. */
    const char *lparen = strchr(buf, '(');
    const char *rparen = strrchr(buf, ')');
    if (!lparen || !rparen || rparen < lparen) {
        snprintf(err, errlen, "/proc/self/stat: expected \"pid (comm) ...\"");
        return -1;
    }
    const char *p = rparen + 1;
    uint64_t utime, stime, start;
    /* After ')' comes field 3 (state); utime is field 14, stime 15, starttime 22. */
    if (!skip_fields(&p, 11) || !parse_u64(&p, &utime) || !parse_u64(&p, &stime) ||
        !skip_fields(&p, 6) || !parse_u64(&p, &start)) {
        snprintf(err, errlen, "/proc/self/stat offset %ld: expected utime, stime and starttime "
                 "(fields 14, 15, 22)", (long)(p - buf));
        return -1;
    }
    out->cpu_ticks = utime + stime;
    out->start_ticks = start;
    return 0;
}

static uint64_t ticks_total(const procstat_ticks *t)
{
    return t->user + t->nice + t->system + t->idle + t->iowait + t->irq + t->softirq + t->steal;
}

double procstat_busy_percent(const procstat_ticks *a, const procstat_ticks *b)
{
    uint64_t ta = ticks_total(a), tb = ticks_total(b);
    uint64_t ia = a->idle + a->iowait, ib = b->idle + b->iowait;
    uint64_t dtotal = tb > ta ? tb - ta : 0;
    uint64_t didle = ib > ia ? ib - ia : 0;
    if (dtotal == 0 || didle >= dtotal)
        return 0.0;
    return 100.0 * (double)(dtotal - didle) / (double)dtotal;
}
