/* tok_impl.h - the tokenizer internals shared by the tok_*.c files: the
 * vocab layout, the pre-tokenizer and the per-thread session scratch. Not
 * for use outside engine/tok_*.c. */
#ifndef LATHE_TOK_IMPL_H
#define LATHE_TOK_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tok.h"
#include "tok_map.h"

#define TOK_PRE_MAX 8

/* A compiled pre-tokenizer: regexes applied in order, each re-splitting
 * every piece the previous one produced. */
typedef struct {
    int n;
    pcre2_code *re[TOK_PRE_MAX];
} tok_pretok;

struct tok_vocab {
    tok_model model;
    char *pre_name;
    size_t n;
    char *pool;          /* every token's text, back to back */
    size_t *off;
    uint32_t *len;
    float *score;
    uint8_t *type;
    tok_map text_to_id;
    tok_map merges;      /* "left right" -> rank */
    int32_t *specials;   /* control/unknown/user-defined ids, longest text first */
    size_t n_specials;
    int32_t byte_id[256]; /* SPM byte fallback: <0xXX>, else the 1-byte token */
    char byte_enc[256][2]; /* BPE: each byte as its GPT-2 codepoint in UTF-8 */
    uint8_t byte_enc_len[256];
    uint8_t isolated[256];  /* SPM: ASCII bytes no multi-byte token contains */
    bool cut_at_mark;       /* SPM: no token has "▁" after another character */
    int32_t bos, eos, unk, pad, eot;
    bool add_bos, add_eos, add_space_prefix, ignore_merges;
    tok_pretok pre;
};

/* One text span [start, end) in a buffer. */
typedef struct {
    size_t start, end;
} tok_span;

/* One symbol of a text being merged: [start, start+n) of the text, in a
 * doubly linked list; n == 0 once merged into its left neighbour. */
typedef struct {
    int32_t prev, next;
    uint32_t start, n;
} tok_sym;

/* A candidate merge of two adjacent symbols. The merge heap pops the smallest
 * key first, leftmost on ties: BPE keys by merge rank, SPM by minus the score. */
typedef struct {
    double key;
    int32_t left, right;
    uint32_t size;      /* bytes of the merged symbol, to detect stale pairs */
} tok_pair;

struct tok_session {
    const tok_vocab *v;
    pcre2_match_data *md;
    /* merge scratch, reused across calls */
    tok_sym *sym;
    size_t sym_cap;
    tok_pair *heap;
    size_t heap_cap;
    char *buf;           /* the fragment being encoded */
    size_t buf_cap;
    char *wbuf;          /* BPE: one word in GPT-2 characters, and merge keys */
    size_t wbuf_cap;
    uint8_t pairs[8192];  /* bitset of the byte pairs in the text */
    tok_span *spans, *spans2;
    size_t spans_cap, spans2_cap;
    /* word cache: word -> offset in cache_ids of [n, id...] */
    tok_map cache;
    tok_ids cache_ids;
};

/* Offers the merge of symbols l and r (either may be -1: none) by pushing it
 * with tok_heap_push when there is one; ctx is the caller's. 0, or -1 when
 * out of memory. */
typedef int (*tok_pair_fn)(tok_session *s, const void *ctx, size_t *nheap, int32_t l, int32_t r);
int tok_heap_push(tok_session *s, size_t *n, tok_pair p);
/* One symbol per UTF-8 character of text[0..len) (len <= INT32_MAX). */
int tok_split_chars(tok_session *s, const char *text, size_t len, size_t *nsym);
/* Merges the split symbols, best pair first; see tok_merge.c. */
int tok_merge(tok_session *s, size_t nsym, tok_pair_fn pair, const void *ctx);

/* 1 when name is one of the space-separated words in names. */
int tok_name_in_list(const char *names, const char *name);

/* The regexes of the named pre-tokenizer, or the custom list when non-NULL. */
int tok_pretok_compile(tok_pretok *p, const char *name, const char *const *custom, char *err,
                       size_t errlen);
void tok_pretok_free(tok_pretok *p);
/* Recognises the regexes of P (from tokenizer.json) as a pre-tokenizer llama.cpp
 * knows by name: the name whose regexes split a probe text exactly as P does
 * (the way llama.cpp's converter recognises tokenizers by the tokens of a test
 * string) and whose defaults agree with IGNORE_MERGES goes to NAME. 1 when
 * found, 0 when none matches, -1 with err on failure. */
int tok_pretok_identify(const tok_pretok *p, bool ignore_merges, char *name, size_t namelen,
                        char *err, size_t errlen);
/* Splits text[0..len) (valid UTF-8) into words; the spans go to s->spans and
 * their count is returned, or -1 on error. */
long tok_pretok_split(tok_session *s, const char *text, size_t len, char *err, size_t errlen);

/* Grows *p to hold n elements of size sz. Returns 0 or -1. */
int tok_reserve(void **p, size_t *cap, size_t n, size_t sz);

/* Word cache: 1 and the ids appended when key is cached, 0 when not, -1
 * when out of memory; put records out->ids[first..] for key. */
int tok_cache_get(tok_session *s, const char *key, size_t len, tok_ids *out);
int tok_cache_put(tok_session *s, const char *key, size_t len, const tok_ids *out, size_t first);

int tok_spm_encode(tok_session *s, const char *text, size_t len, tok_ids *out);
int tok_bpe_encode(tok_session *s, const char *text, size_t len, tok_ids *out, char *err,
                   size_t errlen);

/* GPT-2's byte <-> printable-codepoint bijection. */
uint32_t tok_byte_to_cpt(uint8_t b);
/* Byte for a codepoint of the mapping, or -1. */
int tok_cpt_to_byte(uint32_t cp);
/* Decodes one UTF-8 character of s[0..n) the way llama.cpp does, returning
 * its byte length (1 for an invalid lead) and the codepoint, or 0xFFFD with
 * *ok = 0 when the sequence is not valid. */
size_t tok_utf8_next(const char *s, size_t n, uint32_t *cp, int *ok);
/* Writes cp as UTF-8 to out (4 bytes room), returns its length. */
size_t tok_utf8_put(uint32_t cp, char *out);
/* Length of the UTF-8 sequence that starts with lead byte c (1..4); inline
 * because the encoders call it for every character. */
static inline size_t tok_utf8_len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

#endif
