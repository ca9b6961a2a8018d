/* vocab_gguf.c - a learned vocabulary as tokenizer.ggml.* GGUF metadata
 * (see vocab_gguf.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gguf_write.h"
#include "vocab_gguf.h"

static void set_id(gguf_writer *w, const char *key, int32_t id)
{
    if (id >= 0)
        gguf_writer_set_u32(w, key, (uint32_t)id);
}

int vocab_gguf_write(const tok_spec *spec, const char *chat_template, const char *path,
                     char *err, size_t errlen)
{
    if (spec->model != TOK_BPE || spec->token_lens || spec->merge_lens) {
        snprintf(err, errlen, "%s: only NUL-terminated gpt2 vocabularies are written", path);
        return -1;
    }
    gguf_writer *w = gguf_writer_new(0);
    if (!w) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    gguf_writer_set_str(w, "tokenizer.ggml.model", "gpt2", 4);
    const char *pre = spec->pre ? spec->pre : "default";
    gguf_writer_set_str(w, "tokenizer.ggml.pre", pre, strlen(pre));
    gguf_writer_set_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, spec->tokens,
                        spec->n_tokens);
    if (spec->types)
        gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, spec->types,
                            spec->n_tokens);
    gguf_writer_set_arr(w, "tokenizer.ggml.merges", GGUF_TYPE_STRING, spec->merges,
                        spec->n_merges);
    set_id(w, "tokenizer.ggml.bos_token_id", spec->bos);
    set_id(w, "tokenizer.ggml.eos_token_id", spec->eos);
    set_id(w, "tokenizer.ggml.unknown_token_id", spec->unk);
    set_id(w, "tokenizer.ggml.padding_token_id", spec->pad);
    set_id(w, "tokenizer.ggml.eot_token_id", spec->eot);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", spec->add_bos);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_eos_token", spec->add_eos);
    if (chat_template)
        gguf_writer_set_str(w, "tokenizer.chat_template", chat_template, strlen(chat_template));
    int rc = gguf_writer_write(w, path, err, errlen);
    gguf_writer_free(w);
    return rc;
}
