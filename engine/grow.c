/* grow.c - doubling growth for appended arrays (see grow.h). */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_array(void *items, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return items;
    size_t n = *cap ? *cap : first ? first : 1;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (elem && n > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(items, n * elem);
    if (p)
        *cap = n;
    return p;
}
