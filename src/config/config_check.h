/* config_check.h - the one check of a config value given as text, per key
 * type: the loader runs it on every scalar of a file or --set argument, and
 * the Config pane on what the user types, so both accept the same values
 * and refuse the others with the same reason.
 *
 * Booleans take YAML's spellings (true/yes/on, false/no/off); integers are
 * decimal; numbers are decimal with an optional exponent (1e-4), never hex,
 * inf or nan; every number is held to its key's range; choices match
 * exactly (with a did-you-mean); paths must exist, as a regular file (or a
 * directory where the key allows one); list items must be among the key's
 * choices when it has any. */
#ifndef LATHE_CONFIG_CHECK_H
#define LATHE_CONFIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_schema.h"

/* A checked scalar, in the field of its key's type. */
typedef struct {
    bool b;          /* CS_BOOL */
    int64_t i;       /* CS_INT */
    double d;        /* CS_FLOAT, CS_FRACTION_OR_COUNT */
    int choice;      /* CS_ENUM: index into choices */
    char *path;      /* CS_STRING with CS_PATH: canonical absolute path (malloc'd) */
} config_scalar;

/* Checks the scalar TEXT for key K (not a list or datasets key); BASE_DIR
 * resolves relative paths (NULL: the current directory). 0 with *out set,
 * or -1 with the reason in why, worded to follow "KEY: ": "expected an
 * integer, got 'x'", "0 is out of range; expected a number in (0, 10]". */
int config_check_scalar(const cs_key *k, const char *text, const char *base_dir,
                        config_scalar *out, char *why, size_t whylen);
/* Checks one item of a list key (against its choices, when it has any). */
int config_check_item(const cs_key *k, const char *item, char *why, size_t whylen);

/* What K expects, for messages: "an integer", "a file path", ... */
const char *config_check_expected(const cs_key *k);
/* "'TEXT'", shortened past 40 characters: how messages quote a value. */
void config_check_quote(const char *text, char *buf, size_t len);

/* The form's check of what the user typed for K. 1: ok, with the value to
 * write in norm (booleans as true/false, exponents written so any YAML
 * reader takes them as numbers: 1.0e-4, lists as "a, b", "" for an empty
 * list "[]"); 0: the text is empty, meaning "remove the key" (its default
 * or unset state applies); -1: refused, with the reason in why. */
int config_check_input(const cs_key *k, const char *text, const char *base_dir, char *norm,
                       size_t normlen, char *why, size_t whylen);

#endif
