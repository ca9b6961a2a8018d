/* tok_expect.c - see tok_expect.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tok_expect.h"

void tok_expect(const tok_vocab *v, const char *text, bool add_special, bool parse_special,
                const int32_t *want, size_t n)
{
    char err[256];
    tok_session *s = tok_session_new(v, err, sizeof err);
    assert_non_null(s);
    tok_ids got = {0};
    assert_int_equal(tok_encode(s, text, strlen(text), add_special, parse_special, &got, err,
                                sizeof err), 0);
    if (got.n != n || (n && memcmp(got.ids, want, n * sizeof *want))) {
        fprintf(stderr, "# '%s': got", text);
        for (size_t i = 0; i < got.n; i++)
            fprintf(stderr, " %d", (int)got.ids[i]);
        fprintf(stderr, "\n");
        fail();
    }
    tok_ids_free(&got);
    tok_session_free(s);
}
