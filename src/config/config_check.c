/* config_check.c - checking one config value given as text (config_check.h). */
#include "config.h"

#include "config_check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
    for (size_t i = 0; yes[i]; i++) {
        if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
            *out = !strcmp(s, yes[i]);
            return 0;
        }
    }
    return -1;
}

static int parse_int(const char *s, int64_t *out)
{
    if (!*s)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* Decimal numbers only: strtod alone would also take hex, inf and nan. */
static int parse_float(const char *s, double *out)
{
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

void config_check_quote(const char *text, char *buf, size_t len)
{
    if (strlen(text) > 40)
        snprintf(buf, len, "'%.37s...'", text);
    else
        snprintf(buf, len, "'%s'", text);
}

static int expected(const cs_key *k, const char *text, char *why, size_t whylen)
{
    char got[64];
    config_check_quote(text, got, sizeof got);
    snprintf(why, whylen, "expected %s, got %s", config_check_expected(k), got);
    return -1;
}

static int out_of_range(const cs_key *k, const char *text, char *why, size_t whylen)
{
    char range[64];
    config_range_text(k, range, sizeof range);
    snprintf(why, whylen, "%s is out of range; expected %s %s", text,
             k->type == CS_INT ? "an integer" : "a number", range);
    return -1;
}

static int check_number(const cs_key *k, const char *text, config_scalar *out, char *why,
                        size_t whylen)
{
    if (k->type == CS_INT) {
        if (parse_int(text, &out->i) < 0)
            return expected(k, text, why, whylen);
        return config_in_range(k, (double)out->i) ? 0 : out_of_range(k, text, why, whylen);
    }
    if (parse_float(text, &out->d) < 0)
        return expected(k, text, why, whylen);
    if (!config_in_range(k, out->d))
        return out_of_range(k, text, why, whylen);
    if (k->type == CS_FRACTION_OR_COUNT && out->d >= 1 && out->d != floor(out->d)) {
        snprintf(why, whylen, "%s is neither a fraction below 1 nor a whole count", text);
        return -1;
    }
    return 0;
}

/* TEXT among the NULL-terminated CHOICES; the reason names them all. */
static int check_choice(const char *const *choices, const char *text, int *out, char *why,
                        size_t whylen)
{
    for (int i = 0; choices[i]; i++)
        if (!strcmp(text, choices[i])) {
            *out = i;
            return 0;
        }
    char list[256];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; choices[i] && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    const char *hint = config_closest(text, choices);
    if (hint)
        snprintf(why, whylen, "'%s' is not one of %s; did you mean '%s'?", text, list, hint);
    else
        snprintf(why, whylen, "'%s' is not one of %s", text, list);
    return -1;
}

/* A relative path joins BASE_DIR; the result must exist and is kept in
 * canonical form, so it means the same from any directory. */
static int check_path(const cs_key *k, const char *text, const char *base_dir, char **out,
                      char *why, size_t whylen)
{
    if (!*text) {
        snprintf(why, whylen, "expected a file path, got an empty string");
        return -1;
    }
    char *full;
    if (text[0] == '/' || !base_dir)
        full = strdup(text);
    else if (asprintf(&full, "%s/%s", base_dir, text) < 0)
        full = NULL;
    if (!full) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    char *canon = realpath(full, NULL);
    struct stat sb;
    int rc = -1;
    if (!canon)
        snprintf(why, whylen, "cannot find '%s': %s", full, strerror(errno));
    else if (stat(canon, &sb) < 0)
        snprintf(why, whylen, "cannot read '%s': %s", full, strerror(errno));
    else if (S_ISDIR(sb.st_mode) && !(k->flags & CS_DIR))
        snprintf(why, whylen, "'%s' is a directory; expected a file", full);
    else if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        snprintf(why, whylen, "'%s' is not a regular file", full);
    else
        rc = 0;
    free(full);
    if (rc < 0)
        free(canon);
    else
        *out = canon;
    return rc;
}

int config_check_scalar(const cs_key *k, const char *text, const char *base_dir,
                        config_scalar *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    switch (k->type) {
    case CS_BOOL:
        return parse_bool(text, &out->b) == 0 ? 0 : expected(k, text, why, whylen);
    case CS_INT:
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT:
        return check_number(k, text, out, why, whylen);
    case CS_ENUM:
        return check_choice(k->choices, text, &out->choice, why, whylen);
    case CS_STRING:
        return (k->flags & CS_PATH) ? check_path(k, text, base_dir, &out->path, why, whylen) : 0;
    case CS_STRLIST:
    case CS_DATASETS:
        break;
    }
    return expected(k, text, why, whylen);
}

int config_check_item(const cs_key *k, const char *item, char *why, size_t whylen)
{
    int choice;
    if (!*item) {
        snprintf(why, whylen, "expected a string, got an empty item");
        return -1;
    }
    return k->choices ? check_choice(k->choices, item, &choice, why, whylen) : 0;
}

const char *config_check_expected(const cs_key *k)
{
    switch (k->type) {
    case CS_BOOL: return "true or false";
    case CS_INT: return "an integer";
    case CS_FLOAT: return "a number";
    case CS_FRACTION_OR_COUNT: return "a fraction below 1 or a whole count";
    case CS_STRING: return (k->flags & CS_PATH) ? "a file path" : "a string";
    case CS_ENUM: return "a choice";
    case CS_STRLIST: return "a list of strings";
    case CS_DATASETS: return "a list of dataset mappings";
    }
    return "?";
}

/* ------------------------------------------------------------ the form */

/* A number as YAML readers of every version take it: an exponent needs a
 * dot in the mantissa and a signed exponent (YAML 1.1 reads 1e-4 as text). */
static void normal_float(const char *text, char *norm, size_t len)
{
    const char *e = strpbrk(text, "eE");
    if (!e) {
        snprintf(norm, len, "%s", text);
        return;
    }
    int mant = (int)(e - text);
    bool dot = memchr(text, '.', (size_t)mant) != NULL;
    const char *exp = e + 1;
    bool sign = *exp == '+' || *exp == '-';
    snprintf(norm, len, "%.*s%se%s%s", mant, text, dot ? "" : ".0", sign ? "" : "+", exp);
}

/* "a, b" or "[a, b]" into a normalised "a, b", each item checked. */
static int check_list(const cs_key *k, const char *text, char *norm, size_t normlen, char *why,
                      size_t whylen)
{
    char buf[1024];
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '[' && text[n - 1] == ']')
        snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), text + 1);
    else
        snprintf(buf, sizeof buf, "%s", text);
    size_t used = 0;
    norm[0] = '\0';
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        char *end = item + strlen(item);
        while (end > item && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (config_check_item(k, item, why, whylen) < 0)
            return -1;
        int w = snprintf(norm + used, normlen - used, "%s%s", used ? ", " : "", item);
        used += w > 0 ? (size_t)w : 0;
        if (used >= normlen) {
            snprintf(why, whylen, "the list is too long");
            return -1;
        }
    }
    return 1;
}

int config_check_input(const cs_key *k, const char *text, const char *base_dir, char *norm,
                       size_t normlen, char *why, size_t whylen)
{
    char buf[1024];
    while (isspace((unsigned char)*text))
        text++;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *e = buf + strlen(buf); e > buf && isspace((unsigned char)e[-1]);)
        *--e = '\0';
    if (!*buf) {
        if (k->flags & CS_REQUIRED) {
            snprintf(why, whylen, "required; expected %s", config_check_expected(k));
            return -1;
        }
        norm[0] = '\0';
        return 0;
    }
    if (k->type == CS_STRLIST)
        return check_list(k, buf, norm, normlen, why, whylen);
    if (k->type == CS_DATASETS) {
        snprintf(why, whylen, "add or remove dataset entries one by one");
        return -1;
    }
    config_scalar v;
    if (config_check_scalar(k, buf, base_dir, &v, why, whylen) < 0)
        return -1;
    free(v.path);
    if (k->type == CS_BOOL)
        snprintf(norm, normlen, "%s", v.b ? "true" : "false");
    else if (k->type == CS_FLOAT || k->type == CS_FRACTION_OR_COUNT)
        normal_float(buf, norm, normlen);
    else
        snprintf(norm, normlen, "%s", buf);
    return 1;
}
