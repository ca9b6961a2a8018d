/* ds_recovery.c - the recovery file: a recipe behind a comment header that
 * records the dataset as it was (size, modification time), read back with
 * the recipe parser (YAML skips the comments). */
#include "config.h"

#include "ds_recovery.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "file_read.h"
#include "state_dir.h"

#define STAMP_WRITE "# dataset size %lld mtime %lld.%09ld\n"
#define STAMP_READ "# dataset size %lld mtime %lld.%ld"
#define KEPT_READ "# kept at %31[^\n]"

/* The path for DATA_PATH; with CREATE its folder is made when missing. */
static int recovery_path(const char *data_path, bool create, char *out, size_t n, char *err,
                         size_t errlen)
{
    char real[PATH_MAX], dir[PATH_MAX], name[PATH_MAX];
    if (!realpath(data_path, real)) {
        snprintf(err, errlen, "%s: %s", data_path, strerror(errno));
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
    int len = snprintf(out, n, "%s/%.64s-%016" PRIx64 ".recipe.yaml", dir, base,
                       (uint64_t)XXH3_64bits(real, strlen(real)));
    if (len < 0 || (size_t)len >= n) {
        snprintf(err, errlen, "%s: recovery path too long", dir);
        return -1;
    }
    return 0;
}

int ds_recovery_path(const char *data_path, char *out, size_t n, char *err, size_t errlen)
{
    return recovery_path(data_path, false, out, n, err, errlen);
}

/* The comment header: what the file is, the dataset as it is now, when. */
static int header(const char *data_path, char *out, size_t n, char *err, size_t errlen)
{
    char real[PATH_MAX], kept[32];
    struct stat st;
    if (!realpath(data_path, real) || stat(real, &st) != 0) {
        snprintf(err, errlen, "%s: %s", data_path, strerror(errno));
        return -1;
    }
    for (char *c = real; *c; c++)           /* keep the comment on one line */
        if (*c == '\n' || *c == '\r')
            *c = '?';
    time_t now = time(NULL);
    struct tm tm;
    strftime(kept, sizeof kept, "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
    snprintf(out, n,
             "# lathe: unsaved edits of a Data pane session on\n#   %s\n"
             "# kept because its terminal went away. Opening that dataset in lathe\n"
             "# offers to replay them.\n" STAMP_WRITE "# kept at %s\n",
             real, (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, kept);
    return 0;
}

int ds_recovery_keep(const ds_edit *e, char *out, size_t n, char *err, size_t errlen)
{
    const char *data_path = dataset_path(ds_edit_dataset(e));
    char comment[PATH_MAX + 512];
    if (recovery_path(data_path, true, out, n, err, errlen) != 0 ||
        header(data_path, comment, sizeof comment, err, errlen) != 0)
        return -1;
    return ds_recipe_write(e, data_path, comment, out, err, errlen);
}

/* Reads the header's stamp and time; a file without them counts as made on
 * a dataset that changed. */
static void read_header(const char *text, const char *data_path, ds_recovery *r)
{
    long long size, sec;
    long nsec;
    r->dataset_changed = true;
    for (const char *line = text; *line == '#';) {
        if (sscanf(line, STAMP_READ, &size, &sec, &nsec) == 3) {
            struct stat st;
            r->dataset_changed = stat(data_path, &st) != 0 || st.st_size != size ||
                                 st.st_mtim.tv_sec != sec || st.st_mtim.tv_nsec != nsec;
        }
        sscanf(line, KEPT_READ, r->kept_at);
        const char *next = strchr(line, '\n');
        if (!next)
            break;
        line = next + 1;
    }
}

int ds_recovery_find(const char *data_path, ds_recovery *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (ds_recovery_path(data_path, r->path, sizeof r->path, err, errlen) != 0)
        return -1;
    if (access(r->path, F_OK) != 0)
        return 0;
    size_t len;
    char *text = file_read_path(r->path, &len, err, errlen);
    if (!text)
        return -1;
    int rc = ds_recipe_parse(&r->recipe, r->path, text, len, err, errlen);
    if (rc == 0)
        read_header(text, data_path, r);
    free(text);
    return rc == 0 ? 1 : -1;
}

void ds_recovery_free(ds_recovery *r)
{
    ds_recipe_free(&r->recipe);
}

int ds_recovery_discard(const char *data_path, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (ds_recovery_path(data_path, path, sizeof path, err, errlen) != 0)
        return -1;
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
