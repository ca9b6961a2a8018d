/* pane.h - the pane contract. A pane is one tab of the workbench (Data,
 * Config, Train, Chat). Like htop's Panel, each concrete pane embeds `pane`
 * as its first member and points at a const class of hooks; the screen
 * manager talks to panes only through these hooks. Panes talk to the screen,
 * and through it to each other, only through their host (the pane_status,
 * pane_focus, pane_post, pane_wake and pane_cursor calls): a pane never
 * includes another pane's header.
 *
 * Threads: every hook and every host call runs on the UI thread, except
 * pane_wake, which any thread may call (a worker that has a result for the
 * pane wakes the loop, and the pane's tick picks the result up at once). */
#ifndef LATHE_PANE_H
#define LATHE_PANE_H

#include <curses.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysmon.h"

struct run_session;

/* What the workbench knows that panes draw from; refreshed at every tick of
 * the screen, read-only to panes. */
typedef struct {
    sysmon_snapshot snap;         /* latest system figures */
    bool have_snap;               /* false when the sampler could not start */
    char sysmon_error[160];       /* why, when have_snap is false */
} pane_env;

/* The panes, as messages and focus requests address them. */
typedef enum { PANE_DATA, PANE_CONFIG, PANE_TRAIN, PANE_CHAT, PANE_ID_COUNT } pane_id;

/* What a key did, as flags (htop's HandlerResult). */
enum {
    PANE_IGNORED = 0,             /* not the pane's key: the screen's global keys get it */
    PANE_HANDLED = 1 << 0,        /* used; the screen draws the next frame */
    PANE_REDRAW = 1 << 1,         /* the terminal was written behind curses' back (an
                                   * $EDITOR ran): repaint every cell */
    PANE_QUIT = 1 << 2,           /* the user asked to quit: the screen asks first when
                                   * any pane would lose something (at_risk) */
};
typedef unsigned pane_result;

/* Keys are curses' KEY_* codes or single bytes (UTF-8 comes byte by byte),
 * decoded by key_decode.h whatever TERM says. Ctrl-C arrives as a signal and
 * is handed to the focused pane as this key: a pane may claim it (stopping a
 * reply being generated); ignored, it asks to quit like q. */
#define PANE_KEY_INTERRUPT 3

/* A message from one pane to another, delivered on the UI thread after the
 * hook that posted it has returned, in the order posted. */
typedef enum {
    PANE_MSG_OPEN,                /* open PATH: a dataset (Data), a config (Config), a run
                                   * directory (Train), a model or an adapter (Chat) */
    PANE_MSG_RUN_STARTED,         /* a run started in the run directory PATH: follow it;
                                   * OBJECT is its run session when one is handed over */
    PANE_MSG_CHECKPOINT,          /* checkpoint STEP exists, in the directory PATH */
    PANE_MSG_LAUNCH,              /* start a run with the config at PATH (the exact config
                                   * to use; it may be a copy of unsaved edits beside the
                                   * config) and show it. OBJECT is not handed over: it
                                   * is the sender's, and the screen's RELEASE(OBJECT) when
                                   * no pane takes the message tells it the launch was
                                   * refused; a receiver leaves both alone */
} pane_msg_kind;

typedef struct {
    pane_msg_kind kind;
    pane_id from, to;             /* filled in by pane_post */
    char path[PATH_MAX];
    int64_t step;
    /* Something handed over with the message: the receiver that returns true
     * owns it; when nobody takes it, the screen calls RELEASE(OBJECT). */
    void *object;
    void (*release)(void *object);
} pane_msg;

/* One key a pane understands, for the help overlay and the key bar. */
typedef struct {
    const char *key;              /* as shown: "Up", "c", "PgDn" */
    const char *help;             /* for the help overlay */
    const char *bar;              /* one word for the key bar */
} pane_key;

typedef struct pane pane;
typedef struct pane_host pane_host;

typedef struct {
    const char *name;             /* tab label */
    pane_id id;
    size_t size;                  /* sizeof the concrete pane struct */
    int (*init)(pane *p, char *err, size_t errlen);            /* optional */
    void (*layout)(pane *p);      /* optional: the rectangle changed */
    /* Draws the pane's rectangle; the focused pane may place the terminal
     * cursor (pane_cursor), which is hidden otherwise. */
    void (*draw)(pane *p, WINDOW *w, const pane_env *env);
    pane_result (*handle_key)(pane *p, int key);                /* optional */
    /* Optional; every pane, every turn of the loop (a key, a wake-up or the
     * screen's tick): poll workers here. Returns the milliseconds within
     * which it wants the next turn while it shows progress, 0 when the
     * screen's tick will do. */
    int (*tick)(pane *p, const pane_env *env);
    /* Optional: a message posted to this pane; true when it took it (and
     * its object). */
    bool (*receive)(pane *p, pane_msg *m);
    /* Optional: what quitting now would lose or stop, as a short text
     * ("3 unsaved edits in data.jsonl"); false when nothing. */
    bool (*at_risk)(const pane *p, char *what, size_t n);
    /* Optional: the terminal has gone or the process is being terminated,
     * so nobody can be asked: keep what quitting would lose where the next
     * start finds it. No terminal output. 0 with WHAT saying where it is kept
     * ("" when nothing needed keeping); -1 with WHAT saying what was lost. */
    int (*rescue)(pane *p, char *what, size_t n);
    /* Optional: true when what quitting would stop is work that can go on
     * without the terminal (a run being trained). The quit prompt then also
     * offers to leave it running in the background; the pane's rescue hands
     * it over (pane_keep_running), as when the terminal goes away. */
    bool (*background)(const pane *p);
    void (*destroy)(pane *p);     /* optional: free what init allocated */
    const pane_key *keys;
    size_t n_keys;
    /* The pane types printable keys into a line of its own (the Chat
     * pane's prompt): the screen's letter and digit keys do not reach it,
     * and its help and key bar say so. */
    bool takes_text;
} pane_class;

/* The screen's side of the contract (screen.c implements it). */
struct pane_host {
    void (*status)(pane_host *h, bool error, const char *text);
    void (*focus)(pane_host *h, pane_id to);
    int (*post)(pane_host *h, pane_msg *m);
    void (*wake)(pane_host *h);
    void (*cursor)(pane_host *h, const pane *p, int y, int x);
    void (*keep_running)(pane_host *h, struct run_session *s);
};

struct pane {
    const pane_class *cls;
    pane_host *host;              /* NULL outside a screen: the host calls do nothing */
    int y, x, h, w;               /* the rectangle the pane owns on stdscr */
};

/* Allocates cls->size zeroed bytes, binds HOST (may be NULL) and runs init,
 * so init may already start threads that call pane_wake. NULL with err on
 * failure. */
pane *pane_new(const pane_class *cls, pane_host *host, char *err, size_t errlen);
void pane_free(pane *p);

/* The screen's calls into a pane's hooks (optional hooks default to doing
 * nothing, ignoring, wanting nothing and risking nothing). */
void pane_layout(pane *p, int y, int x, int h, int w);
void pane_draw(pane *p, WINDOW *w, const pane_env *env);
pane_result pane_handle_key(pane *p, int key);
int pane_tick(pane *p, const pane_env *env);
bool pane_receive(pane *p, pane_msg *m);
bool pane_at_risk(const pane *p, char *what, size_t n);
int pane_rescue(pane *p, char *what, size_t n);
bool pane_background(const pane *p);

/* A pane's calls into its host. The status line: an error fills it until the
 * next key; other text shares it with the compact gauges. */
void pane_status(pane *p, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Shows pane TO after the current hook returns. */
void pane_focus(pane *p, pane_id to);
/* Queues M (copied; from and to are filled in) for pane TO. 0 when queued
 * (M's object travels with it); -1 when the queue is full or the screen has
 * no such pane (the caller keeps the object). */
int pane_post(pane *p, pane_id to, const pane_msg *m);
/* Any thread: the loop wakes now and every pane ticks. */
void pane_wake(pane *p);
/* From draw: the terminal cursor goes to (Y, X) of stdscr after this frame
 * (for a line being edited); without the call it stays hidden. */
void pane_cursor(pane *p, int y, int x);
/* From rescue or destroy: hands S, a run session the pane trains, to the
 * workbench, which owns it from then on and carries it to its end once the
 * screen is gone. From rescue (the terminal went away, or the user chose to
 * leave the run in the background) it goes on training, detached from the
 * terminal; from destroy (the user quit and the pane stopped it) the
 * workbench waits for its last checkpoint and outputs. Without a host the
 * session is freed (stopped and waited for) at once. */
void pane_keep_running(pane *p, struct run_session *s);

/* The four workbench panes (data_pane.h has the Data pane's own calls). */
extern const pane_class data_pane_class;
extern const pane_class config_pane_class;
extern const pane_class train_pane_class;
extern const pane_class chat_pane_class;

#endif
