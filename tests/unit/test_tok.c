/* test_tok.c - the tokenizers on hand-built vocabs whose merges can be
 * worked out on paper (score order, rank order, stale pairs, byte fallback,
 * space prefix, BOS/EOS, special-token parsing, decoding rules) and spec
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"
#include "tok_expect.h"

#define SP "\xE2\x96\x81"  /* ▁ */
#define GS "\xC4\xA0"      /* Ġ, GPT-2's space */

/* ------------------------------------------------------------ tiny SPM */

enum { SPM_SPACE = 259, SPM_A, SPM_B, SPM_C, SPM_SA, SPM_AB, SPM_BC, SPM_ABC, SPM_SAB, SPM_USER,
       SPM_N };

static tok_vocab *tiny_spm(void)
{
    static char bytes[256][8];
    const char *tokens[SPM_N];
    float scores[SPM_N] = {0};
    int32_t types[SPM_N];
    tokens[0] = "<unk>", types[0] = TOK_T_UNKNOWN;
    tokens[1] = "<s>", types[1] = TOK_T_CONTROL;
    tokens[2] = "</s>", types[2] = TOK_T_CONTROL;
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        tokens[3 + b] = bytes[b];
        types[3 + b] = TOK_T_BYTE;
    }
    const struct { const char *t; float s; int type; } rest[] = {
        {SP, 0, 1}, {"a", 0, 1}, {"b", 0, 1}, {"c", 0, 1}, {SP "a", -1, 1}, {"ab", -2, 1},
        {"bc", -0.5f, 1}, {"abc", -3, 1}, {SP "ab", -1.5f, 1}, {"<user>", 0, TOK_T_USER_DEFINED},
    };
    for (int i = 0; i < SPM_N - SPM_SPACE; i++) {
        tokens[SPM_SPACE + i] = rest[i].t;
        scores[SPM_SPACE + i] = rest[i].s;
        types[SPM_SPACE + i] = rest[i].type;
    }
    tok_spec sp;
    tok_spec_defaults(&sp, TOK_SPM, NULL);
    sp.n_tokens = SPM_N;
    sp.tokens = tokens;
    sp.scores = scores;
    sp.types = types;
    char err[256];
    tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    return v;
}

static void test_spm_merges_by_score(void **state)
{
    (void)state;
    tok_vocab *v = tiny_spm();
    /* ▁a (-1) before ab (-2); then ▁ab (-1.5); the ab pair is stale */
    EXPECT(v, "ab c", false, false, SPM_SAB, SPM_SPACE, SPM_C);
    /* bc (-0.5) first, then ▁a; a+bc and ▁+abc are gone or not tokens */
    EXPECT(v, "abc", false, false, SPM_SA, SPM_BC);
    /* byte fallback, upper-case hex: é = C3 A9 */
    EXPECT(v, "\xC3\xA9", false, false, SPM_SPACE, 3 + 0xC3, 3 + 0xA9);
    EXPECT(v, "a", true, false, 1, SPM_SA);
    /* llama.cpp cuts characters by lead byte even in invalid UTF-8: E2 takes
     * the newline and the b with it, so no cut may fall at the newline */
    EXPECT(v, "a\xE2\nb", false, false, SPM_SA, 3 + 0xE2, 3 + '\n', 3 + 'b');
    EXPECT(v, "a\nb", false, false, SPM_SA, 3 + '\n', SPM_B);
    tok_vocab_free(v);
}

static void test_spm_special_tokens(void **state)
{
    (void)state;
    tok_vocab *v = tiny_spm();
    /* parsed: the text after a special token gets the space prefix again */
    EXPECT(v, "a<s>b", false, true, SPM_SA, 1, SPM_SPACE, SPM_B);
    EXPECT(v, "a<s>b", false, false, SPM_SA, 3 + '<', 3 + 's', 3 + '>', SPM_B);
    /* user-defined tokens are always recognised; longest special first */
    EXPECT(v, "a<user>", false, false, SPM_SA, SPM_USER);
    EXPECT(v, "</s><s>", false, true, 2, 1);
    tok_vocab_free(v);
}

static char *decode(const tok_vocab *v, const int32_t *ids, size_t n, bool remove, bool unparse)
{
    char err[256];
    char *s = tok_decode(v, ids, n, remove, unparse, NULL, err, sizeof err);
    assert_non_null(s);
    return s;
}

static void test_spm_decode(void **state)
{
    (void)state;
    tok_vocab *v = tiny_spm();
    const int32_t plain[] = {SPM_SA, SPM_BC, SPM_SPACE, 3 + 0xC3, 3 + 0xA9};
    char *s = decode(v, plain, 5, false, false);
    assert_string_equal(s, "abc \xC3\xA9");   /* the first leading space is removed */
    free(s);
    const int32_t bos[] = {1, SPM_SA, 2};
    s = decode(v, bos, 3, false, false);
    assert_string_equal(s, " a");               /* BOS hidden, but it took the lstrip */
    free(s);
    s = decode(v, bos, 3, false, true);
    assert_string_equal(s, "<s> a</s>");
    free(s);
    s = decode(v, bos, 3, true, true);          /* add_eos is off: </s> stays */
    assert_string_equal(s, " a</s>");
    free(s);
    char piece[8];
    assert_int_equal(tok_piece(v, 3 + 0x41, false, 0, piece, sizeof piece), 1);
    assert_int_equal(piece[0], 'A');
    assert_int_equal(tok_piece(v, 0, false, 0, piece, sizeof piece), 0);
    assert_int_equal(tok_piece(v, SPM_N, false, 0, piece, sizeof piece), -1);
    char err[128];
    const int32_t bad[] = {SPM_SA, 99999};
    assert_null(tok_decode(v, bad, 2, false, false, NULL, err, sizeof err));
    assert_non_null(strstr(err, "99999"));
    tok_vocab_free(v);
}

/* ------------------------------------------------------------ tiny BPE */

enum { BPE_A, BPE_B, BPE_C, BPE_G, BPE_AB, BPE_GA, BPE_GAB, BPE_EOT, BPE_N };

static tok_vocab *tiny_bpe(bool ignore_merges)
{
    const char *tokens[BPE_N] = {"a", "b", "c", GS, "ab", GS "a", GS "ab", "<|endoftext|>"};
    int32_t types[BPE_N] = {1, 1, 1, 1, 1, 1, 1, TOK_T_CONTROL};
    const char *merges[] = {"a b", GS " a", GS "a b"};
    tok_spec sp;
    tok_spec_defaults(&sp, TOK_BPE, "gpt-2");
    sp.n_tokens = BPE_N;
    sp.tokens = tokens;
    sp.types = types;
    sp.n_merges = 3;
    sp.merges = merges;
    sp.bos = sp.eos = BPE_EOT;
    sp.ignore_merges = ignore_merges;
    char err[256];
    tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    return v;
}

static void test_bpe_merges_by_rank(void **state)
{
    (void)state;
    tok_vocab *v = tiny_bpe(false);
    /* "a b" has rank 0, so Ġ+a (rank 1) never happens in " ab" */
    EXPECT(v, "ab ab", false, false, BPE_AB, BPE_G, BPE_AB);
    EXPECT(v, " a", false, false, BPE_GA);
    /* no token for "d": its bytes are dropped, as llama.cpp does */
    EXPECT(v, "cd", false, false, BPE_C);
    EXPECT(v, "a<|endoftext|>", false, true, BPE_A, BPE_EOT);
    /* BPE adds no BOS by default */
    EXPECT(v, "a", true, false, BPE_A);
    tok_vocab_free(v);
    v = tiny_bpe(true);
    EXPECT(v, "ab ab", false, false, BPE_AB, BPE_GAB);
    tok_vocab_free(v);
}

static void test_bpe_decode(void **state)
{
    (void)state;
    tok_vocab *v = tiny_bpe(false);
    const int32_t ids[] = {BPE_AB, BPE_GAB, BPE_EOT};
    char *s = decode(v, ids, 3, false, false);
    assert_string_equal(s, "ab ab");
    free(s);
    s = decode(v, ids, 3, false, true);
    assert_string_equal(s, "ab ab<|endoftext|>");
    free(s);
    assert_true(tok_is_eog(v, BPE_EOT));
    assert_false(tok_is_eog(v, BPE_AB));
    assert_false(tok_is_eog(v, BPE_N));
    tok_vocab_free(v);
}

static void test_spec_errors(void **state)
{
    (void)state;
    char err[256];
    const char *tokens[] = {"a", "b"};
    const char *bad_merge[] = {"ab"};
    tok_spec sp;
    tok_spec_defaults(&sp, TOK_BPE, "no-such-pre");
    sp.n_tokens = 2;
    sp.tokens = tokens;
    assert_null(tok_vocab_new(&sp, err, sizeof err));
    assert_non_null(strstr(err, "no-such-pre"));
    tok_spec_defaults(&sp, TOK_BPE, "gpt-2");
    sp.n_tokens = 2;
    sp.tokens = tokens;
    sp.n_merges = 1;
    sp.merges = bad_merge;
    assert_null(tok_vocab_new(&sp, err, sizeof err));
    assert_non_null(strstr(err, "merge 0"));
    tok_spec_defaults(&sp, TOK_SPM, NULL);
    assert_null(tok_vocab_new(&sp, err, sizeof err));
    /* every named pre-tokenizer compiles */
    const char *pres[] = {"default", "llama3", "llama-bpe", "qwen2", "deepseek-llm",
                          "deepseek-coder", "deepseek-v3", "falcon", "starcoder", "refact",
                          "mpt", "gpt-2", "phi-2", "tekken", "chameleon", "viking", "bloom"};
    for (size_t i = 0; i < sizeof pres / sizeof pres[0]; i++) {
        tok_spec_defaults(&sp, TOK_BPE, pres[i]);
        sp.n_tokens = 2;
        sp.tokens = tokens;
        tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
        if (!v)
            fail_msg("%s: %s", pres[i], err);
        tok_vocab_free(v);
    }
}

/* The llama3 digit rule groups three digits; qwen2 splits each. */
static void test_pre_tokenizer_digits(void **state)
{
    (void)state;
    const char *tokens[] = {"1", "2", "3", "4", "12", "123", "34"};
    const char *merges[] = {"1 2", "12 3", "3 4"};
    tok_spec sp;
    char err[256];
    const char *pres[] = {"llama3", "qwen2"};
    for (int k = 0; k < 2; k++) {
        tok_spec_defaults(&sp, TOK_BPE, pres[k]);
        sp.n_tokens = 7;
        sp.tokens = tokens;
        sp.n_merges = 3;
        sp.merges = merges;
        sp.ignore_merges = false;
        tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
        assert_non_null(v);
        if (k == 0)
            EXPECT(v, "1234", false, false, 5, 3);
        else
            EXPECT(v, "1234", false, false, 0, 1, 2, 3);
        tok_vocab_free(v);
    }
}

/* Invalid UTF-8 must not reach PCRE2 unchecked: it becomes U+FFFD. */
static void test_bpe_invalid_utf8(void **state)
{
    (void)state;
    tok_vocab *v = tiny_bpe(false);
    char err[256];
    tok_session *s = tok_session_new(v, err, sizeof err);
    tok_ids ids = {0};
    const char bad[] = "a\xC3\x28\xFF\xED\xA0\x80\xF4\x90\x80\x80" "b";
    assert_int_equal(tok_encode(s, bad, sizeof bad - 1, true, true, &ids, err, sizeof err), 0);
    assert_int_equal(ids.n, 2);   /* a, b: the replacement characters have no tokens */
    tok_ids_free(&ids);
    tok_session_free(s);
    tok_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spm_merges_by_score),
        cmocka_unit_test(test_spm_special_tokens),
        cmocka_unit_test(test_spm_decode),
        cmocka_unit_test(test_bpe_merges_by_rank),
        cmocka_unit_test(test_bpe_decode),
        cmocka_unit_test(test_bpe_invalid_utf8),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_pre_tokenizer_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
