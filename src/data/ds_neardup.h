/* ds_neardup.h - near-duplicate records: MinHash signatures of word
 * shingles, LSH banding to find candidate pairs, and a similarity check on
 * the signatures against an adjustable Jaccard threshold.
 *
 * Shingles: the record's texts (ds_record_piece) are split into words:
 * runs of ASCII letters and digits (lower-cased) or non-ASCII bytes, except
 * that each CJK character (U+3000..U+9FFF) is a word of its own; ASCII
 * punctuation and white space only separate. A shingle is 3 consecutive
 * words (a text of 1 or 2 words is one shingle), so case, punctuation and
 * spacing changes do not matter while word order does.
 *
 * Signature: one-permutation MinHash (Li, Owen and Zhang 2012): each shingle
 * is hashed once (64-bit), its top 6 bits pick one of 64 bins and each bin
 * keeps its smallest hash; an empty bin borrows the next non-empty bin's
 * value to its right, offset by the distance (densification by rotation,
 * Shrivastava and Li 2014). Only the low 8 bits of each bin are kept (b-bit
 * MinHash, Li and König 2010): 64 bytes a record. Two signatures agree in a
 * bin with probability J + (1 - J)/256 for Jaccard similarity J, which
 * ds_minhash_similarity inverts.
 *
 * Banding: the 64 bins form b bands of r rows (r = 8, 4, 2 or 1: the largest
 * whose LSH threshold (1/b)^(1/r) is at most T - 0.1, so pairs near T are
 * found with high probability). Records sharing a band are candidates; a
 * record is checked against the earlier records of its bucket in file order
 * (the first 16, then the 16 just before it) and the earliest that reaches
 * T wins. So a near duplicate keeps the first similar earlier record
 * (keep-first); in a bucket of more than 33 records a similar record between
 * those windows can be missed in that band (another band usually finds it). */
#ifndef LATHE_DS_NEARDUP_H
#define LATHE_DS_NEARDUP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds_record.h"

enum { DS_MINHASH_K = 64, DS_SHINGLE_WORDS = 3 };
#define DS_NEAR_THRESHOLD_DEFAULT 0.8
#define DS_NEAR_NONE UINT32_MAX

typedef struct {
    uint8_t v[DS_MINHASH_K];
} ds_minhash;

/* Signature of a text or of a record's texts; false when there are no
 * words (such records are never near duplicates; exact dedupe covers them). */
bool ds_minhash_text(const char *text, size_t len, ds_minhash *out);
bool ds_minhash_record(const ds_record *rec, ds_minhash *out);
/* Estimated Jaccard similarity of the shingle sets, in [0, 1]. */
double ds_minhash_similarity(const ds_minhash *a, const ds_minhash *b);

typedef struct {
    double threshold;            /* in (0, 1]; DS_NEAR_THRESHOLD_DEFAULT */
    int threads;                 /* >= 1 */
    const atomic_bool *cancel;   /* may be NULL */
    atomic_size_t *bands_done;   /* progress, may be NULL */
} ds_neardup_options;

/* The band count ds_neardup_find uses for THRESHOLD. */
int ds_neardup_bands(double threshold);

/* For each of the N records, FIRST[i] = the earlier record it nearly
 * duplicates, or DS_NEAR_NONE. SIGS[i] is used only where HAS_SIG[i].
 * Returns 0, or -1 with a message (out of memory, cancelled). */
int ds_neardup_find(const ds_minhash *sigs, const uint8_t *has_sig, size_t n,
                    const ds_neardup_options *opt, uint32_t *first, char *err, size_t errlen);

#endif
