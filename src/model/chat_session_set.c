/* chat_session_set.c - votes and the changes a slash command makes to a
 * chat session (chat_session.h): what runs, the modes, the settings, the
 * conversations. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_session_impl.h"
#include "chat_transcript.h"

/* ---------------------------------------------------------------- votes */
static int vote_ready(const chat_session *s, char *err, size_t errlen)
{
    const chat_exchange *e = &s->ex;
    const char *why = !e->n_cols ? "nothing to vote on yet: send a prompt first"
                    : e->n_cols != 2 ? "a vote compares two replies: turn A/B on (/ab on)"
                    : e->running[0] || e->running[1] ? "wait for both replies (or stop them)"
                    : e->failed[0] || e->failed[1] ? "a reply failed: there is nothing to compare"
                    : e->voted ? "this exchange has its vote already"
                    : NULL;
    if (why)
        snprintf(err, errlen, "%s", why);
    return why ? -1 : 0;
}

bool chat_session_can_vote(const chat_session *s)
{
    char why[128];
    return vote_ready(s, why, sizeof why) == 0;
}

/* The column showing SIDE. */
static int col_of(const chat_exchange *e, int side)
{
    return e->side_of[0] == side ? 0 : 1;
}

/* The conversations before the replies: the same in A and B? */
static bool prompts_same(const chat_session *s)
{
    const chat_conv *a = &s->conv[0], *b = &s->conv[1];
    if (a->n != b->n || !a->n)
        return false;
    chat_conv pa = *a, pb = *b;
    pa.n--;
    pb.n--;
    return chat_conv_same(&pa, &pb);
}

static void vote_message(const chat_session *s, chat_vote v, char *msg, size_t msglen)
{
    static const char *const said[] = {"A better", "B better", "a tie", "both bad"};
    int n = snprintf(msg, msglen, "recorded in %s: %s", s->prefs, said[v]);
    if (s->ex.blind && n > 0 && (size_t)n < msglen)
        snprintf(msg + n, msglen - (size_t)n, " (1 was %s; 2 was %s)",
                 s->lu.label[s->ex.side_of[0]], s->lu.label[s->ex.side_of[1]]);
}

int chat_session_vote(chat_session *s, chat_pick pick, char *msg, size_t msglen, char *err,
                      size_t errlen)
{
    if (vote_ready(s, err, errlen))
        return -1;
    chat_exchange *e = &s->ex;
    int chosen = pick == CHAT_PICK_FIRST ? e->side_of[0] : pick == CHAT_PICK_SECOND ? e->side_of[1]
                                                                                    : -1;
    chat_vote v = chosen == 0 ? CHAT_VOTE_A : chosen == 1 ? CHAT_VOTE_B
                : pick == CHAT_PICK_TIE ? CHAT_VOTE_TIE : CHAT_VOTE_BAD;
    const chat_conv *pc = &s->conv[chosen < 0 ? 0 : chosen];
    size_t n;
    chat_msg *prompt = chat_conv_msgs(pc, pc->n - 1, &n);
    chat_vote_record r = {prompt, n, {e->reply[col_of(e, 0)], e->reply[col_of(e, 1)]},
                          {e->stats[col_of(e, 0)].stop, e->stats[col_of(e, 1)].stop},
                          {chat_lineup_info(&s->lu, 0), chat_lineup_info(&s->lu, 1)}, v, e->sp,
                          e->max_tokens, e->tmpl, e->blind, e->side_of[0] == 1,
                          !prompts_same(s)};
    int rc = prompt ? chat_vote_append(s->prefs, &r, err, errlen) : -1;
    if (!prompt)
        snprintf(err, errlen, "out of memory");
    free(prompt);
    if (rc)
        return -1;
    e->voted = true;
    if (chosen >= 0 && chat_conv_replace_last(&s->conv[!chosen], e->reply[col_of(e, chosen)]))
        chat_session_notice(s, "out of memory: the sides' conversations now differ");
    vote_message(s, v, msg, msglen);
    return 0;
}

/* ---------------------------------------------------------------- what runs */
/* Replaces the lineup by one built on BASE with B from SPEC (NULL: none);
 * A keeps running (and its cache) when only B changes. */
static int rebuild(chat_session *s, chat_base *base, const chat_b_spec *spec, char *err,
                   size_t errlen)
{
    if (base == s->lu.base && spec && s->lu.side[1]) {
        if (chat_lineup_set_b(&s->lu, spec, &s->lo, err, errlen))
            return -1;
    } else {
        chat_lineup nl;
        if (chat_lineup_build(&nl, base, spec, &s->lo, err, errlen))
            return -1;
        chat_lineup_free(&s->lu);
        s->lu = nl;
    }
    chat_session_exchange_clear(s);
    if (!s->lu.side[1]) {
        s->ab = s->blind = false;
        if (chat_conv_copy(&s->conv[1], &s->conv[0]))
            chat_session_notice(s, "out of memory copying the conversation");
    }
    return 0;
}

int chat_session_set_model(chat_session *s, const char *path, char *err, size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    chat_base *base = chat_base_open(path, false, err, errlen);
    chat_b_spec spec;
    bool with_b = chat_lineup_b_spec(&s->lu, &spec);
    int rc = base ? rebuild(s, base, with_b ? &spec : NULL, err, errlen) : -1;
    chat_base_unref(base);
    return rc;
}

int chat_session_set_lora(chat_session *s, const char *path, float scale, char *err,
                          size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    chat_b_spec spec = {.adapter = path, .scale = scale};
    return rebuild(s, s->lu.base, path ? &spec : NULL, err, errlen);
}

static void checkpoint_message(const chat_session *s, char *msg, size_t msglen)
{
    int n = snprintf(msg, msglen, "%s", s->lu.label[1]);
    if (s->lu.live && n > 0 && (size_t)n < msglen)
        snprintf(msg + n, msglen - (size_t)n, "\n%s has no summary.json yet: if it is still "
                 "training, the trainer and this chat share the CPU cores", s->run);
}

int chat_session_set_checkpoint(chat_session *s, const char *run, int64_t step, char *msg,
                                size_t msglen, char *err, size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    chat_b_spec spec = {.run = run, .step = step, .scale = s->lu.side[1] ? s->lu.scale : 1.0f};
    if (rebuild(s, s->lu.base, &spec, err, errlen) ||
        chat_session_set_run(s, s->lu.run, err, errlen))
        return -1;
    checkpoint_message(s, msg, msglen);
    return 0;
}

int chat_session_set_run(chat_session *s, const char *run, char *err, size_t errlen)
{
    if (run == s->run)
        return 0;
    char *keep = strdup(run);
    if (!keep) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(s->run);
    s->run = keep;
    return 0;
}

/* ---------------------------------------------------------------- modes */
int chat_session_set_ab(chat_session *s, bool on, char *err, size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    if (on && !s->lu.side[1]) {
        snprintf(err, errlen, "B runs nothing to compare with A: give it an adapter "
                 "(/lora PATH) or a checkpoint (/checkpoint RUN STEP)");
        return -1;
    }
    if (!on && s->ab && chat_conv_copy(&s->conv[0], &s->conv[1])) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->ab = on;
    s->blind = s->blind && on;
    chat_session_exchange_clear(s);
    return 0;
}

int chat_session_set_blind(chat_session *s, bool on, char *err, size_t errlen)
{
    if (on && !s->ab && chat_session_set_ab(s, true, err, errlen))
        return -1;
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    s->blind = on;
    chat_session_exchange_clear(s);
    return 0;
}

int chat_session_set_settings(chat_session *s, const chat_settings *c, char *err,
                              size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    if (c->max_tokens < 1) {
        snprintf(err, errlen, "max_tokens must be at least 1");
        return -1;
    }
    s->set = *c;
    return 0;
}

int chat_session_parse_template(const char *name, chat_tmpl *out, char *err, size_t errlen)
{
    bool own = !strcmp(name, "auto");
    *out = own ? CHAT_TMPL_UNKNOWN : chat_tmpl_from_name(name);
    if (own || chat_tmpl_known(*out))
        return 0;
    int n = snprintf(err, errlen, "unknown template '%s'; one of auto", name);
    for (int i = 1; i < CHAT_TMPL_COUNT && n > 0 && (size_t)n < errlen; i++)
        n += snprintf(err + n, errlen - (size_t)n, ", %s", chat_tmpl_name((chat_tmpl)i));
    return -1;
}

int chat_session_set_template(chat_session *s, const char *name, char *err, size_t errlen)
{
    chat_tmpl t;
    if (chat_session_refuse_busy(s, err, errlen) ||
        chat_session_parse_template(name, &t, err, errlen))
        return -1;
    s->tmpl = t;
    return 0;
}

/* ---------------------------------------------------------------- conversations */
int chat_session_set_system(chat_session *s, const char *text, char *err, size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    if (chat_conv_set_system(&s->conv[0], text) || chat_conv_set_system(&s->conv[1], text)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int chat_session_reset(chat_session *s, char *err, size_t errlen)
{
    if (chat_session_refuse_busy(s, err, errlen))
        return -1;
    chat_conv_clear(&s->conv[0]);
    chat_conv_clear(&s->conv[1]);
    chat_session_exchange_clear(s);
    return 0;
}

int chat_session_save(chat_session *s, const char *path, char *msg, size_t msglen, char *err,
                      size_t errlen)
{
    int first = chat_session_side_of(s, 0);
    const chat_conv *convs[2] = {&s->conv[first], &s->conv[!first]};
    const char *labels[2] = {s->lu.label[first], s->lu.label[!first]};
    size_t n = s->ab ? 2 : 1;
    if (chat_transcript_save(path, convs, labels, n, err, errlen))
        return -1;
    snprintf(msg, msglen, "saved %zu conversation%s (%zu turns) to %s", n, n == 1 ? "" : "s",
             convs[0]->n, path);
    return 0;
}
