/* test_tok_learn.c - the BPE vocabulary learner: the first merges of a tiny
 * corpus worked out by hand, special tokens kept whole, determinism, the
 * learned vocab round-tripping random text through the tokenizer, the
 * tokenizer reproducing the learner's own segmentation of the corpus, the
 * compression reached on the sample text, and the GGUF written for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pretrain.h"
#include "tok.h"
#include "tok_learn.h"
#include "gguf_write.h"
#include "world.h"

static const char *const chat_specials[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", NULL};

static tok_learned *learn(const char *text, size_t len, size_t merges, const char *const *sp)
{
    char err[256] = "";
    tok_learn_opts o = {.n_merges = merges, .specials = sp};
    tok_learned *l = tok_learn(text, len, &o, err, sizeof err);
    if (!l)
        fail_msg("tok_learn: %s", err);
    return l;
}

static tok_vocab *vocab_of(const tok_learned *l)
{
    char err[256] = "";
    tok_spec spec;
    tok_learned_spec(l, &spec);
    tok_vocab *v = tok_vocab_new(&spec, err, sizeof err);
    if (!v)
        fail_msg("tok_vocab_new: %s", err);
    return v;
}

static void encode(const tok_vocab *v, const char *text, size_t len, tok_ids *out)
{
    char err[256] = "";
    tok_session *s = tok_session_new(v, err, sizeof err);
    assert_non_null(s);
    out->n = 0;
    assert_int_equal(tok_encode(s, text, len, false, true, out, err, sizeof err), 0);
    tok_session_free(s);
}

static void test_tiny_corpus_merges(void **state)
{
    (void)state;
    /* words: hug, " hug" x2, " pug", " pun", " bun", " hugs"; by hand:
     * (u,g) 5, then (h,ug) 4, (Ġ,hug) 3, then a tie at 2 between (Ġ,p) and
     * (u,n) that the smaller left id (Ġ is byte 32) wins, then (u,n). */
    const char *text = "hug hug hug pug pun bun hugs";
    tok_learned *l = learn(text, strlen(text), 100, NULL);
    tok_spec spec;
    tok_learned_spec(l, &spec);
    const char *want[] = {"u g", "h ug", "\xC4\xA0 hug", "\xC4\xA0 p", "u n"};
    assert_int_equal(spec.n_merges, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(spec.merges[i], want[i]);
    assert_int_equal(spec.n_tokens, 261);
    assert_string_equal(spec.tokens[258], "\xC4\xA0hug");
    assert_string_equal(spec.tokens['a'], "a");
    assert_string_equal(spec.tokens[' '], "\xC4\xA0");
    /* hug | Ġhug Ġhug | Ġp ug | Ġp un | Ġ b un | Ġhug s */
    assert_int_equal(tok_learned_corpus_tokens(l), 12);
    tok_vocab *v = vocab_of(l);
    tok_ids ids = {0};
    encode(v, text, strlen(text), &ids);
    assert_int_equal(ids.n, 12);
    assert_int_equal(ids.ids[0], 257);
    assert_int_equal(ids.ids[1], 258);
    encode(v, " pun", 4, &ids);
    assert_int_equal(ids.n, 2);
    assert_int_equal(ids.ids[0], 259);
    assert_int_equal(ids.ids[1], 260);
    tok_ids_free(&ids);
    tok_vocab_free(v);
    tok_learned_free(l);
}

static void test_merge_limit_and_min_count(void **state)
{
    (void)state;
    const char *text = "hug hug hug pug pun bun hugs";
    tok_learned *l = learn(text, strlen(text), 2, NULL);
    assert_int_equal(tok_learned_n_merges(l), 2);
    tok_learned_free(l);
    char err[256] = "";
    tok_learn_opts o = {.n_merges = 100, .min_count = 4};
    l = tok_learn(text, strlen(text), &o, err, sizeof err);
    assert_non_null(l);
    assert_int_equal(tok_learned_n_merges(l), 2); /* (u,g) 5, (h,ug) 4, then 3 */
    tok_learned_free(l);
}

static void test_specials_kept_whole(void **state)
{
    (void)state;
    const char *text = "aa<|endoftext|>aa<|endoftext|>aa<|im_end|>";
    tok_learned *l = learn(text, strlen(text), 10, chat_specials);
    tok_spec spec;
    tok_learned_spec(l, &spec);
    assert_int_equal(spec.n_merges, 1); /* "a a": the specials' bytes never pair */
    assert_int_equal(spec.n_tokens, 256 + 1 + 3);
    assert_int_equal(spec.bos, 257);
    assert_int_equal(spec.eos, 257);
    assert_int_equal(spec.types[258], TOK_T_CONTROL);
    assert_int_equal(tok_learned_corpus_tokens(l), 6);
    tok_vocab *v = vocab_of(l);
    tok_ids ids = {0};
    encode(v, text, strlen(text), &ids);
    int32_t want[] = {256, 257, 256, 257, 256, 259};
    assert_int_equal(ids.n, 6);
    assert_memory_equal(ids.ids, want, sizeof want);
    assert_true(tok_is_eog(v, 259));
    tok_ids_free(&ids);
    tok_vocab_free(v);
    tok_learned_free(l);
}

/* Many documents, and specials where one starts another: the longest wins,
 * as it does in the tokenizer. */
static void test_many_specials(void **state)
{
    (void)state;
    static const char *const sp[] = {"<|x", "<|x|>", NULL};
    size_t n = 0;
    char *text = malloc(3000 * 8 + 1);
    assert_non_null(text);
    for (int i = 0; i < 3000; i++)
        n += (size_t)sprintf(text + n, i % 2 ? "ab<|x|>" : "ab<|x");
    tok_learned *l = learn(text, n, 10, sp);
    assert_int_equal(tok_learned_n_merges(l), 1);
    assert_int_equal(tok_learned_corpus_tokens(l), 6000);
    tok_vocab *v = vocab_of(l);
    tok_ids ids = {0};
    encode(v, text, n, &ids);
    assert_int_equal(ids.n, 6000);
    assert_int_equal(ids.ids[1], 257);
    assert_int_equal(ids.ids[3], 258);
    tok_ids_free(&ids);
    tok_vocab_free(v);
    tok_learned_free(l);
    free(text);
}

static void test_rejects_bad_input(void **state)
{
    (void)state;
    char err[256] = "";
    tok_learn_opts o = {.n_merges = 10};
    assert_null(tok_learn("ok \xC3(", 5, &o, err, sizeof err));
    assert_non_null(strstr(err, "byte 3"));
    o.pre = "no-such-pre";
    err[0] = '\0';
    assert_null(tok_learn("ok", 2, &o, err, sizeof err));
    assert_non_null(strstr(err, "no-such-pre"));
    static const char *const empty[] = {"", NULL};
    o.pre = NULL;
    o.specials = empty;
    assert_null(tok_learn("ok", 2, &o, err, sizeof err));
    assert_non_null(strstr(err, "empty"));
    /* an empty corpus learns no merges but is still a vocabulary */
    o.specials = chat_specials;
    tok_learned *l = tok_learn("", 0, &o, err, sizeof err);
    assert_non_null(l);
    assert_int_equal(tok_learned_n_merges(l), 0);
    assert_int_equal(tok_learned_corpus_tokens(l), 0);
    tok_vocab *v = vocab_of(l);
    assert_int_equal(tok_vocab_size(v), 259);
    tok_vocab_free(v);
    tok_learned_free(l);
}

static char *sample_text(size_t bytes, size_t *len)
{
    world w;
    world_make(&w, WORLD_SAMPLE_SEED);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    pretrain_opts o = {7, bytes, 11, 200};
    assert_int_equal(pretrain_write(f, &w, &o), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_deterministic(void **state)
{
    (void)state;
    size_t len;
    char *text = sample_text(200000, &len);
    tok_learned *a = learn(text, len, 500, chat_specials), *b = learn(text, len, 500, chat_specials);
    tok_spec sa, sb;
    tok_learned_spec(a, &sa);
    tok_learned_spec(b, &sb);
    assert_int_equal(sa.n_merges, 500);
    assert_int_equal(sa.n_tokens, sb.n_tokens);
    for (size_t i = 0; i < sa.n_merges; i++)
        assert_string_equal(sa.merges[i], sb.merges[i]);
    for (size_t i = 0; i < sa.n_tokens; i++)
        assert_string_equal(sa.tokens[i], sb.tokens[i]);
    tok_learned_free(a);
    tok_learned_free(b);
    free(text);
}

/* Random text: ASCII letters, digits, punctuation, whitespace runs and
 * multi-byte characters the corpus never had. */
static size_t random_text(char *buf, size_t cap, uint64_t seed)
{
    static const char *const extra[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\n\n",
                                        "  ", "\t", "'s", "<|im_start|>"};
    world_rng r;
    world_rng_init(&r, seed);
    size_t n = 0;
    while (n + 16 < cap) {
        int k = world_rng_below(&r, 10);
        if (k < 8) {
            buf[n++] = (char)(32 + world_rng_below(&r, 95));
        } else {
            const char *e = extra[world_rng_below(&r, 8)];
            memcpy(buf + n, e, strlen(e));
            n += strlen(e);
        }
    }
    buf[n] = '\0';
    return n;
}

static void test_round_trip_and_compression(void **state)
{
    (void)state;
    size_t len;
    char *text = sample_text(1500000, &len);
    /* the sample's vocabulary is small: every word ends up one token well
     * before 4000 merges, and the learner stops when no pair repeats */
    tok_learned *l = learn(text, len, 4000, chat_specials);
    assert_true(tok_learned_n_merges(l) > 1000);
    tok_vocab *v = vocab_of(l);
    tok_ids ids = {0};
    /* the tokenizer segments the corpus exactly as the learner did */
    encode(v, text, len, &ids);
    assert_int_equal(ids.n, tok_learned_corpus_tokens(l));
    assert_true((double)ids.n < (double)len / 2.5);
    print_message("# %zu merges: %zu bytes -> %zu tokens (%.2f bytes/token)\n",
                  tok_learned_n_merges(l), len, ids.n, (double)len / (double)ids.n);
    char buf[4096], err[256];
    for (uint64_t seed = 1; seed <= 50; seed++) {
        size_t n = random_text(buf, sizeof buf, seed);
        encode(v, buf, n, &ids);
        size_t out_len;
        char *back = tok_decode(v, ids.ids, ids.n, false, true, &out_len, err, sizeof err);
        assert_non_null(back);
        assert_int_equal(out_len, n);
        assert_memory_equal(back, buf, n);
        free(back);
    }
    tok_ids_free(&ids);
    tok_vocab_free(v);
    tok_learned_free(l);
    free(text);
}

static void test_gguf_round_trip(void **state)
{
    (void)state;
    size_t len;
    char *text = sample_text(100000, &len);
    tok_learned *l = learn(text, len, 300, chat_specials);
    tok_spec spec;
    tok_learned_spec(l, &spec);
    char path[] = "/tmp/test_tok_learn_XXXXXX", err[256] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    tok_vocab *v = vocab_of(l);
    gguf_writer *w = gguf_writer_new(0);
    assert_non_null(w);
    assert_int_equal(tok_vocab_to_gguf(v, "{{ x }}", 0, w, err, sizeof err), 0);
    assert_int_equal(gguf_writer_write(w, path, err, sizeof err), 0);
    gguf_writer_free(w);
    char *tmpl = NULL;
    tok_vocab *g = tok_vocab_load_gguf(path, &tmpl, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    unlink(path);
    assert_string_equal(tmpl, "{{ x }}");
    assert_string_equal(tok_vocab_pre(g), "gpt-2");
    assert_int_equal(tok_vocab_size(g), spec.n_tokens);
    assert_int_equal(tok_bos(g), spec.bos);
    assert_int_equal(tok_token_type(g, (int32_t)spec.n_tokens - 1), TOK_T_CONTROL);
    tok_ids a = {0}, b = {0};
    encode(v, text, len, &a);
    encode(g, text, len, &b);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.ids, b.ids, a.n * sizeof *a.ids);
    tok_ids_free(&a);
    tok_ids_free(&b);
    tok_vocab_free(v);
    tok_vocab_free(g);
    free(tmpl);
    tok_learned_free(l);
    free(text);
}

/* Over three letters, different pairs often spell the same token ("ab c"
 * and "a bc"); the tokenizer must still segment every corpus exactly as the
 * learner did. */
static void test_encoder_agrees_on_random_corpora(void **state)
{
    (void)state;
    char buf[8192];
    tok_ids ids = {0};
    for (uint64_t seed = 1; seed <= 40; seed++) {
        world_rng r;
        world_rng_init(&r, seed);
        size_t n = 0;
        while (n + 10 < sizeof buf) {
            int wl = 1 + world_rng_below(&r, 8);
            buf[n++] = ' ';
            for (int i = 0; i < wl; i++)
                buf[n++] = "abc"[world_rng_below(&r, 3)];
        }
        tok_learned *l = learn(buf, n, 150, NULL);
        tok_vocab *v = vocab_of(l);
        encode(v, buf, n, &ids);
        assert_int_equal(ids.n, tok_learned_corpus_tokens(l));
        tok_vocab_free(v);
        tok_learned_free(l);
    }
    tok_ids_free(&ids);
}

/* samples/data/vocab.gguf is what `make sample-data` learns (the arguments
 * of its rule in Makefile.am) from the regenerated pretraining text. */
static void test_committed_sample_vocab(void **state)
{
    (void)state;
    size_t len;
    char *text = sample_text(3000000, &len);
    tok_learned *l = learn(text, len, 4000, chat_specials);
    free(text);
    tok_spec spec;
    tok_learned_spec(l, &spec);
    const char *src = getenv("LATHE_SRCDIR");
    char path[1024], err[256] = "", *tmpl = NULL;
    snprintf(path, sizeof path, "%s/samples/data/vocab.gguf", src ? src : ".");
    tok_vocab *g = tok_vocab_load_gguf(path, &tmpl, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    assert_int_equal(tok_vocab_size(g), spec.n_tokens);
    for (size_t i = 0; i < spec.n_tokens; i++) {
        size_t n;
        const char *t = tok_text(g, (int32_t)i, &n);
        assert_int_equal(n, strlen(spec.tokens[i]));
        assert_memory_equal(t, spec.tokens[i], n);
    }
    assert_non_null(tmpl);
    assert_non_null(strstr(tmpl, "<|im_start|>"));
    int32_t end = tok_lookup(g, "<|im_end|>", 10);
    assert_int_equal(tok_token_type(g, end), TOK_T_CONTROL);
    assert_true(tok_is_eog(g, end));
    assert_int_equal(tok_bos(g), tok_lookup(g, "<|endoftext|>", 13));
    free(tmpl);
    tok_vocab_free(g);
    tok_learned_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_corpus_merges),
        cmocka_unit_test(test_merge_limit_and_min_count),
        cmocka_unit_test(test_specials_kept_whole),
        cmocka_unit_test(test_many_specials),
        cmocka_unit_test(test_rejects_bad_input),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_round_trip_and_compression),
        cmocka_unit_test(test_encoder_agrees_on_random_corpora),
        cmocka_unit_test(test_gguf_round_trip),
        cmocka_unit_test(test_committed_sample_vocab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
