/* chat_diff.c - words, common ends, then a longest common subsequence by
 * dynamic programming over the middles (chat_diff.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat_diff.h"
#include "grow.h"

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int split(const char *s, chat_diff_word **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; s[i];) {
        if (space(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (s[j] && !space(s[j]))
            j++;
        chat_diff_word *w = grow_array(*out, &cap, *n + 1, sizeof *w, 32);
        if (!w)
            return -1;
        *out = w;
        w[(*n)++] = (chat_diff_word){i, j - i, true};
        i = j;
    }
    return 0;
}

static bool same(const char *a, const chat_diff_word *x, const char *b, const chat_diff_word *y)
{
    return x->len == y->len && !memcmp(a + x->start, b + y->start, x->len);
}

/* LCS of the middles x[0..n) and y[0..m): L[i][j] is the LCS of the
 * suffixes from i and j; a forward walk marks the shared words. */
static int lcs(const char *a, chat_diff_word *x, size_t n, const char *b, chat_diff_word *y,
               size_t m)
{
    if (n == 0 || m == 0)
        return 0;
    if (n > CHAT_DIFF_MAX_CELLS / m)
        return 0;   /* too long: the middles stay marked changed */
    uint32_t *L = calloc((n + 1) * (m + 1), sizeof *L);
    if (!L)
        return -1;
    size_t w = m + 1;
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            L[i * w + j] = same(a, &x[i], b, &y[j]) ? L[(i + 1) * w + j + 1] + 1
                           : L[(i + 1) * w + j] > L[i * w + j + 1] ? L[(i + 1) * w + j]
                                                                   : L[i * w + j + 1];
    for (size_t i = 0, j = 0; i < n && j < m;) {
        if (same(a, &x[i], b, &y[j])) {
            x[i++].changed = false;
            y[j++].changed = false;
        } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
            i++;
        } else {
            j++;
        }
    }
    free(L);
    return 0;
}

int chat_diff_words(const char *a, const char *b, chat_diff *out)
{
    *out = (chat_diff){0};
    if (split(a, &out->a, &out->na) || split(b, &out->b, &out->nb)) {
        chat_diff_free(out);
        return -1;
    }
    size_t head = 0, tail = 0;
    while (head < out->na && head < out->nb && same(a, &out->a[head], b, &out->b[head])) {
        out->a[head].changed = out->b[head].changed = false;
        head++;
    }
    while (tail < out->na - head && tail < out->nb - head &&
           same(a, &out->a[out->na - 1 - tail], b, &out->b[out->nb - 1 - tail])) {
        out->a[out->na - 1 - tail].changed = out->b[out->nb - 1 - tail].changed = false;
        tail++;
    }
    if (lcs(a, out->a + head, out->na - head - tail, b, out->b + head,
            out->nb - head - tail)) {
        chat_diff_free(out);
        return -1;
    }
    return 0;
}

void chat_diff_free(chat_diff *d)
{
    free(d->a);
    free(d->b);
    *d = (chat_diff){0};
}
