/* ds_filter.c - the filter expression compiler and evaluator (ds_filter.h):
 * a lexer, a recursive-descent parser into a small tree, a tree walk. */
#include "config.h"

#include "ds_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_END, T_IDENT, T_NUM, T_LP, T_RP, T_CMP, T_MATCH, T_NMATCH, T_NOT, T_AND,
               T_OR, T_REGEX, T_BAD } tok_kind;
typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } cmp_op;

typedef struct {
    tok_kind kind;
    size_t start, len;
    cmp_op op;
    double num;
} token;

typedef enum { N_AND, N_OR, N_NOT, N_CMP, N_EMPTY, N_FLAG, N_PII, N_LANG, N_MATCH } node_kind;
typedef enum { M_CHARS, M_TOKENS, M_TURNS } metric;

typedef struct node {
    node_kind kind;
    struct node *a, *b;
    metric m;
    int field;          /* ds_field, or -1: total / any */
    cmp_op op;
    double value;
    unsigned mask;      /* N_FLAG; N_PII: the kind */
    pcre2_code *re;
} node;

struct ds_filter {
    node *root;
    pcre2_match_data *md;
    unsigned needs;
};

typedef struct {
    const char *s;
    size_t pos;
    token t;
    char *err;
    size_t errlen;
    bool failed;
    int depth;           /* nested factors and nodes made: bounded, and so */
    size_t nodes;        /* is the recursion that evaluates and frees them */
    ds_filter *f;
} parser;

enum { MAX_DEPTH = 200, MAX_NODES = 2000 };

/* ---- lexer */

static bool ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
        || (!first && c >= '0' && c <= '9');
}

static void lex_regex(parser *p, token *t)
{
    size_t i = p->pos + 1;
    while (p->s[i] && p->s[i] != '/')
        i += p->s[i] == '\\' && p->s[i + 1] ? 2 : 1;
    if (!p->s[i]) {
        t->kind = T_BAD;
        t->len = i - t->start;
        return;
    }
    i++;
    while (p->s[i] >= 'a' && p->s[i] <= 'z')
        i++;
    t->kind = T_REGEX;
    t->len = i - t->start;
}

static void lex_op(parser *p, token *t)
{
    static const struct { const char *text; tok_kind kind; cmp_op op; } ops[] = {
        {"<=", T_CMP, OP_LE}, {">=", T_CMP, OP_GE}, {"==", T_CMP, OP_EQ}, {"!=", T_CMP, OP_NE},
        {"!~", T_NMATCH, OP_EQ}, {"&&", T_AND, OP_EQ}, {"||", T_OR, OP_EQ},
        {"<", T_CMP, OP_LT}, {">", T_CMP, OP_GT}, {"=", T_CMP, OP_EQ}, {"~", T_MATCH, OP_EQ},
        {"!", T_NOT, OP_EQ}, {"(", T_LP, OP_EQ}, {")", T_RP, OP_EQ}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].text);
        if (!strncmp(p->s + p->pos, ops[k].text, n)) {
            t->kind = ops[k].kind;
            t->op = ops[k].op;
            t->len = n;
            return;
        }
    }
    t->kind = T_BAD;
    t->len = 1;
}

static void next(parser *p)
{
    p->pos += p->t.len;
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n')
        p->pos++;
    token *t = &p->t;
    *t = (token){T_END, p->pos, 0, OP_EQ, 0};
    char c = p->s[p->pos];
    if (!c)
        return;
    if (ident_char(c, true)) {
        while (ident_char(p->s[p->pos + t->len], false))
            t->len++;
        t->kind = T_IDENT;
    } else if ((c >= '0' && c <= '9') || c == '.') {
        char *end;
        t->num = strtod(p->s + p->pos, &end);
        t->len = (size_t)(end - (p->s + p->pos));
        t->kind = t->len && !ident_char(*end, true) ? T_NUM : T_BAD;
        if (!t->len)
            t->len = 1;
        while (t->kind == T_BAD && ident_char(p->s[p->pos + t->len], false))
            t->len++;
    } else if (c == '/') {
        lex_regex(p, t);
    } else {
        lex_op(p, t);
    }
}

static bool is_word(const parser *p, const char *w)
{
    return p->t.kind == T_IDENT && p->t.len == strlen(w) && !memcmp(p->s + p->t.start, w, p->t.len);
}

/* Reports "column C: expected WHAT, found 'TOKEN'" once. */
static void *expected(parser *p, const char *what)
{
    if (p->failed)
        return NULL;
    p->failed = true;
    if (p->t.kind == T_END) {
        snprintf(p->err, p->errlen, "column %zu: expected %s, found end of input",
                 p->t.start + 1, what);
        return NULL;
    }
    int n = p->t.len > 24 ? 24 : (int)p->t.len;
    snprintf(p->err, p->errlen, "column %zu: expected %s, found '%.*s'%s", p->t.start + 1, what,
             n, p->s + p->t.start, p->t.kind == T_BAD && p->s[p->t.start] == '/'
                 ? " (an unterminated /regex/)" : "");
    return NULL;
}

/* ---- tree */

static void free_node(node *n)
{
    if (!n)
        return;
    free_node(n->a);
    free_node(n->b);
    pcre2_code_free(n->re);
    free(n);
}

static node *new_node(parser *p, node_kind k)
{
    if (++p->nodes > MAX_NODES)
        return expected(p, "at most 2000 conditions and operators");
    node *n = calloc(1, sizeof *n);
    if (!n && !p->failed) {
        p->failed = true;
        snprintf(p->err, p->errlen, "out of memory");
    }
    if (n) {
        n->kind = k;
        n->field = -1;
    }
    return n;
}

static node *parse_expr(parser *p);
static node *parse_factor(parser *p);

/* An optional "(NAME)" after a keyword; *LEN 0 when there is none. */
static bool optional_arg(parser *p, size_t *start, size_t *len, const char *what)
{
    *len = 0;
    if (p->t.kind != T_LP)
        return true;
    next(p);
    if (p->t.kind != T_IDENT)
        return expected(p, what), false;
    *start = p->t.start;
    *len = p->t.len;
    next(p);
    if (p->t.kind != T_RP)
        return expected(p, "')'"), false;
    next(p);
    return true;
}

static bool field_arg(parser *p, int *field)
{
    size_t s = 0, len;
    if (!optional_arg(p, &s, &len, "a field name (instruction, input, output, system)"))
        return false;
    ds_field f;
    if (len && ds_field_parse(p->s + s, len, &f) != 0) {
        p->t = (token){T_IDENT, s, len, OP_EQ, 0};
        return expected(p, "a field name (instruction, input, output, system)"), false;
    }
    *field = len ? (int)f : -1;
    return true;
}

static node *parse_cmp(parser *p, metric m)
{
    node *n = new_node(p, N_CMP);
    if (!n)
        return NULL;
    n->m = m;
    p->f->needs |= DS_NEED_FEATURES | (m == M_TOKENS ? DS_NEED_TOKENS : 0);
    if (m != M_TURNS && !field_arg(p, &n->field))
        return free_node(n), NULL;
    if (m != M_TURNS && n->field >= 0)
        p->f->needs |= DS_NEED_FIELDS;
    if (p->t.kind != T_CMP)
        return free_node(n), expected(p, "a comparison (<, <=, >, >=, ==, !=)");
    n->op = p->t.op;
    next(p);
    if (p->t.kind != T_NUM)
        return free_node(n), expected(p, "a number");
    n->value = p->t.num;
    next(p);
    return n;
}

static node *parse_lang(parser *p)
{
    if (p->t.kind != T_CMP || (p->t.op != OP_EQ && p->t.op != OP_NE))
        return expected(p, "'==' or '!=' after lang");
    cmp_op op = p->t.op;
    next(p);
    ds_lang l;
    if (p->t.kind != T_IDENT || ds_lang_parse(p->s + p->t.start, p->t.len, &l) != 0)
        return expected(p, "a language (und, en, latin, ko, ja, zh, ru, ar, he, el, th, hi)");
    next(p);
    node *n = new_node(p, N_LANG);
    if (n) {
        n->op = op;
        n->value = l;
    }
    p->f->needs |= DS_NEED_FEATURES;
    return n;
}

static node *compile_regex(parser *p, node *n)
{
    const char *src = p->s + p->t.start + 1;
    const char *close = p->s + p->t.start + p->t.len;
    while (close[-1] != '/')
        close--;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    for (const char *fl = close; fl < p->s + p->t.start + p->t.len; fl++) {
        uint32_t o = *fl == 'i' ? PCRE2_CASELESS : *fl == 'm' ? PCRE2_MULTILINE
                   : *fl == 's' ? PCRE2_DOTALL : *fl == 'x' ? PCRE2_EXTENDED : 0;
        if (!o) {
            p->t = (token){T_BAD, (size_t)(fl - p->s), 1, OP_EQ, 0};
            return free_node(n), expected(p, "a regex flag (i, m, s, x)");
        }
        opts |= o;
    }
    int code;
    PCRE2_SIZE off;
    n->re = pcre2_compile((PCRE2_SPTR)src, (PCRE2_SIZE)(close - 1 - src), opts, &code, &off,
                          NULL);
    if (!n->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(p->err, p->errlen, "column %zu: expected a valid regex: %s",
                 p->t.start + 2 + (size_t)off, (char *)msg);
        p->failed = true;
        return free_node(n), NULL;
    }
    pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE);   /* the interpreter when JIT is missing */
    next(p);
    p->f->needs |= DS_NEED_TEXT;
    return n;
}

static node *parse_match(parser *p, int field)
{
    bool negate = p->t.kind == T_NMATCH;
    if (p->t.kind != T_MATCH && !negate)
        return expected(p, "'~' or '!~' after a field name");
    next(p);
    if (p->t.kind != T_REGEX)
        return expected(p, "a /regex/");
    node *n = new_node(p, N_MATCH);
    if (!n)
        return NULL;
    n->field = field;
    n = compile_regex(p, n);
    if (!n || !negate)
        return n;
    node *x = new_node(p, N_NOT);
    if (!x)
        return free_node(n), NULL;
    x->a = n;
    return x;
}

/* A leaf testing MASK (a row flag, or a PII kind) that needs the passes NEEDS. */
static node *mask_node(parser *p, node_kind kind, unsigned mask, unsigned needs)
{
    node *n = new_node(p, kind);
    if (n)
        n->mask = mask;
    p->f->needs |= needs;
    return n;
}

static node *parse_keyword(parser *p)
{
    static const struct { const char *word; unsigned mask, needs; } flags[] = {
        {"dup", DS_ROW_DUP, DS_NEED_DUP}, {"near_dup", DS_ROW_NEAR_DUP, DS_NEED_STATS},
        {"problem", DS_ROW_PROBLEM, 0}, {"too_long", DS_ROW_TOO_LONG, DS_NEED_STATS | DS_NEED_LIMIT},
        {"control", DS_ROW_CONTROL, DS_NEED_FEATURES},
        {"invalid_utf8", DS_ROW_INVALID_UTF8, DS_NEED_FEATURES}};
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
        if (is_word(p, flags[k].word)) {
            next(p);
            return mask_node(p, N_FLAG, flags[k].mask, flags[k].needs);
        }
    static const char *const metrics[] = {"chars", "tokens", "turns"};
    for (int m = 0; m < 3; m++)
        if (is_word(p, metrics[m])) {
            next(p);
            return parse_cmp(p, (metric)m);
        }
    if (is_word(p, "lang")) {
        next(p);
        return parse_lang(p);
    }
    return NULL;
}

static node *parse_pii(parser *p)
{
    size_t s = 0, len;
    if (!optional_arg(p, &s, &len, "a PII kind (email, phone, card, key, secret)"))
        return NULL;
    ds_pii_kind k = DS_PII_KINDS;
    if (len && ds_pii_kind_parse(p->s + s, len, &k) != 0) {
        p->t = (token){T_IDENT, s, len, OP_EQ, 0};
        return expected(p, "a PII kind (email, phone, card, key, secret)");
    }
    return mask_node(p, N_PII, k, DS_NEED_FEATURES | (len ? DS_NEED_FIELDS : 0));
}

static node *parse_test(parser *p)
{
    if (p->t.kind != T_IDENT)
        return expected(p, "a condition (chars, tokens, turns, empty, pii, dup, near_dup, "
                           "problem, lang, or FIELD ~ /regex/)");
    if (is_word(p, "empty")) {
        next(p);
        node *n = new_node(p, N_EMPTY);
        p->f->needs |= DS_NEED_FEATURES;
        if (n && !field_arg(p, &n->field))
            return free_node(n), NULL;
        if (n && n->field >= 0)
            p->f->needs |= DS_NEED_FIELDS;
        return n;
    }
    if (is_word(p, "pii")) {
        next(p);
        return parse_pii(p);
    }
    node *n = parse_keyword(p);
    if (n || p->failed)
        return n;
    ds_field f;
    int field = -1;
    if (!is_word(p, "text") && ds_field_parse(p->s + p->t.start, p->t.len, &f) != 0)
        return expected(p, "a condition (chars, tokens, turns, empty, pii, dup, near_dup, "
                           "problem, lang, or FIELD ~ /regex/)");
    if (!is_word(p, "text"))
        field = (int)f;
    next(p);
    return parse_match(p, field);
}

static node *parse_nested(parser *p)
{
    if (p->t.kind == T_NOT || is_word(p, "not")) {
        next(p);
        node *a = parse_factor(p), *n = a ? new_node(p, N_NOT) : NULL;
        if (!n)
            return free_node(a), NULL;
        n->a = a;
        return n;
    }
    if (p->t.kind == T_LP) {
        next(p);
        node *n = parse_expr(p);
        if (n && p->t.kind != T_RP)
            return free_node(n), expected(p, "')'");
        if (n)
            next(p);
        return n;
    }
    return parse_test(p);
}

static node *parse_factor(parser *p)
{
    if (++p->depth > MAX_DEPTH)
        return expected(p, "at most 200 nested parentheses and nots");
    node *n = parse_nested(p);
    p->depth--;
    return n;
}

static node *parse_chain(parser *p, bool is_or)
{
    node *a = is_or ? parse_chain(p, false) : parse_factor(p);
    while (a && (is_or ? p->t.kind == T_OR || is_word(p, "or")
                       : p->t.kind == T_AND || is_word(p, "and"))) {
        next(p);
        node *b = is_or ? parse_chain(p, false) : parse_factor(p);
        node *n = b ? new_node(p, is_or ? N_OR : N_AND) : NULL;
        if (!n) {
            free_node(a);
            free_node(b);
            return NULL;
        }
        n->a = a;
        n->b = b;
        a = n;
    }
    return a;
}

static node *parse_expr(parser *p)
{
    return parse_chain(p, true);
}

ds_filter *ds_filter_compile(const char *expr, char *err, size_t errlen)
{
    ds_filter *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    parser p = {expr, 0, {T_END, 0, 0, OP_EQ, 0}, err, errlen, false, 0, 0, f};
    next(&p);
    f->root = parse_expr(&p);
    if (f->root && p.t.kind != T_END)
        expected(&p, "'and', 'or' or the end");
    if (f->root && !p.failed && !(f->md = pcre2_match_data_create(1, NULL))) {
        p.failed = true;
        snprintf(err, errlen, "out of memory");
    }
    if (p.failed || !f->root) {
        ds_filter_free(f);
        return NULL;
    }
    return f;
}

void ds_filter_free(ds_filter *f)
{
    if (!f)
        return;
    free_node(f->root);
    pcre2_match_data_free(f->md);
    free(f);
}

unsigned ds_filter_needs(const ds_filter *f)
{
    return f->needs;
}

/* ---- evaluation */

static bool compare(double a, cmp_op op, double b)
{
    switch (op) {
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_EQ: return a == b;
    default: return a != b;
    }
}

static bool eval_cmp(const node *n, const ds_features *ft)
{
    double v = n->m == M_TURNS ? ft->turns
             : n->m == M_CHARS ? (n->field < 0 ? ft->chars_total : ft->chars[n->field])
             : (n->field < 0 ? ft->tokens_total : ft->tokens[n->field]);
    if (n->m != M_TURNS && n->field >= 0 && !(ft->present & (1u << n->field)))
        return false;
    return compare(v, n->op, n->value);
}

static bool eval_match(ds_filter *f, const node *n, const ds_record *rec)
{
    size_t pieces = ds_record_piece_count(rec);
    for (size_t i = 0; i < pieces; i++) {
        ds_text x;
        ds_field fl = ds_record_piece(rec, i, &x);
        if (n->field >= 0 && (int)fl != n->field)
            continue;
        if (pcre2_match(n->re, (PCRE2_SPTR)(x.text ? x.text : ""), x.len, 0, 0, f->md, NULL) >= 0)
            return true;
    }
    return false;
}

static bool eval(ds_filter *f, const node *n, const ds_filter_row *r)
{
    const ds_features *ft = r->feat;
    switch (n->kind) {
    case N_AND: return eval(f, n->a, r) && eval(f, n->b, r);
    case N_OR: return eval(f, n->a, r) || eval(f, n->b, r);
    case N_NOT: return !eval(f, n->a, r);
    case N_FLAG:
        if (ft && n->mask == DS_ROW_CONTROL)
            return ft->control > 0;
        if (ft && n->mask == DS_ROW_INVALID_UTF8)
            return ft->invalid_utf8 > 0;
        return (r->flags & n->mask) || (n->mask == DS_ROW_PROBLEM && !r->rec);
    case N_CMP: return ft && eval_cmp(n, ft);
    case N_EMPTY:
        return ft && (n->field < 0 ? ft->empty_record : (ft->empty >> n->field) & 1);
    case N_PII: return ft && (n->mask == DS_PII_KINDS ? ft->pii_total > 0 : ft->pii[n->mask] > 0);
    case N_LANG: return ft && compare(ft->lang, n->op, n->value);
    case N_MATCH: return r->rec && eval_match(f, n, r->rec);
    }
    return false;
}

bool ds_filter_eval(ds_filter *f, const ds_filter_row *row)
{
    return eval(f, f->root, row);
}
