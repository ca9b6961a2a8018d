/* config_pane_impl.h - the Config pane's state, shared by the files that
 * make it: config_pane.c (class, keys, views, prompts), config_file.c (the
 * file: open, reload when it changes on disk, save, $EDITOR, edits kept
 * when the terminal goes away, launch), config_edit.c (edits from the
 * form, dependent keys, datasets, presets), config_draw.c (the form and
 * the prompt line), config_views.c (the diff and presets views),
 * config_estimate.c (the run estimate and the timed steps) and
 * config_tmpl.c (the template check). */
#ifndef LATHE_CONFIG_PANE_IMPL_H
#define LATHE_CONFIG_PANE_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "config_diff.h"
#include "config_doc.h"
#include "config_form.h"
#include "config_input.h"
#include "config_job.h"
#include "config_recovery.h"
#include "line_edit.h"
#include "pane.h"
#include "run_measure.h"
#include "template_check.h"
#include "theme.h"

typedef enum {
    CONFIG_VIEW_FORM, CONFIG_VIEW_DIFF, CONFIG_VIEW_PRESETS, CONFIG_VIEW_TEMPLATE,
    CONFIG_VIEW_ESTIMATE
} config_view;

/* Line prompts take text or a value; menus and confirmations take one key. */
typedef enum {
    CONFIG_PROMPT_NONE,
    CONFIG_PROMPT_VALUE,          /* the value editor on the cursor's row */
    CONFIG_PROMPT_ADD,            /* the path of a new dataset entry */
    CONFIG_PROMPT_JUMP,           /* `/`: a key's name */
    CONFIG_PROMPT_TOP_N,          /* the top-layers preset's N */
    CONFIG_CONFIRM_SAVE,          /* the diff is shown: y writes it */
    CONFIG_CONFIRM_OVERWRITE,     /* the file changed on disk: y saves over it */
    CONFIG_CONFIRM_PRESET,        /* the preset's diff is shown: y applies it */
    CONFIG_CONFIRM_DISK,          /* changed on disk under unsaved edits: reload or keep */
    CONFIG_CONFIRM_RECOVER,       /* edits kept from a lost terminal: restore them? */
    CONFIG_CONFIRM_LAUNCH,        /* unsaved edits: save first or launch them unsaved */
    CONFIG_CONFIRM_OPEN,          /* another config to open over unsaved edits */
} config_prompt;

/* The estimate's result (config_estimate.c). */
typedef struct config_est config_est;

typedef struct {
    pane super;
    /* the file */
    config_doc *doc;              /* NULL: none open */
    char path[PATH_MAX];          /* as opened (also when it could not be) */
    char base_dir[PATH_MAX];      /* its directory: relative paths resolve here */
    char base_real[PATH_MAX];     /* the same, resolved: the loaded config's paths start so */
    char open_error[1024];
    char pending_open[PATH_MAX];  /* CONFIG_CONFIRM_OPEN's */
    train_config cfg;             /* the text as it loads now; always freeable */
    bool cfg_ok;                  /* it loads without an error */
    config_diags diags;
    unsigned gen;                 /* bumped by every change of the text */
    struct stat kept_over;        /* the change on disk the user kept edits over */
    bool gone_said;               /* the file vanished and the pane said so */
    /* the form */
    config_form form;
    size_t cursor, top;
    config_view view;
    size_t view_top;              /* the scroll of the other views */
    /* prompts */
    config_prompt prompt;
    config_input input;
    line_edit line;               /* the jump and top-N prompts */
    line_edit_history jump_history, value_history;
    int add_list;                 /* CONFIG_PROMPT_ADD: 0 datasets, 1 test_datasets */
    char message[640];
    bool message_error;
    bool repaint;                 /* $EDITOR had the terminal */
    bool seen;                    /* drawn once: the estimate starts then, not behind
                                   * another pane */
    /* the diff view: the file against the edits, or a preset's preview */
    config_diff diff;
    char diff_title[256];
    size_t preset_sel;
    int top_n;
    /* edits kept when the terminal went away */
    bool have_recovery;
    config_recovery recovery;
    bool restored;                /* the kept edits are this session's unsaved ones */
    bool rescued;                 /* this session's edits were kept for the next start */
    /* launching */
    bool launch_refused;          /* set when no pane took the launch message */
    char launch_path[PATH_MAX];
    char launch_copy[PATH_MAX];   /* the unsaved text written beside the config, or "" */
    /* background work: the estimate and its timed steps, the template check */
    worker_notify notify;
    config_job *est_job, *tmpl_job;
    config_est *est;              /* the latest estimate (NULL: none yet) */
    config_est *measuring;        /* the estimate the running measurement reads */
    run_measure *measure;
    bool measure_wanted;          /* m came before the estimate of the text: start on it */
    bool have_time;
    run_measure_result time;      /* of the estimate's config, while no edit followed */
    char measure_error[512];
    template_check *tmpl;         /* the latest check (NULL: none yet) */
    unsigned tmpl_gen;            /* the text it was made from */
    bool tmpl_wanted;             /* the view was opened: keep it current */
} pane_config;

/* config_pane.c */
void config_pane_say(pane_config *p, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int config_pane_body_rows(const pane_config *p);
/* PATH (absolute, as the loaded config has it) relative to the config's
 * directory when it lies there, as the file would write it. */
const char *config_pane_short(const pane_config *p, const char *path);

/* config_file.c */
void config_file_open(pane_config *p, const char *path);
/* After every change of the document's text: load it, rebuild the form,
 * and let the estimate and the template check follow. */
void config_file_changed(pane_config *p);
void config_file_watch(pane_config *p);       /* each tick: the file on disk */
void config_file_disk_key(pane_config *p, int key);
void config_file_save(pane_config *p, bool overwrite);
void config_file_editor(pane_config *p);
void config_file_recover_key(pane_config *p, int key);
const char *config_file_recover_why(const pane_config *p, char *buf, size_t n);
bool config_file_at_risk(const pane_config *p, char *what, size_t n);
int config_file_rescue(pane_config *p, char *what, size_t n);
void config_file_close(pane_config *p);
void config_file_launch(pane_config *p);
void config_file_launch_key(pane_config *p, int key);
void config_file_launch_poll(pane_config *p);  /* each tick: a refused launch */
/* "+2 -1": the lines the edits add and remove, for messages. */
void config_file_unsaved(const pane_config *p, char *buf, size_t n);

/* config_edit.c */
/* Sets KEY to VALUE (NULL removes it) with the edits the rules make go with
 * it, all or none; says what was done. 0, or -1 (said why). */
int config_edit_apply(pane_config *p, const char *key, const char *value);
bool config_edit_form_key(pane_config *p, int key);    /* the form's keys */
void config_edit_input_key(pane_config *p, int key);   /* CONFIG_PROMPT_VALUE and _ADD */
void config_edit_jump(pane_config *p, const char *name);
void config_edit_preset_preview(pane_config *p, int top_n);
void config_edit_preset_apply(pane_config *p);

/* config_draw.c */
void config_draw_form(pane_config *p, WINDOW *w, int y, int h);
void config_draw_header(pane_config *p, WINDOW *w);
void config_draw_bottom(pane_config *p, WINDOW *w);
void config_draw_input(pane_config *p);       /* a list or checkbox editor over the form */

/* config_views.c: scrolling text views, one line at a time */
typedef struct {
    WINDOW *w;
    int y, x, h, width;
    size_t top, row;              /* the first line shown; lines emitted so far */
} config_lines;
void config_lines_put(config_lines *l, theme_role role, bool bold, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Keeps the scroll of a view of N lines in range; Up, Down, PgUp, PgDn,
 * Home, End. True when KEY was one of those. */
bool config_lines_key(size_t *top, size_t n, int page, int key);
void config_views_show_diff(pane_config *p);  /* the file vs the edits */
void config_views_draw_diff(pane_config *p, WINDOW *w, int y, int h);
void config_views_draw_presets(pane_config *p, WINDOW *w, int y, int h);
bool config_views_presets_key(pane_config *p, int key);

/* config_estimate.c */
int config_estimate_init(pane_config *p, char *err, size_t errlen);
void config_estimate_poll(pane_config *p);
void config_estimate_touch(pane_config *p);   /* the text changed */
void config_estimate_measure(pane_config *p); /* m */
void config_estimate_view(pane_config *p);    /* E: the view; a stopped or failed estimate again */
bool config_estimate_busy(const pane_config *p);    /* a measurement runs */
void config_estimate_cancel(pane_config *p);  /* Esc: the measurement, the estimate */
void config_estimate_summary(pane_config *p, char *buf, size_t n, bool *bad);
void config_estimate_draw(pane_config *p, WINDOW *w, int y, int h);
void config_estimate_free(pane_config *p);

/* config_tmpl.c */
int config_tmpl_init(pane_config *p, char *err, size_t errlen);
void config_tmpl_open(pane_config *p);        /* t */
void config_tmpl_poll(pane_config *p);
void config_tmpl_touch(pane_config *p);
void config_tmpl_draw(pane_config *p, WINDOW *w, int y, int h);
void config_tmpl_free(pane_config *p);

#endif
