/* train_status.c - what the Train pane says about its run besides the
 * charts: what runs and how far it is (step of total with a bar, epoch,
 * training time, time left at the recent pace, tokens, best evaluation,
 * last checkpoint, records lost by a consumer that fell behind, the
 * learning-rate multiplier), the setup's progress while it is prepared, an
 * alarm as a banner until dismissed, the event log, and memory: the run's
 * by part beside the system gauges. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crt.h"
#include "gauge.h"
#include "text.h"
#include "theme.h"
#include "train_pane_impl.h"

/* Steps the time left is paced on. */
#define ETA_WINDOW 50

/* ------------------------------------------------------------ events in */

static train_log_level event_level(run_event_kind k)
{
    switch (k) {
    case RUN_EVENT_NONFINITE_STOP:
    case RUN_EVENT_CHECKPOINT_FAILED:
    case RUN_EVENT_FINAL_CHECKPOINT_FAILED:
    case RUN_EVENT_EVAL_FAILED:
    case RUN_EVENT_OUTPUT_FAILED:
        return TRAIN_LOG_ERROR;
    case RUN_EVENT_SKIPPED_STEP:
    case RUN_EVENT_WARNING:
    case RUN_EVENT_EARLY_STOP:
        return TRAIN_LOG_WARNING;
    default:
        return TRAIN_LOG_INFO;
    }
}

void train_status_event(train_pane *tp, int64_t step, run_event_kind k, const char *text)
{
    train_log_level level = event_level(k);
    train_pane_note(tp, step, level, "%s", text);
    if (k == RUN_EVENT_CHECKPOINT && step > tp->st.last_checkpoint)
        tp->st.last_checkpoint = step;   /* a followed run's figure; a session's says it too */
    if (level == TRAIN_LOG_ALARM)
        snprintf(tp->alarm, sizeof tp->alarm, "step %lld: %s", (long long)step, text);
}

/* ------------------------------------------------------------ figures */

/* A clock: "42 s", "3:07", "1:02:03". */
static void clock_text(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "-");
        return;
    }
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(buf, len, "%ld s", t);
    else if (t < 3600)
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static const char *state_word(const train_pane *tp, theme_role *role)
{
    *role = THEME_TEXT;
    switch (tp->st.state) {
    case RUN_SESSION_NEW:
    case RUN_SESSION_PREPARING: return "preparing";
    case RUN_SESSION_READY: return "starting";
    case RUN_SESSION_RUNNING: *role = THEME_SERIES1; return "training";
    case RUN_SESSION_PAUSED: *role = THEME_ACCENT; return "paused";
    case RUN_SESSION_ENDING: return "ending: checkpoint, evaluation, outputs";
    case RUN_SESSION_DONE:
        return tp->src.follow ? run_list_state_name(run_follow_state(tp->src.follow)) : "ended";
    case RUN_SESSION_FAILED:
        *role = THEME_ERROR;
        return tp->src.follow ? run_list_state_name(run_follow_state(tp->src.follow)) : "failed";
    }
    return "";
}

static const char *run_name(const train_pane *tp)
{
    const char *dir = tp->src.dir;
    if (!dir[0])
        return "(new run)";
    const char *slash = strrchr(dir, '/');
    return slash && slash[1] ? slash + 1 : dir;
}

/* "LABEL VALUE  " and the columns used. */
static int field(WINDOW *w, int y, int x, int width, const char *label, const char *value)
{
    int used = text_putf(w, y, x, width, theme_attr(THEME_DIM), "%s ", label);
    used += text_put(w, y, x + used, width - used, theme_attr(THEME_TEXT), value);
    return used + 2;
}

/* Row 1: the run, its state and how far it is (or the setup's phase). */
static void draw_progress(train_pane *tp, WINDOW *w, int y, int x, int width)
{
    theme_role role;
    const char *state = state_word(tp, &role);
    int used = text_put(w, y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, run_name(tp));
    used += 2 + text_put(w, y, x + used + 2, width - used - 2, theme_attr(role) | A_BOLD, state);
    x += used + 2;
    width -= used + 2;
    const run_session_status *st = &tp->st;
    bool preparing = st->state == RUN_SESSION_PREPARING || st->state == RUN_SESSION_NEW;
    if (preparing && st->phase[0]) {
        used = text_putf(w, y, x, width, theme_attr(THEME_TEXT), "%s ", st->phase);
        if (st->phase_fraction >= 0 && width - used > 12) {
            gauge_draw_bar(w, y, x + used, 22 < width - used - 6 ? 22 : width - used - 6,
                           st->phase_fraction);
            text_putf(w, y, x + used + 23, 5, theme_attr(THEME_TEXT), "%3.0f%%",
                      st->phase_fraction * 100);
        }
        return;
    }
    int64_t step = st->step ? st->step : train_history_last_step(&tp->hist);
    if (st->total_steps <= 0) {   /* a followed run: its logs do not say */
        text_putf(w, y, x, width, theme_attr(THEME_TEXT), "step %lld", (long long)step);
        return;
    }
    used = text_putf(w, y, x, width, theme_attr(THEME_TEXT), "step %lld/%lld ",
                     (long long)step, (long long)st->total_steps);
    double f = (double)step / (double)st->total_steps;
    int bar = width - used - 24 > 30 ? 30 : width - used - 24;
    if (bar >= 6) {
        gauge_draw_bar(w, y, x + used, bar, f);
        used += bar + 1;
    }
    used += text_putf(w, y, x + used, width - used, theme_attr(THEME_TEXT), "%3.0f%%",
                      f * 100);
    if (!train_source_live(&tp->src))
        return;   /* an ended run has no time left to estimate */
    char eta[32];
    clock_text(eta, sizeof eta, train_history_eta(&tp->hist, st->total_steps, ETA_WINDOW));
    text_putf(w, y, x + used, width - used, theme_attr(THEME_TEXT), "  ETA %s", eta);
}

/* Row 2: the figures. */
static void draw_figures(train_pane *tp, WINDOW *w, int y, int x, int width)
{
    const run_session_status *st = &tp->st;
    char v[64];
    int used = 0;
    snprintf(v, sizeof v, "%.2f", tp->epoch);
    used += field(w, y, x + used, width - used, "epoch", v);
    clock_text(v, sizeof v, st->elapsed_s);
    used += field(w, y, x + used, width - used, "time", v);
    plot_format((double)st->tokens, v, sizeof v);
    used += field(w, y, x + used, width - used, "tokens", v);
    if (isfinite(tp->hist.best_eval))
        snprintf(v, sizeof v, "%.4g at %lld", tp->hist.best_eval,
                 (long long)tp->hist.best_eval_step);
    else
        snprintf(v, sizeof v, "-");
    used += field(w, y, x + used, width - used, "best eval", v);
    if (st->last_checkpoint > 0)
        snprintf(v, sizeof v, "step-%lld", (long long)st->last_checkpoint);
    else
        snprintf(v, sizeof v, "-");
    used += field(w, y, x + used, width - used, "checkpoint", v);
    snprintf(v, sizeof v, "x%g", st->lr_multiplier);
    used += field(w, y, x + used, width - used, "lr", v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)st->ring_dropped);
    field(w, y, x + used, width - used, "dropped", v);
}

int train_status_draw_header(train_pane *tp, WINDOW *w, int y, int x, int width)
{
    draw_progress(tp, w, y, x, width);
    draw_figures(tp, w, y + 1, x, width);
    if (!tp->alarm[0])
        return 2;
    attr_t a = theme_attr(THEME_ERROR) | A_BOLD | A_REVERSE;
    text_blank(w, y + 2, x, width, a);
    int used = text_put(w, y + 2, x + 1, width - 2, a, "ALARM ");
    used += text_put(w, y + 2, x + 1 + used, width - 2 - used - 14, a, tp->alarm);
    text_put(w, y + 2, x + width - 14, 13, a, " a: dismiss");
    return 3;
}

/* ------------------------------------------------------------ the log */

static attr_t level_attr(train_log_level level)
{
    switch (level) {
    case TRAIN_LOG_WARNING: return theme_attr(THEME_ACCENT);
    case TRAIN_LOG_ERROR: return theme_attr(THEME_ERROR);
    case TRAIN_LOG_ALARM: return theme_attr(THEME_ERROR) | A_BOLD;
    default: return theme_attr(THEME_TEXT);
    }
}

void train_status_draw_log(train_pane *tp, WINDOW *w, int y, int x, int h, int width)
{
    const train_log *l = &tp->log;
    int rows = h - 1;
    size_t room = rows > 0 ? (size_t)rows : 0;
    size_t max_back = l->n > room ? l->n - room : 0;
    if (tp->log_back > max_back)
        tp->log_back = max_back;
    size_t end = l->n - tp->log_back, first = end > room ? end - room : 0;
    text_putf(w, y, x, width, theme_attr(THEME_DIM), "events %zu-%zu of %llu%s", first + 1, end,
              (unsigned long long)l->total, tp->log_back ? "  (PgDn: newer)" : "");
    for (size_t i = first; i < end; i++) {
        const train_log_line *line = train_log_at(l, i);
        int row = y + 1 + (int)(i - first), used = 0;
        if (line->step >= 0)
            used = text_putf(w, row, x, width, theme_attr(THEME_DIM), "%7lld ",
                             (long long)line->step);
        else
            used = text_put(w, row, x, width, theme_attr(THEME_DIM), "        ");
        text_put(w, row, x + used, width - used, level_attr(line->level), line->text);
    }
}

/* ------------------------------------------------------------ memory */

static int memory_row(WINDOW *w, int y, int x, int width, const char *label, uint64_t bytes)
{
    char v[16];
    if (bytes)
        gauge_bytes(v, sizeof v, bytes);
    else
        snprintf(v, sizeof v, "-");
    text_putf(w, y, x, width, theme_attr(THEME_DIM), "  %-12s", label);
    text_put(w, y, x + 14, width - 14, theme_attr(THEME_TEXT), v);
    return 1;
}

void train_status_draw_memory(train_pane *tp, WINDOW *w, const pane_env *env, int y, int x,
                              int h, int width)
{
    const run_session_status *st = &tp->st;
    int row = 0;
    if (h >= 9 && train_pane_showing(tp)) {
        text_put(w, y + row++, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Run memory");
        row += memory_row(w, y + row, x, width, "weights", st->mem_weights);
        row += memory_row(w, y + row, x, width, "gradients", st->mem_grads);
        row += memory_row(w, y + row, x, width, "optimizer", st->mem_optimizer);
        row += memory_row(w, y + row, x, width, "activations", st->mem_activations);
        row += memory_row(w, y + row, x, width, "peak", st->mem_peak);
    }
    text_put(w, y + row++, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "System");
    if (env->have_snap)
        gauge_draw_full(w, y + row, x, h - row, width, &env->snap);
    else
        text_putf(w, y + row, x, width, theme_attr(THEME_ERROR), "no gauges: %s",
                  env->sysmon_error);
}

/* ------------------------------------------------------------ keys */

pane_result train_status_key(train_pane *tp, int key)
{
    switch (key) {
    case KEY_PPAGE: tp->log_back += 5; break;
    case KEY_NPAGE: tp->log_back = tp->log_back > 5 ? tp->log_back - 5 : 0; break;
    case 'g': tp->gauges_below = !tp->gauges_below; break;
    case 'a': tp->alarm[0] = '\0'; break;
    default: return PANE_IGNORED;
    }
    return PANE_HANDLED;
}
