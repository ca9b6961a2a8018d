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

/* How far a suggestion may be from NAME: a third of its length, 1 to 3 edits. */
size_t suggest_limit(const char *name);

/* The closest of N names to NAME, or NULL when none is within suggest_limit. The names are read STRIDE bytes apart starting
 * at FIRST, so a table of structs works: suggest_closest(w, &tab[0].name, n,
 * sizeof tab[0]); a plain array of strings passes sizeof(char *). NULL names
 * are skipped. */
const char *suggest_closest(const char *name, const char *const *first, size_t n,
                            size_t stride);

#endif
