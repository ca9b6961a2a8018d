/* train_pane.c - the Train pane: a run trained inside the workbench, or one
 * read from its run directory, as charts, figures, alarms and an event log,
 * with the controls of a run this process trains. Each tick the pane polls
 * its source (it is the run's one consumer: the session writes the logs as
 * it is polled) and adds the new records to its history. A trained run's
 * records come with the session's wake-up, taken at most every
 * TRAIN_FRAME_MS; between them the pane asks for no turns (each turn
 * draws a frame, and each frame takes a core from the trainer on a small
 * machine) but one every TRAIN_IDLE_MS. When the screen
 * goes (quit, the terminal gone) a run still training is handed to the
 * workbench, which carries it to its end. */
#include "config.h"

#include "train_pane.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "train_pane_impl.h"

/* ------------------------------------------------------------ the run's hooks */

static void on_message(void *ctx, const run_message *m)
{
    train_log_level level = m->severity == RUN_ERROR     ? TRAIN_LOG_ERROR
                          : m->severity == RUN_WARNING ? TRAIN_LOG_WARNING
                                                       : TRAIN_LOG_INFO;
    train_pane_note(ctx, -1, level, "%s", m->text);
}

/* Any thread, with the session's lock held: only wakes the loop, once
 * until the pane polls (a step's record and its figures come together). */
static void on_wake(void *ctx)
{
    train_pane *tp = ctx;
    if (!atomic_exchange(&tp->woken, true))
        pane_wake(&tp->super);
}

void train_pane_note(train_pane *tp, int64_t step, train_log_level level, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    train_log_add(&tp->log, step, level, text);
    tp->log_back = 0;
    if (level == TRAIN_LOG_ERROR)
        pane_status(&tp->super, true, "%s", text);
}

/* ------------------------------------------------------------ starting */

static void forget_run(train_pane *tp)
{
    train_history_clear(&tp->hist);
    train_log_clear(&tp->log);
    tp->log_back = 0;
    tp->alarm[0] = '\0';
    tp->epoch = 0;
    memset(&tp->st, 0, sizeof tp->st);
    tp->st.best_eval = NAN;
    tp->st.best_eval_step = tp->st.last_checkpoint = -1;
    tp->st.lr_multiplier = 1;
}

/* Empties the pane for another run: -1 with err while it trains one (a
 * followed run is only read, so it can go). */
static int make_room(train_pane *tp, char *err, size_t errlen)
{
    if (train_source_owned(&tp->src)) {
        snprintf(err, errlen, "a run trains here already (%s); stop it first (s)",
                 tp->src.dir[0] ? tp->src.dir : "being prepared");
        return -1;
    }
    train_source_close(&tp->src);
    forget_run(tp);
    return 0;
}

int train_pane_start(train_pane *tp, const run_session_options *o, char *err, size_t errlen)
{
    if (make_room(tp, err, errlen) != 0)
        return -1;
    run_session_hooks hooks = {.ctx = tp, .message = on_message, .wake = on_wake};
    if (train_source_launch(&tp->src, o, &hooks, err, errlen) != 0)
        return -1;
    tp->st.state = RUN_SESSION_PREPARING;
    tp->view = TRAIN_VIEW_RUN;
    train_pane_note(tp, -1, TRAIN_LOG_INFO, "preparing a run of %s%s%s", o->config,
                    o->resume ? ", resuming " : "", o->resume ? o->resume : "");
    return 0;
}

int train_pane_launch(pane *p, const run_session_options *o, char *err, size_t errlen)
{
    train_pane *tp = train_of(p);
    pane_focus(p, PANE_TRAIN);
    if (train_pane_start(tp, o, err, errlen) == 0)
        return 0;
    train_pane_note(tp, -1, TRAIN_LOG_ERROR, "cannot start the run: %s", err);
    return -1;
}

static int tick(pane *p, const pane_env *env);

int train_pane_open(pane *p, const char *dir, char *err, size_t errlen)
{
    train_pane *tp = train_of(p);
    if (make_room(tp, err, errlen) != 0) {
        train_pane_note(tp, -1, TRAIN_LOG_ERROR, "cannot open %s: %s", dir, err);
        return -1;
    }
    if (train_source_follow(&tp->src, dir, err, errlen) != 0) {
        train_pane_note(tp, -1, TRAIN_LOG_ERROR, "cannot open %s: %s", dir, err);
        return -1;
    }
    tp->view = TRAIN_VIEW_RUN;
    tick(p, NULL);   /* what the files hold so far, before the first frame */
    long owner = run_follow_owner(tp->src.follow);
    if (owner)
        train_pane_note(tp, -1, TRAIN_LOG_INFO, "following %s, written by another lathe "
                        "(PID %ld): only that process can control it", dir, owner);
    else
        train_pane_note(tp, -1, TRAIN_LOG_INFO, "opened %s (%s)", dir,
                        run_list_state_name(run_follow_state(tp->src.follow)));
    return 0;
}

/* ------------------------------------------------------------ records */

static void take_records(train_pane *tp, const run_poll *poll)
{
    for (size_t i = 0; i < poll->n; i++) {
        const run_record *r = &poll->records[i];
        if (r->kind == RUN_RECORD_EVENT)
            train_status_event(tp, r->step, r->event, r->text);
        else if (train_history_add_record(&tp->hist, r) != 0)
            train_pane_note(tp, r->step, TRAIN_LOG_ERROR, "out of memory: step %lld "
                            "is not drawn", (long long)r->step);
        if (r->kind == RUN_RECORD_STEP)
            tp->epoch = r->epoch;
    }
}

/* A followed run's figures, from its records (no session to ask). */
static void follow_status(train_pane *tp)
{
    run_session_status *st = &tp->st;
    const train_history *h = &tp->hist;
    st->step = train_history_last_step(h);
    st->epoch = tp->epoch;
    st->elapsed_s = h->n ? h->elapsed[h->n - 1] : 0;
    /* the logs have no count without padding: the tokens axis (with it) stands in */
    st->tokens = h->n ? (uint64_t)h->x[TRAIN_X_TOKENS][h->n - 1] : 0;
    st->best_eval = h->best_eval;
    st->best_eval_step = h->best_eval_step;
}

/* The turn the pane wants next while its session is live: soon after a
 * poll that returned an event (the records after one wait for the next
 * poll) or while the run starts or ends, else at a wake-up or the idle
 * poll. */
static int next_turn(const run_poll *poll, run_session_state state)
{
    for (size_t i = 0; i < poll->n; i++)
        if (poll->records[i].kind == RUN_RECORD_EVENT)
            return TRAIN_FRAME_MS;
    return state == RUN_SESSION_RUNNING || state == RUN_SESSION_PAUSED ? TRAIN_IDLE_MS
                                                                       : TRAIN_FRAME_MS;
}

/* Polls the run shown; the turn it wants next (0: none). */
static int poll_source(train_pane *tp)
{
    if (!tp->src.session && !tp->src.follow)
        return 0;
    double now = clock_ms();
    if (tp->src.session && now - tp->polled_ms < TRAIN_FRAME_MS)
        return (int)(tp->polled_ms + TRAIN_FRAME_MS - now) + 1;   /* polled just now */
    tp->polled_ms = now;
    atomic_store(&tp->woken, false);   /* before the poll: a record after it wakes again */
    run_poll poll;
    char err[512] = "";
    run_session_state state = train_source_poll(&tp->src, &poll, err, sizeof err);
    if (poll.reset) {   /* a --resume rewrote the logs: the records come again */
        train_history_clear(&tp->hist);
        train_log_clear(&tp->log);
    }
    take_records(tp, &poll);
    if (err[0])
        train_pane_note(tp, -1, TRAIN_LOG_ERROR, "the run did not start: %s", err);
    if (tp->src.follow) {
        follow_status(tp);
        tp->st.state = state;
        return train_source_live(&tp->src) ? TRAIN_FRAME_MS : 0;
    }
    run_session_get_status(tp->src.session, &tp->st);
    tp->st.state = state;
    if (state == RUN_SESSION_FAILED && !tp->src.dir[0])
        train_pane_note(tp, -1, TRAIN_LOG_ERROR, "preparing the run failed (the messages "
                        "above say why); no run directory was made");
    if (train_source_live(&tp->src))
        return next_turn(&poll, state);
    /* Over: the session's model and data go, its figures stay on screen. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", tp->src.dir);
    train_source_close(&tp->src);
    snprintf(tp->src.dir, sizeof tp->src.dir, "%s", dir);
    tp->src.state = state;
    return 0;
}

static int tick(pane *p, const pane_env *env)
{
    (void)env;
    train_pane *tp = train_of(p);
    int over = train_overlays_poll(tp), own = poll_source(tp);
    return over > 0 && (own == 0 || over < own) ? over : own;
}

/* ------------------------------------------------------------ messages */

static bool receive(pane *p, pane_msg *m)
{
    train_pane *tp = train_of(p);
    char err[512];
    if (m->kind == PANE_MSG_OPEN) {
        return train_pane_open(p, m->path, err, sizeof err) == 0;
    }
    if (m->kind != PANE_MSG_LAUNCH)
        return false;
    run_session_options o = {.config = m->path};
    if (train_pane_start(tp, &o, err, sizeof err) == 0)
        return true;
    train_pane_note(tp, -1, TRAIN_LOG_ERROR, "cannot launch %s: %s", m->path, err);
    return false;
}

/* ------------------------------------------------------------ quitting */

static bool at_risk(const pane *p, char *what, size_t n)
{
    const train_pane *tp = (const train_pane *)p;
    if (!train_source_owned(&tp->src))
        return false;
    if (tp->src.dir[0])
        snprintf(what, n, "the run in %s is training (step %lld of %lld)", tp->src.dir,
                 (long long)tp->st.step, (long long)tp->st.total_steps);
    else
        snprintf(what, n, "a run is being prepared");
    return true;
}

static bool background(const pane *p)
{
    return train_source_owned(&((const train_pane *)p)->src);
}

/* The session, without the pane's callbacks (the pane is about to go), to
 * the workbench. */
static void hand_over(train_pane *tp)
{
    run_session *s = train_source_take(&tp->src);
    run_session_set_hooks(s, NULL);
    pane_keep_running(&tp->super, s);
}

static int rescue(pane *p, char *what, size_t n)
{
    (void)what;
    (void)n;
    train_pane *tp = train_of(p);
    if (train_source_owned(&tp->src))
        hand_over(tp);
    return 0;
}

/* ------------------------------------------------------------ life */

static int init(pane *p, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    train_pane *tp = train_of(p);
    train_plots_init(&tp->plots);
    train_history_init(&tp->hist, train_plots_weight(&tp->plots));
    forget_run(tp);
    return 0;
}

static void destroy(pane *p)
{
    train_pane *tp = train_of(p);
    if (train_source_owned(&tp->src)) {
        run_session_stop(tp->src.session);   /* the user quit, stopping it */
        hand_over(tp);
    }
    train_source_close(&tp->src);
    train_history_free(&tp->hist);
    train_log_clear(&tp->log);
    train_plots_free(&tp->plots);
    train_runs_free(&tp->runs);
    train_overlays_free(tp);
    line_edit_history_free(&tp->lr_history);
}

/* ------------------------------------------------------------ drawing */

/* Rows of the event log under the charts. */
static int log_rows(int rest)
{
    return rest >= 36 ? 9 : rest >= 16 ? 5 : 0;
}

bool train_pane_showing(const train_pane *tp)
{
    return tp->src.session || tp->hist.n || tp->log.n;
}

static void draw(pane *p, WINDOW *w, const pane_env *env)
{
    train_pane *tp = train_of(p);
    int x = p->x + 1, width = p->w - 2, y = p->y, bottom = p->y + p->h;
    if (tp->view == TRAIN_VIEW_RUNS || !train_pane_showing(tp)) {
        /* the system gauges under the list, which is rarely long */
        int gauges = p->h >= 24 ? (p->h / 2 < 12 ? p->h / 2 : 12) : 0;
        train_runs_draw(tp, w, y, x, p->h - gauges, width);
        if (gauges)
            train_status_draw_memory(tp, w, env, bottom - gauges, x, gauges, width);
        return;
    }
    int side = width >= 120 ? 40 : 0;
    y += train_status_draw_header(tp, w, y, x, width);
    y += train_controls_draw_ask(tp, w, y, x, width);
    int below = log_rows(bottom - y);
    int main_w = side ? width - side - 1 : width;
    train_plots_draw(tp, w, y, x, bottom - y - below, main_w);
    if (below && tp->gauges_below && !side)
        train_status_draw_memory(tp, w, env, bottom - below, x, below, main_w);
    else if (below)
        train_status_draw_log(tp, w, bottom - below, x, below, main_w);
    if (side)
        train_status_draw_memory(tp, w, env, y, x + main_w + 1, bottom - y, side);
}

/* ------------------------------------------------------------ keys */

static pane_result handle_key(pane *p, int key)
{
    train_pane *tp = train_of(p);
    if (tp->ask != TRAIN_ASK_NONE)
        return train_controls_key(tp, key);
    if (tp->view == TRAIN_VIEW_RUNS || !train_pane_showing(tp))
        return train_runs_key(tp, key);
    pane_result r = train_controls_key(tp, key);
    if (r == PANE_IGNORED)
        r = train_plots_key(tp, key);
    if (r == PANE_IGNORED)
        r = train_status_key(tp, key);
    if (r == PANE_IGNORED && key == 'R') {
        tp->view = TRAIN_VIEW_RUNS;
        r = PANE_HANDLED;
    }
    return r;
}

static const pane_key keys[] = {
    {"p", "pause or resume the run", "pause"},
    {"s", "stop the run (asks; a checkpoint is saved)", "stop"},
    {"c", "save a checkpoint now", "save"},
    {"e", "evaluate now", "eval"},
    {"[ ]", "learning rate x0.5 / x2 from the next step", "lr"},
    {"L", "set the learning-rate multiplier", "lr="},
    {"C", "chat with this: the newest checkpoint, or an ended run's adapter, as B (Chat pane)",
     "chat"},
    {"+ -", "more / less smoothing of the loss", "smooth"},
    {"l", "log / linear loss axis", "log"},
    {"x", "x axis in steps / tokens", "x"},
    {"z", "zoom: last N steps / the whole run", "zoom"},
    {"PgUp/PgDn", "scroll the event log", "log"},
    {"g", "gauges / event log below the charts (narrow terminals)", "gauges"},
    {"a", "dismiss the alarm banner", "alarm"},
    {"r", "resume the run shown, once it has ended, from its newest checkpoint", "resume"},
    {"o", "show / hide the runs overlaid on the charts", "overlay"},
    {"R", "the runs folder: Enter opens a run (following it while it trains), r resumes it, "
          "Space overlays it on the charts", "runs"},
};

const pane_class train_pane_class = {
    .name = "Train",
    .id = PANE_TRAIN,
    .size = sizeof(train_pane),
    .init = init,
    .draw = draw,
    .handle_key = handle_key,
    .tick = tick,
    .receive = receive,
    .at_risk = at_risk,
    .rescue = rescue,
    .background = background,
    .destroy = destroy,
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
};
