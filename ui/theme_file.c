/* theme_file.c - theme YAML (libyaml document API) to a theme_def, with
 * errors that point at file:line:column and say what was expected. */
#include "theme_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "file_read.h"
#include "yaml_depth.h"
#include "suggest.h"

#define THEME_FILE_MAX (1L << 20)

static const char *const role_keys[THEME_ROLE_COUNT] = {
    [THEME_BACKGROUND] = "background", [THEME_TEXT] = "text",
    [THEME_DIM] = "dim", [THEME_ACCENT] = "accent",
    [THEME_SELECTION] = "selection", [THEME_BORDER] = "border",
    [THEME_SERIES1] = "series1", [THEME_SERIES2] = "series2",
    [THEME_SERIES3] = "series3", [THEME_SERIES4] = "series4",
    [THEME_GAUGE_OK] = "gauge_ok", [THEME_GAUGE_WARN] = "gauge_warn",
    [THEME_GAUGE_CRITICAL] = "gauge_critical", [THEME_ERROR] = "error",
};

enum { TOP_NAME, TOP_DESCRIPTION, TOP_ROLES, TOP_COUNT };
static const char *const top_keys[TOP_COUNT] = {"name", "description", "roles"};

enum { STYLE_FG, STYLE_BG, STYLE_ATTRS, STYLE_MONO, STYLE_COUNT };
static const char *const style_keys[STYLE_COUNT] = {"fg", "bg", "attrs", "mono"};

enum { ATTR_COUNT = 5 };
static const char *const attr_names[ATTR_COUNT] = {"bold", "dim", "reverse", "underline", "italic"};
static const attr_t attr_bits[ATTR_COUNT] = {A_BOLD, A_DIM, A_REVERSE, A_UNDERLINE, A_ITALIC};

static const char *const colour_names[] = {
    "default", "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue",
    "bright-magenta", "bright-cyan", "bright-white",
};
#define COLOUR_NAME_COUNT (int)(sizeof colour_names / sizeof colour_names[0])

typedef struct {
    const char *label;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} parse_ctx;

const char *theme_role_key(theme_role role)
{
    if ((int)role < 0 || role >= THEME_ROLE_COUNT)
        return NULL;
    return role_keys[role];
}

static int fail_at(parse_ctx *c, size_t line, size_t column, const char *fmt, ...)
{
    int n = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->label, line, column);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#define FAIL(c, node, ...) fail_at((c), (node)->start_mark.line + 1, (node)->start_mark.column + 1, __VA_ARGS__)

static const char *type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_SCALAR_NODE:
        return "a scalar";
    default:
        return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* The closest candidate if it is a plausible typo, else NULL. */
static const char *suggest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    size_t best_d = 0;
    for (int i = 0; i < n; i++) {
        size_t d = suggest_distance(word, names[i]);
        size_t len = strlen(names[i]);
        size_t limit = len <= 3 ? 1 : len / 3 > 2 ? len / 3 : 2;
        if (d <= limit && (!best || d < best_d)) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* " (did you mean 'x'?)" or " (expected one of: a, b, c)". */
static void hint(char *buf, size_t len, const char *word, const char *const *names, int n)
{
    const char *s = suggest(word, names, n);
    if (s) {
        snprintf(buf, len, " (did you mean '%s'?)", s);
        return;
    }
    size_t used = (size_t)snprintf(buf, len, " (expected one of:");
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", names[i]);
    if (used < len)
        snprintf(buf + used, len - used, ")");
}

/* Index of KEY among NAMES, or -1 with the error set (wrong type, unknown, duplicate). */
static int match_key(parse_ctx *c, const yaml_node_t *key, const char *const *names, int n,
                     int *seen_line, const char *what)
{
    if (key->type != YAML_SCALAR_NODE)
        return FAIL(c, key, "expected a %s name, found %s", what, type_name(key));
    const char *k = scalar(key);
    for (int i = 0; i < n; i++) {
        if (strcmp(k, names[i]) != 0)
            continue;
        if (seen_line[i])
            return FAIL(c, key, "duplicate %s '%s' (first at line %d)", what, k, seen_line[i]);
        seen_line[i] = (int)key->start_mark.line + 1;
        return i;
    }
    char h[256];
    hint(h, sizeof h, k, names, n);
    return FAIL(c, key, "unknown %s '%.40s'%s", what, k, h);
}

static int expect_type(parse_ctx *c, const yaml_node_t *n, yaml_node_type_t type, const char *what)
{
    if (n->type == type)
        return 0;
    return FAIL(c, n, "expected %s, found %s", what, type_name(n));
}

static int parse_colour(parse_ctx *c, const yaml_node_t *n, color_spec *out)
{
    if (expect_type(c, n, YAML_SCALAR_NODE, "a colour (#RRGGBB, 0-255, a colour name or default)") < 0)
        return -1;
    const char *v = scalar(n);
    if (v[0] == '\0' && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return FAIL(c, n, "expected a colour, found nothing (quote #RRGGBB values: \"#RRGGBB\", "
                          "since an unquoted # starts a YAML comment)");
    if (strlen(v) == n->data.scalar.length && color_parse(v, out))
        return 0;
    const char *s = v[0] == '#' ? NULL : suggest(v, colour_names, COLOUR_NAME_COUNT);
    char h[64] = "";
    if (s)
        snprintf(h, sizeof h, " (did you mean '%s'?)", s);
    return FAIL(c, n, "bad colour '%.40s': expected #RRGGBB, 0-255, a colour name "
                      "(black, red, green, yellow, blue, magenta, cyan, white, bright-...) or default%s",
                v, h);
}

static int parse_attr_name(parse_ctx *c, const yaml_node_t *n, attr_t *out)
{
    if (expect_type(c, n, YAML_SCALAR_NODE, "an attribute name") < 0)
        return -1;
    for (int i = 0; i < ATTR_COUNT; i++) {
        if (strcmp(scalar(n), attr_names[i]) == 0) {
            *out |= attr_bits[i];
            return 0;
        }
    }
    char h[160];
    hint(h, sizeof h, scalar(n), attr_names, ATTR_COUNT);
    return FAIL(c, n, "unknown attribute '%.40s'%s", scalar(n), h);
}

/* A single attribute name or a sequence of them ([] for none). */
static int parse_attrs(parse_ctx *c, const yaml_node_t *n, attr_t *out)
{
    *out = A_NORMAL;
    if (n->type == YAML_SCALAR_NODE)
        return parse_attr_name(c, n, out);
    if (expect_type(c, n, YAML_SEQUENCE_NODE, "a list of attributes") < 0)
        return -1;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
        if (parse_attr_name(c, yaml_document_get_node(c->doc, *it), out) < 0)
            return -1;
    return 0;
}

static int parse_style(parse_ctx *c, const yaml_node_t *n, theme_style *st)
{
    int seen[STYLE_COUNT] = {0};
    if (expect_type(c, n, YAML_MAPPING_NODE, "a mapping of fg, bg, attrs, mono") < 0)
        return -1;
    memset(st, 0, sizeof *st);
    st->fg.kind = st->bg.kind = COLOR_SPEC_DEFAULT;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        int rc = -1;
        switch (match_key(c, yaml_document_get_node(c->doc, p->key), style_keys, STYLE_COUNT, seen, "style key")) {
        case STYLE_FG:
            rc = parse_colour(c, v, &st->fg);
            break;
        case STYLE_BG:
            rc = parse_colour(c, v, &st->bg);
            break;
        case STYLE_ATTRS:
            rc = parse_attrs(c, v, &st->attrs);
            break;
        case STYLE_MONO:
            rc = parse_attrs(c, v, &st->mono);
            break;
        }
        if (rc < 0)
            return -1;
    }
    if (!seen[STYLE_MONO])
        st->mono = st->attrs;
    return 0;
}

static int parse_roles(parse_ctx *c, const yaml_node_t *n, theme_def *def)
{
    int seen[THEME_ROLE_COUNT] = {0};
    if (expect_type(c, n, YAML_MAPPING_NODE, "a mapping of roles") < 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        int r = match_key(c, yaml_document_get_node(c->doc, p->key), role_keys, THEME_ROLE_COUNT, seen, "role");
        if (r < 0 || parse_style(c, yaml_document_get_node(c->doc, p->value), &def->role[r]) < 0)
            return -1;
    }
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        if (!seen[r])
            return FAIL(c, n, "missing role '%s' (a theme defines every role)", role_keys[r]);
    return 0;
}

static int parse_text(parse_ctx *c, const yaml_node_t *n, char *out, size_t len)
{
    if (expect_type(c, n, YAML_SCALAR_NODE, "a string") < 0)
        return -1;
    snprintf(out, len, "%s", scalar(n));
    return 0;
}

static int parse_root(parse_ctx *c, const yaml_node_t *root, theme_def *def)
{
    int seen[TOP_COUNT] = {0};
    if (expect_type(c, root, YAML_MAPPING_NODE, "a mapping with 'roles'") < 0)
        return -1;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        int rc = -1;
        switch (match_key(c, yaml_document_get_node(c->doc, p->key), top_keys, TOP_COUNT, seen, "key")) {
        case TOP_NAME:
            rc = parse_text(c, v, def->name, sizeof def->name);
            break;
        case TOP_DESCRIPTION:
            rc = parse_text(c, v, def->description, sizeof def->description);
            break;
        case TOP_ROLES:
            rc = parse_roles(c, v, def);
            break;
        }
        if (rc < 0)
            return -1;
    }
    if (!seen[TOP_ROLES])
        return FAIL(c, root, "missing key 'roles' (the mapping of role styles)");
    return 0;
}

/* Reader errors (bad UTF-8) carry only a byte offset: turn it into line:column. */
static int fail_reader(parse_ctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < p->problem_offset && i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    return fail_at(c, line, col, "not a UTF-8 text file: %s", p->problem ? p->problem : "bad byte");
}

static int fail_syntax(parse_ctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fail_at(c, 1, 1, "out of memory");
    if (p->error == YAML_READER_ERROR)
        return fail_reader(c, p, text, len);
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context)
        return fail_at(c, p->problem_mark.line + 1, p->problem_mark.column + 1,
                       "YAML syntax error: %s %s started at %zu:%zu", problem, p->context,
                       p->context_mark.line + 1, p->context_mark.column + 1);
    return fail_at(c, p->problem_mark.line + 1, p->problem_mark.column + 1, "YAML syntax error: %s", problem);
}

/* A theme is one document; a second one is more likely a stray "---" than intent. */
static int check_single_document(parse_ctx *c, yaml_parser_t *p, const char *text, size_t len)
{
    yaml_document_t extra;
    if (!yaml_parser_load(p, &extra))
        return fail_syntax(c, p, text, len);
    yaml_node_t *root = yaml_document_get_root_node(&extra);
    int rc = root ? FAIL(c, root, "expected one YAML document, found a second one") : 0;
    yaml_document_delete(&extra);
    return rc;
}

int theme_file_parse(const char *label, const char *text, size_t len, theme_def *out,
                     char *err, size_t errlen)
{
    parse_ctx c = {label, NULL, err, errlen};
    yaml_parser_t parser;
    yaml_document_t doc;
    theme_def def;
    int rc = -1;

    memset(&def, 0, sizeof def);
    if (!yaml_parser_initialize(&parser))
        return fail_at(&c, 1, 1, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_mark_t deep;
    if (yaml_depth_exceeded(text, len, YAML_DEPTH_MAX, &deep)) {
        fail_at(&c, deep.line + 1, deep.column + 1, "lists and mappings nested deeper than %d "
                "levels; a theme needs a few", YAML_DEPTH_MAX);
        yaml_parser_delete(&parser);
        return -1;
    }
    if (!yaml_parser_load(&parser, &doc)) {
        fail_syntax(&c, &parser, text, len);
        yaml_parser_delete(&parser);
        return -1;
    }
    c.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
        fail_at(&c, 1, 1, "empty theme: expected a mapping with 'roles'");
    else if (parse_root(&c, root, &def) == 0 && check_single_document(&c, &parser, text, len) == 0)
        rc = 0;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc == 0)
        *out = def;
    return rc;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = file_read_fopen(path, err, errlen);
    if (!f)
        return NULL;
    char *buf = malloc(THEME_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, THEME_FILE_MAX + 1, f) : 0;
    int bad = !buf ? ENOMEM : ferror(f) ? EIO : 0;
    fclose(f);
    if (bad || n > THEME_FILE_MAX) {
        if (bad)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(bad));
        else
            snprintf(err, errlen, "%s: larger than %ld bytes; not a theme file", path, THEME_FILE_MAX);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int theme_file_load(const char *path, theme_def *out, char *err, size_t errlen)
{
    size_t len;
    char *text = read_file(path, &len, err, errlen);
    if (!text)
        return -1;
    int rc = theme_file_parse(path, text, len, out, err, errlen);
    free(text);
    return rc;
}
