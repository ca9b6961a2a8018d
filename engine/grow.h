/* grow.h - the one way lathe grows an array it appends to: the capacity
 * doubles (starting from FIRST) and the byte size is checked for overflow. */
#ifndef LATHE_GROW_H
#define LATHE_GROW_H

#include <stddef.h>

/* ITEMS (NULL or from malloc) with room for at least NEED elements of ELEM
 * bytes, *CAP updated; NULL when out of memory, and then ITEMS is unchanged
 * and still the caller's. */
void *grow_array(void *items, size_t *cap, size_t need, size_t elem, size_t first);

#endif
