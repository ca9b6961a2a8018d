/* chat_session.h - a chat as the Chat pane and `lathe chat` drive it: the
 * lineup (what A and B run), each side's conversation, the latest exchange
 * (one prompt, one reply per column, streamed from the sides' threads),
 * blind mode, votes into preferences.jsonl, the sampling settings and every
 * change a slash command makes. The UI thread calls everything here; the
 * sides' threads only call the notify function, after which the UI thread
 * polls for events.
 *
 * Columns are what the user sees: one in a plain chat (B when it runs
 * something, else A), two with A/B on (A then B, or shuffled per prompt in
 * blind mode, where the columns are called 1 and 2 until the vote reveals
 * them). With A/B on, A and B get the same prompt, seed and settings. Each
 * side keeps its own conversation; a vote for one side puts its reply in
 * both conversations, so the next prompt continues from the preferred
 * answer and every later pair shares its prompt. In a plain chat both
 * conversations get the same turns. Prompt n (from 0) is sampled with the
 * seed setting plus n. */
#ifndef LATHE_CHAT_SESSION_H
#define LATHE_CHAT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_diff.h"
#include "chat_lineup.h"

typedef struct {
    tsample_params sp;
    int max_tokens;
} chat_settings;

typedef struct {
    const char *model;          /* required */
    chat_b_spec b;              /* B's adapter or checkpoint; both NULL: no B */
    bool ab, blind;
    const char *template_name;  /* NULL or "auto": the model's own */
    const char *system;         /* NULL: none */
    chat_settings set;
    chat_lineup_opts lineup;    /* threads, context, notify */
    const char *workspace;      /* where preferences.jsonl goes; NULL: the working directory */
} chat_options;

typedef enum { CHAT_EV_TEXT, CHAT_EV_DONE, CHAT_EV_NOTICE } chat_event_kind;

typedef struct {
    chat_event_kind kind;
    int col;                    /* TEXT and DONE */
    char *text;                 /* TEXT: the piece (whole UTF-8 characters); DONE: the error,
                                 * NULL when the reply finished; NOTICE: the notice */
    size_t len;
    chat_stats stats;           /* DONE */
} chat_event;

/* A vote by column, as the user sees them. */
typedef enum { CHAT_PICK_FIRST, CHAT_PICK_SECOND, CHAT_PICK_TIE, CHAT_PICK_BAD } chat_pick;

typedef struct chat_session chat_session;

chat_session *chat_session_new(const chat_options *o, char *err, size_t errlen);
/* Stops any reply and joins the sides' threads. */
void chat_session_free(chat_session *s);

/* ---- what the user sees */
int chat_session_columns(const chat_session *s);
/* "A", "B", or "1", "2" while blind and not yet voted. */
const char *chat_session_tag(const chat_session *s, int col);
/* "A: model.gguf, no adapter"; while blind, "1: hidden until you vote". */
const char *chat_session_label(const chat_session *s, int col);
bool chat_session_ab(const chat_session *s);
bool chat_session_blind(const chat_session *s);
const chat_settings *chat_session_settings(const chat_session *s);
const chat_lineup *chat_session_lineup(const chat_session *s);
/* The run a bare /checkpoint lists (B's, or the latest one named); NULL. */
const char *chat_session_run(const chat_session *s);
const char *chat_session_prefs_path(const chat_session *s);

/* ---- an exchange */
/* Sends PROMPT to the column sides. -1 with err (a reply still running, an
 * empty prompt, a prompt the context cannot hold). */
int chat_session_send(chat_session *s, const char *prompt, char *err, size_t errlen);
bool chat_session_busy(const chat_session *s);
/* Asks the running replies to stop after their current token. */
void chat_session_stop(chat_session *s);
/* The next event: 1 with *EV filled (free it with chat_event_clear), 0 when
 * none is pending. */
int chat_session_poll(chat_session *s, chat_event *ev);
void chat_event_clear(chat_event *ev);
/* Column COL's reply in the latest exchange once finished, else NULL. */
const char *chat_session_reply(const chat_session *s, int col);
const chat_stats *chat_session_stats(const chat_session *s, int col);
/* Word diff of the two finished replies of an A/B exchange. -1 with err. */
int chat_session_diff(const chat_session *s, chat_diff *out, char *err, size_t errlen);
/* True when the latest exchange can take a vote: A/B, both replies
 * finished, not yet voted. */
bool chat_session_can_vote(const chat_session *s);
/* Records a vote on the latest A/B exchange (both replies finished, not
 * yet voted) as a line of preferences.jsonl; MSG says what was recorded
 * and, in blind mode, which side each column was. -1 with err. */
int chat_session_vote(chat_session *s, chat_pick pick, char *msg, size_t msglen, char *err,
                      size_t errlen);

/* ---- changes; each is refused while a reply runs */
int chat_session_set_ab(chat_session *s, bool on, char *err, size_t errlen);
int chat_session_set_blind(chat_session *s, bool on, char *err, size_t errlen);
/* The model both sides run on; B keeps its adapter or checkpoint. */
int chat_session_set_model(chat_session *s, const char *path, char *err, size_t errlen);
/* B's adapter (NULL: none, which also ends A/B). */
int chat_session_set_lora(chat_session *s, const char *path, float scale, char *err,
                          size_t errlen);
/* B becomes RUN's checkpoint STEP (< 0: the newest). MSG says what loaded
 * and whether the run may still be training beside the chat. */
int chat_session_set_checkpoint(chat_session *s, const char *run, int64_t step, char *msg,
                                size_t msglen, char *err, size_t errlen);
int chat_session_set_settings(chat_session *s, const chat_settings *c, char *err,
                              size_t errlen);
/* The system prompt of both conversations (NULL or "": none). */
int chat_session_set_system(chat_session *s, const char *text, char *err, size_t errlen);
/* NAME is a template lathe renders, or "auto" for each model's own. */
int chat_session_set_template(chat_session *s, const char *name, char *err, size_t errlen);
/* NAME as such a template into *OUT (UNKNOWN for "auto"); -1 with err
 * listing the names there are. */
int chat_session_parse_template(const char *name, chat_tmpl *out, char *err, size_t errlen);
/* Forgets every turn (the system prompt stays). */
int chat_session_reset(chat_session *s, char *err, size_t errlen);
/* The run a bare /checkpoint lists from now on. -1 when out of memory. */
int chat_session_set_run(chat_session *s, const char *run, char *err, size_t errlen);
/* /save: the conversation(s) as a messages-format dataset at PATH. */
int chat_session_save(chat_session *s, const char *path, char *msg, size_t msglen, char *err,
                      size_t errlen);

#endif
