/* color.h - colour values in theme files and their nearest terminal colour.
 *
 * Pure functions, no terminal: a theme names colours as #RRGGBB, a 0-255
 * xterm index, a curses colour name or "default"; the loader asks for the
 * colour number the current terminal can show (256-colour palette, the
 * 8 or 16 ANSI colours, or direct RGB). */
#ifndef LATHE_COLOR_H
#define LATHE_COLOR_H

#include <stdbool.h>

typedef enum { COLOR_SPEC_DEFAULT, COLOR_SPEC_INDEX, COLOR_SPEC_RGB } color_spec_kind;

typedef struct {
    color_spec_kind kind;
    int index;                 /* COLOR_SPEC_INDEX: 0-255 */
    unsigned char r, g, b;     /* COLOR_SPEC_RGB */
} color_spec;

/* What the terminal can show. */
typedef enum { COLOR_MODE_8, COLOR_MODE_16, COLOR_MODE_256, COLOR_MODE_DIRECT } color_mode;

/* Parses "#RRGGBB", "0".."255", a colour name (black red green yellow blue
 * magenta cyan white, bright-black .. bright-white) or "default". */
bool color_parse(const char *text, color_spec *out);

/* The RGB of an xterm palette index 0-255 (0-15 as xterm's defaults). */
void color_index_rgb(int index, unsigned char *r, unsigned char *g, unsigned char *b);

/* Nearest xterm-256 colour: cube 16-231 or grey 232-255, closer by squared RGB distance. */
int color_nearest_256(unsigned char r, unsigned char g, unsigned char b);

/* Nearest of the first N (8 or 16) ANSI colours, by squared RGB distance to
 * xterm's default palette; near-greys only consider the palette's greys. */
int color_nearest_ansi(unsigned char r, unsigned char g, unsigned char b, int n);

/* The colour number to hand curses for SPEC in MODE; -1 for "default". In
 * COLOR_MODE_DIRECT the number is packed 0xRRGGBB (values 0-7 stay palette). */
int color_for_mode(const color_spec *spec, color_mode mode);

/* The mode for a terminal with COLORS colours and the RGB terminfo flag. */
color_mode color_mode_for(int colors, bool rgb_flag);

typedef struct {
    unsigned char r, g, b;
} color_rgb;

/* The RGB a colour number of color_for_mode shows (xterm's palette for
 * palette numbers, the packed value in COLOR_MODE_DIRECT); C >= 0. */
color_rgb color_number_rgb(int c, color_mode mode);

/* WCAG 2 contrast ratio of two colours, 1 (none) to 21 (black on white). */
double color_contrast(color_rgb a, color_rgb b);

#endif
