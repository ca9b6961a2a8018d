/* data_pane.c - the Data pane: a dataset file browsed while a background
 * thread indexes, checks and measures it (data_source.h). Modes: the record
 * table (data_table.c), one record in full (data_detail.c), its trained
 * tokens (data_preview.c) and the problems list (data_problems.c). A prompt
 * line takes a search or a record number; searches run on a worker thread
 * (data_search.h) and the pane polls it each tick.
 *
 * Design:
 * - Rows: every table row goes through `view` (data_view.h), an array of
 *   record indices (identity while nothing reorders it). Deletions, the
 *   filter and sorts only produce a new array (data_pane_rebuild); the
 *   search and filter workers are stopped first, they read the records.
 * - Per-record figures: one measurement, datacore's. The background stats
 *   pass (ds_stats via data_source) gives every row's chars, tokens,
 *   language and flags and the Stats view's summary; until it ends, and for
 *   edited rows, a row is measured here with ds_features (data_measure) and
 *   cached (the cache is keyed by edit_gen so edits invalidate it).
 * - The pass follows the edits (data_stats_follow): with the Stats view
 *   open or a filter on dup / near_dup waiting, a pass older than edit_gen
 *   is stopped and one runs over ds_edit_view's snapshot of the session;
 *   once it describes edit_gen its flags hold for edited rows too.
 * - Edits (data_clean.c): a ds_edit session opened once the file is indexed
 *   and checked; every change is a ds_action, so undo/redo and the recipe
 *   saved beside the output come from ds_edit. Records are read through it
 *   (data_pane_get/text) so edited text shows in every view and search.
 * - The filter (data_filter.h) runs on a worker like the search; each
 *   keystroke in the filter line restarts it and the frame only polls it.
 * - Keys: the table claims `t` (preview) only while a dataset is open, so the
 *   global theme key still works on the empty pane; keep new keys in `keys`.
 *   `q` and Ctrl-C are the screen's: it asks before quitting when at_risk
 *   says edits would be lost, and when nobody can be asked (the terminal
 *   went away) the rescue hook keeps them for the next start
 *   (data_recover.c), which offers them when the file is opened again.
 * - Threads: data_source_close cancels and joins; TSan runs
 *   tests/unit/test_data_thread and tests/screen/test_data_pane*.sh. */
#include "data_pane.h"
#include "data_pane_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crt.h"
#include "ds_filter.h"
#include "text.h"
#include "theme.h"
#include "plural.h"

#define KEY_ESC 27
/* Records worth waiting for before the first frame, and for how long at most. */
#define FIRST_SCREEN_RECORDS 64
#define FIRST_SCREEN_WAIT_MS 150
/* How soon the next frame comes while the loader works, for its progress. */
#define BUSY_TICK_MS 100
#define KEY_CTRL_R 18

static const pane_key keys[] = {
    {"Up/Down", "move one row, or scroll", "move"},
    {"PgUp/PgDn", "one page", "page"},
    {"Home/End", "first / last row", "ends"},
    {"Enter", "the record in full, turns by role", "detail"},
    {"t", "trained tokens (needs -m or -c)", "tokens"},
    {"p", "problems: line, byte offset, reason", "problems"},
    {"/", "search; Tab picks the field, Ctrl-R regex", "search"},
    {"n/N", "next / previous match", "next/prev"},
    {"g", "go to record number", "goto"},
    {"s", "sort by: file order, chars, tokens", "sort"},
    {"r", "reverse the sort", "reverse"},
    {"[ / ]", "previous / next record in detail, preview", "rec-/+"},
    {"f", "filter expression; row count as you type", "filter"},
    {"F", "clear the filter", "unfilter"},
    {"S", "stats view (+/- near-dup threshold)", "stats"},
    {"d", "delete the row, or restore a deleted one", "delete"},
    {"z", "show / hide deleted rows", "deleted"},
    {"u / U", "undo / redo (every action)", "undo/redo"},
    {"b", "on the filter's rows: drop, keep only, tag", "bulk"},
    {"c", "clean: whitespace, NFC, empties, dedupe, PII", "clean"},
    {"e", "edit the record as JSON in $EDITOR", "edit"},
    {"w", "save a copy + recipe (input: asks, backup)", "save"},
    {"x", "train/validation split: fraction, seed", "split"},
    {"Esc", "back to the table; cancels a running clean", "back"},
};

void data_pane_say(pane_data *p, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    p->message_error = error;
}

tok_session *data_pane_session(pane_data *p)
{
    const tok_vocab *v = p->src ? data_source_vocab(p->src) : NULL;
    if (!p->session && v) {
        char err[256];
        if (!(p->session = tok_session_new(v, err, sizeof err)))
            data_pane_say(p, true, "tokenizer: %s", err);
    }
    return p->session;
}

int data_pane_get(pane_data *p, size_t record, ds_record *rec, char *why, size_t whylen)
{
    if (p->edit)
        return ds_edit_get(p->edit, record, rec, why, whylen);
    return dataset_get(data_source_dataset(p->src), record, rec, why, whylen);
}

const char *data_pane_text(pane_data *p, size_t record, size_t *len)
{
    if (p->edit)
        return ds_edit_text(p->edit, record, len);
    return dataset_text(data_source_dataset(p->src), record, len);
}

/* This thread's feature context: tokenizing (when the vocab is loaded and
 * the record is small enough) or the byte estimate. */
static ds_feat_ctx *feature_ctx(pane_data *p, bool tokenize)
{
    const tok_vocab *v = data_source_vocab(p->src);
    ds_feat_ctx **c = tokenize && v ? &p->feat : &p->feat_est;
    char err[256];
    if (!*c && !(*c = ds_feat_ctx_new(c == &p->feat ? v : NULL, err, sizeof err)))
        data_pane_say(p, true, "measuring: %s", err);
    else if (c == &p->feat)
        ds_feat_ctx_set_template(*c, data_source_template(p->src));
    return *c;
}

int data_pane_record(pane_data *p, size_t record, data_metrics *m, ds_record *parse)
{
    dataset *ds = data_source_dataset(p->src);
    char why[256];
    ds_record local;
    ds_record *rec = parse ? parse : &local;
    int rc = data_pane_get(p, record, rec, why, sizeof why);
    bool edited = p->edit && ds_edit_replaced(p->edit, record);
    *m = (data_metrics){0};
    if ((!edited || data_stats_current(p)) && data_source_metrics(p->src, record, m)) {
        if (!parse)
            ds_record_clear(rec);
        return rc;
    }
    bool exact = data_source_vocab(p->src) != NULL, checked = dataset_checked(ds);
    data_cache_slot *c = &p->cache[record % DATA_CACHE];
    if (c->record == record + 1 && c->exact == exact && c->checked == checked &&
        c->gen == p->edit_gen) {
        *m = c->m;
    } else {
        /* a huge record is estimated here and counted by the stats pass */
        bool here = exact && rc == DATASET_OK && data_record_bytes(rec) <= DATA_UI_TOKENIZE_MAX;
        ds_feat_ctx *fc = rc == DATASET_OK ? feature_ctx(p, here) : NULL;
        if (fc)
            data_measure(p->src, fc, rec, edited ? SIZE_MAX : record, m);
        else if (rc == DATASET_PROBLEM)
            m->flags = DS_ROW_PROBLEM;
        *c = (data_cache_slot){record + 1, exact, checked, p->edit_gen, *m};
    }
    if (!parse)
        ds_record_clear(rec);
    return rc;
}

/* The first frame is drawn right after opening and the next one only a tick
 * later, so give the indexer a moment to publish a screenful first. */
static void wait_first_records(pane_data *p)
{
    const struct timespec step = {0, 1000000};
    for (int waited = 0; waited < FIRST_SCREEN_WAIT_MS; waited++) {
        data_source_state st;
        data_source_state_get(p->src, &st);
        if (st.records >= FIRST_SCREEN_RECORDS || st.stage != DATA_STAGE_INDEX)
            return;
        nanosleep(&step, NULL);
    }
}

int data_pane_open(pane *b, const char *path, const char *model, const char *config, char *err,
                   size_t errlen)
{
    pane_data *p = (pane_data *)b;
    data_source_options o = {model, config};
    snprintf(p->path, sizeof p->path, "%s", path);
    snprintf(p->open_model, sizeof p->open_model, "%s", model ? model : "");
    snprintf(p->open_config, sizeof p->open_config, "%s", config ? config : "");
    if (!(p->src = data_source_open(path, &o, err, errlen))) {
        snprintf(p->open_error, sizeof p->open_error, "%s", err);
        return -1;
    }
    wait_first_records(p);
    data_recover_offer(p);
    return 0;
}

size_t data_pane_rows(const pane *b)
{
    const pane_data *p = (const pane_data *)b;
    return p->src ? data_view_len(&p->view) : 0;
}

bool data_pane_scanning(const pane *b)
{
    const pane_data *p = (const pane_data *)b;
    return p->search || p->filter || p->filter_waits_stats;
}

static int body_rows(const pane_data *p)
{
    return p->super.h - 3;
}

static void stop_search(pane_data *p)
{
    data_search_stop(p->search);
    p->search = NULL;
}

static void stop_filter(pane_data *p)
{
    data_filter_stop(p->filter);
    p->filter = NULL;
}

void data_pane_stop_workers(pane_data *p)
{
    stop_search(p);
    stop_filter(p);
}

static void destroy(pane *b)
{
    pane_data *p = (pane_data *)b;
    data_recover_close(p);
    stop_search(p);
    stop_filter(p);
    if (p->job)
        data_job_cancel(p->job);
    data_job_free(p->job);
    free(p->filter_match);
    free(p->draft);
    ds_edit_free(p->edit);
    ds_feat_ctx_free(p->feat);
    ds_feat_ctx_free(p->feat_est);
    data_query_free(&p->query);
    pcre2_match_data_free(p->md);
    line_edit_free(&p->input);
    for (size_t i = 0; i < sizeof p->history / sizeof p->history[0]; i++)
        line_edit_history_free(&p->history[i]);
    data_doc_clear(&p->doc);
    data_view_free(&p->view);
    tok_session_free(p->session);
    data_source_close(p->src);
    data_clean_free_steps(p->replay, p->n_replay);
}

/* R after the file changed on disk: closes everything and opens the file
 * again as data_pane_open did; the edit steps made so far are replayed on
 * it once it is checked (data_clean_replay), so nothing typed is lost. */
static void reload(pane_data *p)
{
    ds_action *steps;
    size_t n;
    if (data_clean_steps(p, &steps, &n) != 0) {
        data_pane_say(p, true, "out of memory keeping the edits: not reloaded");
        return;
    }
    char path[sizeof p->path], model[sizeof p->open_model], config[sizeof p->open_config];
    char err[512];
    memcpy(path, p->path, sizeof path);
    memcpy(model, p->open_model, sizeof model);
    memcpy(config, p->open_config, sizeof config);
    pane super = p->super;
    worker_notify notify = p->notify;
    destroy(&p->super);
    memset(p, 0, sizeof *p);
    p->super = super;
    p->notify = notify;
    if (data_pane_open(&p->super, path, model[0] ? model : NULL, config[0] ? config : NULL, err,
                       sizeof err) != 0) {
        data_clean_free_steps(steps, n);
        return;
    }
    p->replay = steps;
    p->n_replay = n;
    data_pane_say(p, false, "reloading %s%s", path, n ? "; the edits follow once it is checked"
                                                      : "");
}

/* ------------------------------------------------------------ search */

static void start_search(pane_data *p, size_t from, int dir)
{
    stop_search(p);
    bool oom;
    size_t *rows = data_view_snapshot(&p->view, &oom);
    char err[256];
    if (oom) {
        data_pane_say(p, true, "out of memory starting the search");
        return;
    }
    p->search = data_search_start(data_source_dataset(p->src), p->edit, &p->query, rows,
                                  data_view_len(&p->view), from, dir, p->notify, err,
                                  sizeof err);
    if (!p->search)
        data_pane_say(p, true, "%s", err);
}

static void submit_search(pane_data *p)
{
    char err[512];
    stop_search(p);
    data_query_free(&p->query);
    pcre2_match_data_free(p->md);
    p->md = NULL;
    p->have_query = false;
    if (data_query_compile(&p->query, line_edit_text(&p->input), p->input_regex,
                           p->input_field, err, sizeof err) != 0) {
        data_pane_say(p, true, "%s", err);
        return;
    }
    if (p->query.regex && !(p->md = pcre2_match_data_create_from_pattern(p->query.re, NULL))) {
        data_query_free(&p->query);
        data_pane_say(p, true, "out of memory for the search");
        return;
    }
    p->have_query = true;
    size_t n = data_view_len(&p->view);
    start_search(p, n ? (p->cursor + n - 1) % n : 0, +1);
}

static void poll_search(pane_data *p)
{
    size_t found, scanned;
    if (!p->search || !data_search_poll(p->search, &found, &scanned))
        return;
    stop_search(p);
    if (found == SIZE_MAX) {
        data_pane_say(p, true, "no match for %s%s%s in %s (%zu rows)", p->query.regex ? "/" : "\"",
                      p->query.text, p->query.regex ? "/" : "\"", data_field_name(p->query.field),
                      scanned);
        return;
    }
    p->cursor = found;
    size_t rec = data_view_row(&p->view, found);
    data_pane_say(p, false, "match in record %zu", rec + 1);
    if (p->mode == DATA_MODE_DETAIL || p->mode == DATA_MODE_PREVIEW) {
        p->shown = rec;
        p->doc_width = 0;
        p->doc_top = 0;
    }
}

/* ------------------------------------------------------------ filter */

static void clear_filter(pane_data *p)
{
    stop_filter(p);
    free(p->filter_match);
    p->filter_match = NULL;
    p->filter_on = false;
    p->filter_text[0] = p->filter_error[0] = '\0';
    p->filter_waits_stats = false;
    data_pane_rebuild(p);
}

/* Restarts the worker on TEXT; a text that does not compile leaves the last
 * result on screen and says why, with the column. */
static void start_filter(pane_data *p, const char *text)
{
    stop_filter(p);
    if (text != p->filter_text)
        snprintf(p->filter_text, sizeof p->filter_text, "%s", text);
    p->filter_error[0] = '\0';
    p->filter_waits_stats = false;
    if (!text[0]) {
        clear_filter(p);
        return;
    }
    data_source_state st;
    data_source_state_get(p->src, &st);
    if (st.stage == DATA_STAGE_INDEX) {
        snprintf(p->filter_error, sizeof p->filter_error, "the filter waits for indexing (%.0f%%)",
                 st.fraction * 100);
        return;
    }
    char err[256];
    ds_filter *f = ds_filter_compile(text, err, sizeof err);
    if (!f) {
        snprintf(p->filter_error, sizeof p->filter_error, "%s", err);
        return;
    }
    /* dup and near_dup follow the edits once a pass describes them */
    bool current = data_stats_current(p), stale = st.stats_gen != p->edit_gen;
    unsigned needs = ds_filter_needs(f);
    p->filter_waits_stats = ((needs & DS_NEED_STATS) && !current)
                            || ((needs & DS_NEED_DUP) && stale);
    p->filter_before_stats = !data_source_stats(p->src);
    p->filter = data_filter_start(p->src, p->edit, current, f, st.records, p->notify, err,
                                  sizeof err);
    if (!p->filter)
        snprintf(p->filter_error, sizeof p->filter_error, "%s", err);
}

static void poll_filter(pane_data *p)
{
    size_t scanned, matched, n = dataset_count(data_source_dataset(p->src));
    if (p->job)
        return;             /* it would read the session the job is changing */
    bool stats = data_stats_current(p);
    if (stats && ((p->filter_waits_stats && !p->filter) ||
                  (p->filter && p->filter_before_stats && data_filter_summary_only(p->filter))))
        start_filter(p, p->filter_text);     /* now it can read the pass's rows */
    if (!p->filter || !data_filter_poll(p->filter, &scanned, &matched))
        return;
    uint8_t *m = realloc(p->filter_match, scanned ? scanned : 1);
    if (!m) {
        data_pane_say(p, true, "out of memory keeping the filter's rows");
        stop_filter(p);
        return;
    }
    memcpy(m, data_filter_matches(p->filter), scanned);
    p->filter_match = m;
    p->filter_n = scanned < n ? scanned : n;
    p->filter_hits = matched;
    p->filter_on = true;
    stop_filter(p);
    if (p->filter_waits_stats && data_stats_current(p)) {
        start_filter(p, p->filter_text);    /* the stats pass ended meanwhile */
        return;
    }
    data_pane_rebuild(p);
    if (p->prompt != DATA_PROMPT_FILTER && !p->message[0])   /* an edit's message stays */
        data_pane_say(p, false, "filter %.200s: %zu of %zu rows", p->filter_text, matched, n);
}

/* Re-runs the filter after an edit: rows may have changed. */
void data_pane_refilter(pane_data *p)
{
    if (p->filter_text[0])
        start_filter(p, p->filter_text);
}

/* ------------------------------------------------------------ rows */

static uint32_t *sort_keys(pane_data *p, size_t n)
{
    uint32_t *key = malloc((n ? n : 1) * sizeof *key);
    data_metrics m;
    for (size_t i = 0; key && i < n; i++)
        key[i] = p->sort == DATA_SORT_FILE ? (uint32_t)i
               : !data_source_metrics(p->src, i, &m) ? 0
               : p->sort == DATA_SORT_CHARS ? m.chars : m.tokens;
    return key;
}

static int narrow_rows(pane_data *p, size_t n, bool hide, bool sorted)
{
    size_t *rows = malloc((n ? n : 1) * sizeof *rows), k = 0;
    if (!rows)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (hide && ds_edit_deleted(p->edit, i))
            continue;
        if (p->filter_on && (i >= p->filter_n || !p->filter_match[i]))
            continue;
        rows[k++] = i;
    }
    if (!sorted) {
        data_view_take(&p->view, rows, k);
        return 0;
    }
    uint32_t *key = sort_keys(p, n);
    int rc = key ? data_view_sort(&p->view, rows, k, key, p->sort_desc) : -1;
    free(key);
    free(rows);
    return rc;
}

void data_pane_rebuild(pane_data *p)
{
    stop_search(p);
    size_t n = dataset_count(data_source_dataset(p->src));
    size_t keep = data_view_len(&p->view) ? data_view_row(&p->view, p->cursor) : 0;
    bool hide = p->edit && !p->show_deleted &&
                ds_edit_visible_count(p->edit) < ds_edit_rows(p->edit);
    bool sorted = p->sort != DATA_SORT_FILE || p->sort_desc;
    if (!hide && !p->filter_on && !sorted)
        data_view_reset(&p->view, n);
    else if (narrow_rows(p, n, hide, sorted) != 0)
        data_pane_say(p, true, "out of memory arranging %zu rows", n);
    size_t pos = data_view_find(&p->view, keep);
    if (pos != SIZE_MAX)
        p->cursor = pos;
    size_t len = data_view_len(&p->view);
    if (p->cursor >= len)
        p->cursor = len ? len - 1 : 0;
}

/* ------------------------------------------------------------ prompt */

void data_pane_prompt(pane_data *p, data_prompt kind, const char *initial)
{
    p->prompt = kind;
    line_edit_open(&p->input, initial, kind <= DATA_PROMPT_TAG ? &p->history[kind] : NULL);
    p->message[0] = '\0';
}

static void jump(pane_data *p)
{
    char *end;
    const char *input = line_edit_text(&p->input);
    unsigned long long k = strtoull(input, &end, 10);
    size_t n = dataset_count(data_source_dataset(p->src));
    if (*end || k == 0) {
        data_pane_say(p, true, "not a record number: %s", input);
    } else if (k > n) {
        data_pane_say(p, true, "no record %llu: %zu indexed%s", k, n,
                      data_view_identity(&p->view) ? " so far" : "");
    } else {
        size_t pos = data_view_find(&p->view, (size_t)k - 1);
        if (pos == SIZE_MAX) {
            data_pane_say(p, true, "record %llu is not in this view", k);
            return;
        }
        p->cursor = pos;
        p->top = pos > (size_t)body_rows(p) / 2 ? pos - (size_t)body_rows(p) / 2 : 0;
        data_pane_say(p, false, "record %llu", k);
    }
}

static void submit(pane_data *p, data_prompt kind)
{
    const char *input = line_edit_text(&p->input);
    switch (kind) {
    case DATA_PROMPT_SEARCH: submit_search(p); break;
    case DATA_PROMPT_JUMP:
        if (input[0])
            jump(p);
        break;
    case DATA_PROMPT_FILTER:
        if (p->filter_error[0])
            data_pane_say(p, true, "filter: %s", p->filter_error);
        break;
    case DATA_PROMPT_SAVE: data_clean_save(p, input, false); break;
    case DATA_PROMPT_SPLIT: data_clean_split(p, input); break;
    case DATA_PROMPT_TAG: data_clean_tag(p, input); break;
    default: break;
    }
}

/* Menus and confirmations: one key, and the prompt has closed. */
static void one_key(pane_data *p, data_prompt kind, int key)
{
    bool yes = key == 'y' || key == 'Y';
    switch (kind) {
    case DATA_MENU_CLEAN: data_clean_menu_key(p, key); break;
    case DATA_MENU_BULK: data_clean_bulk_key(p, key); break;
    case DATA_CONFIRM_OVERWRITE:
        if (yes)
            data_clean_save(p, p->save_to, true);
        else
            data_pane_say(p, false, "not saved");
        break;
    case DATA_CONFIRM_RECOVER: data_recover_key(p, key); break;
    default: break;
    }
}

static bool prompt_key(pane_data *p, int key)
{
    data_prompt kind = p->prompt;
    if (kind >= DATA_MENU_CLEAN) {
        p->prompt = DATA_PROMPT_NONE;
        if (key != KEY_ESC || kind == DATA_CONFIRM_RECOVER)    /* Esc there: not now */
            one_key(p, kind, key);
        return true;
    }
    switch (line_edit_key(&p->input, key)) {
    case LINE_EDIT_CANCEL:
        p->prompt = DATA_PROMPT_NONE;
        if (kind == DATA_PROMPT_FILTER)
            clear_filter(p);
        break;
    case LINE_EDIT_SUBMIT:
        p->prompt = DATA_PROMPT_NONE;
        submit(p, kind);
        break;
    case LINE_EDIT_CHANGED:
        if (kind == DATA_PROMPT_FILTER)
            start_filter(p, line_edit_text(&p->input));
        break;
    case LINE_EDIT_IGNORED:
        if (kind == DATA_PROMPT_SEARCH && key == '\t')
            p->input_field = (p->input_field + 1) % DATA_FIELD_COUNT;
        else if (kind == DATA_PROMPT_SEARCH && key == KEY_BTAB)
            p->input_field = (p->input_field + DATA_FIELD_COUNT - 1) % DATA_FIELD_COUNT;
        else if (kind == DATA_PROMPT_SEARCH && key == KEY_CTRL_R)
            p->input_regex = !p->input_regex;
        break;
    default: break;
    }
    return true;
}

/* ------------------------------------------------------------ sort */

static int sort_view(pane_data *p, data_sort by, bool desc)
{
    data_source_state st;
    data_source_state_get(p->src, &st);
    size_t n = dataset_count(data_source_dataset(p->src));
    if (by != DATA_SORT_FILE && (st.stage != DATA_STAGE_DONE || st.measured < n)) {
        data_pane_say(p, true, "sorting by %s needs every record measured first (%.0f%% of "
                      "this stage done)", by == DATA_SORT_CHARS ? "chars" : "tokens",
                      st.fraction * 100);
        return -1;
    }
    p->sort = by;
    p->sort_desc = desc;
    data_pane_rebuild(p);
    p->top = p->cursor;
    static const char *const names[] = {"file order", "chars", "tokens"};
    data_pane_say(p, false, "sorted by %s, %s", names[by], desc ? "descending" : "ascending");
    return 0;
}

/* ------------------------------------------------------------ keys */

static void open_record(pane_data *p, data_mode mode)
{
    if (data_view_len(&p->view) == 0)
        return;
    p->shown = data_view_row(&p->view, p->cursor);
    p->mode = mode;
    p->doc_top = 0;
    p->doc_width = 0;
}

static bool move_key(size_t *cursor, size_t n, int key, int page)
{
    size_t pg = page > 0 ? (size_t)page : 1;
    switch (key) {
    case KEY_UP: *cursor -= *cursor > 0; break;
    case KEY_DOWN: *cursor += *cursor + 1 < n; break;
    case KEY_PPAGE: *cursor = *cursor > pg ? *cursor - pg : 0; break;
    case KEY_NPAGE: *cursor = n && *cursor + pg < n ? *cursor + pg : (n ? n - 1 : 0); break;
    case KEY_HOME: *cursor = 0; break;
    case KEY_END: *cursor = n ? n - 1 : 0; break;
    default: return false;
    }
    return true;
}

/* Keys that change the edit session or save it, from any view. */
static bool clean_key(pane_data *p, int key)
{
    char path[4096];
    switch (key) {
    case 'u': data_clean_undo(p, false); return true;
    case 'U': data_clean_undo(p, true); return true;
    case 'c':
        if (data_clean_ready(p))
            data_pane_prompt(p, DATA_MENU_CLEAN, NULL);
        return true;
    case 'b':
        if (!p->filter_text[0] || p->filter_error[0])     /* ds_edit evaluates it itself */
            data_pane_say(p, true, "no filter: f sets one, then b acts on its rows");
        else if (data_clean_ready(p))
            data_pane_prompt(p, DATA_MENU_BULK, NULL);
        return true;
    case 'w':
        if (data_clean_ready(p)) {
            data_clean_default_path(p, "-clean", path, sizeof path);
            data_pane_prompt(p, DATA_PROMPT_SAVE, path);
        }
        return true;
    case 'x':
        if (data_clean_ready(p))
            data_pane_prompt(p, DATA_PROMPT_SPLIT, "0.1 seed=1");
        return true;
    case 'z':
        p->show_deleted = !p->show_deleted;
        data_pane_rebuild(p);
        data_pane_say(p, false, "deleted rows %s", p->show_deleted ? "shown (X)" : "hidden");
        return true;
    default: return false;
    }
}

static bool common_key(pane_data *p, int key)
{
    size_t n = data_view_len(&p->view);
    if (clean_key(p, key))
        return true;
    switch (key) {
    case '/': data_pane_prompt(p, DATA_PROMPT_SEARCH, NULL); return true;
    case 'g': data_pane_prompt(p, DATA_PROMPT_JUMP, NULL); return true;
    case 'p': p->mode = DATA_MODE_PROBLEMS; return true;
    case 'S': p->mode = DATA_MODE_STATS; return true;
    case 'f': data_pane_prompt(p, DATA_PROMPT_FILTER, p->filter_text); return true;
    case 'F':
        clear_filter(p);
        data_pane_say(p, false, "filter cleared");
        return true;
    case 'n':
    case 'N':
        if (!p->have_query)
            data_pane_say(p, true, "no search yet: / starts one");
        else if (n)
            start_search(p, p->cursor, key == 'n' ? +1 : -1);
        return true;
    default: return false;
    }
}

static bool doc_key(pane_data *p, int key)
{
    int page = body_rows(p) - 1;
    if (key == KEY_ESC || key == KEY_BACKSPACE || key == KEY_LEFT || key == 127) {
        p->mode = DATA_MODE_TABLE;
    } else if (key == 't' || key == '\n' || key == '\r' || key == KEY_ENTER) {
        bool to_preview = key == 't';
        p->mode = to_preview ? DATA_MODE_PREVIEW : DATA_MODE_DETAIL;
        p->doc_top = 0;
        p->doc_width = 0;
    } else if (key == 'e') {
        data_clean_edit_record(p);
    } else if (key == 'd') {
        data_clean_toggle_delete(p);
    } else if (key == '[' || key == ']') {
        size_t n = data_view_len(&p->view);
        if (key == ']' ? p->cursor + 1 < n : p->cursor > 0) {
            p->cursor = key == ']' ? p->cursor + 1 : p->cursor - 1;
            open_record(p, p->mode);
        }
    } else if (!move_key(&p->doc_top, p->doc.n, key, page) && !common_key(p, key)) {
        return false;
    }
    return true;
}

static bool table_key(pane_data *p, int key)
{
    int page = body_rows(p) - 2;
    if (move_key(&p->cursor, data_view_len(&p->view), key, page) || common_key(p, key))
        return true;
    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER: open_record(p, DATA_MODE_DETAIL); return true;
    case 't': open_record(p, DATA_MODE_PREVIEW); return true;
    case 'd': data_clean_toggle_delete(p); return true;
    case 'e': data_clean_edit_record(p); return true;
    case 's': sort_view(p, (p->sort + 1) % DATA_SORT_COUNT, p->sort_desc); return true;
    case 'r': sort_view(p, p->sort, !p->sort_desc); return true;
    default: return false;
    }
}

static bool view_key(pane_data *p, int key)
{
    if (key == 'R' && p->file_changed) {
        reload(p);
        return true;
    }
    if (key != KEY_RESIZE)
        p->message[0] = '\0';
    bool back = key == KEY_ESC || key == KEY_BACKSPACE || key == KEY_LEFT || key == 127;
    if (back && (p->mode == DATA_MODE_STATS || p->mode == DATA_MODE_PROBLEMS)) {
        p->mode = DATA_MODE_TABLE;
        return true;
    }
    switch (p->mode) {
    case DATA_MODE_TABLE: return table_key(p, key);
    case DATA_MODE_STATS: return data_stats_key(p, key, body_rows(p) - 1) || common_key(p, key);
    case DATA_MODE_PROBLEMS:
        return data_problems_key(p, key, body_rows(p) - 3) || common_key(p, key);
    default: return doc_key(p, key);
    }
}

/* From a worker's thread: wake the loop so its result is drawn at once. */
static void wake(void *ctx)
{
    pane_wake(ctx);
}

static int init(pane *b, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    pane_data *p = (pane_data *)b;
    p->notify = (worker_notify){wake, p};
    return 0;
}

static pane_result handle_key(pane *b, int key)
{
    pane_data *p = (pane_data *)b;
    if (!p->src || key == PANE_KEY_INTERRUPT)
        return PANE_IGNORED;
    if (p->job || p->replaying) {     /* the session is the job's until it ends */
        if (key == KEY_ESC && p->job)
            data_job_cancel(p->job);
        return key == 'q' ? PANE_IGNORED : PANE_HANDLED;
    }
    bool used = p->prompt != DATA_PROMPT_NONE ? prompt_key(p, key) : view_key(p, key);
    pane_result r = (used ? PANE_HANDLED : PANE_IGNORED) | (p->repaint ? PANE_REDRAW : 0);
    p->repaint = false;
    return r;
}

/* The loader's stages show their progress, and a filter waits for its
 * stats pass: they wake nobody, so the pane asks for frames meanwhile (the
 * workers wake the loop themselves through notify). */
static bool loading(pane_data *p)
{
    data_source_state st;
    data_source_state_get(p->src, &st);
    return (st.stage != DATA_STAGE_DONE && st.stage != DATA_STAGE_FAILED) ||
           p->filter_waits_stats;
}

static int tick(pane *b, const pane_env *env)
{
    (void)env;
    pane_data *p = (pane_data *)b;
    if (!p->src)
        return 0;
    data_view_sync(&p->view, dataset_count(data_source_dataset(p->src)));
    poll_search(p);
    poll_filter(p);
    data_clean_poll(p);
    data_recover_poll(p);
    if (p->mode == DATA_MODE_STATS || p->filter_waits_stats)
        data_stats_follow(p);
    if (!p->file_changed)
        p->file_changed = dataset_changed(data_source_dataset(p->src), NULL, 0);
    data_clean_replay(p);
    return loading(p) ? BUSY_TICK_MS : 0;
}

static bool at_risk(const pane *b, char *what, size_t n)
{
    return data_recover_at_risk((const pane_data *)b, what, n);
}

static int rescue(pane *b, char *what, size_t n)
{
    return data_recover_rescue((pane_data *)b, what, n);
}

/* ------------------------------------------------------------ draw */

static const char *stage_name(data_stage s)
{
    static const char *const names[] = {"indexing", "loading the tokenizer", "checking",
                                        "stats pass", "done", "failed"};
    return names[s];
}

static void draw_progress(pane_data *p, WINDOW *w, int y, const data_source_state *st)
{
    const pane *b = &p->super;
    int x = b->x + 1;
    x += text_putf(w, y, x, 24, theme_attr(THEME_ACCENT), "%s ", stage_name(st->stage));
    int bar = 20, fill = (int)(st->fraction * bar + 0.5);
    for (int i = 0; i < bar; i++)
        text_put(w, y, x + i, 1, theme_attr(i < fill ? THEME_GAUGE_OK : THEME_DIM),
                 crt_glyph(i < fill ? CRT_GLYPH_BAR_FULL : CRT_GLYPH_BAR_EMPTY));
    text_putf(w, y, x + bar + 1, b->w - bar - 30, theme_attr(THEME_TEXT), "%3.0f%%",
              st->fraction * 100);
}

static void draw_summary(pane_data *p, WINDOW *w, int y, const data_source_state *st)
{
    const pane *b = &p->super;
    dataset *ds = data_source_dataset(p->src);
    char line[512];
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    int k = snprintf(line, sizeof line, "%zu record%s", st->records, plural_s(st->records));
    ds_format f = st->records ? dataset_format(ds) : DS_FMT_AUTO;
    if (f != DS_FMT_AUTO)
        k += snprintf(line + k, sizeof line - (size_t)k, " %s %s", dot, ds_format_name(f));
    if (dataset_checked(ds))
        k += snprintf(line + k, sizeof line - (size_t)k, " %s %zu problem%s %s %zu duplicate%s",
                      dot, dataset_problem_total(ds), plural_s(dataset_problem_total(ds)), dot,
                      dataset_dup_count(ds), plural_s(dataset_dup_count(ds)));
    k += snprintf(line + k, sizeof line - (size_t)k, " %s %s", dot,
                  !data_source_vocab(p->src) ? "~tokens estimated"
                  : data_source_template(p->src) != CHAT_TMPL_UNKNOWN ? "tokens counted as trained"
                  : "tokens counted");
    if (p->filter_on && k < (int)sizeof line)
        k += snprintf(line + k, sizeof line - (size_t)k, " %s filter: %zu row%s", dot,
                      p->filter_hits, plural_s(p->filter_hits));
    if (p->edit && !p->job && ds_edit_visible_count(p->edit) < ds_edit_rows(p->edit) &&
        k < (int)sizeof line)
        k += snprintf(line + k, sizeof line - (size_t)k, " %s %zu deleted", dot,
                      ds_edit_rows(p->edit) - ds_edit_visible_count(p->edit));
    if (p->dirty && k < (int)sizeof line)
        snprintf(line + k, sizeof line - (size_t)k, " %s unsaved edits", dot);
    text_put(w, y, b->x + 1, b->w - 2, theme_attr(THEME_TEXT) | A_BOLD, line);
    if (p->file_changed)
        text_putf(w, y + 1, b->x + 1, b->w - 2, theme_attr(THEME_ERROR) | A_BOLD,
                  "%s changed on disk: R reloads it%s", p->path,
                  p->edit && ds_edit_step_count(p->edit) ? " and replays the edits" : "");
    else if (st->stage != DATA_STAGE_DONE && st->stage != DATA_STAGE_FAILED)
        draw_progress(p, w, y + 1, st);
    else if (st->message[0] || st->stage == DATA_STAGE_FAILED)
        text_put(w, y + 1, b->x + 1, b->w - 2, theme_attr(THEME_ERROR),
                 st->message[0] ? st->message : "failed");
}

static const char *prompt_label(const pane_data *p, char *buf, size_t n)
{
    switch (p->prompt) {
    case DATA_PROMPT_SEARCH:
        snprintf(buf, n, "search %s (%s): ", data_field_name(p->input_field),
                 p->input_regex ? "regex" : "text");
        return buf;
    case DATA_PROMPT_JUMP: return "go to record: ";
    case DATA_PROMPT_FILTER: return "filter: ";
    case DATA_PROMPT_SAVE: return "save to: ";
    case DATA_PROMPT_SPLIT: return "split, validation fraction or count and seed: ";
    case DATA_PROMPT_TAG: return "tag the filter's rows as: ";
    case DATA_MENU_CLEAN:
        return "clean: [w]hitespace [n]fc drop [e]mpties [d]edupe ne[a]r-dedupe redact [p]ii  Esc";
    case DATA_MENU_BULK: return "filter rows: [d]rop [k]eep only [t]ag  Esc";
    case DATA_CONFIRM_OVERWRITE:
        snprintf(buf, n, "overwrite the input %s? a backup is kept [y/n] ", p->save_to);
        return buf;
    case DATA_CONFIRM_RECOVER: return data_recover_prompt(p, buf, n);
    default: return "";
    }
}

/* The filter's live state after what is typed: rows so far, or the error. */
static void draw_filter_state(pane_data *p, WINDOW *w, int y, int x)
{
    const pane *b = &p->super;
    size_t scanned, matched, n = dataset_count(data_source_dataset(p->src));
    int room = b->x + b->w - 1 - x;
    if (p->filter_error[0])
        text_put(w, y, x, room, theme_attr(THEME_ERROR), p->filter_error);
    else if (p->filter && !data_filter_poll(p->filter, &scanned, &matched))
        text_putf(w, y, x, room, theme_attr(THEME_DIM), "%zu rows so far (%.0f%%)", matched,
                  n ? 100.0 * (double)scanned / (double)n : 100.0);
    else if (p->filter_on)
        text_putf(w, y, x, room, theme_attr(THEME_DIM), "%zu of %zu rows", p->filter_hits, n);
}

static void draw_prompt(pane_data *p, WINDOW *w, int y)
{
    const pane *b = &p->super;
    int x = b->x + 1;
    attr_t acc = theme_attr(THEME_ACCENT) | A_BOLD;
    char buf[4200];
    x += text_put(w, y, x, b->w - 2, acc, prompt_label(p, buf, sizeof buf));
    if (p->prompt >= DATA_MENU_CLEAN)
        return;
    /* the field grows with the text; the filter's state follows it */
    int room = b->x + b->w - 1 - x, field = text_width(line_edit_text(&p->input)) + 1;
    if (field > room)
        field = room;
    pane_cursor(&p->super, y, line_edit_draw(&p->input, w, y, x, field, theme_attr(THEME_TEXT),
                                             theme_attr(THEME_SELECTION)));
    if (p->prompt == DATA_PROMPT_FILTER)
        draw_filter_state(p, w, y, x + field + 2);
}

static void draw_message(pane_data *p, WINDOW *w, int y)
{
    const pane *b = &p->super;
    size_t found, scanned;
    if (p->search) {
        data_search_poll(p->search, &found, &scanned);
        size_t n = data_view_len(&p->view);
        text_putf(w, y, b->x + 1, b->w - 2, theme_attr(THEME_ACCENT), "searching %s: %zu of %zu rows",
                  p->query.text, scanned, n);
    } else if (p->message[0]) {
        text_put(w, y, b->x + 1, b->w - 2, theme_attr(p->message_error ? THEME_ERROR : THEME_DIM),
                 p->message);
    }
}

static void draw_doc(pane_data *p, WINDOW *w, int y, int h)
{
    int width = p->super.w - 2;
    if (p->doc_width != width) {
        if (p->mode == DATA_MODE_DETAIL)
            data_detail_build(p, width);
        else
            data_preview_build(p, width);
    }
    size_t max_top = p->doc.n > (size_t)h ? p->doc.n - (size_t)h : 0;
    if (p->doc_top > max_top)
        p->doc_top = max_top;
    data_doc_draw(&p->doc, w, y, p->super.x + 1, h, width, p->doc_top,
                  p->have_query ? &p->query : NULL, p->md);
}

static void draw_closed(pane_data *p, WINDOW *w)
{
    const pane *b = &p->super;
    text_put(w, b->y, b->x + 1, b->w - 2, theme_attr(THEME_ACCENT) | A_BOLD, "Dataset explorer");
    if (p->open_error[0]) {
        text_put(w, b->y + 2, b->x + 1, b->w - 2, theme_attr(THEME_ERROR), p->open_error);
        return;
    }
    text_put(w, b->y + 2, b->x + 1, b->w - 2, theme_attr(THEME_TEXT),
             "No dataset open. Start lathe on a JSONL or JSON file (optionally .gz):");
    text_put(w, b->y + 4, b->x + 1, b->w - 2, theme_attr(THEME_ACCENT),
             "$ lathe DATASET.jsonl [-m MODEL_OR_VOCAB] [-c CONFIG.yaml]");
}

static void draw(pane *b, WINDOW *w, const pane_env *env)
{
    (void)env;
    pane_data *p = (pane_data *)b;
    if (!p->src) {
        draw_closed(p, w);
        return;
    }
    data_source_state st;
    data_source_state_get(p->src, &st);
    draw_summary(p, w, b->y, &st);
    int y = b->y + 2, h = body_rows(p);
    if (p->job) {
        data_clean_job_draw(p, w, y);
        return;
    }
    switch (p->mode) {
    case DATA_MODE_TABLE: data_table_draw(p, w, y, h); break;
    case DATA_MODE_PROBLEMS: data_problems_draw(p, w, y, h); break;
    case DATA_MODE_STATS: data_stats_draw(p, w, y, h); break;
    default: draw_doc(p, w, y, h); break;
    }
    if (p->prompt != DATA_PROMPT_NONE)
        draw_prompt(p, w, b->y + b->h - 1);
    else
        draw_message(p, w, b->y + b->h - 1);
}

const pane_class data_pane_class = {
    .name = "Data",
    .id = PANE_DATA,
    .size = sizeof(pane_data),
    .init = init,
    .draw = draw,
    .handle_key = handle_key,
    .tick = tick,
    .at_risk = at_risk,
    .rescue = rescue,
    .destroy = destroy,
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
};
