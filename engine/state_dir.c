/* state_dir.c - the state folder, made one component at a time (mkdir -p)
 * and checked for ownership before it is used. */
#include "config.h"

#include "state_dir.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $XDG_STATE_HOME, or $HOME/.local/state (HOME from the password file
 * when unset). */
static int base_dir(char *out, size_t n, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && xdg[0] == '/') {
        snprintf(out, n, "%s", xdg);
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || home[0] != '/') {
        const struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || home[0] != '/') {
        snprintf(err, errlen, "no state folder: neither XDG_STATE_HOME nor HOME is set");
        return -1;
    }
    snprintf(out, n, "%s/.local/state", home);
    return 0;
}

static int make_dirs(char *path, char *err, size_t errlen)
{
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        if (!end)
            *p = '/';
        if (rc != 0 && e != EEXIST) {
            snprintf(err, errlen, "%s: cannot create the state folder: %s", path, strerror(e));
            return -1;
        }
        if (end)
            return 0;
    }
}

static int check_owner(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a folder", path);
        return -1;
    }
    if (st.st_uid != getuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(err, errlen, "%s: not used, since it %s", path,
                 st.st_uid != getuid() ? "belongs to another user" : "is writable by others");
        return -1;
    }
    return 0;
}

int state_dir(const char *sub, bool create, char *out, size_t n, char *err, size_t errlen)
{
    char base[4096];
    if (base_dir(base, sizeof base, err, errlen) != 0)
        return -1;
    int len = snprintf(out, n, "%s/lathe%s%s", base, sub[0] ? "/" : "", sub);
    if (len < 0 || (size_t)len >= n) {
        snprintf(err, errlen, "%s: path too long for the state folder", base);
        return -1;
    }
    if (!create && access(out, F_OK) != 0 && errno == ENOENT)
        return 0;
    if (create && make_dirs(out, err, errlen) != 0)
        return -1;
    return check_owner(out, err, errlen);
}
