/* bytebuf.c - appending to a bytebuf (bytebuf.h). */
#include "config.h"

#include "bytebuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

bool bytebuf_put(bytebuf *b, const void *s, size_t n)
{
    char *p = NULL;
    if (!b->oom && n < SIZE_MAX - b->len)
        p = grow_array(b->p, &b->cap, b->len + n + 1, 1, 64);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    if (n)
        memcpy(p + b->len, s, n);
    b->len += n;
    p[b->len] = '\0';
    return true;
}

void bytebuf_free(bytebuf *b)
{
    free(b->p);
    *b = (bytebuf){0};
}
