/* tok_spm.c - SentencePiece-style merging for `llama` vocabs.
 *
 * The text arrives space-escaped ("▁"). It starts as one symbol per UTF-8
 * character in a linked list; a heap holds every adjacent pair whose
 * concatenation is a token, best score first (ties: leftmost).
 * Popping merges the pair unless either side changed since it was pushed.
 * Every merge forms a vocab token, so a final symbol that is not a token is a
 * single character and falls back to its bytes (<0xXX>).
 *
 * Where no merge can cross a point, the text is cut there and the pieces
 * merged on their own: pieces cannot interact, and within a piece the heap
 * order is the global one, so the result is unchanged while heaps stay small
 * and repeated words come from the word cache. Every merge forms a token, so
 * a merge can cross a point only if some token contains the characters on
 * both sides. That rules out cutting around an ASCII byte no longer token
 * contains (newlines, in llama's vocab), and before a "▁" that follows
 * another character when no token has such a "▁". Cuts fall only where
 * llama.cpp's character walk (by lead byte, even in invalid UTF-8) puts a
 * symbol boundary. */
#include "config.h"

#include <string.h>

#include "tok_impl.h"

#define SPACE_MARK "\xE2\x96\x81"

static int try_pair(tok_session *s, const void *ctx, size_t *nheap, int32_t l, int32_t r)
{
    if (l < 0 || r < 0)
        return 0;
    const char *text = ctx;
    const tok_sym *sym = s->sym;
    size_t size = sym[l].n + sym[r].n;
    int32_t id = tok_lookup(s->v, text + sym[l].start, size);
    if (id == TOK_NONE)
        return 0;
    return tok_heap_push(s, nheap, (tok_pair){-(double)s->v->score[id], l, r, (uint32_t)size});
}

static int emit(const tok_session *s, const char *text, const tok_sym *sym, tok_ids *out)
{
    int32_t id = tok_lookup(s->v, text + sym->start, sym->n);
    if (id != TOK_NONE)
        return tok_ids_push(out, id);
    for (size_t j = 0; j < sym->n; j++) {
        int32_t b = s->v->byte_id[(unsigned char)text[sym->start + j]];
        if (b != TOK_NONE && tok_ids_push(out, b) != 0)
            return -1;
    }
    return 0;
}

static int merge_segment(tok_session *s, const char *text, size_t len, tok_ids *out)
{
    size_t nsym;
    if (!len)
        return 0;
    if (len > INT32_MAX || tok_split_chars(s, text, len, &nsym) != 0 ||
        tok_merge(s, nsym, try_pair, text) != 0)
        return -1;
    const tok_sym *sym = s->sym;
    for (int32_t i = 0; i != -1; i = sym[i].next)
        if (emit(s, text, &sym[i], out) != 0)
            return -1;
    return 0;
}

static int merge_piece(tok_session *s, const char *text, size_t len, tok_ids *out)
{
    if (!len)
        return 0;
    int hit = tok_cache_get(s, text, len, out);
    if (hit != 0)
        return hit < 0 ? -1 : 0;
    size_t first = out->n;
    if (merge_segment(s, text, len, out) != 0)
        return -1;
    return len <= 256 ? tok_cache_put(s, text, len, out, first) : 0;
}

int tok_spm_encode(tok_session *s, const char *text, size_t len, tok_ids *out)
{
    const tok_vocab *v = s->v;
    size_t start = 0;
    bool prev_mark = false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80 && !v->isolated[c]) {    /* most bytes: nothing to cut */
            prev_mark = false;
            i++;
            continue;
        }
        size_t cl = tok_utf8_len(c);
        if (cl > len - i)
            cl = len - i;
        bool mark = cl == 3 && !memcmp(text + i, SPACE_MARK, 3);
        if (cl == 1 && v->isolated[(unsigned char)text[i]]) {
            if (merge_piece(s, text + start, i - start, out) != 0 ||
                merge_segment(s, text + i, 1, out) != 0)
                return -1;
            start = i + 1;
        } else if (mark && !prev_mark && v->cut_at_mark && i > start) {
            if (merge_piece(s, text + start, i - start, out) != 0)
                return -1;
            start = i;
        }
        prev_mark = mark;
        i += cl;
    }
    return merge_piece(s, text + start, len - start, out);
}
