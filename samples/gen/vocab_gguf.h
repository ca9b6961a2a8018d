/* vocab_gguf.h - writing a learned `gpt2` vocabulary as a GGUF file holding
 * only tokenizer.ggml.* metadata, which tok_vocab_load_gguf (and
 * llama.cpp's vocab loader) read back. */
#ifndef LATHE_SAMPLE_VOCAB_GGUF_H
#define LATHE_SAMPLE_VOCAB_GGUF_H

#include <stddef.h>

#include "tok.h"

/* Writes spec (a BPE spec) to path atomically, with chat_template (may be
 * NULL) as tokenizer.chat_template. -1 with err on failure. */
int vocab_gguf_write(const tok_spec *spec, const char *chat_template, const char *path,
                     char *err, size_t errlen);

#endif
