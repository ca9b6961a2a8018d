/* screen.h - the screen manager (htop's ScreenManager) and the panes' host:
 * tab bar, the focused pane, the status line with compact gauges, the key
 * bar, the help overlay and the quit prompt, the panes' messages, and the
 * main loop, which waits in one poll() for keys, wake-ups and its tick. */
#ifndef LATHE_SCREEN_H
#define LATHE_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "pane.h"

#define SCREEN_MIN_W 80
#define SCREEN_MIN_H 24
/* The gauges' tick: the system sampler publishes once a second. Panes that
 * show progress ask for sooner turns (pane tick), workers wake the loop. */
#define SCREEN_TICK_MS 500
#define SCREEN_MAX_PANES 8
#define SCREEN_MAX_MSGS 16

typedef struct screen screen;

/* An empty screen; panes are added with screen_add. env is the workbench's
 * and must outlive the screen; title is shown in the tab bar. NULL with err
 * on failure. */
screen *screen_new(pane_env *env, const char *title, char *err, size_t errlen);
/* Makes a pane of CLS with this screen as its host and adds it as the next
 * tab (owned by the screen). NULL with err on failure or past
 * SCREEN_MAX_PANES. */
pane *screen_add(screen *s, const pane_class *cls, char *err, size_t errlen);
/* The pane with ID, or NULL. */
pane *screen_pane(const screen *s, pane_id id);
/* Frees the panes (their destroy stops their threads), then the rest. */
void screen_free(screen *s);

/* A message for the status line. An error fills the row, in the error role,
 * until the next key; other messages share it with the compact gauges. */
void screen_status(screen *s, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Draws one frame onto stdscr and refreshes. */
void screen_draw(screen *s);

/* One turn of screen_run without the workbench tick and the wait: delivers
 * queued messages, ticks every pane, then draws (lathe bench data times
 * these frames). Returns the soonest next turn the panes asked for, in ms
 * (0: none asked). */
int screen_frame(screen *s);

/* Handles one key. Returns false when the user asked to quit (after
 * confirming it when a pane would lose something). */
bool screen_key(screen *s, int key);

size_t screen_focus(const screen *s);

/* The tick of screen_run, SCREEN_TICK_MS unless set. */
void screen_set_tick(screen *s, int ms);

/* Called at every tick of screen_run, to refresh env. */
typedef void (*screen_tick_fn)(void *ctx, pane_env *env);

typedef enum {
    SCREEN_QUIT,                  /* the user quit */
    SCREEN_BACKGROUND,            /* the user quit leaving a run in the background */
    SCREEN_TERMINATED,            /* SIGTERM */
    SCREEN_HANGUP,                /* SIGHUP, or the terminal's input ended or failed */
} screen_end;

/* Runs until one of screen_end happens, reading keys from FD: draw, wait
 * for a key, a wake-up or the next tick, handle every key read, repeat. */
screen_end screen_run(screen *s, int fd, screen_tick_fn tick, void *ctx);
/* After screen_run: how it ended, in words ("SIGHUP", "end of input", an
 * errno text; "" for a quit). */
const char *screen_end_why(const screen *s);

/* Where the runs panes hand over (pane_keep_running) go: FN(CTX, RUN), which
 * owns RUN from then on. Without it they are freed (stopped) at once. */
void screen_on_keep_running(screen *s, void (*fn)(void *ctx, struct run_session *run),
                            void *ctx);

/* Nobody can be asked any more: every pane keeps what it would lose
 * (pane_rescue). REPORT gets a line per pane that kept or lost something,
 * "Name: what". -1 when any pane lost something. */
int screen_rescue(screen *s, char *report, size_t n);

#endif
