/* gauge.h - system gauges drawn from a sysmon snapshot, htop-Meter style:
 * a compact one-line form for the status line of every pane, and a full form
 * (bars per resource, per core and per GPU) for the Train pane. Colours come
 * from the theme's gauge roles by fill level. */
#ifndef LATHE_GAUGE_H
#define LATHE_GAUGE_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "sysmon.h"
#include "theme.h"

/* Fill fraction at and above which a gauge turns WARN, and CRITICAL. */
#define GAUGE_WARN_AT 0.70
#define GAUGE_CRITICAL_AT 0.90

/* The role for a fill fraction (0..1; out-of-range values are clamped). */
theme_role gauge_role(double fraction);

/* Formats a byte count in at most 7 characters: "512B", "12.3M", "7.81G". */
void gauge_bytes(char *out, size_t outlen, uint64_t bytes);

/* One-line summary: "RSS 12.3M | RAM 3.10G/7.81G | CPU 2.0% | no GPU".
 * Draws it at (y, x) in at most maxw columns; returns the columns used. */
int gauge_draw_compact(WINDOW *w, int y, int x, int maxw, const sysmon_snapshot *s);

/* The columns gauge_draw_compact needs for s. */
int gauge_compact_width(const sysmon_snapshot *s);

/* A bar of `width` columns filled to `fraction`, coloured by level. */
void gauge_draw_bar(WINDOW *w, int y, int x, int width, double fraction);

/* The full gauges in the rectangle (y, x, h, w); returns the rows used. */
int gauge_draw_full(WINDOW *w, int y, int x, int h, int width, const sysmon_snapshot *s);

#endif
