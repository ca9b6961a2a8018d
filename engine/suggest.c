/* suggest.c - optimal string alignment distance for "did you mean", and the
 * closest of a list of names within a few edits; see suggest.h. */
#include "suggest.h"

#include <stdint.h>
#include <string.h>

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return SIZE_MAX;
    size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    }
    return d[la][lb];
}

size_t suggest_limit(const char *name)
{
    size_t n = strlen(name) / 3;
    return n < 1 ? 1 : n > 3 ? 3 : n;
}

const char *suggest_closest(const char *name, const char *const *first, size_t n,
                            size_t stride)
{
    const char *best = NULL;
    size_t best_d = suggest_limit(name) + 1;
    for (size_t i = 0; i < n; i++) {
        const char *w = *(const char *const *)(const void *)((const char *)first + i * stride);
        size_t d = w ? suggest_distance(name, w) : SIZE_MAX;
        if (d < best_d) {
            best_d = d;
            best = w;
        }
    }
    return best;
}
