/* pane_data.c - the Data pane: a dataset file browsed while a background
 * thread indexes, checks and measures it (data_source.h). Modes: the record
 * table (data_table.c), one record in full (data_detail.c), its trained
 * tokens (data_preview.c) and the problems list (data_problems.c). A prompt
 * line takes a search or a record number; searches run on a worker thread
 * (data_search.h) and the pane polls it each tick.
 *
 * Design note (phase 1 -> phase 2):
 * - Rows: every table row goes through `view` (data_view.h), an array of
 *   record indices (identity while nothing reorders it). Filters, deletions
 *   and sorts only produce a new array (data_view_set / data_view_sort);
 *   stop the search worker first (stop_search), it holds a snapshot.
 * - Per-record figures: data_source's measure pass fills data_metrics
 *   (chars, tokens, flags) behind an atomic count; the datacore features
 *   (PII, near-dup, language, per-field tokens) belong there as more
 *   fields/flags, read through data_source_metrics; rows not measured yet are
 *   measured on the UI thread by data_pane_record and cached.
 * - Edits (dataclean): deleted rows drop out of the view; an edited record
 *   needs a record-text override consulted before dataset_get (detail,
 *   preview and search all read records through dataset_get/dataset_text).
 * - Keys: the table claims `t` (preview) only while a dataset is open, so the
 *   global theme key still works on the empty pane; keep new keys in `keys`.
 * - Threads: data_source_close cancels and joins; TSan runs
 *   tests/unit/test_data_thread and tests/screen/test_data_pane.sh. */
#include "data_pane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crt.h"
#include "text.h"
#include "theme.h"

#define KEY_ESC 27
/* Records worth waiting for before the first frame, and for how long at most. */
#define FIRST_SCREEN_RECORDS 64
#define FIRST_SCREEN_WAIT_MS 150
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
    {"Esc", "back to the table", "back"},
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

int data_pane_record(pane_data *p, size_t record, data_metrics *m, ds_record *parse)
{
    dataset *ds = data_source_dataset(p->src);
    char why[256];
    ds_record local;
    ds_record *rec = parse ? parse : &local;
    int rc = dataset_get(ds, record, rec, why, sizeof why);
    *m = (data_metrics){0};
    if (data_source_metrics(p->src, record, m)) {
        if (!parse)
            ds_record_clear(rec);
        return rc;
    }
    bool exact = data_source_vocab(p->src) != NULL, checked = dataset_checked(ds);
    data_cache_slot *c = &p->cache[record % DATA_CACHE];
    if (c->record == record + 1 && c->exact == exact && c->checked == checked) {
        *m = c->m;
    } else {
        /* a huge record is estimated here and counted by the measure pass */
        bool here = exact && data_record_bytes(rec) <= DATA_UI_TOKENIZE_MAX;
        if (rc == DATASET_OK)
            data_measure(p->src, rec, here ? data_pane_session(p) : NULL, m);
        else if (rc == DATASET_PROBLEM)
            m->flags = DATA_FLAG_PROBLEM;
        if (dataset_dup_of(ds, record, NULL))
            m->flags |= DATA_FLAG_DUP;
        *c = (data_cache_slot){record + 1, exact, checked, *m};
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

int pane_data_open(pane *b, const char *path, const char *model, const char *config, char *err,
                   size_t errlen)
{
    pane_data *p = (pane_data *)b;
    data_source_options o = {model, config};
    snprintf(p->path, sizeof p->path, "%s", path);
    if (!(p->src = data_source_open(path, &o, err, errlen))) {
        snprintf(p->open_error, sizeof p->open_error, "%s", err);
        return -1;
    }
    wait_first_records(p);
    return 0;
}

size_t pane_data_rows(const pane *b)
{
    const pane_data *p = (const pane_data *)b;
    return p->src ? data_view_len(&p->view) : 0;
}

bool pane_data_scanning(const pane *b)
{
    return ((const pane_data *)b)->search != NULL;
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

static void destroy(pane *b)
{
    pane_data *p = (pane_data *)b;
    stop_search(p);
    data_query_free(&p->query);
    pcre2_match_data_free(p->md);
    data_doc_clear(&p->doc);
    data_view_free(&p->view);
    tok_session_free(p->session);
    data_source_close(p->src);
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
    p->search = data_search_start(data_source_dataset(p->src), &p->query, rows,
                                  data_view_len(&p->view), from, dir, err, sizeof err);
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
    if (data_query_compile(&p->query, p->input, p->input_regex, p->input_field, err,
                           sizeof err) != 0) {
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

/* ------------------------------------------------------------ prompt */

static void open_prompt(pane_data *p, data_prompt kind)
{
    p->prompt = kind;
    p->input[0] = '\0';
    p->input_len = 0;
    p->message[0] = '\0';
}

static void jump(pane_data *p)
{
    char *end;
    unsigned long long k = strtoull(p->input, &end, 10);
    size_t n = dataset_count(data_source_dataset(p->src));
    if (*end || k == 0) {
        data_pane_say(p, true, "not a record number: %s", p->input);
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

static void backspace(pane_data *p)
{
    while (p->input_len > 0) {
        unsigned char c = (unsigned char)p->input[--p->input_len];
        if ((c & 0xC0) != 0x80)
            break;
    }
    p->input[p->input_len] = '\0';
}

static bool prompt_key(pane_data *p, int key)
{
    if (key == KEY_ESC) {
        p->prompt = DATA_PROMPT_NONE;
    } else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        data_prompt kind = p->prompt;
        p->prompt = DATA_PROMPT_NONE;
        if (kind == DATA_PROMPT_SEARCH)
            submit_search(p);
        else if (p->input_len)
            jump(p);
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        backspace(p);
    } else if (p->prompt == DATA_PROMPT_SEARCH && key == '\t') {
        p->input_field = (p->input_field + 1) % DATA_FIELD_COUNT;
    } else if (p->prompt == DATA_PROMPT_SEARCH && key == KEY_BTAB) {
        p->input_field = (p->input_field + DATA_FIELD_COUNT - 1) % DATA_FIELD_COUNT;
    } else if (p->prompt == DATA_PROMPT_SEARCH && key == KEY_CTRL_R) {
        p->input_regex = !p->input_regex;
    } else if (key >= 32 && key < 256 && key != 127 && p->input_len + 1 < sizeof p->input) {
        p->input[p->input_len++] = (char)key;
        p->input[p->input_len] = '\0';
    }
    return true;
}

/* ------------------------------------------------------------ sort */

static int sort_view(pane_data *p, data_sort by, bool desc)
{
    dataset *ds = data_source_dataset(p->src);
    data_source_state st;
    data_source_state_get(p->src, &st);
    size_t n = dataset_count(ds);
    if (by != DATA_SORT_FILE && (st.stage != DATA_STAGE_DONE || st.measured < n)) {
        data_pane_say(p, true, "sorting by %s needs every record measured first (%.0f%% of "
                      "this stage done)", by == DATA_SORT_CHARS ? "chars" : "tokens",
                      st.fraction * 100);
        return -1;
    }
    size_t keep = data_view_len(&p->view) ? data_view_row(&p->view, p->cursor) : 0;
    stop_search(p);
    if (by == DATA_SORT_FILE && !desc) {
        data_view_reset(&p->view, n);
    } else {
        uint32_t *key = malloc((n ? n : 1) * sizeof *key);
        data_metrics m;
        for (size_t i = 0; key && i < n; i++)
            key[i] = by == DATA_SORT_FILE ? (uint32_t)i
                   : !data_source_metrics(p->src, i, &m) ? 0
                   : by == DATA_SORT_CHARS ? m.chars : m.tokens;
        int rc = key ? data_view_sort(&p->view, key, n, desc) : -1;
        free(key);
        if (rc != 0) {
            data_pane_say(p, true, "out of memory sorting %zu records", n);
            return -1;
        }
    }
    p->sort = by;
    p->sort_desc = desc;
    size_t pos = data_view_find(&p->view, keep);
    p->cursor = pos == SIZE_MAX ? 0 : pos;
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

static bool common_key(pane_data *p, int key)
{
    size_t n = data_view_len(&p->view);
    switch (key) {
    case '/': open_prompt(p, DATA_PROMPT_SEARCH); return true;
    case 'g': open_prompt(p, DATA_PROMPT_JUMP); return true;
    case 'p': p->mode = DATA_MODE_PROBLEMS; return true;
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
    case 's': sort_view(p, (p->sort + 1) % DATA_SORT_COUNT, p->sort_desc); return true;
    case 'r': sort_view(p, p->sort, !p->sort_desc); return true;
    default: return false;
    }
}

static bool handle_key(pane *b, int key)
{
    pane_data *p = (pane_data *)b;
    if (!p->src)
        return false;
    if (p->prompt != DATA_PROMPT_NONE)
        return prompt_key(p, key);
    if (key != KEY_RESIZE)
        p->message[0] = '\0';
    switch (p->mode) {
    case DATA_MODE_TABLE: return table_key(p, key);
    case DATA_MODE_PROBLEMS:
        if (key == KEY_ESC || key == KEY_BACKSPACE || key == KEY_LEFT || key == 127) {
            p->mode = DATA_MODE_TABLE;
            return true;
        }
        return data_problems_key(p, key, body_rows(p) - 3) || common_key(p, key);
    default: return doc_key(p, key);
    }
}

static void tick(pane *b, const pane_env *env)
{
    (void)env;
    pane_data *p = (pane_data *)b;
    if (!p->src)
        return;
    data_view_sync(&p->view, dataset_count(data_source_dataset(p->src)));
    poll_search(p);
}

/* ------------------------------------------------------------ draw */

static const char *stage_name(data_stage s)
{
    static const char *const names[] = {"indexing", "loading the tokenizer", "checking",
                                        "measuring", "done", "failed"};
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
    const char *dot = "\xC2\xB7";
    int k = snprintf(line, sizeof line, "%zu records", st->records);
    ds_format f = st->records ? dataset_format(ds) : DS_FMT_AUTO;
    if (f != DS_FMT_AUTO)
        k += snprintf(line + k, sizeof line - (size_t)k, " %s %s", dot, ds_format_name(f));
    if (dataset_checked(ds))
        k += snprintf(line + k, sizeof line - (size_t)k, " %s %zu problems %s %zu duplicates",
                      dot, dataset_problem_total(ds), dot, dataset_dup_count(ds));
    snprintf(line + k, sizeof line - (size_t)k, " %s %s", dot,
             data_source_vocab(p->src) ? "tokens counted" : "~tokens estimated (bytes/4)");
    text_put(w, y, b->x + 1, b->w - 2, theme_attr(THEME_TEXT) | A_BOLD, line);
    if (st->stage != DATA_STAGE_DONE && st->stage != DATA_STAGE_FAILED)
        draw_progress(p, w, y + 1, st);
    else if (st->message[0] || st->stage == DATA_STAGE_FAILED)
        text_put(w, y + 1, b->x + 1, b->w - 2, theme_attr(THEME_ERROR),
                 st->message[0] ? st->message : "failed");
}

static void draw_prompt(pane_data *p, WINDOW *w, int y)
{
    const pane *b = &p->super;
    int x = b->x + 1;
    attr_t acc = theme_attr(THEME_ACCENT) | A_BOLD;
    if (p->prompt == DATA_PROMPT_SEARCH)
        x += text_putf(w, y, x, b->w - 2, acc, "search %s (%s): ", data_field_name(p->input_field),
                       p->input_regex ? "regex" : "text");
    else
        x += text_put(w, y, x, b->w - 2, acc, "go to record: ");
    x += text_put(w, y, x, b->x + b->w - 1 - x, theme_attr(THEME_TEXT), p->input);
    text_put(w, y, x, 1, theme_attr(THEME_SELECTION), " ");
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
    switch (p->mode) {
    case DATA_MODE_TABLE: data_table_draw(p, w, y, h); break;
    case DATA_MODE_PROBLEMS: data_problems_draw(p, w, y, h); break;
    default: draw_doc(p, w, y, h); break;
    }
    if (p->prompt != DATA_PROMPT_NONE)
        draw_prompt(p, w, b->y + b->h - 1);
    else
        draw_message(p, w, b->y + b->h - 1);
}

const pane_class pane_data_class = {
    .name = "Data",
    .size = sizeof(pane_data),
    .draw = draw,
    .handle_key = handle_key,
    .tick = tick,
    .destroy = destroy,
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
};
