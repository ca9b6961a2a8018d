/* color.c - theme colour values and their nearest terminal colour (pure). */
#include "color.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const ansi_names[8] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* xterm's default palette for 0-15: the values "nearest ANSI" measures against. */
static const unsigned char ansi_rgb[16][3] = {
    {0x00, 0x00, 0x00}, {0xcd, 0x00, 0x00}, {0x00, 0xcd, 0x00}, {0xcd, 0xcd, 0x00},
    {0x00, 0x00, 0xee}, {0xcd, 0x00, 0xcd}, {0x00, 0xcd, 0xcd}, {0xe5, 0xe5, 0xe5},
    {0x7f, 0x7f, 0x7f}, {0xff, 0x00, 0x00}, {0x00, 0xff, 0x00}, {0xff, 0xff, 0x00},
    {0x5c, 0x5c, 0xff}, {0xff, 0x00, 0xff}, {0x00, 0xff, 0xff}, {0xff, 0xff, 0xff},
};

static const unsigned char cube_level[6] = {0, 95, 135, 175, 215, 255};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_rgb(const char *text, color_spec *out)
{
    int v[6];
    if (strlen(text) != 7)
        return false;
    for (int i = 0; i < 6; i++)
        if ((v[i] = hex_digit(text[i + 1])) < 0)
            return false;
    out->kind = COLOR_SPEC_RGB;
    out->r = (unsigned char)(v[0] * 16 + v[1]);
    out->g = (unsigned char)(v[2] * 16 + v[3]);
    out->b = (unsigned char)(v[4] * 16 + v[5]);
    return true;
}

static bool parse_index(const char *text, color_spec *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > 3 || strspn(text, "0123456789") != n)
        return false;
    int v = atoi(text);
    if (v > 255)
        return false;
    out->kind = COLOR_SPEC_INDEX;
    out->index = v;
    return true;
}

static bool parse_name(const char *text, color_spec *out)
{
    int base = 0;
    if (strncasecmp(text, "bright-", 7) == 0) {
        base = 8;
        text += 7;
    }
    for (int i = 0; i < 8; i++) {
        if (strcasecmp(text, ansi_names[i]) == 0) {
            out->kind = COLOR_SPEC_INDEX;
            out->index = base + i;
            return true;
        }
    }
    return false;
}

bool color_parse(const char *text, color_spec *out)
{
    color_spec c = {0};
    bool ok;
    if (text[0] == '#')
        ok = parse_rgb(text, &c);
    else if (strcasecmp(text, "default") == 0) {
        c.kind = COLOR_SPEC_DEFAULT;
        ok = true;
    } else if (text[0] >= '0' && text[0] <= '9')
        ok = parse_index(text, &c);
    else
        ok = parse_name(text, &c);
    if (ok)
        *out = c;
    return ok;
}

void color_index_rgb(int index, unsigned char *r, unsigned char *g, unsigned char *b)
{
    if (index < 0 || index > 255)
        index = 0;
    if (index < 16) {
        *r = ansi_rgb[index][0];
        *g = ansi_rgb[index][1];
        *b = ansi_rgb[index][2];
    } else if (index < 232) {
        int i = index - 16;
        *r = cube_level[i / 36];
        *g = cube_level[(i / 6) % 6];
        *b = cube_level[i % 6];
    } else {
        *r = *g = *b = (unsigned char)(8 + 10 * (index - 232));
    }
}

static long dist2(int r1, int g1, int b1, int r2, int g2, int b2)
{
    long dr = r1 - r2, dg = g1 - g2, db = b1 - b2;
    return dr * dr + dg * dg + db * db;
}

/* The cube's per-channel nearest level is its nearest point: the squared
 * distance is a sum of independent per-channel terms. */
static int nearest_level(unsigned char v)
{
    int best = 0;
    for (int i = 1; i < 6; i++)
        if (abs(v - cube_level[i]) < abs(v - cube_level[best]))
            best = i;
    return best;
}

int color_nearest_256(unsigned char r, unsigned char g, unsigned char b)
{
    int ri = nearest_level(r), gi = nearest_level(g), bi = nearest_level(b);
    long cube_d = dist2(r, g, b, cube_level[ri], cube_level[gi], cube_level[bi]);
    int grey = 0;
    long grey_d = -1;
    for (int i = 0; i < 24; i++) {
        int v = 8 + 10 * i;
        long d = dist2(r, g, b, v, v, v);
        if (grey_d < 0 || d < grey_d) {
            grey_d = d;
            grey = i;
        }
    }
    if (grey_d < cube_d)
        return 232 + grey;
    return 16 + 36 * ri + 6 * gi + bi;
}

/* Squared distance alone sends mid greys to xterm's yellow (#cdcd00 is
 * nearer #808080 than #e5e5e5 is), so a colour with little chroma only
 * considers the palette's greys: black, white and, with 16, bright black
 * and bright white. */
static bool ansi_candidate(int i, bool greyish)
{
    return !greyish || i == 0 || i == 7 || i == 8 || i == 15;
}

int color_nearest_ansi(unsigned char r, unsigned char g, unsigned char b, int n)
{
    int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    bool greyish = hi - lo < 32;
    if (n > 16)
        n = 16;
    int best = 0;
    long best_d = -1;
    for (int i = 0; i < n; i++) {
        long d = dist2(r, g, b, ansi_rgb[i][0], ansi_rgb[i][1], ansi_rgb[i][2]);
        if (ansi_candidate(i, greyish) && (best_d < 0 || d < best_d)) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

/* Direct-colour terminfo (xterm-direct) reads values below 8 as palette
 * colours, so a packed RGB that small moves to 8 (#000008, still black). */
static int pack_rgb(unsigned char r, unsigned char g, unsigned char b)
{
    int v = (r << 16) | (g << 8) | b;
    return v < 8 ? 8 : v;
}

int color_for_mode(const color_spec *spec, color_mode mode)
{
    static const int palette_size[] = {
        [COLOR_MODE_8] = 8, [COLOR_MODE_16] = 16, [COLOR_MODE_256] = 256, [COLOR_MODE_DIRECT] = 8,
    };
    unsigned char r = spec->r, g = spec->g, b = spec->b;
    if (spec->kind == COLOR_SPEC_DEFAULT)
        return -1;
    if (spec->kind == COLOR_SPEC_INDEX) {
        if (spec->index < palette_size[mode])
            return spec->index;
        color_index_rgb(spec->index, &r, &g, &b);
    }
    switch (mode) {
    case COLOR_MODE_DIRECT:
        return pack_rgb(r, g, b);
    case COLOR_MODE_256:
        return color_nearest_256(r, g, b);
    case COLOR_MODE_16:
        return color_nearest_ansi(r, g, b, 16);
    case COLOR_MODE_8:
        break;
    }
    return color_nearest_ansi(r, g, b, 8);
}

color_mode color_mode_for(int colors, bool rgb_flag)
{
    if (rgb_flag && colors > 256)
        return COLOR_MODE_DIRECT;
    if (colors >= 256)
        return COLOR_MODE_256;
    if (colors >= 16)
        return COLOR_MODE_16;
    return COLOR_MODE_8;
}

color_rgb color_number_rgb(int c, color_mode mode)
{
    color_rgb out;
    if (mode == COLOR_MODE_DIRECT && c >= 8) {
        out = (color_rgb){(unsigned char)(c >> 16), (unsigned char)(c >> 8), (unsigned char)c};
        return out;
    }
    color_index_rgb(c, &out.r, &out.g, &out.b);
    return out;
}

/* Relative luminance of an sRGB channel value, as WCAG 2 defines it. */
static double channel(unsigned char v)
{
    double c = v / 255.0;
    return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(color_rgb c)
{
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double color_contrast(color_rgb a, color_rgb b)
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}
