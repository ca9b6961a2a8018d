/* test_tok_hf.c - loading Hugging Face tokenizer.json: a byte-level BPE
 * fixture (Split regex + ByteLevel, added tokens, a BOS post-processor,
 * tokenizer_config.json with EOS and a chat template) and a SentencePiece
 * style one (Prepend/Replace normalizer, byte fallback, merges as scores),
 * plus the errors for malformed or unsupported files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_template.h"
#include "tok.h"
#include "tok_expect.h"

static tok_vocab *load(const char *sub, char **tmpl)
{
    char path[1024], err[512];
    const char *src = getenv("LATHE_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/fixtures/tokenizer/%s", src ? src : LATHE_SRCDIR, sub);
    tok_vocab *v = tok_vocab_load_hf(path, tmpl, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    return v;
}

static void test_bytelevel_bpe(void **state)
{
    (void)state;
    char *tmpl = NULL;
    tok_vocab *v = load("bpe", &tmpl);
    assert_int_equal(tok_vocab_model(v), TOK_BPE);
    assert_string_equal(tok_vocab_pre(v), "custom");
    assert_int_equal(tok_vocab_size(v), 12);
    assert_int_equal(tok_bos(v), 9);
    assert_true(tok_add_bos(v));
    assert_int_equal(tok_eos(v), 10);
    assert_int_equal(tok_token_type(v, 10), TOK_T_CONTROL);
    assert_int_equal(tok_token_type(v, 11), TOK_T_USER_DEFINED);
    /* "a b" outranks "Ġ a", so " ab" is Ġ + ab */
    EXPECT(v, "ab ab", true, false, 9, 4, 3, 4);
    EXPECT(v, "ab<tool>", false, false, 4, 11);
    EXPECT(v, "12<|eot_id|>", false, true, 7, 8, 10);
    assert_non_null(tmpl);
    assert_int_equal(chat_tmpl_detect(tmpl), CHAT_TMPL_LLAMA3);
    free(tmpl);
    tok_vocab_free(v);
}

static void test_sentencepiece_bpe(void **state)
{
    (void)state;
    char *tmpl = (char *)"unset";
    tok_vocab *v = load("spm/tokenizer.json", &tmpl);
    assert_null(tmpl);
    assert_int_equal(tok_vocab_model(v), TOK_SPM);
    assert_true(tok_add_space_prefix(v));
    assert_int_equal(tok_bos(v), 1);
    assert_int_equal(tok_token_type(v, 4), TOK_T_BYTE);
    /* ▁a (rank 0) then ▁a+b (rank 2) */
    EXPECT(v, "ab", true, false, 1, 11);
    EXPECT(v, "\xC3\xA9\n", false, false, 6, 4, 5, 3);
    const int32_t ids[] = {1, 11, 6, 4, 5};
    char err[128];
    char *s = tok_decode(v, ids, 5, true, false, NULL, err, sizeof err);
    assert_string_equal(s, " ab \xC3\xA9");
    free(s);
    tok_vocab_free(v);
}

static void test_errors(void **state)
{
    (void)state;
    char err[256];
    const char *bad_json = "{\"model\": {\"type\": \"BPE\",\n \"vocab\": }";
    assert_null(tok_vocab_from_hf_json(bad_json, strlen(bad_json), NULL, 0, NULL, err,
                                       sizeof err));
    assert_non_null(strstr(err, "tokenizer.json:2:"));
    const char *unigram = "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}";
    assert_null(tok_vocab_from_hf_json(unigram, strlen(unigram), NULL, 0, NULL, err, sizeof err));
    assert_non_null(strstr(err, "only BPE"));
    const char *bad_id = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -4, \"b\": 0}}}";
    assert_null(tok_vocab_from_hf_json(bad_id, strlen(bad_id), NULL, 0, NULL, err, sizeof err));
    assert_non_null(strstr(err, "bad id"));
    const char *bad_merge = "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": "
                            "\"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\"]]}}";
    assert_null(tok_vocab_from_hf_json(bad_merge, strlen(bad_merge), NULL, 0, NULL, err,
                                       sizeof err));
    assert_non_null(strstr(err, "merges[0]"));
    assert_null(tok_vocab_load_hf("/nonexistent/dir", NULL, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/dir/tokenizer.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytelevel_bpe),
        cmocka_unit_test(test_sentencepiece_bpe),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
