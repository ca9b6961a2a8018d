/* config_doc.c - a config opened for editing (config_doc.h): reading the
 * file, indexing its nodes by byte span from libyaml's events, resolving
 * key paths, and noticing when the file changes on disk. The edits are in
 * config_doc_edit.c. */
#include "config.h"

#include "config_doc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "atomic_file.h"
#include "config_doc_impl.h"
#include "grow.h"

/* The loader's limit: anything bigger is the wrong file. */
#define MAX_DOC_BYTES (4u << 20)
/* Deeper nesting than any config has; stops a hostile file from recursing far. */
#define MAX_DEPTH 64

/* ------------------------------------------------------------ reading a file */

static int read_file(const char *path, char **text, size_t *len, cdoc_stamp *st, char *err,
                     size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    const char *problem = NULL;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *buf = NULL;
    size_t got = 0;
    if (!S_ISREG(sb.st_mode))
        problem = "not a regular file";
    else if (sb.st_size > MAX_DOC_BYTES)
        problem = "larger than 4 MiB; not a config";
    else if (!(buf = malloc((size_t)sb.st_size + 1)))
        problem = "out of memory";
    while (!problem && got < (size_t)sb.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            problem = n < 0 ? strerror(errno) : "the file shrank while being read";
        else
            got += (size_t)n;
    }
    close(fd);
    if (problem) {
        snprintf(err, errlen, "%s: cannot read: %s", path, problem);
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    *st = (cdoc_stamp){sb.st_dev, sb.st_ino, sb.st_size, sb.st_mtim, XXH3_64bits(buf, got)};
    return 0;
}

/* ------------------------------------------------------------ indexing */

typedef struct {
    config_doc *d;
    yaml_parser_t parser;
    size_t ci, bi;              /* a character index and its byte offset */
    cdoc_node *nodes;           /* the new index, built beside the old one */
    size_t n_nodes, cap_nodes;
    char *err;
    size_t errlen;
} indexer;

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* libyaml marks count characters (CRLF as two) after any BOM; edits need
 * bytes. Marks arrive nearly in order, so a forward cursor serves. */
static size_t byte_at(indexer *x, size_t index)
{
    if (index < x->ci) {
        x->ci = 0;
        x->bi = x->d->bom;
    }
    while (x->ci < index && x->bi < x->d->len) {
        x->bi += utf8_len((unsigned char)x->d->text[x->bi]);
        x->ci++;
    }
    return x->bi < x->d->len ? x->bi : x->d->len;
}

static void syntax_error(indexer *x)
{
    const yaml_parser_t *p = &x->parser;
    const char *path = x->d->path, *problem = p->problem ? p->problem : "malformed YAML";
    size_t line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;
    if (p->error == YAML_MEMORY_ERROR)
        snprintf(x->err, x->errlen, "%s: out of memory", path);
    else if (p->error == YAML_READER_ERROR)
        snprintf(x->err, x->errlen, "%s: byte %zu: not UTF-8 text: %s", path, p->problem_offset,
                 problem);
    else if (p->context)
        snprintf(x->err, x->errlen, "%s:%zu:%zu: YAML syntax error: %s %s started at line %zu",
                 path, line, col, problem, p->context, p->context_mark.line + 1);
    else
        snprintf(x->err, x->errlen, "%s:%zu:%zu: YAML syntax error: %s", path, line, col, problem);
}

static int next_event(indexer *x, yaml_event_t *ev)
{
    if (yaml_parser_parse(&x->parser, ev))
        return 0;
    syntax_error(x);
    return -1;
}

static void free_nodes(cdoc_node *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(nodes[i].value);
        free(nodes[i].anchor);
        free(nodes[i].kids);
    }
    free(nodes);
}

static int oom(indexer *x)
{
    snprintf(x->err, x->errlen, "%s: out of memory", x->d->path);
    return -1;
}

/* Skips "&anchor" and "!tag" properties (and the blanks after them). */
static size_t skip_props(const char *t, size_t pos, size_t end)
{
    while (pos < end && (t[pos] == '&' || t[pos] == '!')) {
        while (pos < end && !strchr(" \t\r\n", t[pos]))
            pos++;
        while (pos < end && (t[pos] == ' ' || t[pos] == '\t'))
            pos++;
    }
    return pos;
}

static int add_node(indexer *x, cdoc_kind kind, const yaml_event_t *ev, const yaml_char_t *anchor)
{
    cdoc_node *n = grow_array(x->nodes, &x->cap_nodes, x->n_nodes + 1, sizeof *n, 32);
    if (!n)
        return oom(x);
    x->nodes = n;
    n = &x->nodes[x->n_nodes];
    *n = (cdoc_node){.kind = kind, .start = byte_at(x, ev->start_mark.index),
                     .line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1};
    if (anchor && !(n->anchor = strdup((const char *)anchor)))
        return oom(x);
    n->end = kind == CDOC_SCALAR || kind == CDOC_ALIAS ? byte_at(x, ev->end_mark.index) : n->start;
    n->vstart = skip_props(x->d->text, n->start, n->end > n->start ? n->end : x->d->len);
    return (int)x->n_nodes++;
}

static int add_kid(indexer *x, int parent, int kid)
{
    cdoc_node *p = &x->nodes[parent];
    int *k = grow_array(p->kids, &p->cap_kids, p->n_kids + 1, sizeof *k, 4);
    if (!k)
        return oom(x);
    p->kids = k;
    p->kids[p->n_kids++] = kid;
    return 0;
}

static int parse_node(indexer *x, yaml_event_t *ev, int depth);

static int parse_scalar(indexer *x, yaml_event_t *ev)
{
    int i = add_node(x, CDOC_SCALAR, ev, ev->data.scalar.anchor);
    if (i < 0)
        return -1;
    cdoc_node *n = &x->nodes[i];
    n->style = ev->data.scalar.style;
    if (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE)
        while (n->end > n->vstart && strchr(" \t\r\n", x->d->text[n->end - 1]))
            n->end--;   /* a block scalar's marks take in the blank lines after it */
    n->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
    return n->value ? i : oom(x);
}

static int parse_collection(indexer *x, yaml_event_t *ev, int depth)
{
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    const yaml_char_t *anchor = map ? ev->data.mapping_start.anchor
                                    : ev->data.sequence_start.anchor;
    int i = add_node(x, map ? CDOC_MAP : CDOC_SEQ, ev, anchor);
    if (i < 0)
        return -1;
    x->nodes[i].flow = map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                           : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    yaml_event_type_t end_type = map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t kid;
        if (next_event(x, &kid) < 0)
            return -1;
        if (kid.type == end_type) {
            cdoc_node *n = &x->nodes[i];
            if (n->flow)
                n->end = byte_at(x, kid.end_mark.index);
            else if (n->n_kids)
                n->end = x->nodes[n->kids[n->n_kids - 1]].end;
            yaml_event_delete(&kid);
            return i;
        }
        int k = parse_node(x, &kid, depth + 1);
        yaml_event_delete(&kid);
        if (k < 0 || add_kid(x, i, k) < 0)
            return -1;
    }
}

static int parse_node(indexer *x, yaml_event_t *ev, int depth)
{
    if (depth > MAX_DEPTH) {
        snprintf(x->err, x->errlen, "%s:%zu:%zu: nested deeper than %d levels", x->d->path,
                 ev->start_mark.line + 1, ev->start_mark.column + 1, MAX_DEPTH);
        return -1;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return parse_scalar(x, ev);
    case YAML_ALIAS_EVENT: {
        int i = add_node(x, CDOC_ALIAS, ev, NULL);
        if (i >= 0 && !(x->nodes[i].value = strdup((const char *)ev->data.alias.anchor)))
            return oom(x);
        return i;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return parse_collection(x, ev, depth);
    default:
        snprintf(x->err, x->errlen, "%s:%zu:%zu: unexpected YAML event", x->d->path,
                 ev->start_mark.line + 1, ev->start_mark.column + 1);
        return -1;
    }
}

/* The events of the whole stream: at most one document, whose root is
 * returned (-1 for none). -2 on error. */
static int parse_stream(indexer *x)
{
    int root = -1;
    bool seen_doc = false;
    for (;;) {
        yaml_event_t ev;
        if (next_event(x, &ev) < 0)
            return -2;
        yaml_event_type_t type = ev.type;
        int rc = 0;
        if (type == YAML_DOCUMENT_START_EVENT && seen_doc) {
            snprintf(x->err, x->errlen, "%s:%zu:%zu: expected one YAML document, found a "
                     "second one (a config is a single document)", x->d->path,
                     ev.start_mark.line + 1, ev.start_mark.column + 1);
            rc = -2;
        } else if (type == YAML_DOCUMENT_START_EVENT) {
            seen_doc = true;
        } else if (type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT ||
                   type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            root = parse_node(x, &ev, 0);
            rc = root < 0 ? -2 : 0;
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            return rc;
        if (type == YAML_STREAM_END_EVENT)
            return root;
    }
}

static bool is_null_scalar(const cdoc_node *n)
{
    if (n->kind != CDOC_SCALAR || n->style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = n->value;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* Every alias names an anchor defined before it (libyaml's event parser
 * leaves that to the loader, which would refuse the file). */
static int check_aliases(indexer *x)
{
    for (size_t i = 0; i < x->n_nodes; i++) {
        const cdoc_node *a = &x->nodes[i];
        bool found = a->kind != CDOC_ALIAS;
        for (size_t j = 0; !found && j < x->n_nodes; j++)
            found = x->nodes[j].anchor && !strcmp(x->nodes[j].anchor, a->value) &&
                    x->nodes[j].start < a->start;
        if (!found) {
            snprintf(x->err, x->errlen, "%s:%d:%d: *%s refers to no anchor defined before it",
                     x->d->path, a->line, a->col, a->value);
            return -1;
        }
    }
    return 0;
}

static int check_root(indexer *x, int *root)
{
    if (*root < 0)
        return 0;
    const cdoc_node *r = &x->nodes[*root];
    if (r->kind == CDOC_MAP)
        return 0;
    if (is_null_scalar(r)) {
        *root = -1;
        return 0;
    }
    snprintf(x->err, x->errlen, "%s:%d:%d: expected a mapping of keys at the top level, got a %s",
             x->d->path, r->line, r->col, r->kind == CDOC_SEQ ? "list" : "scalar");
    return -1;
}

static int build_keys(config_doc *d, config_doc_key **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (d->root < 0)
        return 0;
    const cdoc_node *r = &d->nodes[d->root];
    config_doc_key *keys = calloc(r->n_kids / 2 + 1, sizeof *keys);
    if (!keys)
        return -1;
    for (size_t i = 0; i + 1 < r->n_kids; i += 2) {
        const cdoc_node *k = &d->nodes[r->kids[i]];
        const char *name = k->kind == CDOC_SCALAR ? k->value : "";
        const cs_key *s = config_schema_find(CS_TOP, name);
        keys[i / 2] = (config_doc_key){name, s, s ? NULL : config_schema_suggest(CS_TOP, name),
                                       k->line, k->col};
    }
    *out = keys;
    *n_out = r->n_kids / 2;
    return 0;
}

static void detect_layout(config_doc *d)
{
    d->bom = d->len >= 3 && !memcmp(d->text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    const char *nl = memchr(d->text, '\n', d->len);
    d->eol = nl && nl > d->text && nl[-1] == '\r' ? "\r\n" : "\n";
}

int cdoc_index(config_doc *d, char *err, size_t errlen)
{
    detect_layout(d);
    indexer x = {.d = d, .bi = d->bom, .err = err, .errlen = errlen};
    if (!yaml_parser_initialize(&x.parser)) {
        snprintf(err, errlen, "%s: out of memory", d->path);
        return -1;
    }
    yaml_parser_set_input_string(&x.parser, (const unsigned char *)d->text, d->len);
    int root = parse_stream(&x);
    yaml_parser_delete(&x.parser);
    if (root < -1 || check_root(&x, &root) < 0 || check_aliases(&x) < 0) {
        free_nodes(x.nodes, x.n_nodes);
        return -1;
    }
    cdoc_node *old = d->nodes;
    size_t n_old = d->n_nodes;
    int old_root = d->root;
    d->nodes = x.nodes;
    d->n_nodes = x.n_nodes;
    d->cap_nodes = x.cap_nodes;
    d->root = root;
    config_doc_key *keys;
    size_t n_keys;
    if (build_keys(d, &keys, &n_keys) < 0) {
        free_nodes(d->nodes, d->n_nodes);
        d->nodes = old;
        d->n_nodes = d->cap_nodes = n_old;
        d->root = old_root;
        snprintf(err, errlen, "%s: out of memory", d->path);
        return -1;
    }
    free_nodes(old, n_old);
    free(d->keys);
    d->keys = keys;
    d->n_keys = n_keys;
    return 0;
}

/* ------------------------------------------------------------ lifetime */

static config_doc *doc_new(const char *path, char *text, size_t len, char *err, size_t errlen)
{
    config_doc *d = calloc(1, sizeof *d);
    char *disk = malloc(len + 1);
    if (!d || !disk || !(d->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(d);
        free(disk);
        free(text);
        return NULL;
    }
    memcpy(disk, text, len + 1);
    d->disk = disk;
    d->disk_len = len;
    d->text = text;
    d->len = len;
    d->root = -1;
    if (cdoc_index(d, err, errlen) < 0) {
        config_doc_free(d);
        return NULL;
    }
    return d;
}

config_doc *config_doc_open(const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    cdoc_stamp st;
    if (read_file(path, &text, &len, &st, err, errlen) < 0)
        return NULL;
    config_doc *d = doc_new(path, text, len, err, errlen);
    if (d)
        d->stamp = st;
    return d;
}

config_doc *config_doc_from_text(const char *path, const char *text, size_t len, char *err,
                                 size_t errlen)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    return doc_new(path, copy, len, err, errlen);
}

config_doc *config_doc_clone(const config_doc *d)
{
    char err[256];
    config_doc *c = config_doc_from_text(d->path, d->text, d->len, err, sizeof err);
    if (!c)
        return NULL;
    char *disk = malloc(d->disk_len + 1);
    if (!disk) {
        config_doc_free(c);
        return NULL;
    }
    memcpy(disk, d->disk, d->disk_len + 1);
    free(c->disk);
    c->disk = disk;
    c->disk_len = d->disk_len;
    c->stamp = d->stamp;
    return c;
}

void config_doc_free(config_doc *d)
{
    if (!d)
        return;
    free_nodes(d->nodes, d->n_nodes);
    free(d->keys);
    free(d->path);
    free(d->disk);
    free(d->text);
    free(d);
}

const char *config_doc_path(const config_doc *d)
{
    return d->path;
}

const char *config_doc_text(const config_doc *d, size_t *len)
{
    if (len)
        *len = d->len;
    return d->text;
}

bool config_doc_modified(const config_doc *d)
{
    return d->len != d->disk_len || memcmp(d->text, d->disk, d->len);
}

size_t config_doc_key_count(const config_doc *d)
{
    return d->n_keys;
}

const config_doc_key *config_doc_key_at(const config_doc *d, size_t i)
{
    return i < d->n_keys ? &d->keys[i] : NULL;
}

/* ------------------------------------------------------------ paths */

int cdoc_deref(const config_doc *d, int node)
{
    if (node < 0 || d->nodes[node].kind != CDOC_ALIAS)
        return node;
    /* The alias names the nearest anchor of that name before it. */
    int found = -1;
    for (size_t i = 0; i < d->n_nodes; i++)
        if (d->nodes[i].anchor && !strcmp(d->nodes[i].anchor, d->nodes[node].value) &&
            d->nodes[i].start < d->nodes[node].start)
            found = (int)i;
    return found;
}

/* The value of key NAME (LEN bytes) in mapping MAP, its key node in *key. */
static int map_lookup(const config_doc *d, int map, const char *name, size_t len, int *key)
{
    const cdoc_node *m = &d->nodes[map];
    for (size_t i = 0; i + 1 < m->n_kids; i += 2) {
        const cdoc_node *k = &d->nodes[m->kids[i]];
        if (k->kind == CDOC_SCALAR && strlen(k->value) == len && !memcmp(k->value, name, len)) {
            *key = m->kids[i];
            return m->kids[i + 1];
        }
    }
    *key = -1;
    return -1;
}

static int no_path(const char *path, const char *why, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", path, why);
    return -1;
}

int cdoc_find(const config_doc *d, const char *path, cdoc_loc *loc, char *err, size_t errlen)
{
    *loc = (cdoc_loc){.node = d->root, .key = -1, .map = -1, .seq = -1};
    const char *p = path;
    while (*p) {
        if (*p == '[') {
            char *end;
            unsigned long long i = strtoull(p + 1, &end, 10);
            int seq = cdoc_deref(d, loc->node);
            if (end == p + 1 || *end != ']')
                return no_path(path, "expected [INDEX]", err, errlen);
            if (seq < 0 || d->nodes[seq].kind != CDOC_SEQ)
                return no_path(path, "not a list", err, errlen);
            if (i >= d->nodes[seq].n_kids)
                return no_path(path, "no such entry", err, errlen);
            *loc = (cdoc_loc){.node = d->nodes[seq].kids[i], .key = -1, .map = -1, .seq = seq,
                              .index = (size_t)i};
            p = end + 1;
            if (*p == '.')
                p++;
            continue;
        }
        size_t n = strcspn(p, ".[");
        int map = cdoc_deref(d, loc->node);
        if (n == 0)
            return no_path(path, "expected a key name", err, errlen);
        if (loc->node < 0 && p != path)
            return no_path(path, "no such key", err, errlen);
        if (map >= 0 && d->nodes[map].kind != CDOC_MAP)
            return no_path(path, "not a mapping", err, errlen);
        int key = -1, value = map >= 0 ? map_lookup(d, map, p, n, &key) : -1;
        *loc = (cdoc_loc){.node = value, .key = key, .map = map, .seq = -1, .last = p,
                          .last_len = n};
        p += n;
        if (*p == '.')
            p++;
        if (*p && value < 0)
            return no_path(path, "no such key", err, errlen);
    }
    return 0;
}

const cs_key *cdoc_schema_of(const char *path)
{
    size_t n = strcspn(path, ".[");
    char top[64];
    snprintf(top, sizeof top, "%.*s", (int)(n < sizeof top ? n : sizeof top - 1), path);
    const cs_key *k = config_schema_find(CS_TOP, top);
    const char *dot = strchr(path + n, '.');
    if (!k || k->type != CS_DATASETS || !dot)
        return k;
    char sub[64];
    snprintf(sub, sizeof sub, "%.*s", (int)strcspn(dot + 1, ".["), dot + 1);
    return config_schema_find(CS_DATASET, sub);
}

int config_doc_get(const config_doc *d, const char *path, char *buf, size_t len)
{
    cdoc_loc loc;
    char err[256];
    if (len)
        buf[0] = '\0';
    if (cdoc_find(d, path, &loc, err, sizeof err) < 0 || loc.node < 0)
        return 0;
    const cdoc_node *n = &d->nodes[cdoc_deref(d, loc.node) < 0 ? loc.node
                                                                : cdoc_deref(d, loc.node)];
    if (n->kind == CDOC_MAP)
        return -1;
    if (n->kind != CDOC_SEQ) {
        snprintf(buf, len, "%s", n->kind == CDOC_SCALAR ? n->value : "");
        return 1;
    }
    size_t used = 0;
    for (size_t i = 0; i < n->n_kids && used < len; i++) {
        int k = cdoc_deref(d, n->kids[i]);
        const char *v = k >= 0 && d->nodes[k].kind == CDOC_SCALAR ? d->nodes[k].value : "?";
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", v);
        used += w > 0 ? (size_t)w : 0;
    }
    return 1;
}

size_t config_doc_list_len(const config_doc *d, const char *path)
{
    cdoc_loc loc;
    char err[256];
    if (cdoc_find(d, path, &loc, err, sizeof err) < 0)
        return 0;
    int n = cdoc_deref(d, loc.node);
    return n >= 0 && d->nodes[n].kind == CDOC_SEQ ? d->nodes[n].n_kids : 0;
}

/* ------------------------------------------------------------ checking */

static void unknown_in(const config_doc *d, int map, cs_scope scope, const char *label,
                       config_diags *out)
{
    const cdoc_node *m = &d->nodes[map];
    for (size_t i = 0; i + 1 < m->n_kids; i += 2) {
        const cdoc_node *k = &d->nodes[m->kids[i]];
        if (k->kind != CDOC_SCALAR || config_schema_find(scope, k->value) ||
            config_axolotl_find(scope, k->value))
            continue;   /* known, or Axolotl's and only warned about */
        char msg[400];
        config_unknown_key_text(scope, k->value, label, msg, sizeof msg);
        config_diags_add(out, CONFIG_ERROR, d->path, k->line, k->col, "%s", msg);
    }
}

void config_doc_unknown_keys(const config_doc *d, config_diags *out)
{
    config_diags_init(out);
    if (d->root < 0)
        return;
    unknown_in(d, d->root, CS_TOP, "", out);
    for (size_t i = 0; i < d->n_keys; i++) {
        const cs_key *k = d->keys[i].schema;
        int list = cdoc_deref(d, d->nodes[d->root].kids[2 * i + 1]);
        if (!k || k->type != CS_DATASETS || list < 0 || d->nodes[list].kind != CDOC_SEQ)
            continue;
        for (size_t j = 0; j < d->nodes[list].n_kids; j++) {
            int item = cdoc_deref(d, d->nodes[list].kids[j]);
            char label[96];
            snprintf(label, sizeof label, "%s[%zu]", k->key, j);
            if (item >= 0 && d->nodes[item].kind == CDOC_MAP)
                unknown_in(d, item, CS_DATASET, label, out);
        }
    }
}

int config_doc_diff(const config_doc *d, int context, config_diff *out)
{
    return config_diff_texts(d->disk, d->disk_len, d->text, d->len, context, out);
}

int config_doc_load(const config_doc *d, train_config *cfg, config_diags *diags)
{
    return train_config_load_text(cfg, d->path, d->text, d->len, NULL, 0, diags);
}

/* ------------------------------------------------------------ disk */

config_disk_state config_doc_disk_state(config_doc *d)
{
    struct stat sb;
    if (stat(d->path, &sb) < 0 || !S_ISREG(sb.st_mode))
        return CONFIG_DISK_GONE;
    const cdoc_stamp *s = &d->stamp;
    if (sb.st_dev == s->dev && sb.st_ino == s->ino && sb.st_size == s->size &&
        sb.st_mtim.tv_sec == s->mtime.tv_sec && sb.st_mtim.tv_nsec == s->mtime.tv_nsec)
        return CONFIG_DISK_SAME;
    char *text, err[256];
    size_t len;
    cdoc_stamp now;
    if (read_file(d->path, &text, &len, &now, err, sizeof err) < 0)
        return CONFIG_DISK_GONE;
    free(text);
    if (now.hash != s->hash || len != d->disk_len)
        return CONFIG_DISK_CHANGED;
    d->stamp = now;  /* touched, not changed */
    return CONFIG_DISK_SAME;
}

int config_doc_reload(config_doc *d, char *err, size_t errlen)
{
    char *text;
    size_t len;
    cdoc_stamp st;
    if (read_file(d->path, &text, &len, &st, err, errlen) < 0)
        return -1;
    config_doc *fresh = doc_new(d->path, text, len, err, errlen);
    if (!fresh)
        return -1;
    fresh->stamp = st;
    config_doc tmp = *d;
    *d = *fresh;
    *fresh = tmp;
    config_doc_free(fresh);
    return 0;
}

static int write_bytes(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen) < 0)
        return -1;
    if (fwrite(text, 1, len, af.fp) != len) {
        snprintf(err, errlen, "%s: write failed", path);
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}

int config_doc_save(config_doc *d, bool force, char *err, size_t errlen)
{
    if (!force && config_doc_disk_state(d) == CONFIG_DISK_CHANGED) {
        snprintf(err, errlen, "%s: changed on disk since it was read; reload it, or save over "
                 "it", d->path);
        return -1;
    }
    char *real = realpath(d->path, NULL);
    int rc = write_bytes(real ? real : d->path, d->text, d->len, err, errlen);
    free(real);
    char *disk = rc == 0 ? malloc(d->len + 1) : NULL;
    if (rc == 0 && !disk) {
        snprintf(err, errlen, "%s: out of memory", d->path);
        return -1;
    }
    if (rc < 0)
        return -1;
    memcpy(disk, d->text, d->len + 1);
    free(d->disk);
    d->disk = disk;
    d->disk_len = d->len;
    struct stat sb;
    if (stat(d->path, &sb) == 0)
        d->stamp = (cdoc_stamp){sb.st_dev, sb.st_ino, sb.st_size, sb.st_mtim,
                                XXH3_64bits(d->text, d->len)};
    return 0;
}
