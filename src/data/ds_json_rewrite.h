/* ds_json_rewrite.h - rewriting every string value of one JSON record
 * through a function (whitespace, NFC, redaction), and writing JSON in the
 * compact one-line form lathe saves edited records in. Keys and their order
 * are kept; a record whose strings all come back unchanged is not rewritten,
 * so its original bytes survive. */
#ifndef LATHE_DS_JSON_REWRITE_H
#define LATHE_DS_JSON_REWRITE_H

#include <stddef.h>

/* Returns 1 with a malloc'd *OUT (NUL-terminated, *OUTLEN bytes) when the
 * string changes, 0 when it does not, -1 on failure. */
typedef int (*ds_string_fn)(const char *s, size_t len, char **out, size_t *outlen, void *ctx);

/* Returns 1 with the rewritten record in a malloc'd *OUT, 0 when nothing
 * changed, -1 with WHY when TEXT is not JSON or FN failed. */
int ds_json_rewrite(const char *text, size_t len, ds_string_fn fn, void *ctx, char **out,
                    size_t *outlen, char *why, size_t whylen);

/* Parses TEXT and writes it back compact (one line). -1 with WHY (saying
 * "line L, column C: ..." for invalid JSON) on failure. */
int ds_json_compact(const char *text, size_t len, char **out, size_t *outlen, char *why,
                    size_t whylen);

#endif
