/* tok.h - tokenizers that reproduce llama.cpp token for token.
 *
 * Two models: SentencePiece-style BPE merged by token score (`llama` vocabs,
 * with the "▁" space marker and <0xXX> byte fallback) and byte-level BPE
 * merged by merge rank (`gpt2` vocabs, with a regex pre-tokenizer chosen by
 * `tokenizer.ggml.pre`). Every loader (GGUF, tokenizer.json, hand-built test
 * vocabs) fills a tok_spec; tok_vocab_new turns it into an immutable
 * tok_vocab that any number of threads may share. Encoding scratch and the
 * word cache live in a tok_session, one per thread. */
#ifndef LATHE_TOK_H
#define LATHE_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOK_NONE (-1)

typedef enum { TOK_SPM = 0, TOK_BPE = 1 } tok_model;

/* GGUF tokenizer.ggml.token_type values. */
typedef enum {
    TOK_T_NORMAL = 1,
    TOK_T_UNKNOWN = 2,
    TOK_T_CONTROL = 3,
    TOK_T_USER_DEFINED = 4,
    TOK_T_UNUSED = 5,
    TOK_T_BYTE = 6,
} tok_type;

/* Everything a loader knows; arrays are borrowed for the tok_vocab_new call. */
typedef struct {
    tok_model model;
    const char *pre;          /* BPE pre-tokenizer name; NULL or "" = "default" */
    const char *const *pre_regexes; /* instead of pre: NULL-terminated regex list
                                       (at most 8), from tokenizer.json */
    size_t n_tokens;
    const char *const *tokens;
    const size_t *token_lens; /* NULL: strlen of each token */
    const float *scores;      /* NULL: all 0 */
    const int32_t *types;     /* NULL: all TOK_T_NORMAL */
    size_t n_merges;          /* BPE: "left right", earlier = higher priority */
    const char *const *merges;
    const size_t *merge_lens; /* NULL: strlen */
    int32_t bos, eos, unk, pad, eot; /* TOK_NONE when absent */
    bool add_bos, add_eos, add_space_prefix, ignore_merges;
} tok_spec;

/* Zeroes spec and sets llama.cpp's defaults for the model and pre-tokenizer
 * (SPM: bos 1, eos 2, unk 0, add_bos, add_space_prefix; BPE: bos = eos = 11;
 * llama3-style pre-tokenizers add BOS and ignore merges). Loaders call this
 * first and then apply what the file says. */
void tok_spec_defaults(tok_spec *spec, tok_model model, const char *pre);

typedef struct tok_vocab tok_vocab;

tok_vocab *tok_vocab_new(const tok_spec *spec, char *err, size_t errlen);
void tok_vocab_free(tok_vocab *v);

/* Loaders. The GGUF loader reads tokenizer.ggml.* keys; the HF loader reads
 * DIR/tokenizer.json and, when present, DIR/tokenizer_config.json (path may
 * also name tokenizer.json itself). chat_template, when non-NULL, receives a
 * malloc'd copy of the chat template or NULL when there is none. */
struct gguf_file;
tok_vocab *tok_vocab_from_gguf(const struct gguf_file *g, char **chat_template, char *err,
                               size_t errlen);
tok_vocab *tok_vocab_load_gguf(const char *path, char **chat_template, char *err, size_t errlen);
tok_vocab *tok_vocab_load_hf(const char *path, char **chat_template, char *err, size_t errlen);
/* Either, by what PATH is: a Hugging Face directory or a .json file goes to the
 * HF loader, anything else to the GGUF loader. */
tok_vocab *tok_vocab_load(const char *path, char **chat_template, char *err, size_t errlen);
/* Parses tokenizer.json / tokenizer_config.json text already in memory
 * (config may be NULL). */
tok_vocab *tok_vocab_from_hf_json(const char *json, size_t len, const char *config,
                                  size_t config_len, char **chat_template, char *err,
                                  size_t errlen);

/* Writes V into W as GGUF tokenizer metadata: every tokenizer.ggml.* key
 * llama.cpp's vocab loader reads, with the types it expects, and
 * tokenizer.chat_template when CHAT_TEMPLATE is non-NULL. N_VOCAB above the
 * vocab's size pads it with "[PADn]" unused tokens to the model's embedding
 * rows (0: no padding; below the size is an error). A tokenizer.json
 * pre-tokenizer is written as the llama.cpp name that splits text the same
 * way; -1 with err when there is none. */
struct gguf_writer;
int tok_vocab_to_gguf(const tok_vocab *v, const char *chat_template, size_t n_vocab,
                      struct gguf_writer *w, char *err, size_t errlen);

tok_model tok_vocab_model(const tok_vocab *v);
const char *tok_vocab_pre(const tok_vocab *v);
size_t tok_vocab_size(const tok_vocab *v);
/* Bytes the vocabulary holds in memory (token texts, scores, lookup maps). */
size_t tok_vocab_bytes(const tok_vocab *v);
/* A 64-bit XXH3 fingerprint of everything that decides how V tokenizes
 * (model, pre-tokenizer, tokens, scores, types, merges, special ids and
 * flags): equal vocabularies give equal hashes (caches key on it). */
uint64_t tok_vocab_hash(const tok_vocab *v);
/* Token text as stored in the vocab (not decoded); NULL for a bad id. */
const char *tok_text(const tok_vocab *v, int32_t id, size_t *len);
tok_type tok_token_type(const tok_vocab *v, int32_t id);
float tok_score(const tok_vocab *v, int32_t id);
/* Id of the token whose text is exactly s[0..n), or TOK_NONE. */
int32_t tok_lookup(const tok_vocab *v, const char *s, size_t n);
int32_t tok_bos(const tok_vocab *v);
int32_t tok_eos(const tok_vocab *v);
int32_t tok_eot(const tok_vocab *v);
int32_t tok_unk(const tok_vocab *v);
int32_t tok_pad(const tok_vocab *v);
/* End of generation: EOS, EOT, or a token whose text is one of the usual
 * end-of-turn markers (<|eot_id|>, <|im_end|>, <|end|>, <end_of_turn>,
 * <|endoftext|>, <EOT>), as llama.cpp's EOG set. */
bool tok_is_eog(const tok_vocab *v, int32_t id);
bool tok_add_bos(const tok_vocab *v);
bool tok_add_eos(const tok_vocab *v);
bool tok_add_space_prefix(const tok_vocab *v);

/* A growable id list. */
typedef struct {
    int32_t *ids;
    size_t n, cap;
} tok_ids;

int tok_ids_push(tok_ids *t, int32_t id);
void tok_ids_free(tok_ids *t);

typedef struct tok_session tok_session;

tok_session *tok_session_new(const tok_vocab *v, char *err, size_t errlen);
void tok_session_free(tok_session *s);
const tok_vocab *tok_session_vocab(const tok_session *s);

/* llama_tokenize: appends the ids of text[0..len) to out. add_special adds
 * BOS/EOS as the vocab asks; parse_special turns control-token text into
 * those tokens (user-defined tokens are always recognised). Returns 0, or -1
 * with a message when out of memory. */
int tok_encode(tok_session *s, const char *text, size_t len, bool add_special,
               bool parse_special, tok_ids *out, char *err, size_t errlen);

/* Encodes text that continues what out already holds (chat templates render
 * a conversation piece by piece): no BOS/EOS, and SPM's space prefix only
 * when out is empty or ends with a special token, as if the pieces had been
 * one text split at that token. */
int tok_encode_continue(tok_session *s, const char *text, size_t len, bool parse_special,
                        tok_ids *out, char *err, size_t errlen);

/* llama_token_to_piece: the bytes of one token. Control and unknown tokens
 * give nothing unless special; up to lstrip leading spaces are dropped.
 * Writes at most cap bytes and returns the full length, or -1 for a bad id. */
long tok_piece(const tok_vocab *v, int32_t id, bool special, size_t lstrip, char *buf,
               size_t cap);

/* llama_detokenize: the text of ids[0..n), malloc'd and NUL-terminated, with
 * SPM's leading space removed. remove_special drops a leading BOS and trailing
 * EOS the vocab adds; unparse_special renders control tokens as their text. */
char *tok_decode(const tok_vocab *v, const int32_t *ids, size_t n, bool remove_special,
                 bool unparse_special, size_t *out_len, char *err, size_t errlen);

#endif
