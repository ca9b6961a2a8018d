/* ds_pii.c - the PII and secret scanner of ds_pii.h: one left-to-right pass
 * that tries each detector at every word start. */
#include "config.h"

#include "ds_pii.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static const char *const kind_names[DS_PII_KINDS] = {"email", "phone", "credit_card", "api_key",
                                                     "secret"};

const char *ds_pii_kind_name(ds_pii_kind k)
{
    return k < DS_PII_KINDS ? kind_names[k] : "?";
}

int ds_pii_kind_parse(const char *name, size_t len, ds_pii_kind *out)
{
    static const struct { const char *name; ds_pii_kind kind; } alias[] = {
        {"email", DS_PII_EMAIL}, {"phone", DS_PII_PHONE}, {"credit_card", DS_PII_CARD},
        {"card", DS_PII_CARD}, {"api_key", DS_PII_API_KEY}, {"key", DS_PII_API_KEY},
        {"secret", DS_PII_SECRET}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strlen(alias[i].name) == len && !memcmp(alias[i].name, name, len)) {
            *out = alias[i].kind;
            return 0;
        }
    return -1;
}

/* Character classes by table: the scanner asks several per byte. */
enum { C_DIGIT = 1, C_UPPER = 2, C_LOWER = 4, C_UNDER = 8, C_LOCAL = 16, C_SECRET = 32 };

static uint8_t class_of(unsigned char c)
{
    uint8_t k = c >= '0' && c <= '9' ? C_DIGIT : c >= 'A' && c <= 'Z' ? C_UPPER
              : c >= 'a' && c <= 'z' ? C_LOWER : c == '_' ? C_UNDER : 0;
    if ((k & (C_DIGIT | C_UPPER | C_LOWER)) || (c && strchr("._%+-", c)))
        k |= C_LOCAL;
    if ((k & (C_DIGIT | C_UPPER | C_LOWER)) || (c && strchr("+/=_-", c)))
        k |= C_SECRET;
    return k;
}

static uint8_t classes[256];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void init_classes(void)
{
    for (int c = 0; c < 256; c++)
        classes[c] = class_of((unsigned char)c);
}

static inline bool has(char c, uint8_t k) { return classes[(unsigned char)c] & k; }
static inline bool is_digit(char c) { return has(c, C_DIGIT); }
static inline bool is_upper(char c) { return has(c, C_UPPER); }
static inline bool is_lower(char c) { return has(c, C_LOWER); }
static inline bool is_alpha(char c) { return has(c, C_UPPER | C_LOWER); }
static inline bool is_alnum(char c) { return has(c, C_DIGIT | C_UPPER | C_LOWER); }
static inline bool is_word(char c) { return has(c, C_DIGIT | C_UPPER | C_LOWER | C_UNDER); }
static inline bool local_char(char c) { return has(c, C_LOCAL); }
static inline bool secret_char(char c) { return has(c, C_SECRET); }

int ds_pii_luhn(const char *s, size_t len)
{
    pthread_once(&classes_once, init_classes);
    unsigned sum = 0, k = 0;
    for (size_t i = len; i-- > 0;) {
        if (!is_digit(s[i]))
            continue;
        unsigned d = (unsigned)(s[i] - '0');
        if (k++ % 2 == 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return k > 0 && sum % 10 == 0;
}

/* ---- API keys by prefix */

typedef struct {
    const char *prefix;
    size_t min, max;     /* body length */
    const char *extra;   /* body characters besides [A-Za-z0-9] */
    bool upper_only;
} key_rule;

static const key_rule key_rules[] = {
    {"AKIA", 16, 16, "", true},     {"ASIA", 16, 16, "", true},
    {"sk_live_", 16, 256, "", false}, {"sk_test_", 16, 256, "", false},
    {"rk_live_", 16, 256, "", false}, {"sk-", 20, 256, "_-", false},
    {"ghp_", 30, 255, "", false},   {"gho_", 30, 255, "", false},
    {"ghu_", 30, 255, "", false},   {"ghs_", 30, 255, "", false},
    {"ghr_", 30, 255, "", false},   {"github_pat_", 22, 255, "_", false},
    {"xoxb-", 10, 255, "-", false}, {"xoxp-", 10, 255, "-", false},
    {"xoxa-", 10, 255, "-", false}, {"xoxr-", 10, 255, "-", false},
    {"xoxs-", 10, 255, "-", false}, {"AIza", 35, 35, "_-", false},
    {"glpat-", 20, 255, "_-", false},
};

static bool key_char(const key_rule *r, char c)
{
    if (r->upper_only)
        return is_upper(c) || is_digit(c);
    return is_alnum(c) || (c && strchr(r->extra, c));
}

static size_t match_key(const char *t, size_t n)
{
    for (size_t k = 0; k < sizeof key_rules / sizeof key_rules[0]; k++) {
        const key_rule *r = &key_rules[k];
        if (t[0] != r->prefix[0])
            continue;
        size_t pl = strlen(r->prefix), i = pl;
        if (n < pl || memcmp(t, r->prefix, pl))
            continue;
        while (i < n && i - pl < r->max && key_char(r, t[i]))
            i++;
        if (i - pl >= r->min && (i == n || !is_word(t[i])))
            return i;
    }
    return 0;
}

/* ---- e-mail */


static size_t match_email(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && local_char(t[i]))
        i++;
    if (i == 0 || i >= n || t[i] != '@' || t[0] == '.')
        return 0;
    size_t end = 0, labels = 0, label_start = ++i;
    for (;;) {
        while (i < n && (is_alnum(t[i]) || t[i] == '-'))
            i++;
        if (i == label_start)
            break;
        labels++;
        bool tld = i - label_start >= 2;
        for (size_t k = label_start; k < i && tld; k++)
            tld = is_alpha(t[k]);
        if (labels >= 2 && tld)
            end = i;
        if (i + 1 < n && t[i] == '.' && is_alnum(t[i + 1]))
            label_start = ++i;
        else
            break;
    }
    return end && (end == n || !is_word(t[end])) ? end : 0;
}

/* ---- digit groups: cards and phones */

typedef struct {
    size_t end, digits, groups, last, longest;
} digit_run;

/* Digits in groups split by one of SEPS; a parenthesised first group when PAREN. */
static digit_run read_groups(const char *t, size_t n, const char *seps, bool paren)
{
    digit_run r = {0, 0, 0, 0, 0};
    size_t i = 0;
    if (paren && i < n && t[i] == '(') {
        size_t j = 1;
        while (j < n && is_digit(t[j]))
            j++;
        if (j == 1 || j - 1 > 4 || j >= n || t[j] != ')')
            return r;
        r.digits = r.last = r.longest = j - 1;
        r.groups = 1;
        i = j + 1;
        if (i < n && t[i] == ' ')
            i++;
    }
    while (i < n && is_digit(t[i])) {
        size_t j = i;
        while (j < n && is_digit(t[j]))
            j++;
        r.digits += j - i;
        r.last = j - i;
        r.longest = r.last > r.longest ? r.last : r.longest;
        r.groups++;
        r.end = j;
        if (j + 1 < n && strchr(seps, t[j]) && t[j] && is_digit(t[j + 1]))
            i = j + 1;
        else
            break;
    }
    if (r.end < n && (is_word(t[r.end]) || (t[r.end] == '.' && r.end + 1 < n
                                             && is_digit(t[r.end + 1]))))
        r.end = 0;
    return r;
}

static size_t match_card(const char *t, size_t n)
{
    digit_run r = read_groups(t, n, " -", false);
    if (!r.end || r.digits < 13 || r.digits > 19 || !ds_pii_luhn(t, r.end))
        return 0;
    for (size_t i = 1; i < r.end; i++)
        if (is_digit(t[i]) && t[i] != t[0])
            return r.end;
    return 0;
}

static size_t match_phone(const char *t, size_t n)
{
    bool plus = t[0] == '+';
    size_t off = plus ? 1 : 0;
    if (plus && off < n && t[off] == ' ')
        return 0;
    digit_run r = read_groups(t + off, n - off, " -.", true);
    if (!r.end)
        return 0;
    bool ok = plus ? r.digits >= 8 && r.digits <= 15
                   : r.digits >= 10 && r.digits <= 15 && r.groups >= 2 && r.last >= 4;
    return ok && r.longest <= 5 ? r.end + off : 0;
}

/* ---- high-entropy tokens */


static size_t match_secret(const char *t, size_t n)
{
    size_t len = 0;
    while (len < n && len < 32 && secret_char(t[len]))
        len++;
    if (len < 32)
        return 0;
    size_t i = 0, upper = 0, lower = 0, digit = 0, other = 0;
    unsigned freq[128] = {0};
    while (i < n && secret_char(t[i])) {
        upper += is_upper(t[i]);
        lower += is_lower(t[i]);
        digit += is_digit(t[i]);
        other += !is_alnum(t[i]) && t[i] != '=';
        freq[(unsigned char)t[i]]++;
        i++;
    }
    if (i < 32 || i > 4096 || upper < 2 || lower < 2 || digit < 3 || other * 16 > i)
        return 0;
    size_t runs = 0;   /* "abcdef...", "0123...": an alphabet, not a key */
    for (size_t k = 1; k < i; k++)
        runs += t[k] == t[k - 1] + 1;
    if (runs * 4 > i)
        return 0;
    double h = 0;
    for (int c = 0; c < 128; c++)
        if (freq[c]) {
            double p = (double)freq[c] / (double)i;
            h -= p * log2(p);
        }
    return h >= 4.2 && (i == n || !is_word(t[i])) ? i : 0;
}

/* The first hit starting at T (a word start), its kind in *KIND; 0 for none.
 * AT is the distance to the next '@' (SIZE_MAX: none). */
static size_t match_at(const char *t, size_t n, size_t at, ds_pii_kind *kind)
{
    enum { MAX_LOCAL = 64 };
    size_t e;
    if ((e = match_key(t, n))) {
        *kind = DS_PII_API_KEY;
    } else if (at <= MAX_LOCAL && local_char(t[0]) && (e = match_email(t, n))) {
        *kind = DS_PII_EMAIL;
    } else if (is_digit(t[0]) && (e = match_card(t, n))) {
        *kind = DS_PII_CARD;
    } else if ((is_digit(t[0]) || t[0] == '+' || t[0] == '(') && (e = match_phone(t, n))) {
        *kind = DS_PII_PHONE;
    } else if ((e = match_secret(t, n))) {
        *kind = DS_PII_SECRET;
    }
    return e;
}

/* The end of the number starting at T: digits with single separators, so
 * that no later group of a rejected number is taken for a hit of its own. */
static size_t skip_number(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && (is_word(t[i]) || (i + 1 < n && strchr(" -.", t[i]) && t[i]
                                       && is_digit(t[i + 1]))))
        i++;
    return i;
}

size_t ds_pii_scan(const char *text, size_t len, ds_pii_span *spans, size_t cap)
{
    pthread_once(&classes_once, init_classes);
    size_t hits = 0, i = 0, at = 0;   /* at: the next '@' at or after i, or len */
    bool at_known = false;
    while (i < len) {
        if (!at_known || at < i) {
            const char *p = memchr(text + i, '@', len - i);
            at = p ? (size_t)(p - text) : len;
            at_known = true;
        }
        char c = text[i];
        bool start = (is_word(c) || c == '+' || c == '(') && (i == 0 || !is_word(text[i - 1]));
        ds_pii_kind kind = DS_PII_EMAIL;
        size_t e = start ? match_at(text + i, len - i, at < len ? at - i : SIZE_MAX, &kind) : 0;
        if (e) {
            if (hits < cap)
                spans[hits] = (ds_pii_span){i, e, kind};
            hits++;
            i += e;
        } else if (start && is_digit(c)) {
            i += skip_number(text + i, len - i);
        } else if (start && is_word(c)) {
            while (i < len && is_word(text[i]))
                i++;
        } else {
            i++;
        }
    }
    return hits;
}
