/* ds_pii.h - personal data and secrets in dataset text: e-mail addresses,
 * phone numbers, credit-card-like numbers (Luhn-checked), API keys by their
 * vendor prefix, and long high-entropy tokens. Each hit is a byte span, so
 * the Data pane can highlight it and the cleaner can redact exactly it.
 *
 * Detection is a single hand-written scan (no regex), tuned to miss little
 * without flagging ordinary prose and code:
 *   email    local@domain.tld: a local part of up to 64 [A-Za-z0-9._%+-], a dotted domain,
 *            a top-level domain of two or more letters.
 *   phone    10 to 15 digits in groups of at most 5 split by single spaces,
 *            '-', '.' or a parenthesised area code, the last group at least
 *            4 digits; or '+' and 8 to 15 digits in such groups. A bare digit run is not a phone (ids,
 *            timestamps), nor are dates or dotted IP addresses.
 *   card     13 to 19 digits, optionally grouped by single spaces or '-',
 *            passing the Luhn check and not all one digit.
 *   api_key  AKIA/ASIA + 16 [A-Z0-9] (AWS), sk-/sk_live_/sk_test_ + 20 or
 *            more (OpenAI, Stripe), ghp_/gho_/ghu_/ghs_/ghr_ + 30 or more and
 *            github_pat_ (GitHub), xoxb-/xoxp-/xoxa-/xoxr-/xoxs- (Slack),
 *            AIza + 35 (Google), glpat- + 20 (GitLab).
 *   secret   a run of 32 to 4096 [A-Za-z0-9+/=_-], at most 1/16 of it
 *            punctuation, with 2+ upper case, 2+ lower case and 3+ digits and
 *            a Shannon entropy of at least 4.2 bits per character, and not
 *            an alphabet (a quarter or more of its neighbours consecutive,
 *            as in "abcd...0123"): random base64 keys, not hex hashes,
 *            identifiers or paths.
 * Every span starts and ends at a word boundary. */
#ifndef LATHE_DS_PII_H
#define LATHE_DS_PII_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DS_PII_EMAIL,
    DS_PII_PHONE,
    DS_PII_CARD,
    DS_PII_API_KEY,
    DS_PII_SECRET,
    DS_PII_KINDS
} ds_pii_kind;

typedef struct {
    size_t start, len;   /* bytes within the scanned text */
    ds_pii_kind kind;
} ds_pii_span;

/* "email", "phone", "credit_card", "api_key", "secret". */
const char *ds_pii_kind_name(ds_pii_kind k);
/* Returns 0 and sets *OUT for a kind name (also "card", "key"), else -1. */
int ds_pii_kind_parse(const char *name, size_t len, ds_pii_kind *out);

/* Scans LEN bytes of TEXT; stores the first CAP hits (in text order, never
 * overlapping) in SPANS (may be NULL when CAP is 0) and returns the number of
 * hits, which may exceed CAP. */
size_t ds_pii_scan(const char *text, size_t len, ds_pii_span *spans, size_t cap);

/* True when the digits of S (other characters ignored) pass the Luhn check. */
int ds_pii_luhn(const char *s, size_t len);

#endif
