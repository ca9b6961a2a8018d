/* tok_heap.c - the binary heap of candidate merges shared by the SPM and BPE
 * mergers; see tok_pair in tok_impl.h. */
#include "config.h"

#include "tok_impl.h"

static int before(const tok_pair *a, const tok_pair *b)
{
    return a->key < b->key || (a->key == b->key && a->left < b->left);
}

int tok_heap_push(tok_session *s, size_t *n, tok_pair p)
{
    if (tok_reserve((void **)&s->heap, &s->heap_cap, *n + 1, sizeof p) != 0)
        return -1;
    tok_pair *h = s->heap;
    size_t i = (*n)++;
    while (i > 0 && before(&p, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = p;
    return 0;
}

tok_pair tok_heap_pop(tok_session *s, size_t *n)
{
    tok_pair *h = s->heap;
    tok_pair top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && before(&h[c + 1], &h[c]))
            c++;
        if (!before(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = last;
    return top;
}
