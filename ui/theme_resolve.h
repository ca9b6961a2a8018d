/* theme_resolve.h - a theme's roles as the terminal will draw them: for each
 * role the colour numbers of its foreground and background in the terminal's
 * colour mode, and its attributes, made legible whatever the terminal's own
 * colours are. A role drawn on the terminal's own background (which may be
 * black or white) keeps its colour only when that colour reads on both;
 * otherwise it takes the terminal's own foreground and its monochrome
 * attributes (so the 8 colours of a stock xterm never put light grey on
 * white). A role with a background of its own gets black or white text when
 * its colour would not read on it, and the selection is drawn reversed when
 * its background cannot be told from the screen's (1.5:1). Pure: no terminal. */
#ifndef LATHE_THEME_RESOLVE_H
#define LATHE_THEME_RESOLVE_H

#include <stdbool.h>

#include "color.h"
#include "theme_file.h"

typedef struct {
    int fg, bg;         /* color_for_mode numbers; -1: the terminal's own colour */
    attr_t attrs;
    bool fg_fallback;   /* the theme's foreground did not read and was replaced */
} theme_resolved;

/* The least WCAG contrast a role's text must have on its background: 4.5
 * for body text and the selection, 3 for other text, 1.5 for borders. */
double theme_min_contrast(theme_role role);

/* Resolves every role of DEF for MODE. DEFAULT_COLORS: the terminal accepts
 * -1 for its own colours (use_default_colors); without it they are white on
 * black. */
void theme_resolve(const theme_def *def, color_mode mode, bool default_colors,
                   theme_resolved out[THEME_ROLE_COUNT]);

/* The colour numbers of black and white in MODE. */
int theme_black(color_mode mode);
int theme_white(color_mode mode);

#endif
