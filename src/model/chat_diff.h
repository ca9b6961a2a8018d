/* chat_diff.h - a word-level diff of two finished replies, for highlighting
 * what differs between the A and B columns: the words (runs of non-space
 * bytes) of each text, each marked as shared with the other text or not,
 * shared words being a longest common subsequence of the two word lists. */
#ifndef LATHE_CHAT_DIFF_H
#define LATHE_CHAT_DIFF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t start, len;      /* bytes of the word in its text */
    bool changed;           /* not in the common subsequence */
} chat_diff_word;

typedef struct {
    chat_diff_word *a, *b;  /* the words of each text, in order */
    size_t na, nb;
} chat_diff;

/* Diffs A and B into OUT. Texts whose middles (what is left after the common
 * leading and trailing words) hold more than CHAT_DIFF_MAX_CELLS word pairs
 * have those middles marked changed whole. -1 when out of memory. */
#define CHAT_DIFF_MAX_CELLS ((size_t)4 << 20)
int chat_diff_words(const char *a, const char *b, chat_diff *out);
void chat_diff_free(chat_diff *d);

#endif
