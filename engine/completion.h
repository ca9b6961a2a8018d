/* completion.h - one completion of a prompt: feed it to an inference
 * session, then sample token after token until an end-of-generation token
 * (EOS, EOT, the template's end-of-turn marker), a token limit or a full
 * context, streaming the text as it comes without ever splitting a UTF-8
 * sequence between two calls. Shared by `lathe generate`, `lathe eval` and
 * the chat pane. */
#ifndef LATHE_COMPLETION_H
#define LATHE_COMPLETION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "generate.h"
#include "tok.h"
#include "token_sample.h"

typedef void (*completion_text_fn)(void *ctx, const char *text, size_t len);
typedef void (*completion_token_fn)(void *ctx, int32_t id);

typedef struct {
    int max_new;                /* tokens generated at most */
    completion_text_fn on_text; /* NULL: no streaming */
    void *ctx;
    /* NULL, or called once with ctx when the prompt has been fed and decoding
     * starts, so a caller can time prefill and decoding apart. */
    void (*on_prefilled)(void *ctx);
    completion_token_fn on_token; /* each generated token, before its text; NULL: none */
    /* Leading prompt tokens whose keys and values S already holds from an
     * earlier run on a prompt that started the same way: kept, not fed
     * again (a follow-up chat turn). Capped at S's position and at the
     * prompt less its last token, which is always fed for its logits.
     * 0: start afresh. */
    size_t cached;
    /* Polled before every token; once true (set from any thread) the run
     * stops with COMPLETION_CANCELLED. NULL: never. */
    const atomic_bool *cancel;
} completion_opts;

typedef enum {
    COMPLETION_EOG, COMPLETION_LIMIT, COMPLETION_CONTEXT, COMPLETION_CANCELLED
} completion_stop;

/* Rewinds S to the cached prefix (see completion_opts), resets TS, feeds the
 * rest of PROMPT[0..n) (all of its tokens enter the repeat-penalty history)
 * and generates; the generated ids, without the end token, are
 * appended to OUT and *why (may be NULL) says what stopped it. Returns 0, or
 * -1 with err. */
int completion_run(gen_session *s, token_sampler *ts, const tok_vocab *v, const int32_t *prompt,
                   size_t n, const completion_opts *o, tok_ids *out, completion_stop *why,
                   char *err, size_t errlen);
/* Length of the longest prefix of BUF[0..n) that does not end inside a UTF-8
 * sequence (bytes that cannot start or continue one count as complete). */
size_t completion_utf8_prefix(const char *buf, size_t n);

/* A malloc'd copy of S in which every byte that does not belong to a
 * well-formed UTF-8 sequence (a cut-off character, a stray byte-level token)
 * becomes U+FFFD, so the text can go into JSON; NULL when out of memory. */
char *completion_utf8_valid(const char *s);

#endif
