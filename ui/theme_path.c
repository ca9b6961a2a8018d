/* theme_path.c - theme name to file lookup, and the list of available themes. */
#include "theme_path.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DIR_MAX = 4, USER_DIRS = 2 };

static const char *const builtin_names[] = {"default", "light", "high-contrast", "mono"};
#define BUILTIN_COUNT (sizeof builtin_names / sizeof builtin_names[0])

bool theme_path_is_file(const char *arg)
{
    size_t n = strlen(arg);
    return strchr(arg, '/') != NULL || (n >= 5 && strcmp(arg + n - 5, ".yaml") == 0);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The search directories, user ones first; returns how many. Slots the
 * environment leaves unset are skipped, so the user ones may be fewer than two. */
static size_t search_dirs(char dirs[DIR_MAX][PATH_MAX], size_t *user)
{
    size_t n = 0;
    const char *v;
    if ((v = env("LATHE_THEME_DIR")))
        snprintf(dirs[n++], PATH_MAX, "%s", v);
    if ((v = env("XDG_CONFIG_HOME")) && v[0] == '/')
        snprintf(dirs[n++], PATH_MAX, "%s/lathe/themes", v);
    else if ((v = env("HOME")))
        snprintf(dirs[n++], PATH_MAX, "%s/.config/lathe/themes", v);
    *user = n;
    snprintf(dirs[n++], PATH_MAX, "%s/themes", LATHE_DATADIR);
    snprintf(dirs[n++], PATH_MAX, "%s/themes", LATHE_SRCDIR);
    return n;
}

int theme_path_find(const char *arg, char *path, size_t pathlen, char *err, size_t errlen)
{
    if (theme_path_is_file(arg)) {
        snprintf(path, pathlen, "%s", arg);
        return 0;
    }
    char dirs[DIR_MAX][PATH_MAX];
    size_t user, n = search_dirs(dirs, &user);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(path, pathlen, "%s/%s.yaml", dirs[i], arg);
        if (len > 0 && (size_t)len < pathlen && access(path, R_OK) == 0)
            return 0;
    }
    size_t used = (size_t)snprintf(err, errlen, "theme '%s' not found in", arg);
    for (size_t i = 0; i < n && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, "%s %s", i ? "," : "", dirs[i]);
    return -1;
}

static bool listed(char names[][THEME_NAME_MAX], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static size_t add_dir(const char *dir, char names[][THEME_NAME_MAX], size_t n, size_t max)
{
    DIR *d = opendir(dir);
    if (!d)
        return n;
    struct dirent *e;
    while (n < max && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || len - 5 >= THEME_NAME_MAX || strcmp(e->d_name + len - 5, ".yaml") != 0
            || e->d_name[0] == '.')
            continue;
        char name[THEME_NAME_MAX];
        snprintf(name, sizeof name, "%.*s", (int)(len - 5), e->d_name);
        if (!listed(names, n, name))
            memcpy(names[n++], name, sizeof name);
    }
    closedir(d);
    return n;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

size_t theme_path_list(char names[][THEME_NAME_MAX], size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < BUILTIN_COUNT && n < max; i++)
        snprintf(names[n++], THEME_NAME_MAX, "%s", builtin_names[i]);
    char dirs[DIR_MAX][PATH_MAX];
    size_t user, first = n;
    search_dirs(dirs, &user);
    for (size_t i = 0; i < user; i++)
        n = add_dir(dirs[i], names, n, max);
    qsort(names[first], n - first, THEME_NAME_MAX, cmp_name);
    return n;
}
