/* theme_path.h - where theme files live and which theme names exist.
 *
 * A NAME is looked up as NAME.yaml in, in order: $LATHE_THEME_DIR,
 * $XDG_CONFIG_HOME/lathe/themes (or ~/.config/lathe/themes), the installed
 * data directory and the source tree. An argument containing '/' or ending
 * in ".yaml" is a PATH and is used as given. */
#ifndef LATHE_THEME_PATH_H
#define LATHE_THEME_PATH_H

#include <stdbool.h>
#include <stddef.h>

enum { THEME_NAME_MAX = 64, THEME_LIST_MAX = 64 };

/* True if ARG names a file rather than a theme. */
bool theme_path_is_file(const char *arg);

/* Finds the file for ARG. Returns 0 with the file in path, or -1 with
 * "theme 'NAME' not found in DIR, DIR, ..." in err. */
int theme_path_find(const char *arg, char *path, size_t pathlen, char *err, size_t errlen);

/* The built-in theme names followed by the *.yaml names in the user theme
 * directories (sorted, without duplicates). Returns how many were stored. */
size_t theme_path_list(char names[][THEME_NAME_MAX], size_t max);

#endif
