/* screen.h - the screen manager: tab bar, the focused pane, the status line
 * with compact gauges, the key bar, the help overlay and the quit prompt, and
 * the main loop that ticks, draws and dispatches keys (htop's ScreenManager). */
#ifndef LATHE_SCREEN_H
#define LATHE_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "pane.h"

#define SCREEN_MIN_W 80
#define SCREEN_MIN_H 24
#define SCREEN_TICK_MS 100
#define SCREEN_MAX_PANES 8

typedef struct screen screen;

/* Takes ownership of the panes (freed by screen_free). env is the workbench's
 * and must outlive the screen; the screen writes env->frame_ms. title is shown
 * in the tab bar. NULL when out of memory. */
screen *screen_new(pane *const *panes, size_t n, pane_env *env, const char *title);
void screen_free(screen *s);

/* A message for the status line. An error fills the row, in the error role,
 * until the next key; other messages share it with the compact gauges. */
void screen_status(screen *s, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Draws one frame onto stdscr and refreshes; measures env->frame_ms. */
void screen_draw(screen *s);

/* One turn of screen_run without the workbench tick and the key wait: ticks
 * every pane, then draws (lathe bench data times these frames). */
void screen_frame(screen *s);

/* Handles one key. Returns false when the user asked to quit (and confirmed
 * it when a pane was busy). */
bool screen_key(screen *s, int key);

size_t screen_focus(const screen *s);

/* Called once per loop turn before drawing, to refresh env. */
typedef void (*screen_tick_fn)(void *ctx, pane_env *env);

/* Runs until quit or SIGINT/SIGTERM: tick, draw, wait up to SCREEN_TICK_MS
 * for keys, handle every pending key, repeat. */
void screen_run(screen *s, screen_tick_fn tick, void *ctx);

#endif
