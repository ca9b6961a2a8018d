/* pane.h - the pane interface. A pane is one tab of the workbench (Data,
 * Config, Train, Chat). Like htop's Panel, each concrete pane embeds `pane`
 * as its first member and points at a const class of hooks; the screen
 * manager only ever talks to panes through these hooks. */
#ifndef LATHE_PANE_H
#define LATHE_PANE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysmon.h"

/* What the workbench knows that panes draw from; updated once per tick by
 * the workbench and the screen manager, read-only to panes. */
typedef struct {
    sysmon_snapshot snap;         /* latest system figures */
    bool have_snap;               /* false when the sampler could not start */
    char sysmon_error[160];       /* why, when have_snap is false */
    uint64_t ring_records;        /* metric records drained so far */
    uint64_t ring_dropped;        /* records the producer had to drop */
    size_t ring_capacity;
    double frame_ms;              /* time the last frame took to draw */
} pane_env;

/* One key a pane understands, for the help overlay and the key bar. */
typedef struct {
    const char *key;              /* as shown: "Up", "c", "PgDn" */
    const char *help;             /* for the help overlay */
    const char *bar;              /* one word for the key bar */
} pane_key;

typedef struct pane pane;

typedef struct {
    const char *name;             /* tab label */
    size_t size;                  /* sizeof the concrete pane struct */
    int (*init)(pane *p, char *err, size_t errlen);            /* optional */
    void (*layout)(pane *p);      /* optional: the rectangle changed */
    void (*draw)(pane *p, WINDOW *w, const pane_env *env);
    bool (*handle_key)(pane *p, int key);   /* true when it used the key */
    void (*tick)(pane *p, const pane_env *env);                 /* optional */
    bool (*busy)(const pane *p);  /* optional: work running that quitting would stop */
    void (*destroy)(pane *p);     /* optional: free what init allocated */
    const pane_key *keys;
    size_t n_keys;
    const char *const *text;      /* pane_text panes: their lines */
    size_t n_text;
} pane_class;

struct pane {
    const pane_class *cls;
    int y, x, h, w;               /* the rectangle the pane owns on stdscr */
};

/* Allocates cls->size zeroed bytes and runs init. NULL with err on failure. */
pane *pane_new(const pane_class *cls, char *err, size_t errlen);
void pane_free(pane *p);

void pane_layout(pane *p, int y, int x, int h, int w);
void pane_draw(pane *p, WINDOW *w, const pane_env *env);
bool pane_handle_key(pane *p, int key);
void pane_tick(pane *p, const pane_env *env);
bool pane_busy(const pane *p);

/* The four workbench panes (data_pane.h has the Data pane's own calls). */
extern const pane_class data_pane_class;
extern const pane_class config_pane_class;
extern const pane_class train_pane_class;
extern const pane_class chat_pane_class;

/* Shared by the panes that show only text so far (Data, Config, Chat): the
 * class's text as a scrollable block of lines. Lines starting with "$ " are
 * commands and are drawn in the accent role. */
typedef struct {
    pane super;
    int scroll;
} pane_text;

void pane_text_draw(pane *p, WINDOW *w, const pane_env *env);
bool pane_text_key(pane *p, int key);
#define PANE_TEXT_N_KEYS 3
extern const pane_key pane_text_keys[PANE_TEXT_N_KEYS];

#endif
