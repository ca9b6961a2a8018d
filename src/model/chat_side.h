/* chat_side.h - one side of a chat: a model view over a shared base (plus
 * its own LoRA adapter, applied unmerged at run time), an inference session
 * whose keys and values carry over between replies, and a worker thread that
 * generates one reply at a time. The UI thread starts a reply with the
 * prompt's tokens and polls for the text streamed so far (whole UTF-8
 * characters only) and, at the end, the reply with its figures; the worker
 * calls a notify function after each piece so the UI can wake up. A reply
 * can be stopped mid-way from the UI thread. Everything the two threads
 * share is behind the side's mutex, except the stop flag (atomic). */
#ifndef LATHE_CHAT_SIDE_H
#define LATHE_CHAT_SIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "adapter.h"
#include "bytebuf.h"
#include "chat_base.h"
#include "completion.h"
#include "token_sample.h"

typedef struct {
    size_t prompt_tokens;   /* the prompt's length */
    size_t reused;          /* of them, positions kept from the previous reply's cache */
    size_t tokens;          /* generated (the end token not counted) */
    double ttft_s;          /* from the start to the first generated token */
    double tok_per_s;       /* decoding speed: tokens after the first per second */
    double seconds;         /* the whole reply */
    completion_stop stop;
} chat_stats;

typedef struct {
    char *text;             /* the whole reply, malloc'd (may hold a cut-off character) */
    chat_stats stats;
    char err[512];          /* non-empty when the reply failed */
} chat_reply;

typedef void (*chat_notify_fn)(void *ctx);

typedef struct chat_side chat_side;

/* A side on BASE (a reference is taken) with AD attached (NULL: no
 * adapter), THREADS engine threads and a context of N_CTX positions; NOTIFY
 * (may be NULL) is called from the worker thread. Starts the worker. NULL
 * with err. */
chat_side *chat_side_new(chat_base *base, const adapter *ad, int threads, int n_ctx,
                         chat_notify_fn notify, void *ctx, char *err, size_t errlen);
/* Stops a reply in progress, joins the worker and frees everything. */
void chat_side_free(chat_side *s);

chat_base *chat_side_base(const chat_side *s);
/* The view the side generates with (tests check that no adapter is on it). */
const model *chat_side_model(const chat_side *s);
int chat_side_ctx(const chat_side *s);

/* Starts a reply to PROMPT (copied) sampled with P, at most MAX_NEW tokens.
 * The previous reply's cache is reused as far as PROMPT starts with the
 * same tokens. -1 with err while a reply is running. */
int chat_side_start(chat_side *s, const tok_ids *prompt, const tsample_params *p, int max_new,
                    char *err, size_t errlen);
/* Asks the running reply to stop after its current token (any thread). */
void chat_side_stop(chat_side *s);
/* Moves the text streamed since the last call onto TEXT (whose oom flag
 * tells a failed append). Returns 1 once the reply has finished, with
 * *REPLY filled (the caller frees reply->text) and the side idle again;
 * 0 while it runs; -1 when no reply was started. */
int chat_side_poll(chat_side *s, bytebuf *text, chat_reply *reply);
/* True from chat_side_start until chat_side_poll has returned the reply. */
bool chat_side_busy(chat_side *s);

#endif
