/* tok_merge.c - the merge loop shared by the SPM and BPE mergers: a text is
 * split into one symbol per UTF-8 character (a linked list in the session's
 * sym buffer); a binary heap holds candidate merges of adjacent symbols (see
 * tok_pair); the best is merged unless either side changed since it was
 * pushed, and the new neighbours are offered to the caller's pair function. */
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

static tok_pair heap_pop(tok_session *s, size_t *n)
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

int tok_split_chars(tok_session *s, const char *text, size_t len, size_t *nsym)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t n = 0;
    for (size_t off = 0; off < len; n++) {
        if (tok_reserve((void **)&s->sym, &s->sym_cap, n + 1, sizeof(tok_sym)) != 0)
            return -1;
        size_t cl = tok_utf8_len(t[off]);
        if (cl > len - off)
            cl = len - off;
        s->sym[n] = (tok_sym){(int32_t)n - 1, off + cl == len ? -1 : (int32_t)n + 1,
                              (uint32_t)off, (uint32_t)cl};
        off += cl;
    }
    *nsym = n;
    return 0;
}

int tok_merge(tok_session *s, size_t nsym, tok_pair_fn pair, const void *ctx)
{
    size_t nheap = 0;
    for (size_t i = 1; i < nsym; i++)
        if (pair(s, ctx, &nheap, (int32_t)i - 1, (int32_t)i) != 0)
            return -1;
    while (nheap) {
        tok_pair p = heap_pop(s, &nheap);
        tok_sym *l = &s->sym[p.left], *r = &s->sym[p.right];
        if (!l->n || !r->n || l->n + r->n != p.size)
            continue;
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0)
            s->sym[r->next].prev = p.left;
        if (pair(s, ctx, &nheap, l->prev, p.left) != 0 || pair(s, ctx, &nheap, p.left, l->next) != 0)
            return -1;
    }
    return 0;
}
