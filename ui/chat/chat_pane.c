/* chat_pane.c - the Chat pane: a chat session (chat_session.h) driven from
 * a readline prompt (chat_input.h), its transcript drawn by chat_view.h.
 *
 * - The model opens lazily: what to run arrives as messages (the workbench
 *   sends the model and adapter it was started on; the Train pane a
 *   checkpoint) and is only loaded once the pane is shown or used, on a
 *   worker (chat_job.h), so `lathe` starts at once and the pane stays
 *   responsive; so do the slash commands that load weights (/model, /lora,
 *   /checkpoint). While a job runs it holds the session.
 * - A reply streams from the sides' threads: their notify wakes the loop
 *   (pane_wake), and every tick drains the session's events into the log.
 *   Once both replies of an A/B pair are done the differing words are
 *   marked, and on an empty line 1/a, 2/b, = and x vote.
 * - Keys: printable ones are the line's (the pane takes text, so the
 *   screen's letter and digit keys do not apply here); Tab completes, or
 *   on an empty line moves to the next pane; PgUp/PgDn scroll; Esc or
 *   Ctrl-C stop a reply; Ctrl-C drops the line being typed, and on an empty
 *   line asks to quit like the other panes, as Ctrl-D does.
 * - Nothing is lost by quitting: every line goes into the history file as
 *   it is entered and every vote into preferences.jsonl as it is made, so
 *   there is no rescue hook; a reply being generated is what at_risk says. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter_path.h"
#include "chat_cmd.h"
#include "chat_input.h"
#include "chat_job.h"
#include "chat_log.h"
#include "chat_view.h"
#include "clock.h"
#include "crt.h"
#include "pane.h"
#include "plural.h"
#include "text.h"
#include "theme.h"
#include "train_config.h"

#define KEY_ESC 27
#define KEY_CTRL_L 12
/* Rows the input line may grow to, and the completion list. */
#define INPUT_ROWS_MAX 4
#define CANDS_ROWS_MAX 3
/* How soon the next frame comes while a job runs, for its clock. */
#define JOB_TICK_MS 250

typedef struct {
    pane super;
    chat_session *s;            /* NULL until a model is open, and while a job holds it */
    worker *w;                  /* the session's jobs */
    chat_job *job;              /* the running or last job (the worker frees it) */
    bool job_running;
    double job_started;
    chat_log log;
    chat_view_pos pos;          /* how far the transcript is scrolled back */
    int view_h;                 /* the transcript's rows in the last frame */
    bool shown;                 /* shown or used once: the model may load */
    bool quit;                  /* the line asked to quit */
    /* What the messages and a first /model asked to run, until a job takes
     * it: the model, and B's adapter or run and checkpoint ("": none). */
    char model[PATH_MAX], adapter[PATH_MAX], run[PATH_MAX];
    int64_t step;
} chat_pane;

static const pane_key keys[] = {
    {"Enter", "send the prompt, or run the /command", "send"},
    {"\\ Enter", "a line ending in \\ continues on the next", "more"},
    {"Tab", "complete; on an empty line: the next pane", "complete"},
    {"Up/Down", "older / newer prompts (also lathe chat's)", "history"},
    {"Ctrl-R", "search those prompts", "search"},
    {"PgUp/PgDn", "scroll the conversation", "scroll"},
    {"Esc", "stop the reply being generated", "stop"},
    {"Ctrl-C", "stop the reply / drop the line / quit", "clear"},
    {"1/a 2/b", "vote: first / second better (empty line)", "vote"},
    {"= / x", "vote: a tie / both bad (empty line)", "tie/bad"},
    {"/help", "commands: /ab /blind /set /save /checkpoint", "commands"},
};

static chat_pane *of(pane *p)
{
    return (chat_pane *)p;
}

/* A line in the transcript, and in the status line when STATUS. */
static void say(chat_pane *cp, chat_log_kind kind, bool status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(chat_pane *cp, chat_log_kind kind, bool status, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        text[--n] = '\0';
    if (!chat_log_add(&cp->log, kind, text, n))
        pane_status(&cp->super, true, "out of memory: the conversation is not all shown");
    else if (status)
        pane_status(&cp->super, kind == CHAT_LOG_ERROR, "%s", text);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

static bool replying(const chat_pane *cp)
{
    return cp->s && chat_session_busy(cp->s);
}

/* ---------------------------------------------------------------- jobs */
static void wake(void *ctx)
{
    pane_wake(ctx);
}

static void start_job(chat_pane *cp, chat_job *j)
{
    char err[512];
    if (!j) {
        say(cp, CHAT_LOG_ERROR, true, "out of memory");
        return;
    }
    j->s = cp->s;
    cp->s = NULL;
    cp->job = j;
    if (worker_start(cp->w, j, err, sizeof err) != 0) {   /* it freed J and the session */
        say(cp, CHAT_LOG_ERROR, true, "%s: the chat is closed (/model PATH opens one)", err);
        return;
    }
    cp->job_running = true;
    cp->job_started = clock_s();
}

static void label(chat_pane *cp, chat_log_entry *e)
{
    for (int c = 0; c < e->n_cols; c++) {
        snprintf(e->col[c].tag, sizeof e->col[c].tag, "%s", chat_session_tag(cp->s, c));
        snprintf(e->col[c].label, sizeof e->col[c].label, "%s", chat_session_label(cp->s, c));
    }
}

/* The latest reply's columns as the session names them now (a vote
 * reveals blind ones), while it is the session's latest exchange. */
static void relabel(chat_pane *cp)
{
    chat_log_entry *e = chat_log_last_reply(&cp->log);
    if (e && chat_session_reply(cp->s, 0))
        label(cp, e);
}

static void job_ended(chat_pane *cp)
{
    chat_job *j = cp->job;
    worker_state st = worker_poll(cp->w, NULL);
    if (!cp->job_running || st == WORKER_RUNNING)
        return;
    cp->job_running = false;
    cp->s = j->s;
    j->s = NULL;
    if (st != WORKER_DONE) {
        say(cp, CHAT_LOG_ERROR, true, "%s", worker_error(cp->w));
        return;
    }
    if (j->out.len)
        say(cp, CHAT_LOG_OUTPUT, false, "%s", j->out.p);
    double s = clock_s() - cp->job_started;
    if (j->kind == CHAT_JOB_COMMAND)
        pane_status(&cp->super, false, "%.*s took %.1f s", (int)strcspn(j->arg, " \t\n"),
                    j->arg, s);
    else
        pane_status(&cp->super, false, "loaded %s in %.1f s", base_name(j->arg), s);
}

/* A run directory's model, from its config.yaml; "" when it has none. */
static void run_model(const char *run, char *out, size_t n)
{
    char path[PATH_MAX + 16];
    train_config cfg;
    config_diags diags;
    out[0] = '\0';
    snprintf(path, sizeof path, "%s/config.yaml", run);
    if (train_config_load(&cfg, path, NULL, 0, &diags) == 0 && cfg.base_model)
        snprintf(out, n, "%s", cfg.base_model);
    train_config_free(&cfg);
}

/* The first session: the model asked for (or the one B's run trained),
 * with B. NULL when there is no model to open (said) or no memory. */
static chat_job *open_job(chat_pane *cp)
{
    const char *b = cp->adapter[0] ? cp->adapter : cp->run;
    if (!cp->model[0] && b[0])
        run_model(b, cp->model, sizeof cp->model);
    if (!cp->model[0]) {
        say(cp, CHAT_LOG_ERROR, true, "%s needs a model to run on: /model PATH opens one", b);
        return NULL;
    }
    chat_job *j = chat_job_new(CHAT_JOB_OPEN, cp->model);
    if (j && ((cp->adapter[0] && !(j->adapter = strdup(cp->adapter))) ||
              (cp->run[0] && !(j->run = strdup(cp->run))))) {
        chat_job_class.free_input(j);
        j = NULL;
    }
    if (!j) {
        say(cp, CHAT_LOG_ERROR, true, "out of memory");
        return NULL;
    }
    j->step = cp->step;
    j->notify = wake;
    j->notify_ctx = &cp->super;
    return j;
}

/* What the messages asked to run, once the pane has been shown and no
 * reply or job is running: a first session, another model, another B. */
static void apply_wants(chat_pane *cp)
{
    bool b = cp->adapter[0] || cp->run[0];
    if (!cp->shown || cp->job_running || replying(cp) || !(cp->model[0] || b))
        return;
    chat_job *j = NULL;
    if (!cp->s) {
        j = open_job(cp);
        cp->model[0] = cp->adapter[0] = cp->run[0] = '\0';
        if (!j)
            return;
    } else if (cp->model[0]) {
        j = chat_job_new(CHAT_JOB_MODEL, cp->model);
        cp->model[0] = '\0';
    } else {
        j = chat_job_new(cp->adapter[0] ? CHAT_JOB_LORA : CHAT_JOB_CHECKPOINT,
                         cp->adapter[0] ? cp->adapter : cp->run);
        if (j)
            j->step = cp->step;
        cp->adapter[0] = cp->run[0] = '\0';
    }
    start_job(cp, j);
}

/* ---------------------------------------------------------------- replies */
static void mark_differences(chat_pane *cp, chat_log_entry *e)
{
    chat_diff d;
    char err[256];
    if (chat_session_diff(cp->s, &d, err, sizeof err))
        return;
    if (chat_log_mark(e, 0, chat_session_reply(cp->s, 0), d.a, d.na) ||
        chat_log_mark(e, 1, chat_session_reply(cp->s, 1), d.b, d.nb))
        pane_status(&cp->super, true, "out of memory marking the differences");
    chat_diff_free(&d);
}

static void reply_done(chat_pane *cp, chat_log_entry *e, const chat_event *ev)
{
    chat_log_col *c = &e->col[ev->col];
    c->done = true;
    c->stats = ev->stats;
    snprintf(c->error, sizeof c->error, "%s", ev->text ? ev->text : "");
    if (chat_session_busy(cp->s) || e->n_cols != 2)
        return;
    if (!e->col[0].error[0] && !e->col[1].error[0])
        mark_differences(cp, e);
    if (chat_session_can_vote(cp->s))
        pane_status(&cp->super, false,
                    "both replies done: vote (1/a, 2/b, =, x)");
}

static void drain(chat_pane *cp)
{
    chat_event ev;
    while (cp->s && chat_session_poll(cp->s, &ev)) {
        chat_log_entry *e = chat_log_last_reply(&cp->log);
        if (ev.kind == CHAT_EV_NOTICE)
            say(cp, CHAT_LOG_NOTICE, false, "(%s)", ev.text);
        else if (e && ev.kind == CHAT_EV_TEXT && chat_log_put(e, ev.col, ev.text, ev.len))
            pane_status(&cp->super, true, "out of memory: the reply is not all shown");
        else if (e && ev.kind == CHAT_EV_DONE)
            reply_done(cp, e, &ev);
        chat_event_clear(&ev);
    }
}

static void send_prompt(chat_pane *cp, const char *prompt)
{
    char err[4096];
    if (!prompt[strspn(prompt, " \t\r\n")])
        return;
    if (chat_session_send(cp->s, prompt, err, sizeof err)) {
        say(cp, CHAT_LOG_ERROR, true, "%s", err);
        return;
    }
    chat_log_entry *e = NULL;
    if (!chat_log_add(&cp->log, CHAT_LOG_PROMPT, prompt, strlen(prompt)) ||
        !(e = chat_log_add(&cp->log, CHAT_LOG_REPLY, NULL, 0))) {
        chat_session_stop(cp->s);
        pane_status(&cp->super, true, "out of memory");
        return;
    }
    e->n_cols = chat_session_columns(cp->s);
    label(cp, e);
    drain(cp);
}

/* ---------------------------------------------------------------- lines */
static bool is_word(const char *line, const char *word)
{
    size_t n = strlen(word);
    return !strncmp(line, word, n) && (!line[n] || strchr(" \t\n", line[n]));
}

/* "/model PATH" before any model is open: that model opens. */
static bool first_model(chat_pane *cp, const char *line)
{
    if (cp->s || cp->job_running || !is_word(line, "/model"))
        return false;
    const char *path = line + strlen("/model");
    path += strspn(path, " \t");
    size_t n = strcspn(path, "\n");
    while (n && strchr(" \t", path[n - 1]))
        n--;
    snprintf(cp->model, sizeof cp->model, "%.*s", (int)n, path);
    return true;
}

/* The commands that load weights run on the worker; the others at once. */
static void command(chat_pane *cp, const char *line)
{
    static const char *const loading[] = {"/model", "/lora", "/checkpoint"};
    for (size_t i = 0; i < sizeof loading / sizeof loading[0]; i++)
        if (is_word(line, loading[i])) {
            start_job(cp, chat_job_new(CHAT_JOB_COMMAND, line));
            return;
        }
    bytebuf out = {0};
    char err[4096];
    int rc = chat_cmd_run(cp->s, line, &out, err, sizeof err);
    if (out.len)
        say(cp, CHAT_LOG_OUTPUT, is_word(line, "/vote"), "%s", out.p);
    if (rc < 0)
        say(cp, CHAT_LOG_ERROR, true, "%s", err);
    bytebuf_free(&out);
    relabel(cp);        /* /vote reveals blind columns */
}

static void on_line(void *ctx, char *text)
{
    chat_pane *cp = ctx;
    cp->pos.scroll = 0;
    if (!text || (chat_cmd_is(text) && is_word(text, "/quit"))) {
        cp->quit = true;
    } else if (chat_cmd_is(text)) {
        say(cp, CHAT_LOG_PROMPT, false, "%s", text);
        if (cp->s)
            command(cp, text);
        else if (!first_model(cp, text))
            say(cp, CHAT_LOG_ERROR, true, "no model open yet: /model PATH opens one");
    } else if (cp->s) {
        send_prompt(cp, chat_cmd_prompt(text));
    } else {
        say(cp, CHAT_LOG_ERROR, true, "%s", cp->job_running ? "the model is still loading"
                                            : "no model open yet: /model PATH opens one");
    }
    free(text);
}

/* ---------------------------------------------------------------- keys */

static bool vote_key(chat_pane *cp, int key)
{
    static const char keys_of[] = "1a2b=x";
    static const chat_pick picks[] = {CHAT_PICK_FIRST, CHAT_PICK_FIRST, CHAT_PICK_SECOND,
                                      CHAT_PICK_SECOND, CHAT_PICK_TIE, CHAT_PICK_BAD};
    const char *k = key > 0 && key < 0x80 ? strchr(keys_of, key) : NULL;
    if (!k || !cp->s || cp->job_running || !chat_session_can_vote(cp->s) || !chat_input_empty())
        return false;
    char msg[4096], err[1024];
    if (chat_session_vote(cp->s, picks[k - keys_of], msg, sizeof msg, err, sizeof err)) {
        say(cp, CHAT_LOG_ERROR, true, "%s", err);
        return true;
    }
    relabel(cp);
    say(cp, CHAT_LOG_OUTPUT, true, "%s", msg);
    return true;
}

/* Enter is refused while a reply or a job runs (the line stays). */
static bool enter_refused(chat_pane *cp, int key)
{
    if (key != '\r' && key != '\n' && key != KEY_ENTER)
        return false;
    if (replying(cp))
        pane_status(&cp->super, true, "a reply is being generated: Esc stops it");
    else if (cp->job_running)
        pane_status(&cp->super, true, "wait: %s", cp->job->kind == CHAT_JOB_COMMAND
                                                      ? "a command is running"
                                                      : "a model is loading");
    return replying(cp) || cp->job_running;
}

static pane_result interrupt(chat_pane *cp)
{
    if (replying(cp)) {
        chat_session_stop(cp->s);
        return PANE_HANDLED;
    }
    if (chat_input_empty())
        return PANE_IGNORED;        /* the screen asks to quit */
    chat_input_clear();
    return PANE_HANDLED;
}

static pane_result chat_key(pane *p, int key)
{
    chat_pane *cp = of(p);
    if (key == PANE_KEY_INTERRUPT)
        return interrupt(cp);
    if (key == KEY_ESC && replying(cp)) {
        chat_session_stop(cp->s);
        return PANE_HANDLED;
    }
    if (key == KEY_PPAGE || key == KEY_NPAGE) {
        int page = cp->view_h > 3 ? cp->view_h - 2 : 1;
        cp->pos.scroll += key == KEY_PPAGE ? page : -page;
        return PANE_HANDLED;
    }
    if (key == KEY_CTRL_L)
        return PANE_HANDLED | PANE_REDRAW;
    if ((key == '\t' && chat_input_empty()) || enter_refused(cp, key))
        return key == '\t' ? PANE_IGNORED : PANE_HANDLED;
    if (vote_key(cp, key))
        return PANE_HANDLED;
    if (!chat_input_key(key))
        return PANE_IGNORED;
    apply_wants(cp);
    if (!cp->quit)
        return PANE_HANDLED;
    cp->quit = false;
    return PANE_QUIT;
}

/* ---------------------------------------------------------------- messages */
static bool is_run_dir(const char *path)
{
    char probe[PATH_MAX + 16];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/config.yaml", path);
    return stat(probe, &st) == 0 && S_ISREG(st.st_mode);
}

/* A model opens as both sides' model; an adapter (or a run directory with
 * one) becomes B; a run without one (a full fine-tune) gives its newest
 * checkpoint as B. A checkpoint message loads that checkpoint as B. */
static bool chat_receive(pane *p, pane_msg *m)
{
    chat_pane *cp = of(p);
    bool is_adapter = m->kind == PANE_MSG_OPEN && adapter_path_is_adapter(m->path);
    if (m->kind == PANE_MSG_RUN_STARTED)
        return false;
    if (m->kind == PANE_MSG_OPEN && !is_adapter && !is_run_dir(m->path)) {
        snprintf(cp->model, sizeof cp->model, "%s", m->path);
        return true;
    }
    snprintf(cp->adapter, sizeof cp->adapter, "%s", is_adapter ? m->path : "");
    snprintf(cp->run, sizeof cp->run, "%s", is_adapter ? "" : m->path);
    cp->step = m->kind == PANE_MSG_CHECKPOINT ? m->step : -1;
    if (m->kind == PANE_MSG_CHECKPOINT)
        say(cp, CHAT_LOG_NOTICE, false, "checkpoint step %lld of %s to chat with as B",
            (long long)m->step, m->path);
    return true;
}

/* ---------------------------------------------------------------- drawing */
/* The top row: what runs, or what is being loaded. */
static void draw_header(chat_pane *cp, WINDOW *w, int y, int x, int width)
{
    char line[2200] = "";
    attr_t a = theme_attr(THEME_DIM);
    if (cp->job_running) {
        bool cmd = cp->job->kind == CHAT_JOB_COMMAND;
        snprintf(line, sizeof line, "%s %.*s%s %.0f s", cmd ? "running" : "loading",
                 (int)strcspn(cmd ? cp->job->arg : base_name(cp->job->arg), " \t\n"),
                 cmd ? cp->job->arg : base_name(cp->job->arg), crt_glyph(CRT_GLYPH_ELLIPSIS),
                 clock_s() - cp->job_started);
        a = theme_attr(THEME_ACCENT);
    } else if (cp->s) {
        int n = chat_session_columns(cp->s);
        snprintf(line, sizeof line, "%s%s%s%s", chat_session_label(cp->s, 0),
                 n > 1 ? "  " : "", n > 1 ? crt_glyph(CRT_GLYPH_SEP) : "",
                 n > 1 ? "  " : "");
        if (n > 1)
            snprintf(line + strlen(line), sizeof line - strlen(line), "%s",
                     chat_session_label(cp->s, 1));
    } else {
        snprintf(line, sizeof line, "no model open: /model PATH opens one (a .gguf file or a "
                                    "Hugging Face directory)");
    }
    text_put(w, y, x, width, a, line);
}

/* The rule above the line, with a hint of what the keys do now. */
static void draw_rule(chat_pane *cp, WINDOW *w, int y, int x, int width)
{
    char back[64];
    snprintf(back, sizeof back, " scrolled back %d row%s: PgDn ", cp->pos.scroll,
             plural_s((unsigned long long)cp->pos.scroll));
    const char *hint = replying(cp) ? " Esc stops the reply "
                     : cp->pos.scroll > 0 ? back
                     : cp->s && !cp->job_running && chat_session_can_vote(cp->s)
                         ? " vote on an empty line: 1/a first, 2/b second, = tie, x both bad "
                         : " Enter sends  Tab completes  PgUp/PgDn scroll  F1 help ";
    attr_t border = theme_attr(THEME_BORDER);
    wattr_set(w, border, PAIR_NUMBER(border), NULL);
    mvwhline(w, y, x, ACS_HLINE, width);
    wattr_set(w, A_NORMAL, 0, NULL);
    int hw = text_width(hint);
    if (hw + 2 < width)
        text_put(w, y, x + width - hw - 1, hw, theme_attr(THEME_DIM), hint);
}

/* The last Tab's candidates, as many rows as they take up to MAX. */
static int cands_rows(int width, int max, WINDOW *w, int y, int x)
{
    size_t n;
    const char *const *c = chat_input_candidates(&n);
    int row = 0, col = 0;
    for (size_t i = 0; i < n && row < max; i++) {
        int cw = text_width(c[i]) + 2;
        if (col && col + cw > width && ++row < max)
            col = 0;
        if (row < max && w)
            text_put(w, y + row, x + col, width - col, theme_attr(THEME_TEXT), c[i]);
        col += cw;
    }
    return n ? (row < max ? row + 1 : max) : 0;
}

static void chat_draw(pane *p, WINDOW *w, const pane_env *env)
{
    (void)env;
    chat_pane *cp = of(p);
    if (!cp->shown) {
        cp->shown = true;
        pane_wake(p);       /* the model starts loading on the next turn */
    }
    int input = chat_input_rows(p->w, INPUT_ROWS_MAX);
    int cands = cands_rows(p->w, CANDS_ROWS_MAX, NULL, 0, 0);
    int bottom = p->y + p->h - input;
    draw_header(cp, w, p->y, p->x, p->w);
    cp->view_h = bottom - cands - 1 - (p->y + 1);
    chat_view_draw(&cp->log, w, p->y + 1, p->x, cp->view_h, p->w, &cp->pos);
    cands_rows(p->w, CANDS_ROWS_MAX, w, bottom - cands - 1, p->x);
    draw_rule(cp, w, bottom - 1, p->x, p->w);
    int cy, cx;
    chat_input_draw(w, bottom, p->x, p->w, input, &cy, &cx);
    pane_cursor(p, cy, cx);
}

/* ---------------------------------------------------------------- life */
static int chat_tick(pane *p, const pane_env *env)
{
    (void)env;
    chat_pane *cp = of(p);
    job_ended(cp);
    drain(cp);
    apply_wants(cp);
    return cp->job_running ? JOB_TICK_MS : 0;
}

static bool chat_at_risk(const pane *p, char *what, size_t n)
{
    const chat_pane *cp = (const chat_pane *)p;
    if (!replying(cp))
        return false;
    snprintf(what, n, "a reply is being generated");
    return true;
}

static int chat_init(pane *p, char *err, size_t errlen)
{
    chat_pane *cp = of(p);
    char why[1024];
    if (!(cp->w = worker_new(&chat_job_class, (worker_notify){wake, p}, err, errlen)))
        return -1;
    if (chat_input_open(on_line, cp, why, sizeof why))
        say(cp, CHAT_LOG_NOTICE, false, "(no prompt history: %s)", why);
    say(cp, CHAT_LOG_NOTICE, false, "Type a prompt and Enter. /help lists the commands; "
                                    "/ab on compares the model alone (A) with B.");
    return 0;
}

static void chat_destroy(pane *p)
{
    chat_pane *cp = of(p);
    worker_free(cp->w);     /* waits for a job; frees the session it holds */
    chat_session_free(cp->s);
    chat_input_close();
    chat_log_free(&cp->log);
}

const pane_class chat_pane_class = {
    .name = "Chat",
    .id = PANE_CHAT,
    .size = sizeof(chat_pane),
    .init = chat_init,
    .draw = chat_draw,
    .handle_key = chat_key,
    .tick = chat_tick,
    .receive = chat_receive,
    .at_risk = chat_at_risk,
    .destroy = chat_destroy,
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .takes_text = true,
};
