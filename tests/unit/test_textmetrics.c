/* test_textmetrics.c - exact match normalisation, BLEU-4 and ROUGE-L against
 * values derived by hand (arithmetic in the comments) and values published in
 * sacrebleu's and rouge-score's own test suites, plus empty, non-UTF-8 and
 * 10k-token inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmetrics.h"

#define EPS 1e-9

static void assert_near(double got, double want, double eps)
{
    if (fabs(got - want) > eps) {
        fprintf(stderr, "got %.12f want %.12f\n", got, want);
        fail();
    }
}

static tm_bleu sbleu(const char *hyp, const char *ref)
{
    tm_bleu b;
    char err[128] = "";
    assert_int_equal(tm_sentence_bleu(hyp, ref, &b, err, sizeof err), 0);
    return b;
}

static tm_rouge rouge(const char *hyp, const char *ref)
{
    tm_rouge r;
    char err[128] = "";
    assert_int_equal(tm_rouge_l(hyp, ref, &r, err, sizeof err), 0);
    return r;
}

static tm_report corpus_of(const char *const *hyp, const char *const *ref, size_t n)
{
    tm_corpus c;
    tm_report rep;
    char err[128] = "";
    tm_corpus_init(&c);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tm_corpus_add(&c, hyp[i], ref[i], err, sizeof err), 0);
    tm_corpus_finish(&c, &rep);
    return rep;
}

static void check_norm(const char *in, const char *want)
{
    char out[256];
    assert_true(strlen(in) < sizeof out);
    assert_int_equal(tm_normalize(in, out), strlen(want));
    assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
    (void)state;
    check_norm("  The   answer\tis\n42!  ", "the answer is 42");
    check_norm("Paris .", "paris");
    check_norm("Yes, sir?!", "yes, sir");
    check_norm("\"Quoted.\"", "\"quoted.\"");   /* a quote ends it: kept */
    check_norm("3.14", "3.14");
    check_norm("...", "");
    check_norm("", "");
    /* Only ASCII is lowercased; UTF-8 bytes pass through untouched. */
    check_norm("\xc3\x89mile ZOLA", "\xc3\x89mile zola");
}

static void test_exact_match(void **state)
{
    (void)state;
    assert_true(tm_exact_match("Paris", "paris."));
    assert_true(tm_exact_match(" New  York ", "new york!"));
    assert_true(tm_exact_match("", "  .  "));
    assert_false(tm_exact_match("42", "42.0"));
    assert_false(tm_exact_match("yes, sir", "yes sir"));
    assert_false(tm_exact_match("newyork", "new york"));
    assert_false(tm_exact_match("\xc3\x89mile", "\xc3\xa9mile"));
    assert_true(tm_exact_match("\xc3\x89mile", "\xc3\x89mile "));
    assert_false(tm_exact_match("paris", "pari"));
}

static void test_bleu_identical(void **state)
{
    (void)state;
    tm_bleu b = sbleu("the cat sat on the mat", "the cat sat on the mat");
    assert_near(b.score, 100.0, EPS);
    assert_near(b.bp, 1.0, EPS);
    assert_int_equal(b.sys_len, 6);
    const char *h[] = {"the cat sat on the mat"};
    assert_near(corpus_of(h, h, 1).bleu.score, 100.0, EPS);
}

static void test_bleu_disjoint(void **state)
{
    (void)state;
    assert_near(sbleu("a b c d", "e f g h").score, 0.0, 0.0);
    /* sacrebleu test_sentence_bleu.py (issue #141): no match at all is 0. */
    assert_near(sbleu("this is a cat", "okay thanks").score, 0.0, 0.0);
}

/* hyp "the cat sat on the mat" (6 tokens), ref "the cat sat on the red mat"
 * (7): unigrams 6/6; bigrams the-cat cat-sat sat-on on-the match, the-mat
 * does not: 4/5; trigrams 3/4 (on-the-mat misses); 4-grams 2/3.
 * mean = (1 * 0.8 * 0.75 * 2/3)^(1/4) = 0.4^0.25 = 0.795270728767;
 * BP = exp(1 - 7/6) = exp(-1/6) = 0.846481724891;
 * BLEU = 100 * 0.4^0.25 * exp(-1/6) = 67.3182... */
static void test_bleu_partial_brevity(void **state)
{
    (void)state;
    tm_bleu b = sbleu("the cat sat on the mat", "the cat sat on the red mat");
    size_t corr[4] = {6, 4, 3, 2}, tot[4] = {6, 5, 4, 3};
    for (int n = 0; n < 4; n++) {
        assert_int_equal(b.correct[n], corr[n]);
        assert_int_equal(b.total[n], tot[n]);
    }
    assert_int_equal(b.ref_len, 7);
    assert_near(b.bp, exp(-1.0 / 6.0), EPS);
    assert_near(b.score, 100.0 * pow(0.4, 0.25) * exp(-1.0 / 6.0), EPS);
    assert_near(b.score, 67.3182, 1e-4);
}

/* Clipping: "the the the the" against "the cat": the hypothesis unigram
 * "the" occurs 4 times but only once in the reference, so 1/4. */
static void test_bleu_clipping(void **state)
{
    (void)state;
    tm_bleu b = sbleu("the the the the", "the cat");
    assert_int_equal(b.correct[0], 1);
    assert_int_equal(b.total[0], 4);
    assert_int_equal(b.correct[1], 0);
}

/* hyp "a b c d e", ref "a b x d e", equal lengths so BP = 1.
 * p1 = 4/5 = 80; p2: ab, de of ab bc cd de = 2/4 = 50;
 * p3 = 0/3: first zero order, 100 / (2 * 3) = 16.6667;
 * p4 = 0/2: second zero order, 100 / (4 * 2) = 12.5;
 * BLEU = (80 * 50 * 16.6667 * 12.5)^(1/4) = (2.5e6 / 3)^(1/4) = 30.2138... */
static void test_bleu_exp_smoothing(void **state)
{
    (void)state;
    tm_bleu b = sbleu("a b c d e", "a b x d e");
    assert_near(b.precision[2], 100.0 / 6.0, EPS);
    assert_near(b.precision[3], 12.5, EPS);
    double want = pow(80.0 * 50.0 * (100.0 / 6.0) * 12.5, 0.25);
    assert_near(b.score, want, EPS);
    assert_near(want, 30.2138, 1e-4);
    const char *h[] = {"a b c d e"}, *r[] = {"a b x d e"};
    assert_near(corpus_of(h, r, 1).bleu.score, want, EPS);
}

/* hyp "the cat" (2 tokens), ref "the cat sat": p1 = 2/2, p2 = 1/1, no
 * 3-grams. Sentence BLEU uses the effective order 2: mean 100,
 * BP = exp(1 - 3/2) = exp(-0.5), BLEU = 60.6531. Corpus BLEU keeps order 4
 * and p3 = 0 makes it 0. */
static void test_bleu_effective_order(void **state)
{
    (void)state;
    assert_near(sbleu("the cat", "the cat sat").score, 100.0 * exp(-0.5), EPS);
    const char *h[] = {"the cat"}, *r[] = {"the cat sat"};
    assert_near(corpus_of(h, r, 1).bleu.score, 0.0, 0.0);
    /* sacrebleu test_bleu.py test_case_effective_order: "test" vs "a test"
     * is exp(1 - 2/1) = 0.3678794411714425, "a test" vs itself 1. */
    assert_near(sbleu("test", "a test").score, 36.78794411714425, 1e-9);
    assert_near(sbleu("a test", "a test").score, 100.0, EPS);
}

/* sacrebleu test_bleu.py test_case_statistics: counts [4,2,1,0], totals
 * [6,5,4,3]; test_case_scoring: counts [9,7,5,3], totals [10,8,6,4],
 * lengths 11/11 give 0.8375922397. */
static void test_bleu_sacrebleu_cases(void **state)
{
    (void)state;
    tm_bleu b = sbleu("am I am a character sequence", "I am a symbol string sequence a a");
    size_t corr[4] = {4, 2, 1, 0}, tot[4] = {6, 5, 4, 3};
    for (int n = 0; n < 4; n++) {
        assert_int_equal(b.correct[n], corr[n]);
        assert_int_equal(b.total[n], tot[n]);
    }
    tm_corpus c;
    tm_report rep;
    tm_corpus_init(&c);
    size_t c2[4] = {9, 7, 5, 3}, t2[4] = {10, 8, 6, 4};
    memcpy(c.correct, c2, sizeof c2);
    memcpy(c.total, t2, sizeof t2);
    c.sys_len = c.ref_len = 11;
    c.pairs = 1;
    tm_corpus_finish(&c, &rep);
    assert_near(rep.bleu.score, 83.75922397, 1e-6);
}

/* sacrebleu test_sentence_bleu.py (issue #98): Romanian with different
 * cedilla/comma-below letters, smooth exp, 13a, effective order: 8.493. */
static void test_bleu_sacrebleu_utf8(void **state)
{
    (void)state;
    const char *ref = "produc\xc5\xa3ia de zah\xc4\x83r brut se exprim\xc4\x83 "
                      "\xc3\xaen zah\xc4\x83r alb;";
    const char *sys = "Produc\xc8\x9bia de zah\xc4\x83r prim\xc4\x83 va fi "
                      "exprimat\xc4\x83 \xc3\xaen ceea ce prive\xc8\x99te "
                      "zah\xc4\x83rul alb;";
    assert_near(sbleu(sys, ref).score, 8.493, 1e-3);
}

/* 13a: punctuation splits off, except '.' and ',' between digits; '-' after
 * a digit splits; apostrophes and word-internal hyphens stay; &amp; is
 * unescaped. Equal token sequences score 100, so each pair checks one rule. */
static void test_bleu_tokenizer(void **state)
{
    (void)state;
    assert_near(sbleu("Hello, world!", "Hello , world !").score, 100.0, EPS);
    assert_near(sbleu("e.g. it's 3.5", "e . g . it's 3.5").score, 100.0, EPS);
    assert_near(sbleu("1,000 (x)", "1,000 ( x )").score, 100.0, EPS);
    assert_near(sbleu("5-3", "5 - 3").score, 100.0, EPS);
    assert_near(sbleu("AT&amp;T", "AT & T").score, 100.0, EPS);
    assert_near(sbleu("a\xc2\xa0" "b\xe3\x80\x80" "c", "a b c").score, 100.0, EPS);
    assert_int_equal(sbleu("well-known", "well - known").sys_len, 1);
    assert_int_equal(sbleu("3.5", "x").sys_len, 1);
    assert_int_equal(sbleu("Hi <skipped>there", "x").sys_len, 2);
}

static void test_bleu_empty(void **state)
{
    (void)state;
    tm_bleu b = sbleu("", "the cat");
    assert_near(b.score, 0.0, 0.0);
    assert_near(b.bp, 0.0, 0.0);
    assert_near(sbleu("", "").score, 0.0, 0.0);
    assert_near(sbleu("the cat", "").score, 0.0, 0.0);
    const char *h[] = {"", ""}, *r[] = {"a b", "c d"};
    assert_near(corpus_of(h, r, 2).bleu.score, 0.0, 0.0);
}

/* Two pairs: "the cat sat on the mat" twice (6/6 5/5 4/4 3/3) and
 * "a b c d e" vs "a b x d e" (4/5 2/4 0/3 0/2). Summed: 10/11 7/9 4/7 3/5,
 * lengths 11/11, BLEU = 100 * (840 / 3465)^(1/4) = 70.1699...
 * Exact match 1/2; ROUGE-L F1 1 and 0.8 (LCS a b d e = 4 of 5), mean 0.9. */
static void test_corpus(void **state)
{
    (void)state;
    const char *h[] = {"the cat sat on the mat", "a b c d e"};
    const char *r[] = {"the cat sat on the mat", "a b x d e"};
    tm_report rep = corpus_of(h, r, 2);
    assert_int_equal(rep.pairs, 2);
    assert_near(rep.exact_match, 0.5, EPS);
    assert_int_equal(rep.bleu.correct[0], 10);
    assert_int_equal(rep.bleu.total[3], 5);
    assert_near(rep.bleu.score, 100.0 * pow(840.0 / 3465.0, 0.25), EPS);
    assert_near(rep.rouge_l, 0.9, EPS);

    tm_corpus c;
    tm_corpus_init(&c);
    tm_corpus_finish(&c, &rep);
    assert_int_equal(rep.pairs, 0);
    assert_near(rep.bleu.score + rep.exact_match + rep.rouge_l, 0.0, 0.0);
}

static void test_null_arguments(void **state)
{
    (void)state;
    char err[128] = "";
    tm_bleu b;
    tm_rouge r;
    tm_corpus c;
    tm_corpus_init(&c);
    assert_int_equal(tm_sentence_bleu(NULL, "x", &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "NULL"));
    assert_int_equal(tm_rouge_l("x", NULL, &r, err, sizeof err), -1);
    assert_int_equal(tm_corpus_add(&c, "x", NULL, err, sizeof err), -1);
    assert_int_equal(c.pairs, 0);
}

/* rouge-score rouge_scorer_test.py (score(target, prediction); ours take the
 * hypothesis first): "testing" vs "testing one two" P 1 R 1/3 F 1/2;
 * testRougeLConsecutive / NonConsecutive: P 1, R 2/3, F 4/5; testRougeEmpty. */
static void test_rouge_package_cases(void **state)
{
    (void)state;
    tm_rouge r = rouge("testing", "testing one two");
    assert_near(r.precision, 1.0, EPS);
    assert_near(r.recall, 1.0 / 3.0, EPS);
    assert_near(r.f1, 0.5, EPS);
    r = rouge("testing one", "testing one two");
    assert_near(r.f1, 0.8, EPS);
    r = rouge("testing two", "testing one two");
    assert_near(r.recall, 2.0 / 3.0, EPS);
    assert_near(r.f1, 0.8, EPS);
    r = rouge("", "testing one two");
    assert_near(r.precision + r.recall + r.f1, 0.0, 0.0);
    r = rouge("/", "w1 w2 w3 w4 w5");
    assert_near(r.f1, 0.0, 0.0);
}

/* "the cat was found under the bed" (7) vs "the cat was under the bed" (6):
 * LCS = the cat was under the bed = 6; P = 6/7, R = 1,
 * F = 2 * (6/7) / (13/7) = 12/13. "a b c d" vs "b a d c": LCS 2 (a c),
 * P = R = F = 1/2. Disjoint: 0. */
static void test_rouge_hand(void **state)
{
    (void)state;
    tm_rouge r = rouge("the cat was found under the bed", "the cat was under the bed");
    assert_int_equal(r.lcs, 6);
    assert_near(r.precision, 6.0 / 7.0, EPS);
    assert_near(r.recall, 1.0, EPS);
    assert_near(r.f1, 12.0 / 13.0, EPS);
    r = rouge("a b c d", "b a d c");
    assert_int_equal(r.lcs, 2);
    assert_near(r.f1, 0.5, EPS);
    assert_near(rouge("a b", "c d").f1, 0.0, 0.0);
    assert_near(rouge("", "").f1, 0.0, 0.0);
}

/* Lowercase, everything outside [a-z0-9] breaks tokens: "Hello, World!" is
 * hello world; "It's 3.5" is it s 3 5; "caf\u00e9" is caf; U+0130 is i plus
 * a break; U+212A KELVIN is k; CJK gives no tokens at all. */
static void test_rouge_tokenizer(void **state)
{
    (void)state;
    assert_near(rouge("Hello, World!", "hello world").f1, 1.0, EPS);
    tm_rouge r = rouge("It's 3.5", "it s 3 5");
    assert_int_equal(r.hyp_len, 4);
    assert_near(r.f1, 1.0, EPS);
    r = rouge("caf\xc3\xa9 na\xc3\xafve", "caf na ve");
    assert_int_equal(r.hyp_len, 3);
    assert_near(r.f1, 1.0, EPS);
    r = rouge("\xc4\xb0stanbul", "i stanbul");
    assert_int_equal(r.hyp_len, 2);
    assert_near(r.f1, 1.0, EPS);
    assert_near(rouge("5\xe2\x84\xaa", "5k").f1, 1.0, EPS);
    r = rouge("\xe7\x8c\xab\xe3\x81\x8c\xe5\xba\xa7\xe3\x81\xa3\xe3\x81\x9f", "x");
    assert_int_equal(r.hyp_len, 0);
}

/* Broken UTF-8 (stray continuation bytes, a truncated lead byte at the very
 * end, 0xFF) must not crash or read past the string. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = {"\xff\xfe abc \xc4", "\x80\x80", "abc \xe2\x84", "\xe2", "x \xc2"};
    char out[32];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tm_bleu b = sbleu(bad[i], bad[i]);
        assert_near(b.score, 100.0, EPS);
        (void)rouge(bad[i], "abc");
        tm_normalize(bad[i], out);
        assert_true(tm_exact_match(bad[i], bad[i]));
    }
    assert_int_equal(rouge("\xff\xfe abc \xc4", "abc").hyp_len, 1);
}

/* 10k tokens "w0 .. w9999"; the reference replaces every 10th with "x":
 * LCS = 9000, P = R = F = 0.9; BLEU on the identical pair is 100. */
static char *words(size_t n, int every_tenth_x)
{
    char *s = malloc(n * 8 + 1), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, every_tenth_x && i % 10 == 0 ? "x " : "w%zu ", i);
    *p = '\0';
    return s;
}

static void test_long_inputs(void **state)
{
    (void)state;
    char *h = words(10000, 0), *r = words(10000, 1);
    tm_rouge rr = rouge(h, r);
    assert_int_equal(rr.lcs, 9000);
    assert_near(rr.f1, 0.9, EPS);
    tm_bleu b = sbleu(h, h);
    assert_int_equal(b.sys_len, 10000);
    assert_near(b.score, 100.0, EPS);
    free(h);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_bleu_identical),
        cmocka_unit_test(test_bleu_disjoint),
        cmocka_unit_test(test_bleu_partial_brevity),
        cmocka_unit_test(test_bleu_clipping),
        cmocka_unit_test(test_bleu_exp_smoothing),
        cmocka_unit_test(test_bleu_effective_order),
        cmocka_unit_test(test_bleu_sacrebleu_cases),
        cmocka_unit_test(test_bleu_sacrebleu_utf8),
        cmocka_unit_test(test_bleu_tokenizer),
        cmocka_unit_test(test_bleu_empty),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_rouge_package_cases),
        cmocka_unit_test(test_rouge_hand),
        cmocka_unit_test(test_rouge_tokenizer),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
