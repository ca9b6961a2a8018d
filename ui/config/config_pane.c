/* config_pane.c - the Config pane: a training config edited as a form over
 * the schema (config_form.h) while the file keeps every byte that was not
 * edited (config_doc.h). Views: the form, the diff of the file against the
 * edits, the presets, the template check and the run estimate. A prompt
 * line takes values (config_input.h), a key name to jump to, and one-key
 * answers.
 *
 * Design:
 * - Every change of the text goes through config_file_changed: the config
 *   is loaded again from the text (so the form's inactive keys and problems
 *   are those of `lathe config --check`), the form is rebuilt and the
 *   estimate and template check are told (config_job.h: they run once the
 *   edits settle, on workers, and never block the loop).
 * - A value is checked as it is typed and only a value the check accepts
 *   is written into the document; nothing reaches the file before a save,
 *   and a save shows the diff first.
 * - `q` and Ctrl-C are the screen's: it asks when at_risk says edits would
 *   be lost; when nobody can be asked, rescue keeps the text for the next
 *   open (config_recovery.h).
 * - Launching posts PANE_MSG_LAUNCH to the Train pane with this pane as the
 *   message's object: the screen releases it when no pane takes the
 *   message, which is how a refusal comes back. */
#include "config_pane_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme.h"

#define KEY_ESC 27
#define KEY_CTRL_S 19
/* How soon the next frame comes while something runs, for its progress. */
#define BUSY_TICK_MS 100

static const pane_key keys[] = {
    {"Up/Down", "move (PgUp/PgDn, Home/End)", "move"},
    {"Enter", "edit: typed and checked, a list, checkboxes", "edit"},
    {"Space", "toggle a boolean (other rows: as Enter)", "toggle"},
    {"x / a", "remove a key or an entry / add a dataset", "del/add"},
    {"/", "jump to a key by name (Tab completes)", "jump"},
    {"p", "presets, each shown as a diff first", "presets"},
    {"d", "diff: the file against the edits", "diff"},
    {"w / C-s", "save: the diff, then y writes it", "save"},
    {"e", "edit the file in $EDITOR (reloaded after)", "editor"},
    {"t E m", "template check, estimate, measure time", "views"},
    {"L / F5", "launch the run in the Train pane", "launch"},
};

void config_pane_say(pane_config *p, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    p->message_error = error;
}

int config_pane_body_rows(const pane_config *p)
{
    return p->super.h - 4;
}

const char *config_pane_short(const pane_config *p, const char *path)
{
    size_t n = strlen(p->base_real);
    if (n && !strncmp(path, p->base_real, n) && path[n] == '/')
        return path + n + 1;
    return path;
}

/* From a worker's thread: wake the loop so its result is drawn at once. */
static void wake(void *ctx)
{
    pane_wake(ctx);
}

static int init(pane *b, char *err, size_t errlen)
{
    pane_config *p = (pane_config *)b;
    p->notify = (worker_notify){wake, p};
    train_config_defaults(&p->cfg);
    if (config_estimate_init(p, err, errlen) != 0 || config_tmpl_init(p, err, errlen) != 0) {
        config_estimate_free(p);
        train_config_free(&p->cfg);
        return -1;
    }
    return 0;
}

static void destroy(pane *b)
{
    pane_config *p = (pane_config *)b;
    config_estimate_free(p);
    config_tmpl_free(p);
    config_file_close(p);
    config_input_close(&p->input);
    line_edit_free(&p->line);
    line_edit_history_free(&p->jump_history);
    line_edit_history_free(&p->value_history);
    config_diff_free(&p->diff);
    config_form_free(&p->form);
    train_config_free(&p->cfg);
    config_doc_free(p->doc);
}

/* ------------------------------------------------------------ keys */

static void open_line(pane_config *p, config_prompt kind, const char *initial,
                      line_edit_history *h)
{
    p->prompt = kind;
    line_edit_open(&p->line, initial, h);
    p->message[0] = '\0';
}

/* Tab at the `/` prompt: the key names that start with what is typed. */
static long complete_key(void *ctx, line_edit *le, const char *text, size_t cursor)
{
    const pane_config *p = ctx;
    for (size_t i = 0; i < p->form.n; i++) {
        const form_row *r = &p->form.rows[i];
        if ((r->kind == FORM_KEY || r->kind == FORM_UNKNOWN) && !strncmp(r->name, text, cursor))
            line_edit_offer(le, r->name);
    }
    return 0;
}

static void line_key(pane_config *p, int key)
{
    config_prompt kind = p->prompt;
    line_edit_result r = line_edit_key(&p->line, key);
    if (r == LINE_EDIT_CANCEL) {
        p->prompt = CONFIG_PROMPT_NONE;
    } else if (r == LINE_EDIT_SUBMIT) {
        p->prompt = CONFIG_PROMPT_NONE;
        if (kind == CONFIG_PROMPT_JUMP)
            config_edit_jump(p, line_edit_text(&p->line));
        else
            config_edit_preset_preview(p, atoi(line_edit_text(&p->line)));
    }
}

/* Menus and confirmations: one key, and the prompt has closed. */
static void one_key(pane_config *p, int key)
{
    config_prompt kind = p->prompt;
    bool yes = key == 'y' || key == 'Y';
    p->prompt = CONFIG_PROMPT_NONE;
    switch (kind) {
    case CONFIG_CONFIRM_SAVE:
        if (yes || key == 'w' || key == KEY_CTRL_S)
            config_file_save(p, false);
        else
            config_pane_say(p, false, "not saved");
        break;
    case CONFIG_CONFIRM_OVERWRITE:
        if (yes)
            config_file_save(p, true);
        else
            config_pane_say(p, false, "not saved");
        break;
    case CONFIG_CONFIRM_PRESET:
        if (yes)
            config_edit_preset_apply(p);
        else
            config_pane_say(p, false, "preset not applied");
        p->view = yes ? CONFIG_VIEW_FORM : CONFIG_VIEW_PRESETS;
        break;
    case CONFIG_CONFIRM_DISK: config_file_disk_key(p, key); break;
    case CONFIG_CONFIRM_RECOVER: config_file_recover_key(p, key); break;
    case CONFIG_CONFIRM_LAUNCH: config_file_launch_key(p, key); break;
    case CONFIG_CONFIRM_OPEN:
        if (yes)
            config_file_open(p, p->pending_open);
        else
            config_pane_say(p, false, "%s not opened", p->pending_open);
        break;
    default: break;
    }
}

static bool prompt_key(pane_config *p, int key)
{
    switch (p->prompt) {
    case CONFIG_PROMPT_VALUE:
    case CONFIG_PROMPT_ADD: config_edit_input_key(p, key); break;
    case CONFIG_PROMPT_JUMP:
    case CONFIG_PROMPT_TOP_N: line_key(p, key); break;
    default:
        if (key != KEY_ESC || p->prompt == CONFIG_CONFIRM_RECOVER ||
            p->prompt == CONFIG_CONFIRM_DISK)
            one_key(p, key);
        else
            p->prompt = CONFIG_PROMPT_NONE;
        break;
    }
    return true;
}

/* Keys every view has. */
static bool common_key(pane_config *p, int key)
{
    switch (key) {
    case 'd': config_views_show_diff(p); return true;
    case 'w':
    case KEY_CTRL_S:
        config_views_show_diff(p);
        if (p->view == CONFIG_VIEW_DIFF && config_doc_modified(p->doc))
            p->prompt = CONFIG_CONFIRM_SAVE;
        return true;
    case 'p':
        p->view = CONFIG_VIEW_PRESETS;
        return true;
    case 't':
        config_tmpl_open(p);
        p->view = CONFIG_VIEW_TEMPLATE;
        p->view_top = 0;
        return true;
    case 'E': config_estimate_view(p); return true;
    case 'm':
        config_estimate_measure(p);
        p->view = CONFIG_VIEW_ESTIMATE;
        return true;
    case 'e': config_file_editor(p); return true;
    case 'L':
    case KEY_F(5): config_file_launch(p); return true;
    case '/':
        open_line(p, CONFIG_PROMPT_JUMP, NULL, &p->jump_history);
        line_edit_set_completion(&p->line, complete_key, p);
        p->view = CONFIG_VIEW_FORM;
        return true;
    default: return false;
    }
}

static bool view_key(pane_config *p, int key)
{
    bool back = key == KEY_ESC || key == KEY_BACKSPACE || key == KEY_LEFT || key == 127;
    if (key == KEY_ESC && config_estimate_busy(p)) {
        config_estimate_cancel(p);
        return true;
    }
    if (p->view == CONFIG_VIEW_FORM)
        return config_edit_form_key(p, key) || common_key(p, key);
    if (back) {
        p->view = CONFIG_VIEW_FORM;
        return true;
    }
    if (p->view == CONFIG_VIEW_PRESETS && config_views_presets_key(p, key))
        return true;
    size_t n = p->view == CONFIG_VIEW_DIFF ? p->diff.n + 2 : SIZE_MAX / 2;
    return config_lines_key(&p->view_top, n, config_pane_body_rows(p) - 1, key) ||
           common_key(p, key);
}

static pane_result handle_key(pane *b, int key)
{
    pane_config *p = (pane_config *)b;
    if (key == PANE_KEY_INTERRUPT)
        return PANE_IGNORED;
    if (key != KEY_RESIZE && p->prompt == CONFIG_PROMPT_NONE)
        p->message[0] = '\0';
    bool used;
    if (p->prompt != CONFIG_PROMPT_NONE)
        used = prompt_key(p, key);
    else if (!p->doc)
        used = (key == 'e' && p->path[0]) ? (config_file_editor(p), true) : false;
    else
        used = view_key(p, key);
    pane_result r = (used ? PANE_HANDLED : PANE_IGNORED) | (p->repaint ? PANE_REDRAW : 0);
    p->repaint = false;
    return r;
}

static int tick(pane *b, const pane_env *env)
{
    (void)env;
    pane_config *p = (pane_config *)b;
    config_file_launch_poll(p);
    if (!p->doc)
        return 0;
    config_file_watch(p);
    config_estimate_poll(p);
    config_tmpl_poll(p);
    /* Workers wake the loop themselves; a debounce and a measurement do not. */
    bool busy = p->measure || p->measure_wanted ||
                (p->seen && config_job_get(p->est_job, NULL) == CONFIG_JOB_SETTLING) ||
                config_job_get(p->tmpl_job, NULL) == CONFIG_JOB_SETTLING;
    return busy ? BUSY_TICK_MS : 0;
}

static bool is_config(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml"));
}

static bool receive(pane *b, pane_msg *m)
{
    pane_config *p = (pane_config *)b;
    if (m->kind != PANE_MSG_OPEN || !is_config(m->path))
        return false;
    if (p->doc && config_doc_modified(p->doc)) {
        snprintf(p->pending_open, sizeof p->pending_open, "%s", m->path);
        p->prompt = CONFIG_CONFIRM_OPEN;
        return true;
    }
    config_file_open(p, m->path);
    return true;
}

static bool at_risk(const pane *b, char *what, size_t n)
{
    return config_file_at_risk((const pane_config *)b, what, n);
}

static int rescue(pane *b, char *what, size_t n)
{
    return config_file_rescue((pane_config *)b, what, n);
}

/* ------------------------------------------------------------ draw */

static void draw_closed(pane_config *p, WINDOW *w)
{
    const pane *b = &p->super;
    int x = b->x + 1, width = b->w - 2;
    text_put(w, b->y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Training config");
    if (p->open_error[0]) {
        text_put(w, b->y + 2, x, width, theme_attr(THEME_ERROR), p->open_error);
        text_put(w, b->y + 4, x, width, theme_attr(THEME_TEXT),
                 "e edits the file in $EDITOR; it opens again when the editor exits.");
        return;
    }
    text_put(w, b->y + 2, x, width, theme_attr(THEME_TEXT),
             "No config open. Start lathe on a training config to edit it here:");
    text_put(w, b->y + 4, x, width, theme_attr(THEME_ACCENT), "$ lathe CONFIG.yaml");
    text_put(w, b->y + 6, x, width, theme_attr(THEME_TEXT),
             "Every key, its default and range: lathe config --explain");
}

static void draw(pane *b, WINDOW *w, const pane_env *env)
{
    (void)env;
    pane_config *p = (pane_config *)b;
    if (b->h < 6)
        return;
    if (!p->doc) {
        draw_closed(p, w);
        config_draw_bottom(p, w);
        return;
    }
    p->seen = true;
    config_draw_header(p, w);
    int y = b->y + 2, h = config_pane_body_rows(p);
    switch (p->view) {
    case CONFIG_VIEW_FORM: config_draw_form(p, w, y, h); break;
    case CONFIG_VIEW_DIFF: config_views_draw_diff(p, w, y, h); break;
    case CONFIG_VIEW_PRESETS: config_views_draw_presets(p, w, y, h); break;
    case CONFIG_VIEW_TEMPLATE: config_tmpl_draw(p, w, y, h); break;
    case CONFIG_VIEW_ESTIMATE: config_estimate_draw(p, w, y, h); break;
    }
    config_draw_bottom(p, w);
    if (p->prompt == CONFIG_PROMPT_VALUE && p->input.kind != CONFIG_INPUT_LINE)
        config_draw_input(p);
}

const pane_class config_pane_class = {
    .name = "Config",
    .id = PANE_CONFIG,
    .size = sizeof(pane_config),
    .init = init,
    .draw = draw,
    .handle_key = handle_key,
    .tick = tick,
    .receive = receive,
    .at_risk = at_risk,
    .rescue = rescue,
    .destroy = destroy,
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
};
