/* tok_expect.h - the tokenizer tests' assertion: TEXT encodes to exactly the
 * listed ids (the ids got are printed on a mismatch). */
#ifndef LATHE_TOK_EXPECT_H
#define LATHE_TOK_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tok.h"

void tok_expect(const tok_vocab *v, const char *text, bool add_special, bool parse_special,
                const int32_t *want, size_t n);

#define EXPECT(v, text, add, parse, ...)                                            \
    do {                                                                            \
        const int32_t want_[] = {__VA_ARGS__};                                      \
        tok_expect(v, text, add, parse, want_, sizeof want_ / sizeof want_[0]);     \
    } while (0)

#endif
