/* gen_setup.h - what a generating command needs from its -m/--lora/-t
 * options: the model (quantized base kept quantized) with its adapter, its
 * tokenizer and chat template, and the engine threads; and prompts turned
 * into tokens, through the template or raw. Shared by `lathe generate` and
 * `lathe eval`. */
#ifndef LATHE_GEN_SETUP_H
#define LATHE_GEN_SETUP_H

#include <stddef.h>

#include "chat_template.h"
#include "model_load.h"
#include "tok.h"

typedef struct {
    model_file mf;
    tok_vocab *vocab;
    tok_session *tok;
    char *template_text;    /* the model's Jinja chat template, or NULL */
    const char *model_path;
} gen_setup;

/* THREADS <= 0: one per online CPU. -1 with "path: reason" in err. */
int gen_setup_open(gen_setup *g, const char *model_path, const char *lora_path, int threads,
                   char *err, size_t errlen);
void gen_setup_close(gen_setup *g);
/* MSGS rendered with the model's chat template and the assistant header
 * appended (BOS first when the vocab adds it); *TEXT (may be NULL) receives
 * the rendered text, malloc'd. */
int gen_setup_chat(gen_setup *g, const chat_msg *msgs, size_t n, tok_ids *out, char **text,
                   char *err, size_t errlen);
/* TEXT tokenized as llama.cpp does a prompt: BOS as the vocab asks, special
 * tokens parsed. */
int gen_setup_raw(gen_setup *g, const char *text, tok_ids *out, char *err, size_t errlen);

#endif
