/* pipe_render.h - one dataset record to tokens and per-token labels.
 *
 * Conversations (alpaca, sharegpt, messages, input_output) go through the chat
 * template (chat_template.h): assistant replies and the EOS after each are
 * learned, everything else only with train_on_inputs. A completion record is
 * its text as is (BOS when the vocab adds it), all of it learned, with EOS
 * appended. In both, the first token is never learned (see pipeline.h). */
#ifndef LATHE_PIPE_RENDER_H
#define LATHE_PIPE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "ds_record.h"
#include "tok.h"

/* The label of a token nothing is learned from (Hugging Face's convention). */
#define PIPE_IGNORE (-100)

typedef struct {
    int32_t *tokens, *labels;
    size_t n, learned;
    bool truncated;
} pipe_doc;

/* Renders REC into OUT (release with pipe_doc_free). Returns 0, or -1 with err. */
int pipe_render_record(const ds_record *rec, chat_tmpl t, tok_session *s, bool train_on_inputs,
                       pipe_doc *out, char *err, size_t errlen);
/* The number of tokens pipe_render_record gives REC (before truncation),
 * without the labels: the exact trained length the Data pane and `lathe
 * data stats` count. SCRATCH (zeroed before the first call, released with
 * chat_tokens_free) keeps its memory between calls. Returns 0, or -1 with err. */
int pipe_render_length(const ds_record *rec, chat_tmpl t, tok_session *s, chat_tokens *scratch,
                       size_t *n, char *err, size_t errlen);
/* Cuts D to at most MAX tokens; true when it was longer. */
bool pipe_doc_truncate(pipe_doc *d, size_t max);
void pipe_doc_free(pipe_doc *d);

#endif
