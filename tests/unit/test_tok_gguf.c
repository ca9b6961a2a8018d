/* test_tok_gguf.c - the GGUF vocab loader on small files written for the
 * purpose: a valid SPM vocab whose keys override the defaults (BOS off, a
 * chat template), and one broken rule per file for the error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf_write.h"
#include "tok.h"

#define SP "\xE2\x96\x81"

static char dir[] = "/tmp/lathe-tok-gguf-XXXXXX";
static char path[256];

static const char *const tokens[] = {"<unk>", "<s>", "</s>", SP "a", "a"};
static const float scores[] = {0, 0, 0, -1, 0};
static const int32_t types[] = {TOK_T_UNKNOWN, TOK_T_CONTROL, TOK_T_CONTROL, 1, 1};

enum { DROP_NONE, DROP_MODEL, BAD_SCORES, NO_MERGES, BAD_PRE, BERT };

static void write_vocab(int variant)
{
    gguf_writer *w = gguf_writer_new(0);
    assert_non_null(w);
    const char *model = variant == NO_MERGES || variant == BAD_PRE ? "gpt2"
                        : variant == BERT                          ? "bert"
                                                                   : "llama";
    if (variant != DROP_MODEL)
        gguf_writer_set_str(w, "tokenizer.ggml.model", model, strlen(model));
    if (variant == BAD_PRE) {
        const char *merges[] = {"a a"};
        gguf_writer_set_str(w, "tokenizer.ggml.pre", "foo", 3);
        gguf_writer_set_arr(w, "tokenizer.ggml.merges", GGUF_TYPE_STRING, merges, 1);
    }
    gguf_writer_set_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, tokens, 5);
    gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores,
                        variant == BAD_SCORES ? 4 : 5);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, 5);
    gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", 2);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", false);
    const char *tmpl = "{{ '<|im_start|>' }}";
    gguf_writer_set_str(w, "tokenizer.chat_template", tmpl, strlen(tmpl));
    char err[256];
    if (gguf_writer_write(w, path, err, sizeof err) != 0)
        fail_msg("%s", err);
    gguf_writer_free(w);
}

static void expect_error(int variant, const char *want)
{
    char err[512];
    write_vocab(variant);
    tok_vocab *v = tok_vocab_load_gguf(path, NULL, err, sizeof err);
    if (v || !strstr(err, want) || !strstr(err, path))
        fail_msg("variant %d: got '%s', want '%s'", variant, v ? "(loaded)" : err, want);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/vocab.gguf", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return rmdir(dir);
}

static void test_valid_spm(void **state)
{
    (void)state;
    char err[512], *tmpl = NULL;
    write_vocab(DROP_NONE);
    tok_vocab *v = tok_vocab_load_gguf(path, &tmpl, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    assert_int_equal(tok_vocab_model(v), TOK_SPM);
    assert_int_equal(tok_vocab_size(v), 5);
    assert_false(tok_add_bos(v));          /* the key overrides SPM's default */
    assert_true(tok_add_space_prefix(v));  /* the default stays */
    assert_int_equal(tok_bos(v), 1);
    assert_int_equal(tok_eos(v), 2);
    assert_int_equal(tok_token_type(v, 1), TOK_T_CONTROL);
    assert_true(tok_score(v, 3) == -1.0f);
    assert_string_equal(tmpl, "{{ '<|im_start|>' }}");
    free(tmpl);
    tok_session *s = tok_session_new(v, err, sizeof err);
    tok_ids ids = {0};
    assert_int_equal(tok_encode(s, "a", 1, true, true, &ids, err, sizeof err), 0);
    assert_int_equal(ids.n, 1);
    assert_int_equal(ids.ids[0], 3);
    tok_ids_free(&ids);
    tok_session_free(s);
    tok_vocab_free(v);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(DROP_MODEL, "tokenizer.ggml.model: missing");
    expect_error(BERT, "'bert' is not supported");
    expect_error(BAD_SCORES, "tokenizer.ggml.scores");
    expect_error(NO_MERGES, "tokenizer.ggml.merges: missing");
    expect_error(BAD_PRE, "unknown pre-tokenizer type 'foo'");
    char err[512];
    assert_null(tok_vocab_load_gguf("/nonexistent/v.gguf", NULL, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/v.gguf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_spm),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
