/* fuzz_tokenizer_json.c - libFuzzer target for the tokenizer.json loader.
 *
 * The input is tokenizer.json, optionally followed by a NUL byte and
 * tokenizer_config.json. Whatever loads is then used to encode and decode a
 * few fixed strings, so a vocab the loader accepts must be usable. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chat_template.h"
#include "tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const texts[] = {"Hello world", " ab  c\n\n12345", "<s>x</s>",
                                        "\xC3\xA9\xF0\x9F\x98\x80 \xFF\xFE"};
    const char *json = (const char *)data;
    const char *nul = memchr(data, 0, size);
    size_t jlen = nul ? (size_t)(nul - json) : size;
    const char *cfg = nul ? nul + 1 : NULL;
    size_t clen = nul ? size - jlen - 1 : 0;
    char err[512], *tmpl = NULL;
    tok_vocab *v = tok_vocab_from_hf_json(json, jlen, cfg, clen, &tmpl, err, sizeof err);
    if (!v)
        return 0;
    chat_tmpl_detect(tmpl);
    free(tmpl);
    tok_session *s = tok_session_new(v, err, sizeof err);
    for (size_t i = 0; s && i < sizeof texts / sizeof texts[0]; i++) {
        tok_ids ids = {0};
        if (tok_encode(s, texts[i], strlen(texts[i]), true, i & 1, &ids, err, sizeof err) == 0)
            free(tok_decode(v, ids.ids, ids.n, true, true, NULL, err, sizeof err));
        tok_ids_free(&ids);
    }
    tok_session_free(s);
    tok_vocab_free(v);
    return 0;
}
