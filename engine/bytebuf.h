/* bytebuf.h - a byte buffer grown by appending (grow_array underneath),
 * kept NUL-terminated so text built in it is a C string. */
#ifndef LATHE_BYTEBUF_H
#define LATHE_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *p;          /* NULL until the first append */
    size_t len, cap;
    bool oom;         /* an append failed; later ones are ignored */
} bytebuf;

/* Appends N bytes of S. False when out of memory (then and after). */
bool bytebuf_put(bytebuf *b, const void *s, size_t n);
void bytebuf_free(bytebuf *b);

#endif
