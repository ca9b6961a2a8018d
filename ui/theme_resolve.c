/* theme_resolve.c - theme roles to legible colour numbers and attributes
 * (see theme_resolve.h). */
#include "theme_resolve.h"

static const color_rgb black_rgb = {0, 0, 0}, white_rgb = {255, 255, 255};

/* The least contrast between the selection's background and the screen's. */
#define SELECTION_APART 1.5

double theme_min_contrast(theme_role role)
{
    switch (role) {
    case THEME_BACKGROUND:
    case THEME_TEXT:
    case THEME_SELECTION:
        return 4.5;
    case THEME_BORDER:
        return 1.5;
    default:
        return 3.0;
    }
}

int theme_black(color_mode mode)
{
    (void)mode;
    return 0;
}

int theme_white(color_mode mode)
{
    return mode == COLOR_MODE_8 ? 7 : mode == COLOR_MODE_DIRECT ? 0xffffff : 15;
}

/* Whether FG reads on a background that may be black or white. */
static bool reads_on_any(int fg, color_mode mode, double min)
{
    color_rgb c = color_number_rgb(fg, mode);
    return color_contrast(c, black_rgb) >= min && color_contrast(c, white_rgb) >= min;
}

static void resolve_role(const theme_style *st, theme_role role, color_mode mode,
                         bool default_colors, theme_resolved *out)
{
    int fg = color_for_mode(&st->fg, mode), bg = color_for_mode(&st->bg, mode);
    if (!default_colors) {
        fg = fg < 0 ? theme_white(mode) : fg;
        bg = bg < 0 ? theme_black(mode) : bg;
    }
    double min = theme_min_contrast(role);
    *out = (theme_resolved){fg, bg, st->attrs, false};
    if (bg < 0 && fg >= 0 && !reads_on_any(fg, mode, min)) {
        out->fg = -1;
        out->attrs |= st->mono;
        out->fg_fallback = true;
    } else if (bg >= 0) {
        color_rgb b = color_number_rgb(bg, mode);
        if (fg < 0 || color_contrast(color_number_rgb(fg, mode), b) < min) {
            out->fg = color_contrast(white_rgb, b) >= color_contrast(black_rgb, b)
                    ? theme_white(mode) : theme_black(mode);
            out->fg_fallback = fg >= 0;
        }
    }
}

/* Whether two backgrounds can be told apart (1.5:1); the terminal's own (-1)
 * may be black or white. */
static bool backgrounds_apart(int a, int b, color_mode mode)
{
    if (a < 0 && b < 0)
        return false;
    if (a < 0 || b < 0)
        return reads_on_any(a < 0 ? b : a, mode, SELECTION_APART);
    return color_contrast(color_number_rgb(a, mode), color_number_rgb(b, mode)) >= SELECTION_APART;
}

static bool same_spec(const color_spec *a, const color_spec *b)
{
    return a->kind == b->kind && (a->kind != COLOR_SPEC_INDEX || a->index == b->index) &&
           (a->kind != COLOR_SPEC_RGB || (a->r == b->r && a->g == b->g && a->b == b->b));
}

void theme_resolve(const theme_def *def, color_mode mode, bool default_colors,
                   theme_resolved out[THEME_ROLE_COUNT])
{
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        resolve_role(&def->role[r], (theme_role)r, mode, default_colors, &out[r]);
    /* A role the theme colours apart from the text but whose colours came out
     * as the text's (few colours, or a replaced foreground) is told apart by
     * its monochrome attributes instead. */
    const theme_style *text = &def->role[THEME_TEXT];
    for (int r = THEME_DIM; r < THEME_ROLE_COUNT; r++) {
        const theme_style *st = &def->role[r];
        bool themed_apart = !same_spec(&st->fg, &text->fg) || !same_spec(&st->bg, &text->bg);
        if (themed_apart && out[r].fg == out[THEME_TEXT].fg && out[r].bg == out[THEME_TEXT].bg)
            out[r].attrs |= st->mono;
    }
    if (!backgrounds_apart(out[THEME_SELECTION].bg, out[THEME_BACKGROUND].bg, mode))
        out[THEME_SELECTION].attrs |= A_REVERSE;
}
