/* utf8.h - strict UTF-8 decoding and encoding of one code point, shared by
 * the tokenizers, the dataset's JSON parser and the Data pane. */
#ifndef LATHE_UTF8_H
#define LATHE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at S (N > 0 bytes) into *CP: its length (1-4), or 0
 * when it is not valid UTF-8 (a stray continuation byte, an overlong form, a
 * surrogate, beyond U+10FFFF, or cut short by N). */
size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
/* Encodes CP (at most U+10FFFF) at OUT: the bytes written (1-4). */
size_t utf8_put(uint32_t cp, char *out);

#endif
