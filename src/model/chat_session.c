/* chat_session.c - a chat's conversations, exchanges, events and votes
 * (chat_session.h). Changes of what runs are in chat_session_set.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chat_session_impl.h"
#include "grow.h"
#include "prng.h"

/* ---------------------------------------------------------------- events */
static void enqueue(chat_session *s, chat_event_kind kind, int col, const char *text, size_t len,
                    const chat_stats *st)
{
    chat_event *q = grow_array(s->q, &s->q_cap, s->q_n + 1, sizeof *q, 8);
    char *copy = text ? strndup(text, len) : NULL;
    if (!q || (text && !copy)) {
        free(copy);
        return;     /* out of memory: the UI misses this piece, the reply is kept whole */
    }
    s->q = q;
    q[s->q_n++] = (chat_event){kind, col, copy, len, st ? *st : (chat_stats){0}};
}

void chat_session_notice(chat_session *s, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    enqueue(s, CHAT_EV_NOTICE, 0, msg, strlen(msg), NULL);
}

void chat_event_clear(chat_event *ev)
{
    free(ev->text);
    *ev = (chat_event){0};
}

/* ---------------------------------------------------------------- columns */
int chat_session_columns(const chat_session *s)
{
    return s->ex.n_cols ? s->ex.n_cols : s->ab ? 2 : 1;
}

int chat_session_side_of(const chat_session *s, int col)
{
    if (s->ex.n_cols)
        return s->ex.side_of[col];
    return s->ab ? col : s->lu.side[1] ? 1 : 0;
}

static bool hidden(const chat_session *s)
{
    return s->blind && s->ab && !(s->ex.n_cols && s->ex.voted);
}

const char *chat_session_tag(const chat_session *s, int col)
{
    static const char *const tags[] = {"A", "B", "1", "2"};
    return hidden(s) ? tags[2 + col] : tags[chat_session_side_of(s, col)];
}

const char *chat_session_label(const chat_session *s, int col)
{
    static const char *const blind[] = {"1: hidden until you vote", "2: hidden until you vote"};
    return hidden(s) ? blind[col] : s->lu.label[chat_session_side_of(s, col)];
}

bool chat_session_ab(const chat_session *s)
{
    return s->ab;
}

bool chat_session_blind(const chat_session *s)
{
    return s->blind;
}

const chat_settings *chat_session_settings(const chat_session *s)
{
    return &s->set;
}

const chat_lineup *chat_session_lineup(const chat_session *s)
{
    return &s->lu;
}

const char *chat_session_run(const chat_session *s)
{
    return s->run;
}

const char *chat_session_prefs_path(const chat_session *s)
{
    return s->prefs;
}

/* ---------------------------------------------------------------- lifecycle */
static bool is_run_dir(const char *path)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/config.yaml", path);
    return !stat(p, &st) && S_ISREG(st.st_mode);
}

static int init_state(chat_session *s, const chat_options *o, char *err, size_t errlen)
{
    const char *dir = o->workspace ? o->workspace : "";
    size_t n = strlen(dir) + sizeof "/preferences.jsonl";
    const char *run = o->b.run ? o->b.run
                    : o->b.adapter && is_run_dir(o->b.adapter) ? o->b.adapter : NULL;
    if (!(s->prefs = malloc(n)) || (run && !(s->run = strdup(run))) ||
        chat_conv_set_system(&s->conv[0], o->system) ||
        chat_conv_set_system(&s->conv[1], o->system)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(s->prefs, n, "%s%spreferences.jsonl", dir, *dir ? "/" : "");
    s->set = o->set;
    s->lo = o->lineup;
    return chat_session_set_template(s, o->template_name ? o->template_name : "auto", err,
                                     errlen);
}

chat_session *chat_session_new(const chat_options *o, char *err, size_t errlen)
{
    chat_session *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    chat_base *base = NULL;
    bool with_b = o->b.adapter || o->b.run;
    if (init_state(s, o, err, errlen) || !(base = chat_base_open(o->model, false, err, errlen)) ||
        chat_lineup_build(&s->lu, base, with_b ? &o->b : NULL, &s->lo, err, errlen) ||
        chat_session_set_ab(s, o->ab, err, errlen) ||
        chat_session_set_blind(s, o->blind, err, errlen)) {
        chat_base_unref(base);
        chat_session_free(s);
        return NULL;
    }
    chat_base_unref(base);
    return s;
}

void chat_session_exchange_clear(chat_session *s)
{
    for (int c = 0; c < 2; c++)
        free(s->ex.reply[c]);
    s->ex = (chat_exchange){0};
}

void chat_session_free(chat_session *s)
{
    if (!s)
        return;
    chat_lineup_free(&s->lu);
    chat_session_exchange_clear(s);
    for (size_t i = s->q_head; i < s->q_n; i++)
        free(s->q[i].text);
    free(s->q);
    bytebuf_free(&s->piece);
    chat_conv_free(&s->conv[0]);
    chat_conv_free(&s->conv[1]);
    free(s->prefs);
    free(s->run);
    free(s);
}

/* ---------------------------------------------------------------- an exchange */
bool chat_session_busy(const chat_session *s)
{
    return s->ex.running[0] || s->ex.running[1];
}

int chat_session_refuse_busy(const chat_session *s, char *err, size_t errlen)
{
    if (!chat_session_busy(s))
        return 0;
    snprintf(err, errlen, "a reply is still being generated: wait for it or stop it first");
    return -1;
}

/* In a plain chat both conversations hold the same turns: the one that
 * spoke is copied over the other. */
static void mirror(chat_session *s, int from)
{
    if (!s->ab && chat_conv_copy(&s->conv[!from], &s->conv[from]))
        chat_session_notice(s, "out of memory copying the conversation");
}

static int render(chat_session *s, int side, tok_ids *out, size_t *dropped, char *err,
                  size_t errlen)
{
    chat_side *sd = s->lu.side[side];
    chat_base *b = chat_side_base(sd);
    chat_tmpl t;
    int ctx = chat_side_ctx(sd);
    int reserve = s->set.max_tokens < ctx / 4 ? s->set.max_tokens : ctx / 4;
    if (chat_base_template(b, s->tmpl, &t, err, errlen))
        return -1;
    if (side == 0 || !s->ex.tmpl)
        s->ex.tmpl = chat_tmpl_name(t);
    return chat_conv_render(&s->conv[side], t, b->g.tok, ctx, reserve, out, dropped, err,
                            errlen);
}

static void plan(chat_session *s, uint64_t seed)
{
    chat_exchange *e = &s->ex;
    e->n_cols = s->ab ? 2 : 1;
    e->side_of[0] = s->ab ? 0 : s->lu.side[1] ? 1 : 0;
    e->side_of[1] = 1;
    if (s->ab && s->blind && (prng_mix(seed ^ 0x626c696e64ull) & 1)) {
        e->side_of[0] = 1;
        e->side_of[1] = 0;
    }
    e->sp = s->set.sp;
    e->sp.seed = seed;
    e->max_tokens = s->set.max_tokens;
    e->blind = s->ab && s->blind;
}

static bool blank(const char *p)
{
    return !p[strspn(p, " \t\r\n")];
}

/* The prompt's tokens for every column; the user turn is taken back from
 * the conversations when one cannot be rendered. */
static int prepare(chat_session *s, const char *prompt, tok_ids ids[2], char *err,
                   size_t errlen)
{
    for (int i = 0; i < 2; i++)
        if (chat_conv_push(&s->conv[i], CHAT_USER, prompt, strlen(prompt))) {
            if (i)
                chat_conv_pop(&s->conv[0]);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    for (int c = 0; c < s->ex.n_cols; c++) {
        int side = s->ex.side_of[c];
        size_t dropped;
        if (render(s, side, &ids[c], &dropped, err, errlen)) {
            chat_conv_pop(&s->conv[0]);
            chat_conv_pop(&s->conv[1]);
            return -1;
        }
        if (dropped)
            chat_session_notice(s, "%s%sthe context of %d tokens is full: dropped the %zu "
                                "oldest turn%s (the system prompt stays)",
                                s->ab ? chat_session_tag(s, c) : "", s->ab ? ": " : "",
                                chat_side_ctx(s->lu.side[side]), dropped,
                                dropped == 1 ? "" : "s");
        mirror(s, side);
    }
    return 0;
}

int chat_session_send(chat_session *s, const char *prompt, char *err, size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    if (blank(prompt)) {
        snprintf(err, errlen, "the prompt is empty");
        return -1;
    }
    chat_session_exchange_clear(s);
    plan(s, s->set.sp.seed + s->n_prompts);
    tok_ids ids[2] = {{0}, {0}};
    int rc = prepare(s, prompt, ids, err, errlen);
    if (rc)
        chat_session_exchange_clear(s);
    for (int c = 0; !rc && c < s->ex.n_cols; c++) {
        rc = chat_side_start(s->lu.side[s->ex.side_of[c]], &ids[c], &s->ex.sp,
                             s->set.max_tokens, err, errlen);
        s->ex.running[c] = !rc;
    }
    if (rc)
        chat_session_stop(s);
    else
        s->n_prompts++;
    tok_ids_free(&ids[0]);
    tok_ids_free(&ids[1]);
    return rc;
}

void chat_session_stop(chat_session *s)
{
    for (int c = 0; c < s->ex.n_cols; c++)
        if (s->ex.running[c])
            chat_side_stop(s->lu.side[s->ex.side_of[c]]);
}

static void finish(chat_session *s, int col, chat_reply *r)
{
    chat_exchange *e = &s->ex;
    int side = e->side_of[col];
    e->running[col] = false;
    e->stats[col] = r->stats;
    e->reply[col] = r->text;
    if (!r->err[0] && (!r->text || chat_conv_push(&s->conv[side], CHAT_ASSISTANT, r->text,
                                                  strlen(r->text))))
        snprintf(r->err, sizeof r->err, "out of memory");
    if (r->err[0]) {
        e->failed[col] = true;
        chat_conv_pop(&s->conv[side]);
    }
    mirror(s, side);
    enqueue(s, CHAT_EV_DONE, col, r->err[0] ? r->err : NULL, strlen(r->err), &r->stats);
}

static void collect(chat_session *s)
{
    for (int c = 0; c < s->ex.n_cols; c++) {
        if (!s->ex.running[c])
            continue;
        chat_reply r = {0};
        s->piece.len = 0;
        s->piece.oom = false;
        int rc = chat_side_poll(s->lu.side[s->ex.side_of[c]], &s->piece, &r);
        if (s->piece.len)
            enqueue(s, CHAT_EV_TEXT, c, s->piece.p, s->piece.len, NULL);
        if (rc == 1)
            finish(s, c, &r);
    }
}

int chat_session_poll(chat_session *s, chat_event *ev)
{
    if (s->q_head == s->q_n) {
        s->q_head = s->q_n = 0;
        collect(s);
    }
    if (s->q_head == s->q_n)
        return 0;
    *ev = s->q[s->q_head++];
    return 1;
}

const char *chat_session_reply(const chat_session *s, int col)
{
    return col < s->ex.n_cols && !s->ex.running[col] ? s->ex.reply[col] : NULL;
}

const chat_stats *chat_session_stats(const chat_session *s, int col)
{
    return col < s->ex.n_cols && !s->ex.running[col] ? &s->ex.stats[col] : NULL;
}

int chat_session_diff(const chat_session *s, chat_diff *out, char *err, size_t errlen)
{
    const char *a = chat_session_reply(s, 0), *b = chat_session_reply(s, 1);
    if (!a || !b) {
        snprintf(err, errlen, "a diff needs two finished replies");
        return -1;
    }
    if (chat_diff_words(a, b, out)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
