/* tok_learn.h - learning a byte-level BPE vocabulary (`gpt2` type) from a
 * text corpus: the text is cut at special-token texts, pre-tokenized with
 * the same regexes the tokenizer uses, and the most frequent adjacent pair of
 * symbols is merged until the requested number of merges is reached. The
 * result is a tok_spec that tok_vocab_new accepts, so the tokenizer encodes
 * with exactly the merges learned here. */
#ifndef LATHE_TOK_LEARN_H
#define LATHE_TOK_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "tok.h"

typedef struct {
    size_t n_merges;      /* merges to learn at most */
    uint64_t min_count;   /* stop when the best pair occurs fewer times; 0 = 2 */
    const char *pre;      /* pre-tokenizer name; NULL = "gpt-2" */
    /* NULL-terminated special token texts, given ids after the merged
     * tokens; the first is BOS and EOS. Their occurrences in the corpus are
     * never split or merged. NULL = none. */
    const char *const *specials;
} tok_learn_opts;

typedef struct tok_learned tok_learned;

/* Learns from text[0..len), which must be valid UTF-8. Ties between pairs of
 * equal count go to the smaller left id, then the smaller right id; bytes are
 * ids 0..255 in byte order and merged tokens are numbered in the order they
 * are learned, so the same corpus and options always give the same vocab.
 * NULL with a message on bad input or when out of memory. */
tok_learned *tok_learn(const char *text, size_t len, const tok_learn_opts *opts, char *err,
                       size_t errlen);
void tok_learned_free(tok_learned *l);

size_t tok_learned_n_merges(const tok_learned *l);
/* Tokens the corpus takes once every learned merge is applied, specials
 * included. */
uint64_t tok_learned_corpus_tokens(const tok_learned *l);

/* Fills spec with the learned vocabulary: ids 0..255 are the bytes (as
 * GPT-2 characters), then the merged tokens, then the specials as control
 * tokens. The arrays belong to l and live as long as it does. */
void tok_learned_spec(const tok_learned *l, tok_spec *spec);

#endif
