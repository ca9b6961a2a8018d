/* suggest.h - the distance behind every "did you mean" (config keys, choices,
 * theme roles): optimal string alignment, i.e. edits plus adjacent
 * transpositions, so "selectoin" is one step from "selection". */
#ifndef LATHE_SUGGEST_H
#define LATHE_SUGGEST_H

#include <stddef.h>

/* Names are short; either string longer than SUGGEST_MAX_LEN is "far"
 * (SIZE_MAX), never a suggestion. */
#define SUGGEST_MAX_LEN 63

size_t suggest_distance(const char *a, const char *b);

#endif
