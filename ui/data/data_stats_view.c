/* data_stats_view.c - the Data pane's Stats view: the summary of the
 * background stats pass (ds_stats.h) drawn in the terminal: token-length
 * histograms (total and per field) with the sequence_len line and the rows it
 * would cut, empty fields, exact and near duplicates (the threshold changes
 * with + and -, which runs the pass again), non-UTF-8 and control
 * characters, PII hits by kind, languages, roles and turns.
 *
 * The pass follows the edits: while the view is open (or the filter needs
 * the pass's flags), a pass made before the last edit is stopped and a new
 * one runs over the edit session's rows (ds_edit_view), with a progress bar
 * meanwhile; the view says which edits the numbers describe. */
#include "data_pane_impl.h"

#include <stdio.h>
#include <string.h>

#include "crt.h"
#include "text.h"
#include "plural.h"

enum { HIST_BINS = 12, BAR_MAX = 40 };
#define THRESHOLD_STEP 0.05

/* A bin width of 1, 2 or 5 times a power of ten covering MAX in HIST_BINS bins. */
static uint32_t bin_width(uint32_t max)
{
    uint64_t want = (uint64_t)max / HIST_BINS + 1;
    for (uint64_t p = 1;; p *= 10)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
            if ((uint64_t)m * p >= want)
                return (uint32_t)((uint64_t)m * p);
}

static void bar_line(data_doc *d, uint32_t lo, uint32_t hi, uint64_t n, uint64_t top)
{
    char bar[BAR_MAX * 4 + 1];
    int len = top ? (int)((n * BAR_MAX + top - 1) / top) : 0, k = 0;
    for (int i = 0; i < BAR_MAX; i++)     /* padded by columns, not bytes */
        k += snprintf(bar + k, sizeof bar - (size_t)k, "%s",
                      i < len ? crt_glyph(CRT_GLYPH_BAR_FULL) : " ");
    data_doc_addf(d, THEME_TEXT, "  %7u-%-7u %s %llu", lo, hi - 1, bar, (unsigned long long)n);
}

/* A histogram up to its 99th percentile (the rest in one last bin), with
 * the sequence_len line where it falls. */
static void histogram(data_doc *d, const char *title, const ds_hist *h, uint32_t seq)
{
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    if (!h->count)
        return;
    uint32_t p99 = ds_hist_percentile(h, 99), w = bin_width(p99 ? p99 : 1);
    data_doc_line *l = data_doc_addf(d, THEME_ACCENT, "%s: p50 %u %s p90 %u %s p99 %u %s max %u",
                                     title, ds_hist_percentile(h, 50), dot,
                                     ds_hist_percentile(h, 90), dot, p99, dot, h->max);
    if (l)
        l->bold = true;
    uint64_t counts[HIST_BINS + 1], top = 0;
    for (int b = 0; b <= HIST_BINS; b++) {
        uint32_t lo = (uint32_t)b * w;
        counts[b] = b < HIST_BINS ? ds_hist_range(h, lo, lo + w) : ds_hist_above(h, lo - 1);
        top = counts[b] > top ? counts[b] : top;
    }
    bool seq_drawn = seq == 0;
    for (int b = 0; b <= HIST_BINS; b++) {
        uint32_t lo = (uint32_t)b * w;
        if (!seq_drawn && seq < lo) {
            data_doc_addf(d, THEME_ERROR, "  ---- sequence_len %u: %llu row%s longer ----", seq,
                          (unsigned long long)ds_hist_above(h, seq),
                          plural_s(ds_hist_above(h, seq)));
            seq_drawn = true;
        }
        if (b == HIST_BINS && counts[b] == 0)
            break;
        bar_line(d, lo, b < HIST_BINS ? lo + w : h->max + 1, counts[b], top);
    }
    if (!seq_drawn)
        data_doc_addf(d, THEME_ERROR, "  ---- sequence_len %u: %llu row%s longer ----", seq,
                      (unsigned long long)ds_hist_above(h, seq), plural_s(ds_hist_above(h, seq)));
}

/* The stats' field names as the dataset's records spell them ("response"
 * where that is the output's key), from the first of its records that parses. */
static void field_labels(pane_data *p, const char *label[DS_FIELD_COUNT])
{
    for (int f = 0; f < DS_FIELD_COUNT; f++)
        label[f] = ds_field_name((ds_field)f);
    size_t n = dataset_count(data_source_dataset(p->src));
    for (size_t i = 0; i < n && i < 16; i++) {
        ds_record rec;
        char why[64];
        bool ok = data_pane_get(p, i, &rec, why, sizeof why) == DATASET_OK;
        if (ok && rec.instruction_key)
            label[DS_FIELD_INSTRUCTION] = rec.instruction_key;
        if (ok && rec.input_key)
            label[DS_FIELD_INPUT] = rec.input_key;
        if (ok && rec.output_key)
            label[DS_FIELD_OUTPUT] = rec.output_key;
        ds_record_clear(&rec);
        if (ok)
            return;
    }
}

static void counts(data_doc *d, const ds_summary *s, const char *const label[DS_FIELD_COUNT])
{
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    data_doc_addf(d, THEME_TEXT, "%zu row%s %s %zu problem row%s (%zu problem%s) %s %zu exact "
                  "duplicate%s %s %zu near duplicate%s (threshold %.2f, +/- to change)", s->rows,
                  plural_s(s->rows), dot, s->problem_rows, plural_s(s->problem_rows), s->problems,
                  plural_s(s->problems), dot, s->exact_dups, plural_s(s->exact_dups), dot,
                  s->near_dups, plural_s(s->near_dups), s->near_threshold);
    char line[512];
    int k = snprintf(line, sizeof line, "empty fields:");
    for (int f = 0; f < DS_FIELD_COUNT; f++)
        if (s->present[f] && k < (int)sizeof line)
            k += snprintf(line + k, sizeof line - (size_t)k, " %s %zu of %zu;",
                          label[f], s->empty[f], s->present[f]);
    data_doc_addf(d, THEME_TEXT, "%s empty records (E: a needed text blank): %zu", line,
                  s->empty_rows);
    data_doc_addf(d, THEME_TEXT, "non-UTF-8: %zu rows (%llu bytes) %s control characters: %zu "
                  "rows (%llu)", s->invalid_utf8_rows, (unsigned long long)s->invalid_bytes, dot,
                  s->control_rows, (unsigned long long)s->control_chars);
    k = snprintf(line, sizeof line, "PII: %zu rows;", s->pii_rows);
    for (int i = 0; i < DS_PII_KINDS && k < (int)sizeof line; i++)
        k += snprintf(line + k, sizeof line - (size_t)k, " %s %llu", ds_pii_kind_name(i),
                      (unsigned long long)s->pii[i]);
    data_doc_addf(d, THEME_TEXT, "%s", line);
    k = snprintf(line, sizeof line, "languages:");
    for (int i = 0; i < DS_LANG_COUNT && k < (int)sizeof line; i++)
        if (s->lang[i])
            k += snprintf(line + k, sizeof line - (size_t)k, " %s %zu", ds_lang_name(i),
                          s->lang[i]);
    data_doc_addf(d, THEME_TEXT, "%s", line);
    data_doc_addf(d, THEME_TEXT, "roles: system %llu %s user %llu %s assistant %llu %s turns "
                  "p50 %u, max %u", (unsigned long long)s->roles[DS_ROLE_SYSTEM], dot,
                  (unsigned long long)s->roles[DS_ROLE_USER], dot,
                  (unsigned long long)s->roles[DS_ROLE_ASSISTANT], dot,
                  ds_hist_percentile(&s->turns, 50), s->turns.max);
}

/* "of the file as opened" or "after N edits" */
static void describes(char *buf, size_t n, const data_source_state *st)
{
    if (st->stats_edits)
        snprintf(buf, n, "after %zu edit%s", st->stats_edits, plural_s(st->stats_edits));
    else
        snprintf(buf, n, "of the file as opened");
}

static void progress(data_doc *d, const data_source_state *st)
{
    char bar[BAR_MAX * 4 + 1], what[64];
    int fill = (int)(st->fraction * BAR_MAX + 0.5), k = 0;
    for (int i = 0; i < BAR_MAX; i++)
        k += snprintf(bar + k, sizeof bar - (size_t)k, "%s",
                      crt_glyph(i < fill ? CRT_GLYPH_BAR_FULL : CRT_GLYPH_BAR_EMPTY));
    describes(what, sizeof what, st);
    data_doc_addf(d, THEME_ACCENT, "stats pass %s: %s %s %.0f%% (threshold %.2f)", what,
                  st->stage < DATA_STAGE_STATS ? "waiting for the check"
                  : st->stage == DATA_STAGE_FAILED ? "failed"
                  : st->near_phase ? "near duplicates" : "features",
                  bar, st->fraction * 100, st->near_threshold);
}

static void build(pane_data *p, data_doc *d, const data_source_state *st)
{
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    const ds_stats *run = data_source_stats(p->src);
    if (!run) {
        progress(d, st);
        if (st->message[0])
            data_doc_addf(d, THEME_ERROR, "%s", st->message);
        return;
    }
    const ds_summary *s = ds_stats_summary(run);
    char what[64];
    describes(what, sizeof what, st);
    data_doc_addf(d, THEME_DIM, "stats %s%s %s tokens %s", what,
                  data_stats_current(p) ? "" : " (the latest edits are not in it yet)", dot,
                  s->tokens_templated ? "per record: the trained length (chat template, BOS/EOS)"
                  : s->tokens_exact ? "counted per field, no chat template" : "~estimated");
    const char *label[DS_FIELD_COUNT];
    field_labels(p, label);
    counts(d, s, label);
    data_doc_addf(d, THEME_TEXT, " ");
    histogram(d, s->tokens_templated ? "tokens per record (templated)" : "tokens per record",
              &s->tokens_total, s->sequence_len);
    for (int f = 0; f < DS_FIELD_COUNT; f++) {
        if (!s->present[f])
            continue;
        char title[64];
        snprintf(title, sizeof title, "tokens: %s (text alone)", label[f]);
        data_doc_addf(d, THEME_TEXT, " ");
        histogram(d, title, &s->tokens[f], 0);
    }
}

void data_stats_draw(pane_data *p, WINDOW *w, int y, int h)
{
    data_source_state st;
    data_source_state_get(p->src, &st);
    data_doc d = {0};
    build(p, &d, &st);
    size_t max_top = d.n > (size_t)h ? d.n - (size_t)h : 0;
    if (p->stats_top > max_top)
        p->stats_top = max_top;
    data_doc_draw(&d, w, y, p->super.x + 1, h, p->super.w - 2, p->stats_top, NULL, NULL);
    data_doc_clear(&d);
}

bool data_stats_key(pane_data *p, int key, int page)
{
    size_t pg = page > 0 ? (size_t)page : 1;
    data_source_state st;
    switch (key) {
    case KEY_UP: p->stats_top -= p->stats_top > 0; return true;
    case KEY_DOWN: p->stats_top++; return true;
    case KEY_PPAGE: p->stats_top = p->stats_top > pg ? p->stats_top - pg : 0; return true;
    case KEY_NPAGE: p->stats_top += pg; return true;
    case KEY_HOME: p->stats_top = 0; return true;
    case '+':
    case '-':
        data_source_state_get(p->src, &st);
        double t = (p->stats_threshold > 0 ? p->stats_threshold : st.near_threshold)
                   + (key == '+' ? THRESHOLD_STEP : -THRESHOLD_STEP);
        if (t < 0.5 - 1e-9 || t > 1 + 1e-9) {
            data_pane_say(p, true, "the near-duplicate threshold stays within 0.50..1.00");
        } else {
            p->stats_threshold = t;
            data_pane_say(p, false, "near-duplicate threshold %.2f: the stats pass runs again",
                          t);
            data_stats_follow(p);
        }
        return true;
    default: return false;
    }
}

bool data_stats_current(const pane_data *p)
{
    data_source_state st;
    if (!p->src || !data_source_stats(p->src))
        return false;
    data_source_state_get(p->src, &st);
    return st.stats_gen == p->edit_gen;
}

/* A new pass over the rows as they are now; the old one has ended. */
static void restat(pane_data *p, double threshold)
{
    char err[256];
    size_t edits = p->edit ? ds_edit_step_count(p->edit) : 0;
    ds_view *v = NULL;
    if (edits && !(v = ds_edit_view(p->edit, err, sizeof err))) {
        data_pane_say(p, true, "stats: %s", err);
        return;
    }
    data_pane_stop_workers(p);     /* the filter reads the pass being replaced */
    data_source_pass pass = {v, p->edit_gen, edits, threshold};
    if (data_source_restat(p->src, &pass, err, sizeof err) != 0)
        data_pane_say(p, true, "stats: %s", err);
    data_pane_refilter(p);
}

void data_stats_follow(pane_data *p)
{
    data_source_state st;
    data_source_state_get(p->src, &st);
    double want = p->stats_threshold > 0 ? p->stats_threshold : st.near_threshold;
    bool same = st.stats_gen == p->edit_gen && st.near_threshold == want;
    /* the session is the job's while an action runs */
    if (same || p->job || !dataset_checked(data_source_dataset(p->src)))
        return;
    if (data_source_stats_stop(p->src))
        restat(p, want);
}
