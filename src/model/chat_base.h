/* chat_base.h - a model a chat runs on, loaded once: the weights (a
 * quantized GGUF stays quantized), the tokenizer and the chat template.
 * The sides of an A/B chat share one base read-only, each through a model
 * view of its own (model_view_new), so two replies stream at once from one
 * copy of the weights. Counted references: the last unref closes it. */
#ifndef LATHE_CHAT_BASE_H
#define LATHE_CHAT_BASE_H

#include <stdbool.h>
#include <stddef.h>

#include "chat_template.h"
#include "gen_setup.h"

typedef struct {
    gen_setup g;            /* model, vocab, a tokenizer session for the UI thread */
    char *path;             /* as the user gave it */
    int refs;               /* owners; changed on the thread that owns the chat */
} chat_base;

/* Loads PATH (GGUF or Hugging Face directory). FP32 loads every weight as
 * fp32, for a base whose weights a full fine-tune's checkpoint replaces.
 * NULL with "path: reason" in err. */
chat_base *chat_base_open(const char *path, bool fp32, char *err, size_t errlen);
chat_base *chat_base_ref(chat_base *b);
void chat_base_unref(chat_base *b);

/* The template a conversation on B renders with: OVERRIDE unless it is
 * CHAT_TMPL_UNKNOWN, else the model's own (alpaca when it has none), as
 * `lathe generate` picks it. -1 with err when the model's is not one lathe
 * renders. */
int chat_base_template(const chat_base *b, chat_tmpl override, chat_tmpl *out, char *err,
                       size_t errlen);
/* The last component of the model's path, for labels. */
const char *chat_base_name(const chat_base *b);

#endif
