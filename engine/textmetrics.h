/* textmetrics.h - generation-eval metrics: a model's answer (the hypothesis)
 * against a reference answer. Exact match, BLEU-4 and ROUGE-L, each with its
 * own tokenisation, defined below so scores can be compared with the Python
 * packages people already use (sacrebleu 2.x, Google's rouge-score).
 *
 * All inputs are NUL-terminated byte strings, expected to be UTF-8. Invalid
 * UTF-8 never crashes anything: bytes that do not form one of the code points
 * named below are treated as ordinary non-space, non-alphanumeric bytes.
 *
 * EXACT MATCH (tm_normalize, tm_exact_match): both strings are normalised and
 * compared byte for byte. Normalisation, in order:
 *   1. ASCII letters A-Z are lowercased; every other byte (all of non-ASCII
 *      UTF-8 included) is left unchanged, so "É" and "é" differ.
 *   2. Leading ASCII whitespace (space, \t \n \v \f \r) is removed.
 *   3. Trailing characters from the set {whitespace . , ; : ! ?} are removed
 *      ("Paris ." and "paris!" both become "paris"); quotes and brackets stay.
 *   4. Every remaining run of ASCII whitespace becomes one space.
 *
 * BLEU-4 (tm_sentence_bleu, tm_corpus_*): sacrebleu's BLEU with its defaults
 * (signature nrefs:1|case:mixed|tok:13a|smooth:exp), one reference per pair.
 *   Tokenisation ("13a", mteval-v13a.pl as in sacrebleu's Tokenizer13a and
 *   TokenizerRegexp): case is kept; trailing whitespace is stripped; then, as
 *   whole-string replacements in this order: "<skipped>" -> "", "-\n" -> "",
 *   "\n" -> " ", "&quot;" -> '"', "&amp;" -> "&", "&lt;" -> "<", "&gt;" -> ">";
 *   the line is padded with one space each side; then four regex passes:
 *     a. each of { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
 *        gets a space either side;
 *     b. "." or "," preceded by a non-digit gets split off (X. -> X . );
 *     c. "." or "," followed by a non-digit gets split off (.X -> . X);
 *     d. "-" preceded by a digit gets a space either side (5-3 -> 5 - 3);
 *   and the result is split on whitespace. Apostrophes and other hyphens stay
 *   inside tokens. Whitespace here is Python's str.split() set: ASCII \t-\r,
 *   0x1C-0x1F, space, and the UTF-8 code points U+0085, U+00A0, U+1680,
 *   U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. Non-ASCII text is
 *   otherwise never split (a CJK sentence without spaces is one token).
 *   Scoring (Papineni et al. 2002, as sacrebleu's BLEU.compute_bleu):
 *   clipped n-gram matches correct[n] = sum over n-grams g of
 *   min(count_hyp(g), count_ref(g)) and total[n] = hypothesis n-grams, n=1..4;
 *   p[n] = 100 * correct[n] / total[n]; BP = 1 if sys_len >= ref_len,
 *   exp(1 - ref_len/sys_len) if 0 < sys_len < ref_len, 0 if sys_len = 0;
 *   BLEU = BP * exp(mean of log p[n]) on a 0-100 scale. If no n-gram of any
 *   order matches, BLEU = 0. Smoothing "exp" = Chen & Cherry (WMT 2014,
 *   "A Systematic Comparison of Smoothing Techniques for Sentence-Level
 *   BLEU") method 3, the NIST/mteval geometric smoothing: the k-th order
 *   (counting from the lowest) whose correct count is 0 gets
 *   p[n] = 100 / (2^k * total[n]). Orders with total[n] = 0 end the loop.
 *   Sentence BLEU uses the effective order (sacrebleu.sentence_bleu's
 *   default): the mean runs over orders 1..N where N is the highest order
 *   with total[N] > 0, so a 2-token answer is scored on 1- and 2-grams.
 *   Corpus BLEU sums lengths and counts over all pairs first and always
 *   averages over 4 orders (a zero precision then makes the score 0).
 *
 * ROUGE-L (tm_rouge_l, tm_corpus_*): rouge-score's "rougeL" with its default
 * tokeniser and no stemming. Tokenisation: the text is lowercased (Unicode
 * lowercase as Python's str.lower(); only its ASCII results can survive the
 * next step, which for non-ASCII input means U+0130 -> "i" followed by a
 * break and U+212A KELVIN SIGN -> "k"), every run of characters outside
 * [a-z0-9] becomes a token break, and the pieces are the tokens. All other
 * non-ASCII text is dropped. With LCS the length of the longest common
 * subsequence of the token sequences: precision = LCS / hyp tokens,
 * recall = LCS / ref tokens, F1 = 2PR / (P + R) (beta = 1); all three are 0
 * when either side has no tokens or P + R = 0. Scores are on a 0-1 scale.
 * The LCS is computed in O(n*m) time and O(min(n, m)) memory.
 *
 * Corpus scores: exact match is the fraction of pairs that match (0-1),
 * BLEU is corpus BLEU as above (0-100), ROUGE-L is the mean of the per-pair
 * F1 values (0-1), as averaging rouge-score's per-example scores gives. */
#ifndef LATHE_TEXTMETRICS_H
#define LATHE_TEXTMETRICS_H

#include <stdbool.h>
#include <stddef.h>

#define TM_BLEU_ORDER 4

typedef struct {
    double score;                      /* 0-100 */
    double precision[TM_BLEU_ORDER];   /* p[n] after smoothing, 0-100 */
    double bp;                         /* brevity penalty */
    size_t correct[TM_BLEU_ORDER];
    size_t total[TM_BLEU_ORDER];
    size_t sys_len, ref_len;           /* in 13a tokens */
} tm_bleu;

typedef struct {
    double precision, recall, f1;      /* 0-1 */
    size_t lcs, hyp_len, ref_len;      /* in tokens */
} tm_rouge;

/* Accumulates pairs for corpus-level scores; a plain value, no allocation.
 * Fill with tm_corpus_init, feed with tm_corpus_add, read with
 * tm_corpus_finish (which may be called at any point, any number of times). */
typedef struct {
    size_t pairs, exact;
    size_t correct[TM_BLEU_ORDER], total[TM_BLEU_ORDER];
    size_t sys_len, ref_len;
    double rouge_f1_sum;
} tm_corpus;

typedef struct {
    size_t pairs;
    double exact_match;  /* fraction of pairs, 0-1 */
    tm_bleu bleu;        /* corpus BLEU, 0-100 */
    double rouge_l;      /* mean per-pair F1, 0-1 */
} tm_report;

/* Writes the exact-match normal form of s into out, which must hold
 * strlen(s) + 1 bytes; returns its length. */
size_t tm_normalize(const char *s, char *out);
/* True when hyp and ref have the same normal form. Never allocates. */
bool tm_exact_match(const char *hyp, const char *ref);

/* Sentence BLEU of hyp against ref. Returns 0, or -1 with a message in err
 * when out of memory or an argument is NULL. */
int tm_sentence_bleu(const char *hyp, const char *ref, tm_bleu *out,
                     char *err, size_t errlen);
/* ROUGE-L of hyp against ref. Returns 0 or -1 as tm_sentence_bleu. */
int tm_rouge_l(const char *hyp, const char *ref, tm_rouge *out,
               char *err, size_t errlen);

void tm_corpus_init(tm_corpus *c);
/* Adds one (hypothesis, reference) pair. Returns 0, or -1 with a message in
 * err (and c unchanged) when out of memory or an argument is NULL. */
int tm_corpus_add(tm_corpus *c, const char *hyp, const char *ref,
                  char *err, size_t errlen);
void tm_corpus_finish(const tm_corpus *c, tm_report *out);

#endif
