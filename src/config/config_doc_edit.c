/* config_doc_edit.c - the edits of a config_doc (config_doc.h). Each one
 * replaces a byte span of the text (a value, a key's lines, a list item)
 * and reads the text again; the bytes outside the span never change. A
 * result that does not read back is undone. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytebuf.h"
#include "config_doc.h"
#include "config_doc_impl.h"

/* ------------------------------------------------------------ text */

static size_t line_start(const config_doc *d, size_t pos)
{
    while (pos > d->bom && d->text[pos - 1] != '\n')
        pos--;
    return pos;
}

/* After the line break ending the line that holds POS (or the text's end). */
static size_t line_end(const config_doc *d, size_t pos)
{
    while (pos < d->len && d->text[pos] != '\n')
        pos++;
    return pos < d->len ? pos + 1 : pos;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* Replaces bytes [start, end) with INS and reads the text again; on failure
 * the text and index are as before. */
static int raw_splice(config_doc *d, size_t start, size_t end, const char *ins, size_t n,
                      char *err, size_t errlen)
{
    char *text = malloc(d->len - (end - start) + n + 1);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", d->path);
        return -1;
    }
    memcpy(text, d->text, start);
    memcpy(text + start, ins, n);
    memcpy(text + start + n, d->text + end, d->len - end + 1);
    char *old = d->text;
    size_t old_len = d->len;
    d->text = text;
    d->len = old_len - (end - start) + n;
    char why[512];
    if (cdoc_index(d, why, sizeof why) < 0) {
        free(text);
        d->text = old;
        d->len = old_len;
        snprintf(err, errlen, "%s: the edit would not read back (%s); nothing changed", d->path,
                 why);
        return -1;
    }
    free(old);
    return 0;
}

/* An alias after END whose anchor lies in [START, END), or -1. */
static int alias_into(const config_doc *d, size_t start, size_t end)
{
    for (size_t i = 0; i < d->n_nodes; i++) {
        const cdoc_node *a = &d->nodes[i];
        int target = a->kind == CDOC_ALIAS && a->start >= end ? cdoc_deref(d, (int)i) : -1;
        if (target >= 0 && d->nodes[target].start >= start && d->nodes[target].start < end)
            return (int)i;
    }
    return -1;
}

/* Removing [START, END) must not leave an alias without its anchor: each
 * alias of a scalar anchored there becomes a copy of its text (aliases come
 * after their anchor, so this never moves START or END); an alias of an
 * anchored list or mapping is refused. */
static int inline_aliases(config_doc *d, size_t start, size_t end, char *err, size_t errlen)
{
    int i;
    while ((i = alias_into(d, start, end)) >= 0) {
        const cdoc_node *a = &d->nodes[i], *t = &d->nodes[cdoc_deref(d, i)];
        if (t->kind != CDOC_SCALAR) {
            snprintf(err, errlen, "%s:%d:%d: *%s refers to the %s being removed; edit the file "
                     "to remove the alias first", d->path, a->line, a->col, a->value,
                     t->kind == CDOC_SEQ ? "list" : "mapping");
            return -1;
        }
        /* the anchored value's own text: the same scalar, quoting and all */
        size_t n = t->end - t->vstart;
        char *copy = strndup(d->text + t->vstart, n);
        int rc = copy ? raw_splice(d, a->start, a->end, copy, n, err, errlen) : -1;
        free(copy);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int splice(config_doc *d, size_t start, size_t end, const char *ins, size_t n, char *err,
                  size_t errlen)
{
    if (end > start && inline_aliases(d, start, end, err, errlen) < 0)
        return -1;
    return raw_splice(d, start, end, ins, n, err, errlen);
}

static int splice_buf(config_doc *d, size_t start, size_t end, bytebuf *b, char *err,
                      size_t errlen)
{
    int rc;
    if (b->oom) {
        snprintf(err, errlen, "%s: out of memory", d->path);
        rc = -1;
    } else {
        rc = splice(d, start, end, b->p ? b->p : "", b->len, err, errlen);
    }
    bytebuf_free(b);
    return rc;
}

static void put(bytebuf *b, const char *s)
{
    bytebuf_put(b, s, strlen(s));
}

/* A line break first when POS starts a text whose last line has none. */
static void eol_before(const config_doc *d, size_t pos, bytebuf *b)
{
    if (pos > d->bom && pos == d->len && d->text[pos - 1] != '\n')
        put(b, d->eol);
}

static void put_spaces(bytebuf *b, int n)
{
    for (int i = 0; i < n; i++)
        put(b, " ");
}

/* ------------------------------------------------------------ rendering values */

static bool plain_safe(const char *s)
{
    size_t n = strlen(s);
    if (!n || strchr("?:,[]{}#&*!|>'\"%@` \t", s[0]) || s[n - 1] == ' ' || s[n - 1] == ':')
        return false;
    if (s[0] == '-' && (n == 1 || s[1] == ' '))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr(",[]{}", *p))
            return false;
    return !strstr(s, ": ") && !strstr(s, " #");
}

/* Text that YAML would read as something other than a string. */
static bool reads_as_other(const char *s)
{
    static const char *const words[] = {"~", "null", "true", "false", "yes", "no", "on", "off",
                                        "y", "n", NULL};
    for (size_t i = 0; words[i]; i++)
        if (!strcasecmp(s, words[i]))
            return true;
    return strchr("0123456789.+-", s[0]) != NULL;
}

static void put_double_quoted(bytebuf *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\')
            snprintf(esc, sizeof esc, "\\%c", *p);
        else if (*p == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (*p == '\t')
            snprintf(esc, sizeof esc, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            snprintf(esc, sizeof esc, "\\x%02x", *p);
        else
            snprintf(esc, sizeof esc, "%c", *p);
        put(b, esc);
    }
    put(b, "\"");
}

static void put_single_quoted(bytebuf *b, const char *s)
{
    put(b, "'");
    for (const char *p = s; *p; p++)
        put(b, *p == '\'' ? "''" : (char[2]){*p, 0});
    put(b, "'");
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* VALUE as a YAML scalar for key K (NULL: unknown, taken as a string), in
 * the quoting STYLE of the value it replaces where that reads back the same. */
static void render(bytebuf *b, const cs_key *k, const char *value, yaml_scalar_style_t style)
{
    bool string = !k || k->type == CS_STRING || k->type == CS_STRLIST;
    if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
        (style == YAML_SINGLE_QUOTED_SCALAR_STYLE && has_control(value)))
        put_double_quoted(b, value);
    else if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE)
        put_single_quoted(b, value);
    else if (plain_safe(value) && !(string && reads_as_other(value)))
        put(b, value);
    else
        put_double_quoted(b, value);
}

/* ------------------------------------------------------------ spans */

static const cdoc_node *node(const config_doc *d, int i)
{
    return &d->nodes[i];
}

/* The byte after the ':' that follows key node KEY. */
static size_t after_colon(const config_doc *d, int key)
{
    size_t p = node(d, key)->end;
    while (p < d->len && d->text[p] != ':')
        p++;
    return p < d->len ? p + 1 : p;
}

/* Replaces the value VALUE of KEY with the scalar text in B. */
static int replace_value(config_doc *d, int key, int value, bytebuf *b, char *err, size_t errlen)
{
    const cdoc_node *v = node(d, value);
    size_t start = v->kind == CDOC_ALIAS ? v->start : v->vstart, end = v->end;
    if ((v->kind == CDOC_SEQ || v->kind == CDOC_MAP) && !v->flow && key >= 0)
        start = after_colon(d, key);   /* a block collection becomes a scalar on the key's line */
    bytebuf out = {0};
    if (start > d->bom && d->text[start - 1] == ':')
        put(&out, " ");
    bytebuf_put(&out, b->p, b->len);
    bytebuf_free(b);
    return splice_buf(d, start, end, &out, err, errlen);
}

static int key_group_rank(const config_doc *d, int key_node)
{
    const cdoc_node *k = node(d, key_node);
    const cs_key *s = k->kind == CDOC_SCALAR ? config_schema_find(CS_TOP, k->value) : NULL;
    return s ? (int)s->group : -1;
}

/* Where a new pair of MAP goes (after the last pair of K's group at the top;
 * after the last pair inside an entry; the end of the document otherwise). */
static size_t pair_slot(const config_doc *d, int map, const cs_key *k)
{
    const cdoc_node *m = node(d, map);
    int after = -1;
    for (size_t i = 0; i + 1 < m->n_kids; i += 2)
        if (map != d->root || (k && key_group_rank(d, m->kids[i]) == (int)k->group))
            after = (int)i;
    if (after < 0)
        return d->len;
    size_t end = node(d, m->kids[after + 1])->end;
    size_t kend = node(d, m->kids[after])->end;
    return line_end(d, end > kend ? end : kend);
}

/* Adds NAME with the value text V (a scalar, or a block list starting with
 * a line break when BLOCK) to MAP (-1: the empty document). */
static int insert_pair(config_doc *d, int map, const char *name, const cs_key *k, bytebuf *v,
                       bool block, char *err, size_t errlen)
{
    bytebuf b = {0};
    size_t pos;
    const cdoc_node *m = map >= 0 ? node(d, map) : NULL;
    if (m && m->flow) {
        pos = m->n_kids ? node(d, m->kids[m->n_kids - 1])->end : m->vstart + 1;
        put(&b, m->n_kids ? ", " : "");
        put(&b, name);
        put(&b, ": ");
    } else {
        pos = m ? pair_slot(d, map, k) : d->len;
        eol_before(d, pos, &b);
        put_spaces(&b, m && m->n_kids ? node(d, m->kids[0])->col - 1 : 0);
        put(&b, name);
        put(&b, block ? ":" : ": ");
    }
    bytebuf_put(&b, v->p, v->len);
    bytebuf_free(v);
    if (!(m && m->flow) && !block)
        put(&b, d->eol);
    return splice_buf(d, pos, pos, &b, err, errlen);
}

/* Removes item I of the flow collection C: its span [s, e) with the comma
 * that joins it to a neighbour. */
static int flow_remove(config_doc *d, int c, size_t i, size_t per, char *err, size_t errlen)
{
    const cdoc_node *n = node(d, c);
    size_t items = n->n_kids / per;
    size_t s = node(d, n->kids[i * per])->start, e = node(d, n->kids[i * per + per - 1])->end;
    if (i + 1 < items)
        e = node(d, n->kids[(i + 1) * per])->start;
    else if (i > 0)
        s = node(d, n->kids[i * per - 1])->end;
    return splice(d, s, e, "", 0, err, errlen);
}

/* ------------------------------------------------------------ lists */

static int empty_list(config_doc *d, int key, int seq, char *err, size_t errlen)
{
    bytebuf b = {0};
    put(&b, "[]");
    return replace_value(d, key, seq, &b, err, errlen);
}

/* Removes item I of SEQ, the value of KEY; the last item leaves "[]". */
static int remove_item(config_doc *d, int key, int seq, size_t i, char *err, size_t errlen)
{
    const cdoc_node *n = node(d, seq);
    if (n->flow)
        return flow_remove(d, seq, i, 1, err, errlen);
    if (n->n_kids == 1)
        return empty_list(d, key, seq, err, errlen);
    const cdoc_node *it = node(d, n->kids[i]);
    return splice(d, line_start(d, it->start), line_end(d, it->end), "", 0, err, errlen);
}

/* The indentation of the "- " that starts item node IT of a block list. */
static int dash_column(const config_doc *d, const cdoc_node *it)
{
    size_t ls = line_start(d, it->start), p = it->start;
    while (p > ls && d->text[p - 1] != '-')
        p--;
    return p > ls ? (int)(p - 1 - ls) : 0;
}

/* Appends the item text in V to SEQ (the value of KEY). */
static int append_item(config_doc *d, int seq, bytebuf *v, char *err, size_t errlen)
{
    const cdoc_node *n = node(d, seq);
    bytebuf b = {0};
    size_t pos;
    if (n->flow) {
        pos = n->n_kids ? node(d, n->kids[n->n_kids - 1])->end : n->vstart + 1;
        put(&b, n->n_kids ? ", " : "");
        bytebuf_put(&b, v->p, v->len);
    } else {
        const cdoc_node *last = node(d, n->kids[n->n_kids - 1]);
        pos = line_end(d, last->end);
        eol_before(d, pos, &b);
        put_spaces(&b, dash_column(d, last));
        put(&b, "- ");
        bytebuf_put(&b, v->p, v->len);
        put(&b, d->eol);
    }
    bytebuf_free(v);
    return splice_buf(d, pos, pos, &b, err, errlen);
}

static void render_flow_list(bytebuf *b, const cs_key *k, const char *const *items, size_t n)
{
    put(b, "[");
    for (size_t i = 0; i < n; i++) {
        put(b, i ? ", " : "");
        render(b, k, items[i], YAML_PLAIN_SCALAR_STYLE);
    }
    put(b, "]");
}

static bool listed(const char *s, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, items[i]))
            return true;
    return false;
}

/* The list at PATH as a sequence node, or -1 (absent, or not a list). */
static int list_at(const config_doc *d, const char *path, cdoc_loc *loc, char *err,
                   size_t errlen)
{
    if (cdoc_find(d, path, loc, err, errlen) < 0)
        return -2;
    int n = loc->node;
    return n >= 0 && node(d, n)->kind == CDOC_SEQ ? n : -1;
}

/* Drops the items of the list at PATH that ITEMS does not hold. */
static int drop_unlisted(config_doc *d, const char *path, const char *const *items, size_t n,
                         char *err, size_t errlen)
{
    cdoc_loc loc;
    int seq = list_at(d, path, &loc, err, errlen);
    for (size_t i = seq >= 0 ? node(d, seq)->n_kids : 0; i-- > 0;) {
        if ((seq = list_at(d, path, &loc, err, errlen)) < 0)
            return -1;
        const cdoc_node *it = node(d, node(d, seq)->kids[i]);
        if (it->kind == CDOC_SCALAR && listed(it->value, items, n))
            continue;
        if (remove_item(d, loc.key, seq, i, err, errlen) < 0)
            return -1;
    }
    return seq < -1 ? -1 : 0;
}

static int add_missing(config_doc *d, const char *path, const cs_key *k, const char *const *items,
                       size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        cdoc_loc loc;
        int seq = list_at(d, path, &loc, err, errlen);
        if (seq < 0)
            return -1;
        const cdoc_node *s = node(d, seq);
        bool found = false;
        for (size_t j = 0; j < s->n_kids && !found; j++)
            found = node(d, s->kids[j])->kind == CDOC_SCALAR &&
                    !strcmp(node(d, s->kids[j])->value, items[i]);
        if (found)
            continue;
        bytebuf v = {0};
        render(&v, k, items[i], YAML_PLAIN_SCALAR_STYLE);
        if (append_item(d, seq, &v, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int snapshot(const config_doc *d, char **copy, size_t *len, char *err, size_t errlen)
{
    *copy = malloc(d->len + 1);
    if (!*copy) {
        snprintf(err, errlen, "%s: out of memory", d->path);
        return -1;
    }
    memcpy(*copy, d->text, d->len + 1);
    *len = d->len;
    return 0;
}

/* Puts back the text of a snapshot (which read before, so reads again). */
static void restore(config_doc *d, char *copy, size_t len)
{
    char why[256];
    free(d->text);
    d->text = copy;
    d->len = len;
    cdoc_index(d, why, sizeof why);
}

int config_doc_list_set(config_doc *d, const char *path, const char *const *items, size_t n,
                        char *err, size_t errlen)
{
    const cs_key *k = cdoc_schema_of(path);
    cdoc_loc loc;
    int seq = list_at(d, path, &loc, err, errlen);
    if (seq < -1)
        return -1;
    if (seq < 0) {
        /* absent, null or a scalar: written whole, as a flow list */
        bytebuf b = {0};
        render_flow_list(&b, k, items, n);
        if (loc.node >= 0)
            return replace_value(d, loc.key, loc.node, &b, err, errlen);
        return insert_pair(d, loc.map, path, k, &b, false, err, errlen);
    }
    char *copy;
    size_t len;
    if (snapshot(d, &copy, &len, err, errlen) < 0)
        return -1;
    if (drop_unlisted(d, path, items, n, err, errlen) < 0 ||
        add_missing(d, path, k, items, n, err, errlen) < 0) {
        restore(d, copy, len);
        return -1;
    }
    free(copy);
    return 0;
}

/* "a, b,c" -> items (in BUF), for list values given as text. */
static size_t split_items(char *buf, const char **items, size_t max)
{
    size_t n = 0;
    for (char *p = strtok(buf, ","); p && n < max; p = strtok(NULL, ",")) {
        while (*p == ' ')
            p++;
        char *e = p + strlen(p);
        while (e > p && e[-1] == ' ')
            *--e = '\0';
        if (*p)
            items[n++] = p;
    }
    return n;
}

/* ------------------------------------------------------------ set, unset */

int config_doc_set(config_doc *d, const char *path, const char *value, char *err, size_t errlen)
{
    const cs_key *k = cdoc_schema_of(path);
    bool whole = !strchr(path, '[');
    if (k && k->type == CS_STRLIST && whole) {
        char buf[4096];
        const char *items[64];
        snprintf(buf, sizeof buf, "%s", value);
        size_t n = split_items(buf, items, 64);
        return config_doc_list_set(d, path, items, n, err, errlen);
    }
    if (k && k->type == CS_DATASETS && whole) {
        snprintf(err, errlen, "%s: a list of dataset entries; add or remove entries instead", path);
        return -1;
    }
    cdoc_loc loc;
    if (cdoc_find(d, path, &loc, err, errlen) < 0)
        return -1;
    bytebuf b = {0};
    if (loc.node < 0) {
        render(&b, k, value, YAML_PLAIN_SCALAR_STYLE);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)loc.last_len, loc.last);
        return insert_pair(d, loc.map, name, k, &b, false, err, errlen);
    }
    const cdoc_node *n = node(d, loc.node);
    if (n->kind == CDOC_MAP) {
        snprintf(err, errlen, "%s: holds a mapping, not a value", path);
        return -1;
    }
    render(&b, k, value, n->kind == CDOC_SCALAR ? n->style : YAML_PLAIN_SCALAR_STYLE);
    return replace_value(d, loc.key, loc.node, &b, err, errlen);
}

/* Removes the pair KEY: VALUE from the block mapping MAP: its lines, or, for
 * the first key of a list entry ("- path: x"), up to the next key. */
static int block_pair_remove(config_doc *d, int map, size_t pair, char *err, size_t errlen)
{
    const cdoc_node *m = node(d, map), *k = node(d, m->kids[2 * pair]);
    const cdoc_node *v = node(d, m->kids[2 * pair + 1]);
    size_t ls = line_start(d, k->start), end = v->end > k->end ? v->end : k->end;
    if (blank(d->text + ls, k->start - ls))
        return splice(d, ls, line_end(d, end), "", 0, err, errlen);
    if (m->n_kids < 4) {
        snprintf(err, errlen, "%s:%d:%d: '%s' is the entry's only key; remove the entry instead",
                 d->path, k->line, k->col, k->value);
        return -1;
    }
    return splice(d, k->start, node(d, m->kids[2 * pair + 2])->start, "", 0, err, errlen);
}

int config_doc_unset(config_doc *d, const char *path, char *err, size_t errlen)
{
    cdoc_loc loc;
    if (cdoc_find(d, path, &loc, err, errlen) < 0)
        return -1;
    if (loc.seq >= 0) {
        cdoc_loc owner;
        char parent[256];
        snprintf(parent, sizeof parent, "%.*s", (int)strcspn(path, "["), path);
        if (cdoc_find(d, parent, &owner, err, errlen) < 0)
            return -1;
        return remove_item(d, owner.key, loc.seq, loc.index, err, errlen);
    }
    if (loc.node < 0)
        return 0;
    const cdoc_node *m = node(d, loc.map);
    size_t pair = 0;
    while (m->kids[2 * pair] != loc.key)
        pair++;
    if (m->flow)
        return flow_remove(d, loc.map, pair, 2, err, errlen);
    return block_pair_remove(d, loc.map, pair, err, errlen);
}

/* ------------------------------------------------------------ datasets */

static void render_entry_flow(bytebuf *b, const char *path, const char *type)
{
    put(b, "{path: ");
    render(b, config_schema_find(CS_DATASET, "path"), path, YAML_PLAIN_SCALAR_STYLE);
    put(b, ", type: ");
    render(b, config_schema_find(CS_DATASET, "type"), type, YAML_PLAIN_SCALAR_STYLE);
    put(b, "}");
}

/* "- path: P" EOL, "  type: T" EOL, the dash at column DASH, keys at KEYS. */
static void render_entry_block(const config_doc *d, bytebuf *b, int dash, int keys,
                               const char *path, const char *type)
{
    put_spaces(b, dash);
    put(b, "-");
    put_spaces(b, keys - dash - 1);
    put(b, "path: ");
    render(b, config_schema_find(CS_DATASET, "path"), path, YAML_PLAIN_SCALAR_STYLE);
    put(b, d->eol);
    put_spaces(b, keys);
    put(b, "type: ");
    render(b, config_schema_find(CS_DATASET, "type"), type, YAML_PLAIN_SCALAR_STYLE);
    put(b, d->eol);
}

int config_doc_dataset_add(config_doc *d, const char *list, const char *path, const char *type,
                           char *err, size_t errlen)
{
    const cs_key *k = config_schema_find(CS_TOP, list);
    if (!k || k->type != CS_DATASETS) {
        snprintf(err, errlen, "%s: not a list of datasets", list);
        return -1;
    }
    cdoc_loc loc;
    int seq = list_at(d, list, &loc, err, errlen);
    if (seq < -1)
        return -1;
    bytebuf b = {0};
    if (seq >= 0 && node(d, seq)->n_kids > 0 && node(d, seq)->flow) {
        render_entry_flow(&b, path, type);
        return append_item(d, seq, &b, err, errlen);
    }
    if (seq >= 0 && node(d, seq)->n_kids > 0) {
        const cdoc_node *last = node(d, node(d, seq)->kids[node(d, seq)->n_kids - 1]);
        int dash = dash_column(d, last);
        int keys = last->kind == CDOC_MAP && !last->flow ? last->col - 1 : dash + 2;
        size_t pos = line_end(d, last->end);
        eol_before(d, pos, &b);
        render_entry_block(d, &b, dash, keys, path, type);
        return splice_buf(d, pos, pos, &b, err, errlen);
    }
    /* absent, null or []: a block list under the key */
    int indent = loc.key >= 0 ? node(d, loc.key)->col - 1 : 0;
    put(&b, d->eol);
    render_entry_block(d, &b, indent + 2, indent + 4, path, type);
    if (loc.node < 0)
        return insert_pair(d, loc.map, list, k, &b, true, err, errlen);
    size_t from = after_colon(d, loc.key), to = line_end(d, node(d, loc.node)->end);
    if (to == d->len && (to == 0 || d->text[to - 1] != '\n'))
        b.len -= strlen(d->eol), b.p[b.len] = '\0';  /* the file ended without a line break */
    return splice_buf(d, from, to, &b, err, errlen);
}

int config_doc_dataset_remove(config_doc *d, const char *list, size_t index, char *err,
                              size_t errlen)
{
    char path[96];
    snprintf(path, sizeof path, "%s[%zu]", list, index);
    return config_doc_unset(d, path, err, errlen);
}

int config_doc_apply(config_doc *d, const config_edit *edits, size_t n, char *err, size_t errlen)
{
    char *copy;
    size_t len;
    if (snapshot(d, &copy, &len, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = edits[i].value ? config_doc_set(d, edits[i].key, edits[i].value, err, errlen)
                                : config_doc_unset(d, edits[i].key, err, errlen);
        if (rc < 0) {
            restore(d, copy, len);
            return -1;
        }
    }
    free(copy);
    return 0;
}

int config_doc_set_text(config_doc *d, const char *text, size_t len, char *err, size_t errlen)
{
    return raw_splice(d, 0, d->len, text, len, err, errlen);
}
