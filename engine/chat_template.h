/* chat_template.h - chat templates without a Jinja engine.
 *
 * A model's tokenizer.chat_template is recognised by signature substrings
 * (llama.cpp's llm_chat_detect_template) or chosen by name, then rendered by
 * hand-written code: to text, or to tokens with a flag per token saying
 * whether it is assistant output (what a fine-tune learns). Each assistant
 * reply is followed by the vocab's EOS unless its closing marker already
 * ends generation (tok_is_eog: EOS, EOT, <|im_end|>, <|eot_id|>, ...). */
#ifndef LATHE_CHAT_TEMPLATE_H
#define LATHE_CHAT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tok.h"

typedef enum {
    CHAT_TMPL_UNKNOWN = 0,
    CHAT_TMPL_CHATML,
    CHAT_TMPL_LLAMA2,
    CHAT_TMPL_LLAMA2_SYS,
    CHAT_TMPL_LLAMA2_SYS_BOS,
    CHAT_TMPL_LLAMA2_SYS_STRIP,
    CHAT_TMPL_MISTRAL_V1,
    CHAT_TMPL_MISTRAL_V3,
    CHAT_TMPL_MISTRAL_V3_TEKKEN,
    CHAT_TMPL_MISTRAL_V7,
    CHAT_TMPL_PHI3,
    CHAT_TMPL_PHI4,
    CHAT_TMPL_ZEPHYR,
    CHAT_TMPL_GEMMA,
    CHAT_TMPL_LLAMA3,
    CHAT_TMPL_ALPACA,
    CHAT_TMPL_COUNT
} chat_tmpl;

typedef enum { CHAT_SYSTEM, CHAT_USER, CHAT_ASSISTANT } chat_role;

typedef struct {
    chat_role role;
    const char *content;
} chat_msg;

/* By name: the llama.cpp names above ("chatml", "llama2-sys", "mistral-v7",
 * ...), "mistral" (= mistral-v3) and "alpaca". UNKNOWN for anything else. */
chat_tmpl chat_tmpl_from_name(const char *name);
const char *chat_tmpl_name(chat_tmpl t);
/* True for a template lathe renders (not UNKNOWN, not out of range). */
bool chat_tmpl_known(chat_tmpl t);
/* From a Jinja template's text; UNKNOWN when no rule matches or the match is
 * a template lathe does not render. */
chat_tmpl chat_tmpl_detect(const char *jinja);

/* The text that closes an assistant turn in T ("<|im_end|>", "</s>"), or
 * NULL where the vocab's EOS alone does (alpaca). A model whose vocabulary
 * has no such token learns to end its turns with ordinary pieces, and may
 * not stop. */
const char *chat_tmpl_end_of_turn(chat_tmpl t);

/* The conversation as text; add_ass appends the assistant header so a model
 * can continue. Returns a malloc'd string or NULL with err. */
char *chat_render_text(chat_tmpl t, const chat_msg *msgs, size_t n, bool add_ass,
                       size_t *len, char *err, size_t errlen);

typedef struct {
    tok_ids ids;
    uint8_t *trainable;   /* per id: 1 for assistant output (and its EOS) */
    size_t trainable_cap;
} chat_tokens;

/* The conversation as tokens (BOS first when the vocab adds it). Text is
 * encoded one run at a time, a run ending where assistant output starts or
 * stops, with special tokens parsed. Returns 0, or -1 with err. */
int chat_render_tokens(chat_tmpl t, tok_session *s, const chat_msg *msgs, size_t n,
                       bool add_ass, chat_tokens *out, char *err, size_t errlen);
void chat_tokens_free(chat_tokens *c);

#endif
