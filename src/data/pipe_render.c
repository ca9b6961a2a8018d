/* pipe_render.c - one dataset record to tokens and labels (see
 * pipe_render.h for the rules). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "pipe_render.h"

static const chat_role role_of[] = {
    [DS_ROLE_SYSTEM] = CHAT_SYSTEM, [DS_ROLE_USER] = CHAT_USER,
    [DS_ROLE_ASSISTANT] = CHAT_ASSISTANT,
};

/* Takes the ids of C and labels them: learned where FLAG (or everywhere). */
static int doc_from(pipe_doc *out, tok_ids *ids, const uint8_t *flag, bool all, char *err,
                    size_t errlen)
{
    out->labels = malloc((ids->n ? ids->n : 1) * sizeof *out->labels);
    if (!out->labels) {
        snprintf(err, errlen, "out of memory labelling %zu tokens", ids->n);
        return -1;
    }
    out->tokens = ids->ids;
    out->n = ids->n;
    out->learned = 0;
    *ids = (tok_ids){0};
    for (size_t i = 0; i < out->n; i++) {
        bool learn = i > 0 && (all || flag[i]);
        out->labels[i] = learn ? out->tokens[i] : PIPE_IGNORE;
        out->learned += learn;
    }
    return 0;
}

/* The text as is (BOS when the vocab adds it) and EOS; all learned but the BOS,
 * which is the vocab's framing, not text to learn. */
static int render_completion(const ds_record *rec, tok_session *s, chat_tokens *ct, char *err,
                             size_t errlen)
{
    tok_ids *ids = &ct->ids;
    const tok_vocab *v = tok_session_vocab(s);
    if (tok_encode(s, rec->output.text, rec->output.len, true, false, ids, err, errlen) ||
        (tok_eos(v) != TOK_NONE && (ids->n == 0 || ids->ids[ids->n - 1] != tok_eos(v)) &&
         tok_ids_push(ids, tok_eos(v)))) {
        if (!err[0])
            snprintf(err, errlen, "out of memory encoding a completion");
        return -1;
    }
    uint8_t *flag = grow_array(ct->trainable, &ct->trainable_cap, ids->n + 1, 1, 256);
    if (!flag) {
        snprintf(err, errlen, "out of memory encoding a completion");
        return -1;
    }
    ct->trainable = flag;
    size_t skip = ids->n && ids->ids[0] == tok_bos(v) && tok_add_bos(v);
    memset(ct->trainable, 0, skip);
    memset(ct->trainable + skip, 1, ids->n - skip);
    return 0;
}

/* The record's tokens and trainable flags, appended to the empty CT. */
static int render_tokens(const ds_record *rec, chat_tmpl t, tok_session *s, chat_tokens *ct,
                         char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (rec->format == DS_FMT_COMPLETION)
        return render_completion(rec, s, ct, err, errlen);
    chat_msg *msgs = malloc((rec->n_turns ? rec->n_turns : 1) * sizeof *msgs);
    if (!msgs) {
        snprintf(err, errlen, "out of memory rendering %zu turns", rec->n_turns);
        return -1;
    }
    for (size_t i = 0; i < rec->n_turns; i++)
        msgs[i] = (chat_msg){role_of[rec->turns[i].role], rec->turns[i].text.text};
    int rc = chat_render_tokens(t, s, msgs, rec->n_turns, false, ct, err, errlen);
    free(msgs);
    return rc;
}

int pipe_render_record(const ds_record *rec, chat_tmpl t, tok_session *s, bool train_on_inputs,
                       pipe_doc *out, char *err, size_t errlen)
{
    *out = (pipe_doc){0};
    chat_tokens ct = {0};
    int rc = render_tokens(rec, t, s, &ct, err, errlen);
    if (rc == 0)
        rc = doc_from(out, &ct.ids, ct.trainable,
                      train_on_inputs && rec->format != DS_FMT_COMPLETION, err, errlen);
    chat_tokens_free(&ct);
    return rc;
}

int pipe_render_length(const ds_record *rec, chat_tmpl t, tok_session *s, chat_tokens *scratch,
                       size_t *n, char *err, size_t errlen)
{
    scratch->ids.n = 0;
    if (render_tokens(rec, t, s, scratch, err, errlen) != 0)
        return -1;
    *n = scratch->ids.n;
    return 0;
}

bool pipe_doc_truncate(pipe_doc *d, size_t max)
{
    if (d->n <= max)
        return false;
    for (size_t i = max; i < d->n; i++)
        d->learned -= d->labels[i] != PIPE_IGNORE;
    d->n = max;
    d->truncated = true;
    return true;
}

void pipe_doc_free(pipe_doc *d)
{
    free(d->tokens);
    free(d->labels);
    *d = (pipe_doc){0};
}
