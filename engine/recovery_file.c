/* recovery_file.c - the recovery folder's file names and their header (see
 * recovery_file.h). */
#include "config.h"

#include "recovery_file.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "file_read.h"
#include "state_dir.h"

#define STAMP_WRITE "# %s size %lld mtime %lld.%09ld\n"
#define STAMP_READ " size %lld mtime %lld.%ld"
#define KEPT "# kept at "

int recovery_file_path(const recovery_kind *k, const char *subject, bool create, char *out,
                       size_t n, char *err, size_t errlen)
{
    char real[PATH_MAX], dir[PATH_MAX], name[PATH_MAX];
    if (!realpath(subject, real)) {
        snprintf(err, errlen, "%s: %s", subject, strerror(errno));
        return -1;
    }
    if (state_dir("recovery", create, dir, sizeof dir, err, errlen) != 0)
        return -1;
    snprintf(name, sizeof name, "%s", real);
    char *base = basename(name);
    for (char *c = base; *c; c++)          /* a plain name for the folder listing */
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '-' || *c == '_'))
            *c = '_';
    int len = snprintf(out, n, "%s/%.64s-%016" PRIx64 ".%s", dir, base,
                       (uint64_t)XXH3_64bits(real, strlen(real)), k->suffix);
    if (len < 0 || (size_t)len >= n) {
        snprintf(err, errlen, "%s: recovery path too long", dir);
        return -1;
    }
    return 0;
}

int recovery_file_header(const recovery_kind *k, const char *subject, char *out, size_t n,
                         char *err, size_t errlen)
{
    char real[PATH_MAX], kept[32];
    struct stat st;
    if (!realpath(subject, real) || stat(real, &st) != 0) {
        snprintf(err, errlen, "%s: %s", subject, strerror(errno));
        return -1;
    }
    for (char *c = real; *c; c++)           /* keep the comment on one line */
        if (*c == '\n' || *c == '\r')
            *c = '?';
    time_t now = time(NULL);
    struct tm tm;
    strftime(kept, sizeof kept, "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
    snprintf(out, n,
             "# lathe: unsaved edits of a %s pane session on\n#   %s\n"
             "# kept because its terminal went away. Opening that %s in lathe\n"
             "# %s.\n" STAMP_WRITE KEPT "%s\n",
             k->pane, real, k->noun, k->offer, k->noun, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, kept);
    return 0;
}

/* The size and time stamp on LINE (after "# NOUN"): whether SUBJECT still has them. */
static bool stamp_changed(const char *line, const char *subject, bool *found)
{
    long long size, sec;
    long nsec;
    *found = sscanf(line, STAMP_READ, &size, &sec, &nsec) == 3;
    struct stat st;
    return !*found || stat(subject, &st) != 0 || st.st_size != size ||
           st.st_mtim.tv_sec != sec || st.st_mtim.tv_nsec != nsec;
}

static void read_header(const recovery_kind *k, const char *text, const char *subject,
                        recovery_header *h)
{
    size_t noun = strlen(k->noun);
    *h = (recovery_header){.subject_changed = true};
    for (const char *line = text; *line == '#';) {
        const char *next = strchr(line, '\n');
        bool found;
        if (!strncmp(line + 2, k->noun, noun) && line[1] == ' ') {
            bool changed = stamp_changed(line + 2 + noun, subject, &found);
            if (found)
                h->subject_changed = changed;
        }
        if (!strncmp(line, KEPT, strlen(KEPT))) {
            sscanf(line + strlen(KEPT), "%31[^\n]", h->kept_at);
            h->body = next ? (size_t)(next + 1 - text) : strlen(text);
            return;
        }
        if (!next)
            break;
        line = next + 1;
    }
}

int recovery_file_find(const recovery_kind *k, const char *subject, char *out, size_t n,
                       char **text, size_t *len, recovery_header *h, char *err, size_t errlen)
{
    *text = NULL;
    if (recovery_file_path(k, subject, false, out, n, err, errlen) != 0)
        return -1;
    if (access(out, F_OK) != 0)
        return 0;
    if (!(*text = file_read_path(out, len, err, errlen)))
        return -1;
    read_header(k, *text, subject, h);
    return 1;
}

int recovery_file_discard(const recovery_kind *k, const char *subject, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (recovery_file_path(k, subject, false, path, sizeof path, err, errlen) != 0)
        return -1;
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
