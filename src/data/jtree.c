/* jtree.c - the one-pass record parser of jtree.h.
 *
 * Recursive descent over the bytes. Nodes go into one growing array and
 * link to their first child and next sibling; strings are unescaped into a
 * buffer as long as the text (unescaping never grows a string, and its two
 * quotes leave room for the NUL). String bodies are copied eight bytes at a
 * time while no byte needs a look (quote, backslash, control or non-ASCII). */
#include "config.h"

#include "jtree.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "utf8.h"

enum { MAX_DEPTH = 512, NEAR_MAX = 16 };

typedef struct {
    jt_kind kind;
    jt_node first, next;   /* children of arrays and objects; siblings */
    uint32_t count;
    size_t str, len;       /* a string's bytes in strs */
    size_t key, key_len;   /* an object member's key in strs */
} jnode;

struct jtree {
    jnode *nodes;
    size_t n, cap;
    char *strs;
    size_t used;
};

typedef struct {
    const unsigned char *start, *p, *end;
    jtree *t;
    int depth;
    char *why;
    size_t whylen, err_pos;
} parser;

static int parse_value(parser *ps, jt_node *out);

/* A few bytes of the text at AT, printable, for "near '...'". */
static void near_text(const parser *ps, const unsigned char *at, char *buf, size_t cap)
{
    size_t k = 0;
    for (const unsigned char *q = at; q < ps->end && k + 5 < cap && q - at < NEAR_MAX; q++) {
        if (q > at && strchr(" \t\r\n,:[]{}\"", *q))
            break;
        k += (size_t)snprintf(buf + k, cap - k, *q >= 0x20 && *q < 0x7F ? "%c" : "\\x%02x", *q);
    }
    buf[k] = '\0';
}

static int fail_at(parser *ps, const unsigned char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->why, ps->whylen, fmt, ap);
    va_end(ap);
    ps->err_pos = (size_t)(at - ps->start);
    return -1;
}

/* "expected WHAT near 'x'", or that the text ended. */
static int expected(parser *ps, const char *what)
{
    if (ps->p >= ps->end)
        return fail_at(ps, ps->p, "the text ends where %s was expected", what);
    char near[NEAR_MAX * 4 + 8];
    near_text(ps, ps->p, near, sizeof near);
    return fail_at(ps, ps->p, "expected %s near '%s'", what, near);
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static int new_node(parser *ps, jt_kind kind, jt_node *out)
{
    jtree *t = ps->t;
    if (t->n >= JT_NONE)
        return fail_at(ps, ps->p, "too many values in one record");
    if (t->n == t->cap) {
        jnode *v = grow_array(t->nodes, &t->cap, t->n + 1, sizeof *v, 16);
        if (!v)
            return fail_at(ps, ps->p, "out of memory");
        t->nodes = v;
    }
    t->nodes[t->n] = (jnode){.kind = kind, .first = JT_NONE, .next = JT_NONE};
    *out = (jt_node)t->n++;
    return 0;
}

/* ---- strings */

static int hex4(const unsigned char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
        if (d > 15)
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* A \u escape at ps->p (on the 'u'), a surrogate pair taken whole. */
static int unicode_escape(parser *ps, char **out)
{
    const unsigned char *at = ps->p - 1;
    uint32_t cp, lo;
    if (ps->end - ps->p < 5 || hex4(ps->p + 1, &cp) != 0)
        return fail_at(ps, at, "invalid \\u escape: expected four hex digits");
    ps->p += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\'
        && ps->p[1] == 'u' && hex4(ps->p + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        ps->p += 6;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        return fail_at(ps, at, "lone surrogate '\\u%04X' in a string", (unsigned)cp);
    }
    if (cp == 0)
        return fail_at(ps, at, "a string holds \\u0000 (NUL), which is not supported");
    *out += utf8_put(cp, *out);
    return 0;
}

static int escape(parser *ps, char **out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (++ps->p >= ps->end)
        return fail_at(ps, ps->p, "the text ends inside a string");
    if (*ps->p == 'u')
        return unicode_escape(ps, out);
    const char *k = *ps->p ? strchr(from, *ps->p) : NULL;
    if (!k)
        return fail_at(ps, ps->p - 1, "invalid escape '\\%c' in a string",
                       *ps->p >= 0x20 && *ps->p < 0x7F ? *ps->p : '?');
    *(*out)++ = to[k - from];
    ps->p++;
    return 0;
}

/* True when none of the eight bytes of X is '"', '\\', a control byte or
 * non-ASCII: the common case, copied without a look at each byte. */
static bool plain8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x;
    return (hit & high) == 0;
}

/* The string at ps->p (on its opening quote) into strs: *OFF and *LEN. */
static int parse_string(parser *ps, size_t *off, size_t *len)
{
    jtree *t = ps->t;
    char *start = t->strs + t->used, *o = start;
    const unsigned char *open = ps->p++;
    for (;;) {
        while (ps->end - ps->p >= 8) {
            uint64_t x;
            memcpy(&x, ps->p, 8);
            if (!plain8(x))
                break;
            memcpy(o, ps->p, 8);
            o += 8;
            ps->p += 8;
        }
        while (ps->p < ps->end && *ps->p >= 0x20 && *ps->p < 0x80 && *ps->p != '"'
               && *ps->p != '\\')
            *o++ = (char)*ps->p++;
        if (ps->p >= ps->end)
            return fail_at(ps, open, "the text ends inside a string");
        unsigned char c = *ps->p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (escape(ps, &o) != 0)
                return -1;
        } else if (c < 0x20) {
            return fail_at(ps, ps->p, "control character 0x%02x in a string (JSON needs it "
                           "escaped)", c);
        } else {
            uint32_t cp;
            size_t n = utf8_next(ps->p, (size_t)(ps->end - ps->p), &cp);
            if (!n)
                return fail_at(ps, ps->p, "invalid UTF-8 byte 0x%02x in a string", c);
            memcpy(o, ps->p, n);
            o += n;
            ps->p += n;
        }
    }
    ps->p++;
    *o = '\0';
    *off = (size_t)(start - t->strs);
    *len = (size_t)(o - start);
    t->used += *len + 1;
    return 0;
}

/* ---- numbers and literals */

static bool is_digit(const parser *ps)
{
    return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static void skip_digits(parser *ps)
{
    while (is_digit(ps))
        ps->p++;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser *ps)
{
    const unsigned char *at = ps->p;
    ps->p += *ps->p == '-';
    if (!is_digit(ps))
        goto bad;
    if (*ps->p++ != '0')
        skip_digits(ps);
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!is_digit(ps))
            goto bad;
        skip_digits(ps);
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        ps->p += ps->p < ps->end && (*ps->p == '+' || *ps->p == '-');
        if (!is_digit(ps))
            goto bad;
        skip_digits(ps);
    }
    return 0;
bad:
    ps->p = at;
    return expected(ps, "a number");
}

static int parse_literal(parser *ps, const char *word, jt_kind kind, jt_node *out)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return expected(ps, "a value");
    ps->p += n;
    return new_node(ps, kind, out);
}

/* ---- arrays and objects */

/* Appends CHILD to PARENT's children; *LAST is the previous child. */
static void link_child(jtree *t, jt_node parent, jt_node *last, jt_node child)
{
    if (*last == JT_NONE)
        t->nodes[parent].first = child;
    else
        t->nodes[*last].next = child;
    *last = child;
    t->nodes[parent].count++;
}

static int parse_member(parser *ps, jt_node obj, jt_node *last)
{
    size_t key, key_len;
    jt_node v;
    if (ps->p >= ps->end || *ps->p != '"')
        return expected(ps, "a string key");
    if (parse_string(ps, &key, &key_len) != 0)
        return -1;
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != ':')
        return expected(ps, "':' after the key");
    ps->p++;
    skip_space(ps);
    if (parse_value(ps, &v) != 0)
        return -1;
    ps->t->nodes[v].key = key;
    ps->t->nodes[v].key_len = key_len;
    link_child(ps->t, obj, last, v);
    return 0;
}

/* An array or an object at ps->p (on its opening bracket). */
static int parse_container(parser *ps, bool object, jt_node *out)
{
    const char close = object ? '}' : ']';
    jt_node self, last = JT_NONE, v;
    if (++ps->depth > MAX_DEPTH)
        return fail_at(ps, ps->p, "nested deeper than %d levels", MAX_DEPTH);
    if (new_node(ps, object ? JT_OBJECT : JT_ARRAY, &self) != 0)
        return -1;
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        *out = self;
        return 0;
    }
    for (;;) {
        if (object ? parse_member(ps, self, &last) != 0
                   : parse_value(ps, &v) != 0)
            return -1;
        if (!object)
            link_child(ps->t, self, &last, v);
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_space(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == close)
            break;
        return expected(ps, object ? "',' or '}'" : "',' or ']'");
    }
    ps->p++;
    ps->depth--;
    *out = self;
    return 0;
}

static int parse_value(parser *ps, jt_node *out)
{
    if (ps->p >= ps->end)
        return expected(ps, "a value");
    switch (*ps->p) {
    case '{': return parse_container(ps, true, out);
    case '[': return parse_container(ps, false, out);
    case '"': {
        size_t off, len;
        if (parse_string(ps, &off, &len) != 0 || new_node(ps, JT_STRING, out) != 0)
            return -1;
        ps->t->nodes[*out].str = off;
        ps->t->nodes[*out].len = len;
        return 0;
    }
    case 't': return parse_literal(ps, "true", JT_BOOL, out);
    case 'f': return parse_literal(ps, "false", JT_BOOL, out);
    case 'n': return parse_literal(ps, "null", JT_NULL, out);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps) != 0 ? -1 : new_node(ps, JT_NUMBER, out);
        return expected(ps, "a value");
    }
}

/* ---- the tree */

jtree *jtree_parse(const char *text, size_t len, char *why, size_t whylen, size_t *err_pos)
{
    jtree *t = calloc(1, sizeof *t);
    char *strs = malloc(len + 1);
    if (!t || !strs) {
        free(t);
        free(strs);
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    t->strs = strs;
    const unsigned char *u = (const unsigned char *)text;
    parser ps = {u, u, u + len, t, 0, why, whylen, 0};
    jt_node root;
    skip_space(&ps);
    int rc = parse_value(&ps, &root);
    if (rc == 0) {
        skip_space(&ps);
        if (ps.p < ps.end)
            rc = expected(&ps, "the end of the record after the JSON value");
    }
    if (rc == 0)
        return t;
    if (err_pos)
        *err_pos = ps.err_pos;
    jtree_free(t);
    return NULL;
}

void jtree_free(jtree *t)
{
    if (!t)
        return;
    free(t->nodes);
    free(t->strs);
    free(t);
}

static const jnode *node(const jtree *t, jt_node n)
{
    return n < t->n ? &t->nodes[n] : NULL;
}

jt_node jtree_root(const jtree *t)
{
    return t->n ? 0 : JT_NONE;
}

jt_kind jtree_kind(const jtree *t, jt_node n)
{
    const jnode *x = node(t, n);
    return x ? x->kind : JT_MISSING;
}

const char *jtree_kind_name(jt_kind k)
{
    static const char *const names[] = {
        [JT_MISSING] = "missing", [JT_NULL] = "null", [JT_BOOL] = "a boolean",
        [JT_NUMBER] = "a number", [JT_STRING] = "a string", [JT_ARRAY] = "an array",
        [JT_OBJECT] = "an object",
    };
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

jt_node jtree_get(const jtree *t, jt_node obj, const char *key)
{
    if (jtree_kind(t, obj) != JT_OBJECT)
        return JT_NONE;
    size_t klen = strlen(key);
    jt_node found = JT_NONE;
    for (jt_node c = t->nodes[obj].first; c != JT_NONE; c = t->nodes[c].next)
        if (t->nodes[c].key_len == klen && !memcmp(t->strs + t->nodes[c].key, key, klen))
            found = c;
    return found;
}

size_t jtree_count(const jtree *t, jt_node n)
{
    const jnode *x = node(t, n);
    return x ? x->count : 0;
}

jt_node jtree_first(const jtree *t, jt_node n)
{
    const jnode *x = node(t, n);
    return x ? x->first : JT_NONE;
}

jt_node jtree_next(const jtree *t, jt_node n)
{
    const jnode *x = node(t, n);
    return x ? x->next : JT_NONE;
}

const char *jtree_str(const jtree *t, jt_node n, size_t *len)
{
    const jnode *x = node(t, n);
    if (!x || x->kind != JT_STRING)
        return NULL;
    *len = x->len;
    return t->strs + x->str;
}
