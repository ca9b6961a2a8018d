/* chat_session_impl.h - the chat session's state, shared by its two files:
 * chat_session.c (conversations, exchanges, events) and chat_session_set.c
 * (votes and the changes slash commands make). Not for other callers. */
#ifndef LATHE_CHAT_SESSION_IMPL_H
#define LATHE_CHAT_SESSION_IMPL_H

#include "bytebuf.h"
#include "chat_conv.h"
#include "chat_session.h"

/* The latest prompt and its replies, one per column. */
typedef struct {
    int n_cols;             /* 0: no exchange yet (or since the last change) */
    int side_of[2];         /* column -> side (0 A, 1 B) */
    bool running[2];
    bool failed[2];
    char *reply[2];         /* finished replies */
    chat_stats stats[2];
    tsample_params sp;      /* as both columns sampled, seed included */
    int max_tokens;
    const char *tmpl;       /* A's template's name */
    bool blind, voted;
} chat_exchange;

struct chat_session {
    chat_lineup lu;
    chat_lineup_opts lo;
    chat_conv conv[2];      /* A's and B's */
    bool ab, blind;
    chat_tmpl tmpl;         /* CHAT_TMPL_UNKNOWN: each model's own */
    chat_settings set;
    char *prefs;            /* preferences.jsonl's path */
    char *run;              /* what a bare /checkpoint lists; NULL */
    uint64_t n_prompts;
    chat_exchange ex;
    chat_event *q;          /* events not yet polled, from q_head */
    size_t q_head, q_n, q_cap;
    bytebuf piece;          /* poll scratch */
};

/* The side (0 A, 1 B) shown in column COL. */
int chat_session_side_of(const chat_session *s, int col);
void chat_session_notice(chat_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void chat_session_exchange_clear(chat_session *s);
/* -1 with err while a reply runs. */
int chat_session_refuse_busy(const chat_session *s, char *err, size_t errlen);

#endif
