/* plural.h - the one way a count gets its noun's ending, so no message says
 * "1 problems" or "2 problem": printf("%zu problem%s", n, plural_s(n)). */
#ifndef LATHE_PLURAL_H
#define LATHE_PLURAL_H

/* "" when N is 1, "s" otherwise. */
static inline const char *plural_s(unsigned long long n)
{
    return n == 1 ? "" : "s";
}

#endif
