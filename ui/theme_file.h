/* theme_file.h - reading a theme YAML file into a theme_def (no terminal).
 *
 * The format is documented at the top of themes/default.yaml. Errors name
 * "file:line:column: what was expected", line and column 1-based. */
#ifndef LATHE_THEME_FILE_H
#define LATHE_THEME_FILE_H

#include <stddef.h>

#include "color.h"
#include "theme.h"

typedef struct {
    color_spec fg, bg;
    attr_t attrs;      /* with colours */
    attr_t mono;       /* in monochrome */
} theme_style;

typedef struct {
    char name[64];
    char description[160];
    theme_style role[THEME_ROLE_COUNT];
} theme_def;

/* The key of ROLE in a theme file ("background", "series1", ...); NULL if out of range. */
const char *theme_role_key(theme_role role);

/* Parses the theme file PATH. Returns 0, or -1 with the error in err. */
int theme_file_load(const char *path, theme_def *out, char *err, size_t errlen);

/* Parses LEN bytes of theme YAML; errors are reported against LABEL. */
int theme_file_parse(const char *label, const char *text, size_t len, theme_def *out,
                     char *err, size_t errlen);

#endif
