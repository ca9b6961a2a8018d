/* ds_text_clean.h - the Data pane's text clean-ups of one string value:
 * whitespace normalisation, Unicode NFC (libutf8proc) and PII redaction.
 *
 * Whitespace: CRLF and lone CR become LF; no-break and other Unicode spaces
 * (U+00A0, U+2000..U+200A, U+202F, U+205F) become a plain space; spaces and
 * tabs at the end of each line go; more than one blank line in a row becomes
 * one; leading and trailing whitespace of the whole value goes. Runs of spaces
 * inside a line stay (they may be code indentation).
 *
 * Redaction replaces each hit of ds_pii_scan by its kind in brackets:
 * [EMAIL], [PHONE], [CREDIT_CARD], [API_KEY], [SECRET].
 *
 * All have the ds_string_fn shape (ds_json_rewrite.h): they return 1 with a
 * malloc'd *OUT when the text changes, 0 when it is already clean, -1 when
 * out of memory or (NFC) the text is not valid UTF-8. */
#ifndef LATHE_DS_TEXT_CLEAN_H
#define LATHE_DS_TEXT_CLEAN_H

#include <stddef.h>

int ds_text_whitespace(const char *s, size_t len, char **out, size_t *outlen, void *ctx);
int ds_text_nfc(const char *s, size_t len, char **out, size_t *outlen, void *ctx);
int ds_text_redact_pii(const char *s, size_t len, char **out, size_t *outlen, void *ctx);

#endif
