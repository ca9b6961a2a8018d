/* chat_vote.h - a vote on an A/B exchange as a line of preferences.jsonl,
 * in TRL's conversational preference format: "prompt" (the conversation
 * before the replies, as messages), "chosen" and "rejected" (the better and
 * the worse reply, each a one-message list), plus "label" (a, b, tie or
 * both_bad), the models each side ran, the sampling settings and the seed.
 * A tie or a both-bad vote has no chosen/rejected pair (DPO trainers take
 * the rows that have one); it keeps both replies under "responses" so
 * nothing the user judged is lost. Lines are appended with one write on an
 * O_APPEND descriptor: concurrent writers never interleave within a line. */
#ifndef LATHE_CHAT_VOTE_H
#define LATHE_CHAT_VOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "completion.h"
#include "token_sample.h"

/* What a side ran. */
typedef struct {
    const char *model;      /* the base model's path */
    const char *adapter;    /* NULL: none */
    float scale;            /* the adapter's strength */
    const char *run;        /* a checkpoint's run directory; NULL: not a checkpoint */
    int64_t step;
    bool full;              /* the checkpoint holds full weights */
    const char *label;      /* "A: model.gguf, no adapter" */
} chat_vote_side;

typedef enum { CHAT_VOTE_A, CHAT_VOTE_B, CHAT_VOTE_TIE, CHAT_VOTE_BAD } chat_vote;

typedef struct {
    const chat_msg *prompt; /* system prompt first when set */
    size_t n_prompt;
    const char *reply[2];   /* A's and B's */
    completion_stop stop[2];
    chat_vote_side side[2];
    chat_vote vote;
    tsample_params sp;      /* the seed is the one both replies used */
    int max_tokens;
    const char *template_name;
    bool blind;
    bool b_shown_first;     /* blind: B was in the first column */
    bool prompts_differ;    /* B's conversation before its reply was not A's */
} chat_vote_record;

/* "a", "b", "tie", "both_bad". */
const char *chat_vote_name(chat_vote v);
/* Appends R as one line to PATH (created when missing). -1 with err. */
int chat_vote_append(const char *path, const chat_vote_record *r, char *err, size_t errlen);

#endif
