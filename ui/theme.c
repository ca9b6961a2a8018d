/* theme.c - the current theme: finds and loads it, picks the terminal's
 * colour mode, and turns each role into a colour pair and attributes. */
#include "theme.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>

#include "theme_builtin.h"
#include "theme_file.h"
#include "theme_path.h"
#include "theme_resolve.h"

#define BUILTIN_LABEL "<built-in default theme>"

static struct {
    theme_def def;
    char name[PATH_MAX];
    bool started;           /* theme_init has run */
    bool mono;
    bool default_colors;    /* use_default_colors() worked: -1 is the terminal's own colour */
    color_mode mode;
    theme_resolved res[THEME_ROLE_COUNT];
} cur = {.name = "default"};

static char list_store[THEME_LIST_MAX][THEME_NAME_MAX];

static int load_builtin(theme_def *def, char *err, size_t errlen)
{
    return theme_file_parse(BUILTIN_LABEL, theme_builtin_default, theme_builtin_default_len, def, err, errlen);
}

static int load_def(const char *arg, theme_def *def, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (theme_path_find(arg, path, sizeof path, err, errlen) == 0)
        return theme_file_load(path, def, err, errlen);
    if (strcmp(arg, "default") != 0)
        return -1;
    if (errlen > 0)
        err[0] = '\0';
    return load_builtin(def, err, errlen);
}

static void apply_pairs(void)
{
    if (cur.mono)
        return;
    theme_resolve(&cur.def, cur.mode, cur.default_colors, cur.res);
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        init_extended_pair(r + 1, cur.res[r].fg, cur.res[r].bg);
}

/* Loads ARG or, when it is broken or missing, the built-in default. */
static int load_current(const char *arg, char *err, size_t errlen)
{
    theme_def def;
    int rc = 0;
    if (!arg || !*arg)
        arg = "default";
    if (load_def(arg, &def, err, errlen) == 0) {
        snprintf(cur.name, sizeof cur.name, "%s", arg);
    } else {
        char ignored[256];
        rc = -1;
        snprintf(cur.name, sizeof cur.name, "default");
        if (load_builtin(&def, ignored, sizeof ignored) != 0)
            memset(&def, 0, sizeof def);
    }
    cur.def = def;
    apply_pairs();
    return rc;
}

static bool env_no_color(void)
{
    const char *v = getenv("NO_COLOR");
    return v && *v;
}

static bool terminal_rgb(void)
{
    char cap[] = "RGB";
    return tigetflag(cap) > 0;
}

int theme_init(const char *name_or_path, bool no_color, char *err, size_t errlen)
{
    cur.started = true;
    cur.default_colors = false;
    cur.mono = no_color || env_no_color() || !has_colors() || start_color() != OK
            || COLOR_PAIRS <= THEME_ROLE_COUNT;
    if (!cur.mono) {
        cur.default_colors = use_default_colors() == OK;
        cur.mode = color_mode_for(COLORS, terminal_rgb());
    }
    return load_current(name_or_path, err, errlen);
}

int theme_switch(const char *name_or_path, char *err, size_t errlen)
{
    if (!cur.started)
        return theme_init(name_or_path, false, err, errlen);
    return load_current(name_or_path, err, errlen);
}

attr_t theme_attr(theme_role role)
{
    if ((int)role < 0 || role >= THEME_ROLE_COUNT || !cur.started)
        return A_NORMAL;
    const theme_style *st = &cur.def.role[role];
    if (cur.mono)
        return st->mono;
    return COLOR_PAIR(role + 1) | cur.res[role].attrs;
}

bool theme_is_mono(void)
{
    return cur.mono;
}

const char *theme_name(void)
{
    return cur.name;
}

size_t theme_list(const char **names, size_t max)
{
    size_t n = theme_path_list(list_store, THEME_LIST_MAX);
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++)
        names[i] = list_store[i];
    return n;
}
