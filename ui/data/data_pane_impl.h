/* data_pane_impl.h - the Data pane's state, shared by the files that draw its
 * views: data_pane.c (class, keys, modes, prompt, the view's rows),
 * data_table.c (the record table), data_detail.c (one record, every field),
 * data_preview.c (the trained-token preview), data_problems.c (the problems
 * list), data_stats_view.c (the Stats view), data_clean.c (edits through
 * ds_edit, $EDITOR, save and split) and data_recover.c (edits kept when the
 * terminal went away, and their replay). */
#ifndef LATHE_DATA_PANE_IMPL_H
#define LATHE_DATA_PANE_IMPL_H

#include "data_doc.h"
#include "data_filter.h"
#include "data_job.h"
#include "data_search.h"
#include "data_source.h"
#include "data_view.h"
#include "ds_edit.h"
#include "ds_recovery.h"
#include "line_edit.h"
#include "pane.h"

typedef enum {
    DATA_MODE_TABLE, DATA_MODE_DETAIL, DATA_MODE_PREVIEW, DATA_MODE_PROBLEMS, DATA_MODE_STATS
} data_mode;
/* Line prompts take text; menus and confirmations take one key. */
typedef enum {
    DATA_PROMPT_NONE, DATA_PROMPT_SEARCH, DATA_PROMPT_JUMP, DATA_PROMPT_FILTER,
    DATA_PROMPT_SAVE, DATA_PROMPT_SPLIT, DATA_PROMPT_TAG,
    DATA_MENU_CLEAN, DATA_MENU_BULK, DATA_CONFIRM_OVERWRITE, DATA_CONFIRM_RECOVER
} data_prompt;
typedef enum { DATA_SORT_FILE, DATA_SORT_CHARS, DATA_SORT_TOKENS, DATA_SORT_COUNT } data_sort;

/* Metrics of rows drawn recently, so a frame does not re-measure them. */
enum { DATA_CACHE = 256 };
typedef struct {
    size_t record;      /* + 1; 0 = empty slot */
    bool exact;         /* tokens counted with the tokenizer */
    bool checked;       /* flags include the check pass (dup, problem) */
    unsigned gen;       /* pane_data.edit_gen when measured */
    data_metrics m;
} data_cache_slot;

typedef struct {
    pane super;
    data_source *src;             /* NULL: no dataset open */
    char open_error[512];
    char path[512];
    data_view view;
    data_mode mode;
    size_t cursor, top;           /* table: view positions */
    data_sort sort;
    bool sort_desc;
    /* detail and preview: the record shown and its lines */
    size_t shown;
    data_doc doc;
    size_t doc_top;
    int doc_width;
    size_t prob_cursor, prob_top;
    /* prompt: the line being typed, and each line prompt's history */
    data_prompt prompt;
    line_edit input;
    line_edit_history history[DATA_PROMPT_TAG + 1];
    bool input_regex;
    data_field input_field;
    /* the last search, its worker and this thread's match data */
    data_query query;
    bool have_query;
    data_search *search;
    pcre2_match_data *md;
    char message[512];
    bool message_error;
    /* how the search, filter and edit workers wake the host's loop when
     * they end or move on: pane_wake */
    worker_notify notify;
    tok_session *session;         /* this thread's, once the vocab is loaded */
    ds_feat_ctx *feat, *feat_est; /* this thread's: with the vocab, and the byte estimate */
    data_cache_slot cache[DATA_CACHE];
    /* edits: the session (once indexing and the check are done) and the
     * action running on it, if any (the session is the job's meanwhile) */
    ds_edit *edit;
    data_job *job;
    char job_what[320];
    unsigned edit_gen;            /* bumped by every change; cached metrics go stale */
    bool dirty;                   /* changes since the last save */
    size_t saved_steps;           /* edit steps the input or the last save holds;
                                     SIZE_MAX when undone and replaced */
    bool show_deleted;
    bool repaint;                 /* $EDITOR had the terminal: the key asks for a repaint */
    /* edits kept by an earlier session that lost its terminal: offered on
     * open, replayed one step per job (keys wait meanwhile) */
    bool have_recovery;
    ds_recovery recovery;
    bool replaying, replayed;     /* replay running; done: the session holds every step */
    size_t replay_next;           /* steps started so far */
    bool rescued;                 /* this session's edits were kept for the next start */
    char *draft;                  /* $EDITOR text that did not validate, for record draft_of */
    size_t draft_of;
    char save_to[4096];           /* the path waiting for overwrite confirmation */
    /* the filter: its text, the worker, and the last complete result */
    char filter_text[4096];
    bool filter_on;               /* the view is narrowed to filter_match */
    data_filter *filter;
    uint8_t *filter_match;        /* by record; owned here */
    size_t filter_n, filter_hits;
    char filter_error[256];       /* why the text typed last does not compile */
    bool filter_waits_stats;      /* re-run when the stats pass ends */
    bool filter_before_stats;     /* started before it ended: parsing every record */
    /* the Stats view: its scroll, and the near-duplicate threshold asked
     * for (0: the pass's) */
    size_t stats_top;
    double stats_threshold;
    /* the file changed on disk since it was opened (dataset_changed): R
     * reloads it as data_pane_open did, and the edit steps made so far wait
     * in `replay` until the new session can take them */
    bool file_changed;
    char open_model[4096], open_config[4096];
    ds_action *replay;
    size_t n_replay;
} pane_data;

/* Metrics of RECORD (from the measure pass, the cache, or measured now) and
 * its parsed form when PARSE is non-NULL (release with ds_record_clear).
 * Returns the dataset_get status. */
int data_pane_record(pane_data *p, size_t record, data_metrics *m, ds_record *parse);
/* Record RECORD in its current state (the edit session's text when it has
 * one) parsed, or its raw bytes; as dataset_get / dataset_text. */
int data_pane_get(pane_data *p, size_t record, ds_record *rec, char *why, size_t whylen);
const char *data_pane_text(pane_data *p, size_t record, size_t *len);
/* Rebuilds the view after an edit, a filter result or a sort: the records
 * not deleted (unless shown), in the filter, in the sort order; the cursor
 * stays on its record when it is still there. Stops the search. */
void data_pane_rebuild(pane_data *p);
/* Re-runs the filter (when one is set) on the rows as they are now. */
void data_pane_refilter(pane_data *p);
/* Stops the search and filter workers (before the edit session changes). */
void data_pane_stop_workers(pane_data *p);
/* Opens the prompt line (or a menu / confirmation) with INITIAL typed. */
void data_pane_prompt(pane_data *p, data_prompt kind, const char *initial);
/* Status text for the pane: "msg" in the message line. */
void data_pane_say(pane_data *p, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The tokenizer session of the UI thread, or NULL while there is no vocab. */
tok_session *data_pane_session(pane_data *p);

/* The views: draw the table or the problems list in rows [y, y + h), or
 * (re)build p->doc for the record p->shown at WIDTH columns. */
void data_table_draw(pane_data *p, WINDOW *w, int y, int h);
void data_detail_build(pane_data *p, int width);
void data_preview_build(pane_data *p, int width);
void data_problems_draw(pane_data *p, WINDOW *w, int y, int h);
bool data_problems_key(pane_data *p, int key, int page);
void data_stats_draw(pane_data *p, WINDOW *w, int y, int h);
bool data_stats_key(pane_data *p, int key, int page);
/* True when the finished stats pass describes the rows as they are now
 * (made at edit_gen): its flags then hold for edited rows too. */
bool data_stats_current(const pane_data *p);
/* Each tick while the Stats view is open or the filter waits on the pass:
 * when the edits or the threshold asked for moved on, stops a stale pass
 * (without waiting) and, once it has ended, starts one over the edit
 * session's rows as they are now. */
void data_stats_follow(pane_data *p);

/* data_clean.c: the edit session and what changes it. Each returns after
 * saying what happened in the message line. */
bool data_clean_ready(pane_data *p);          /* opens the session once it can */
size_t data_clean_unsaved(const pane_data *p);  /* edits a save would write: steps apart from the saved ones */
void data_clean_poll(pane_data *p);           /* each tick: a finished job's result */
void data_clean_job_draw(pane_data *p, WINDOW *w, int y);
void data_clean_toggle_delete(pane_data *p);
void data_clean_undo(pane_data *p, bool redo);
void data_clean_menu_key(pane_data *p, int key);   /* DATA_MENU_CLEAN */
void data_clean_bulk_key(pane_data *p, int key);   /* DATA_MENU_BULK */
void data_clean_tag(pane_data *p, const char *tag);
void data_clean_edit_record(pane_data *p);         /* $EDITOR */
void data_clean_save(pane_data *p, const char *path, bool overwrite);
void data_clean_split(pane_data *p, const char *spec);
/* Deep copies of the session's steps (none without a session): 0, or -1
 * when out of memory. */
int data_clean_steps(const pane_data *p, ds_action **steps, size_t *n);
/* Each tick after a reload: once the new session can open, applies the
 * steps waiting in p->replay and says how many took. */
void data_clean_replay(pane_data *p);
void data_clean_free_steps(ds_action *steps, size_t n);
/* Starts the whole-dataset action A on a data_job (data_clean_poll takes the
 * result, saying WHAT was done); false with the reason in the message line. */
bool data_clean_start(pane_data *p, const ds_action *a, const char *what);
/* Where save and split write by default: next to the input. */
void data_clean_default_path(const pane_data *p, const char *suffix, char *buf, size_t n);

/* data_recover.c: edits kept for the next start (ds_recovery.h). */
void data_recover_offer(pane_data *p);              /* on open: one kept? ask */
const char *data_recover_prompt(const pane_data *p, char *buf, size_t n);
void data_recover_key(pane_data *p, int key);       /* DATA_CONFIRM_RECOVER */
void data_recover_poll(pane_data *p);               /* each tick: the replay's next step */
void data_recover_saved(pane_data *p);              /* the session was saved */
void data_recover_close(pane_data *p);              /* the pane goes away */
/* The pane's at_risk and rescue hooks (pane.h): what quitting would lose,
 * and keeping the unsaved edits. */
bool data_recover_at_risk(const pane_data *p, char *what, size_t n);
int data_recover_rescue(pane_data *p, char *what, size_t n);

#endif
