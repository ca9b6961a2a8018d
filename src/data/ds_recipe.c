/* ds_recipe.c - recipe YAML: read through libyaml's document API (so each
 * error has a mark), written through its emitter (so strings are quoted as
 * YAML needs). */
#include "config.h"

#include "ds_recipe.h"
#include "atomic_file.h"
#include "file_read.h"
#include "yaml_depth.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    const char *name;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} reader;

__attribute__((format(printf, 3, 4)))
static int fail_at(reader *R, yaml_mark_t m, const char *fmt, ...)
{
    int n = snprintf(R->err, R->errlen, "%s:%zu:%zu: ", R->name, m.line + 1, m.column + 1);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < R->errlen)
        vsnprintf(R->err + n, R->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int record_number(reader *R, const yaml_node_t *n, size_t *out)
{
    const char *s = scalar(n);
    char *end;
    errno = 0;
    unsigned long long v = s && *s >= '1' && *s <= '9' ? strtoull(s, &end, 10) : 0;
    if (!v || errno || *end || v > SIZE_MAX)
        return fail_at(R, n->start_mark, "expected a record number (1, 2, ...)");
    *out = (size_t)v - 1;
    return 0;
}

static int read_rows(reader *R, yaml_node_t *n, ds_action *a)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(R, n->start_mark, "rows: expected a list of record numbers, like [3, 17]");
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (!(a->rows = malloc((count + 1) * sizeof *a->rows)))
        return fail_at(R, n->start_mark, "out of memory");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++)
        if (record_number(R, yaml_document_get_node(R->doc, *it), &a->rows[a->n_rows++]) != 0)
            return -1;
    return 0;
}

static int read_string(reader *R, const char *key, yaml_node_t *n, char **out)
{
    const char *s = scalar(n);
    if (!s)
        return fail_at(R, n->start_mark, "%s: expected a string", key);
    if (!(*out = strdup(s)))
        return fail_at(R, n->start_mark, "out of memory");
    return 0;
}

static const char *const arg_names[] = {"rows", "row", "filter", "tag", "json", "threshold"};
enum { N_ARGS = 6 };

static bool has(const ds_action *a, unsigned arg)
{
    switch (arg) {
    case DS_ARG_ROWS: return a->rows != NULL;
    case DS_ARG_ROW: return a->n_rows == 1;
    case DS_ARG_FILTER: return a->filter != NULL;
    case DS_ARG_TAG: return a->tag != NULL;
    case DS_ARG_JSON: return a->json != NULL;
    default: return a->threshold > 0;
    }
}

static int read_threshold(reader *R, yaml_node_t *n, double *out)
{
    const char *s = scalar(n);
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || errno || *end || end == s || !(v > 0 && v <= 1))
        return fail_at(R, n->start_mark, "threshold: expected a similarity in (0, 1], like 0.8");
    *out = v;
    return 0;
}

/* -2: KEY is not an argument of the action. */
static int read_arg(reader *R, const char *key, yaml_node_t *k, yaml_node_t *v, ds_action *a)
{
    unsigned arg = 0;
    for (unsigned i = 0; i < N_ARGS; i++)
        if (!strcmp(key, arg_names[i]))
            arg = 1u << i;
    if (!(ds_action_args(a->kind) & arg))
        return -2;
    if (has(a, arg))
        return fail_at(R, k->start_mark, "'%s' is given twice", key);
    switch (arg) {
    case DS_ARG_ROWS: return read_rows(R, v, a);
    case DS_ARG_ROW:
        if (!(a->rows = malloc(sizeof *a->rows)))
            return fail_at(R, v->start_mark, "out of memory");
        a->n_rows = 1;
        return record_number(R, v, a->rows);
    case DS_ARG_FILTER: return read_string(R, key, v, &a->filter);
    case DS_ARG_TAG: return read_string(R, key, v, &a->tag);
    case DS_ARG_JSON: return read_string(R, key, v, &a->json);
    default: return read_threshold(R, v, &a->threshold);
    }
}

/* The action named by the step's `do` key. */
static int read_kind(reader *R, yaml_node_t *step, ds_action *a)
{
    for (yaml_node_pair_t *p = step->data.mapping.pairs.start; p < step->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(R->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(R->doc, p->value);
        if (!scalar(k) || strcmp(scalar(k), "do"))
            continue;
        if (!scalar(v) || ds_action_parse_name(scalar(v), &a->kind) != 0)
            return fail_at(R, v->start_mark, "unknown action '%s' (expected delete, restore, "
                           "drop, keep, tag, whitespace, nfc, drop_empty, dedupe, near_dedupe, "
                           "redact_pii or replace)",
                           scalar(v) ? scalar(v) : "");
        return 0;
    }
    return fail_at(R, step->start_mark, "a step needs 'do: ACTION'");
}

static int read_step(reader *R, yaml_node_t *step, ds_action *a)
{
    if (step->type != YAML_MAPPING_NODE)
        return fail_at(R, step->start_mark, "a step is a mapping, like '- do: dedupe'");
    if (read_kind(R, step, a) != 0)
        return -1;
    for (yaml_node_pair_t *p = step->data.mapping.pairs.start; p < step->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(R->doc, p->key);
        const char *key = scalar(k);
        if (key && !strcmp(key, "do"))
            continue;
        int rc = key ? read_arg(R, key, k, yaml_document_get_node(R->doc, p->value), a) : -2;
        if (rc == -2)
            return fail_at(R, k->start_mark, "'%s' is not an argument of %s", key ? key : "?",
                           ds_action_name(a->kind));
        if (rc != 0)
            return -1;
    }
    for (unsigned i = 0; i < N_ARGS; i++)
        if ((ds_action_args(a->kind) & (1u << i)) && !has(a, 1u << i))
            return fail_at(R, step->start_mark, "%s needs '%s'", ds_action_name(a->kind),
                           arg_names[i]);
    return 0;
}

static int read_steps(reader *R, yaml_node_t *n, ds_recipe *r)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(R, n->start_mark, "steps: expected a list of steps");
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (!(r->steps = calloc(count + 1, sizeof *r->steps)))
        return fail_at(R, n->start_mark, "out of memory");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++)
        if (read_step(R, yaml_document_get_node(R->doc, *it), &r->steps[r->n++]) != 0)
            return -1;
    return 0;
}

static int read_count(reader *R, yaml_node_t *n, uint32_t *out)
{
    const char *s = scalar(n);
    bool digits = s && *s >= '0' && *s <= '9';
    char *end = NULL;
    errno = 0;
    unsigned long long v = digits ? strtoull(s, &end, 10) : 0;
    if (!digits || errno || *end || v > UINT32_MAX)
        return fail_at(R, n->start_mark, "sequence_len: expected a token count (0 for no limit)");
    *out = (uint32_t)v;
    return 0;
}

static int read_template(reader *R, yaml_node_t *n, chat_tmpl *out)
{
    const char *s = scalar(n);
    if (!s || (*out = chat_tmpl_from_name(s)) == CHAT_TMPL_UNKNOWN)
        return fail_at(R, n->start_mark, "chat_template: unknown template '%s' (expected a name "
                       "like chatml, llama3, mistral-v7, alpaca)", s ? s : "");
    return 0;
}

static const char *const token_keys[] = {"model", "chat_template", "sequence_len"};

/* SEEN: bit i set once token_keys[i] was read. */
static int read_token_key(reader *R, yaml_node_t *k, yaml_node_t *v, ds_recipe_tokens *t,
                          unsigned *seen)
{
    const char *key = scalar(k) ? scalar(k) : "";
    for (unsigned i = 0; i < 3; i++) {
        if (strcmp(key, token_keys[i]))
            continue;
        if (*seen & (1u << i))
            return fail_at(R, k->start_mark, "'%s' is given twice", key);
        *seen |= 1u << i;
    }
    if (!strcmp(key, "model")) {
        if (read_string(R, key, v, &t->model) != 0)
            return -1;
        return t->model[0] ? 0 : fail_at(R, v->start_mark, "model: expected a path");
    }
    if (!strcmp(key, "chat_template"))
        return read_template(R, v, &t->tmpl);
    if (!strcmp(key, "sequence_len"))
        return read_count(R, v, &t->sequence_len);
    return fail_at(R, k->start_mark, "unknown key '%s' in tokens (expected model, "
                   "chat_template, sequence_len)", key);
}

static int read_tokens(reader *R, yaml_node_t *n, ds_recipe *r)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(R, n->start_mark, "tokens: expected a mapping with model, "
                       "chat_template, sequence_len");
    unsigned seen = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
        if (read_token_key(R, yaml_document_get_node(R->doc, p->key),
                           yaml_document_get_node(R->doc, p->value), &r->tokens, &seen) != 0)
            return -1;
    if (r->tokens.tmpl != CHAT_TMPL_UNKNOWN && !r->tokens.model)
        return fail_at(R, n->start_mark, "tokens: chat_template needs model (the tokenizer)");
    r->has_tokens = true;
    return 0;
}

static int read_top(reader *R, yaml_node_t *root, ds_recipe *r)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return fail_at(R, root ? root->start_mark : (yaml_mark_t){0},
                       "expected a recipe: a mapping with 'version: 1' and 'steps'");
    bool version = false, steps = false;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(R->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(R->doc, p->value);
        const char *key = scalar(k) ? scalar(k) : "";
        if (!strcmp(key, "version")) {
            if (!scalar(v) || strcmp(scalar(v), "1"))
                return fail_at(R, v->start_mark, "unsupported recipe version (expected 1)");
            version = true;
        } else if (!strcmp(key, "steps")) {
            if (read_steps(R, v, r) != 0)
                return -1;
            steps = true;
        } else if (!strcmp(key, "tokens")) {
            if (r->has_tokens)
                return fail_at(R, k->start_mark, "'tokens' is given twice");
            if (read_tokens(R, v, r) != 0)
                return -1;
        } else if (strcmp(key, "input")) {
            return fail_at(R, k->start_mark, "unknown key '%s' (expected version, input, "
                           "tokens, steps)", key);
        }
    }
    if (!version || !steps)
        return fail_at(R, root->start_mark, "a recipe needs '%s'", version ? "steps" : "version: 1");
    return 0;
}

static int syntax_error(reader *R, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fail_at(R, (yaml_mark_t){0}, "out of memory");
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR)
        return fail_at(R, m, "not UTF-8 text: %s", p->problem ? p->problem : "?");
    return fail_at(R, m, "YAML syntax error: %s%s%s", p->problem ? p->problem : "malformed",
                   p->context ? " " : "", p->context ? p->context : "");
}

int ds_recipe_parse(ds_recipe *r, const char *name, const char *text, size_t len, char *err,
                    size_t errlen)
{
    *r = (ds_recipe){0};
    yaml_parser_t parser;
    yaml_document_t doc;
    reader R = {name, &doc, err, errlen};
    if (!yaml_parser_initialize(&parser))
        return fail_at(&R, (yaml_mark_t){0}, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc;
    yaml_mark_t deep;
    if (yaml_depth_exceeded(text, len, YAML_DEPTH_MAX, &deep)) {
        rc = fail_at(&R, deep, "lists and mappings nested deeper than %d levels; a recipe "
                     "needs a few", YAML_DEPTH_MAX);
    } else if (!yaml_parser_load(&parser, &doc)) {
        rc = syntax_error(&R, &parser);
    } else {
        rc = read_top(&R, yaml_document_get_root_node(&doc), r);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    if (rc != 0)
        ds_recipe_free(r);
    return rc;
}

int ds_recipe_load(ds_recipe *r, const char *path, char *err, size_t errlen)
{
    *r = (ds_recipe){0};
    size_t len;
    char *text = file_read_path(path, &len, err, errlen);
    if (!text)
        return -1;
    int rc = ds_recipe_parse(r, path, text, len, err, errlen);
    free(text);
    return rc;
}

void ds_recipe_free(ds_recipe *r)
{
    for (size_t i = 0; i < r->n; i++)
        ds_action_clear(&r->steps[i]);
    free(r->steps);
    free(r->tokens.model);
    *r = (ds_recipe){0};
}
