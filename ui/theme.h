/* theme.h - colour themes: YAML files of semantic roles mapped to curses attributes.
 *
 * Panes never name colours; they ask for a role's attribute. A theme file maps
 * each role to a foreground/background (#RRGGBB, a 0-255 index, a curses colour
 * name, or "default") plus attributes (bold, dim, reverse, underline). The
 * loader matches RGB to the nearest colour the terminal has (256 or 8/16), and
 * monochrome (NO_COLOR, --no-color, no colour support) uses each role's mono
 * attributes instead. */
#ifndef LATHE_THEME_H
#define LATHE_THEME_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    THEME_BACKGROUND,
    THEME_TEXT,
    THEME_DIM,
    THEME_ACCENT,
    THEME_SELECTION,
    THEME_BORDER,
    THEME_SERIES1,
    THEME_SERIES2,
    THEME_SERIES3,
    THEME_SERIES4,
    THEME_GAUGE_OK,
    THEME_GAUGE_WARN,
    THEME_GAUGE_CRITICAL,
    THEME_ERROR,
    THEME_ROLE_COUNT
} theme_role;

/* Loads NAME (a built-in theme: default, light, high-contrast, mono, or one in
 * $XDG_CONFIG_HOME/lathe/themes) or PATH (a .yaml file) and makes it current.
 * Call after initscr(). Monochrome when no_color, NO_COLOR is set and
 * non-empty, or the terminal has no colours. On a bad theme returns -1 with
 * "file:line:column: what was expected" in err and falls back to "default". */
int theme_init(const char *name_or_path, bool no_color, char *err, size_t errlen);

/* Switches to another theme at run time; same rules and errors as theme_init. */
int theme_switch(const char *name_or_path, char *err, size_t errlen);

/* The curses attribute (colour pair and flags) of a role in the current theme. */
attr_t theme_attr(theme_role role);

/* The current theme's name, and the names a chooser can offer. */
const char *theme_name(void);
size_t theme_list(const char **names, size_t max);

/* theme_list stores at most max names (built-ins first, then the user's
 * *.yaml themes) and returns how many; they stay valid until the next call.
 * theme_is_mono: true when roles use their monochrome attributes. */
bool theme_is_mono(void);

#endif
