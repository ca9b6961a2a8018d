/* config_value.c - YAML node to typed config field, by schema entry. */
#include "config.h"

#include "config_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_check.h"
#include "yaml_depth.h"
#include "train_config.h"

_Static_assert(sizeof(config_adapter) == sizeof(int) && sizeof(config_chat_template) == sizeof(int) &&
                   sizeof(config_optimizer) == sizeof(int) &&
                   sizeof(config_scheduler) == sizeof(int) &&
                   sizeof(config_dataset_type) == sizeof(int),
               "enum fields are written as int");

void config_report(const config_src *src, const yaml_node_t *node, config_severity sev,
                   const char *fmt, ...)
{
    if (!src->diags)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 0, col = src->set_index;
    if (src->has_lines) {
        line = node ? (int)node->start_mark.line + 1 : 1;
        col = node ? (int)node->start_mark.column + 1 : 1;
    }
    config_diags_add(src->diags, sev, src->where, line, col, "%s", msg);
}

bool config_node_is_null(const yaml_node_t *n)
{
    if (!n)
        return true;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = (const char *)n->data.scalar.value;
    return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* What a node is, for "expected X, got Y". */
static void describe(const yaml_node_t *n, char *buf, size_t len)
{
    if (config_node_is_null(n))
        snprintf(buf, len, "null");
    else if (n->type == YAML_MAPPING_NODE)
        snprintf(buf, len, "a mapping");
    else if (n->type == YAML_SEQUENCE_NODE)
        snprintf(buf, len, "a list");
    else if (strlen(scalar(n)) > 40)
        snprintf(buf, len, "'%.37s...'", scalar(n));
    else
        snprintf(buf, len, "'%s'", scalar(n));
}

static int type_error(const config_src *src, const char *label, const yaml_node_t *n,
                      const char *expected)
{
    char got[64];
    describe(n, got, sizeof got);
    config_report(src, n, CONFIG_ERROR, "%s: expected %s, got %s", label, expected, got);
    return -1;
}

/* A scalar through the one check the form uses too (config_check.h),
 * stored in the field of K's type. */
static int apply_scalar(const config_src *src, const cs_key *k, const char *label,
                        const yaml_node_t *n, void *field)
{
    if (n->type != YAML_SCALAR_NODE && k->type == CS_ENUM) {
        char choices[256], want[300];
        config_choices_text(k, choices, sizeof choices);
        snprintf(want, sizeof want, "one of %s", choices);
        return type_error(src, label, n, want);
    }
    if (n->type != YAML_SCALAR_NODE)
        return type_error(src, label, n, config_check_expected(k));
    config_scalar v;
    char why[512];
    if (config_check_scalar(k, scalar(n), src->base_dir, &v, why, sizeof why) < 0) {
        config_report(src, n, CONFIG_ERROR, "%s: %s", label, why);
        return -1;
    }
    switch (k->type) {
    case CS_BOOL: *(bool *)field = v.b; break;
    case CS_INT: *(int64_t *)field = v.i; break;
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT: *(double *)field = v.d; break;
    case CS_ENUM: *(int *)field = v.choice; break;
    case CS_STRING: {
        char *s = v.path ? v.path : strdup(scalar(n));
        if (!s)
            return -1;
        free(*(char **)field);
        *(char **)field = s;
        break;
    }
    case CS_STRLIST:
    case CS_DATASETS: break;
    }
    return 0;
}

static void free_strlist(config_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    *l = (config_strlist){NULL, 0};
}

static void free_datasets(config_datasets *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (size_t j = 0; j < config_schema_count; j++)
            if (config_schema[j].scope == CS_DATASET)
                config_value_free(&config_schema[j], &l->items[i]);
    free(l->items);
    *l = (config_datasets){NULL, 0};
}

static int apply_strlist(const config_src *src, const cs_key *k, const char *label,
                         yaml_node_t *n, config_strlist *field)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return type_error(src, label, n, config_check_expected(k));
    yaml_node_item_t *first = n->data.sequence.items.start, *top = n->data.sequence.items.top;
    config_strlist out = {calloc((size_t)(top - first) + 1, sizeof(char *)), 0};
    int rc = out.items ? 0 : -1;
    for (yaml_node_item_t *it = first; rc == 0 && it < top; it++) {
        yaml_node_t *item = yaml_document_get_node(src->doc, *it);
        char item_label[128];
        snprintf(item_label, sizeof item_label, "%s[%zu]", label, out.n);
        char why[512];
        if (item->type != YAML_SCALAR_NODE || config_node_is_null(item))
            rc = type_error(src, item_label, item, "a string");
        else if (!(out.items[out.n++] = strdup(scalar(item))))
            rc = -1;
        /* Kept, but flagged: training refuses a module it does not know. */
        if (rc == 0 && config_check_item(k, scalar(item), why, sizeof why) < 0)
            config_report(src, item, CONFIG_WARNING, "%s: %s", item_label, why);
    }
    if (rc == 0) {
        free_strlist(field);
        *field = out;
    } else {
        free_strlist(&out);
    }
    return rc;
}

/* One dataset mapping: its own keys at their defaults, then what is given. */
static int apply_dataset(const config_src *src, const char *label, yaml_node_t *n,
                         config_dataset *ds)
{
    for (size_t i = 0; i < config_schema_count; i++)
        if (config_schema[i].scope == CS_DATASET && config_value_reset(&config_schema[i], ds) < 0)
            return -1;
    if (n->type != YAML_MAPPING_NODE)
        return type_error(src, label, n, "a mapping with path and type");
    config_entry *e = calloc(config_schema_count, sizeof *e);
    if (!e)
        return -1;
    int rc = config_walk_mapping(src, n, CS_DATASET, label, e) ? -1 : 0;
    for (size_t i = 0; i < config_schema_count; i++) {
        const cs_key *k = &config_schema[i];
        if (k->scope != CS_DATASET)
            continue;
        char key_label[160];
        snprintf(key_label, sizeof key_label, "%s.%s", label, config_key_short(k));
        if (e[i].src) {
            if (config_value_apply(src, k, key_label, e[i].value, ds) < 0)
                rc = -1;
        } else if (k->flags & CS_REQUIRED) {
            config_report(src, n, CONFIG_ERROR, "%s: missing required key '%s'", label,
                          config_key_short(k));
            rc = -1;
        }
    }
    free(e);
    return rc;
}

static int apply_datasets(const config_src *src, const cs_key *k, const char *label,
                          yaml_node_t *n, config_datasets *field)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return type_error(src, label, n, config_check_expected(k));
    yaml_node_item_t *first = n->data.sequence.items.start, *top = n->data.sequence.items.top;
    if (first == top && (k->flags & CS_REQUIRED)) {
        config_report(src, n, CONFIG_ERROR, "%s: expected at least one dataset", label);
        return -1;
    }
    config_datasets out = {calloc((size_t)(top - first) + 1, sizeof(config_dataset)), 0};
    if (!out.items)
        return -1;
    int rc = 0;
    for (yaml_node_item_t *it = first; it < top; it++) {
        char item_label[128];
        snprintf(item_label, sizeof item_label, "%s[%zu]", label, out.n);
        if (apply_dataset(src, item_label, yaml_document_get_node(src->doc, *it),
                          &out.items[out.n++]) < 0)
            rc = -1;
    }
    if (rc == 0) {
        free_datasets(field);
        *field = out;
    } else {
        free_datasets(&out);
    }
    return rc;
}

int config_value_apply(const config_src *src, const cs_key *k, const char *label,
                       yaml_node_t *value, void *base)
{
    void *field = (char *)base + k->offset;
    if (config_node_is_null(value) ||
        (k->type == CS_ENUM && value->type == YAML_SCALAR_NODE && !*scalar(value))) {
        if (k->default_yaml || (k->flags & CS_REQUIRED))
            return type_error(src, label, value, config_check_expected(k));
        return config_value_reset(k, base);
    }
    switch (k->type) {
    case CS_BOOL:
    case CS_INT:
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT:
    case CS_STRING:
    case CS_ENUM:
        return apply_scalar(src, k, label, value, field);
    case CS_STRLIST:
        return apply_strlist(src, k, label, value, field);
    case CS_DATASETS:
        return apply_datasets(src, k, label, value, field);
    }
    return -1;
}

int config_report_foreign(const config_src *src, const yaml_node_t *key, const yaml_node_t *value,
                          const cs_foreign_key *fk)
{
    bool empty = config_node_is_null(value)
              || (value->type == YAML_SEQUENCE_NODE
                  && value->data.sequence.items.start == value->data.sequence.items.top)
              || (value->type == YAML_MAPPING_NODE
                  && value->data.mapping.pairs.start == value->data.mapping.pairs.top);
    const char *text = empty ? NULL : value->type == YAML_SCALAR_NODE ? scalar(value)
                     : value->type == YAML_SEQUENCE_NODE ? "[...]" : "{...}";
    if (config_axolotl_harmless(fk, text)) {
        config_report(src, key, CONFIG_WARNING, "'%s' is an Axolotl key that does not apply to "
                      "lathe (ignored): %s", fk->key, fk->why);
        return 0;
    }
    size_t first = strcspn(fk->harmless, "|");
    config_report(src, key, CONFIG_ERROR, "'%s: %s' is an Axolotl setting lathe does not "
                  "support: %s; remove it%s%.*s", fk->key, text, fk->why,
                  first ? " or set it to " : "", (int)first, fk->harmless);
    return 1;
}

int config_walk_mapping(const config_src *src, yaml_node_t *node, cs_scope scope,
                        const char *label, config_entry *entries)
{
    if (node->type != YAML_MAPPING_NODE)
        return -1;
    int problems = 0;
    const char *in = *label ? " in " : "";
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(src->doc, p->key);
        if (key->type != YAML_SCALAR_NODE) {
            type_error(src, *label ? label : "key", key, "a key name");
            problems++;
            continue;
        }
        const cs_key *k = config_schema_find(scope, scalar(key));
        const cs_foreign_key *fk = k ? NULL : config_axolotl_find(scope, scalar(key));
        if (fk) {
            problems += config_report_foreign(src, key, yaml_document_get_node(src->doc, p->value), fk);
            continue;
        }
        if (!k) {
            char msg[400];
            config_unknown_key_text(scope, scalar(key), label, msg, sizeof msg);
            config_report(src, key, CONFIG_ERROR, "%s", msg);
            problems++;
            continue;
        }
        config_entry *e = &entries[k - config_schema];
        if (e->key) {
            config_report(src, key, CONFIG_ERROR, "duplicate key '%s'%s%s (first set at line %zu)",
                          scalar(key), in, label, e->key->start_mark.line + 1);
            problems++;
            continue;
        }
        *e = (config_entry){src, key, yaml_document_get_node(src->doc, p->value)};
    }
    return problems;
}

int config_value_reset(const cs_key *k, void *base)
{
    void *field = (char *)base + k->offset;
    config_value_free(k, base);
    switch (k->type) {
    case CS_BOOL: *(bool *)field = false; break;
    case CS_INT: *(int64_t *)field = CONFIG_UNSET; break;
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT: *(double *)field = NAN; break;
    case CS_STRING: *(char **)field = NULL; break;
    case CS_ENUM: *(int *)field = CONFIG_UNSET; break;
    case CS_STRLIST: *(config_strlist *)field = (config_strlist){NULL, 0}; break;
    case CS_DATASETS: *(config_datasets *)field = (config_datasets){NULL, 0}; break;
    }
    if (!k->default_yaml)
        return 0;
    config_src src = {NULL, k->key, false, 0, NULL, NULL};
    if (k->default_yaml[0] != '[') {
        /* A plain scalar needs no parser (which would cost a 64 KiB buffer
         * per key on every load). */
        yaml_node_t node = {.type = YAML_SCALAR_NODE};
        node.data.scalar.value = (yaml_char_t *)k->default_yaml;
        node.data.scalar.length = strlen(k->default_yaml);
        node.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
        return config_value_apply(&src, k, k->key, &node, base);
    }
    yaml_document_t doc;
    char problem[128];
    if (config_parse_text(k->default_yaml, &doc, problem, sizeof problem) < 0)
        return -1;
    src.doc = &doc;
    int rc = config_value_apply(&src, k, k->key, yaml_document_get_root_node(&doc), base);
    yaml_document_delete(&doc);
    return rc;
}

void config_value_free(const cs_key *k, void *base)
{
    void *field = (char *)base + k->offset;
    if (k->type == CS_STRING) {
        free(*(char **)field);
        *(char **)field = NULL;
    } else if (k->type == CS_STRLIST) {
        free_strlist(field);
    } else if (k->type == CS_DATASETS) {
        free_datasets(field);
    }
}

static bool str_equal(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool dataset_equal(const config_dataset *a, const config_dataset *b)
{
    for (size_t j = 0; j < config_schema_count; j++)
        if (config_schema[j].scope == CS_DATASET && !config_value_equal(&config_schema[j], a, b))
            return false;
    return true;
}

bool config_value_equal(const cs_key *k, const void *a, const void *b)
{
    const void *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
    switch (k->type) {
    case CS_BOOL: return *(const bool *)fa == *(const bool *)fb;
    case CS_INT: return *(const int64_t *)fa == *(const int64_t *)fb;
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT: {
        double x = *(const double *)fa, y = *(const double *)fb;
        return x == y || (isnan(x) && isnan(y));
    }
    case CS_STRING: return str_equal(*(char *const *)fa, *(char *const *)fb);
    case CS_ENUM: return *(const int *)fa == *(const int *)fb;
    case CS_STRLIST: {
        const config_strlist *x = fa, *y = fb;
        if (x->n != y->n)
            return false;
        for (size_t i = 0; i < x->n; i++)
            if (strcmp(x->items[i], y->items[i]))
                return false;
        return true;
    }
    case CS_DATASETS: {
        const config_datasets *x = fa, *y = fb;
        if (x->n != y->n)
            return false;
        for (size_t i = 0; i < x->n; i++)
            if (!dataset_equal(&x->items[i], &y->items[i]))
                return false;
        return true;
    }
    }
    return false;
}

int config_parse_text(const char *text, yaml_document_t *doc, char *problem, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(problem, len, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    yaml_mark_t deep;
    int ok = 0;
    if (yaml_depth_exceeded(text, strlen(text), YAML_DEPTH_MAX, &deep))
        snprintf(problem, len, "lists and mappings nested deeper than %d levels",
                 YAML_DEPTH_MAX);
    else if (!(ok = yaml_parser_load(&parser, doc)))
        snprintf(problem, len, "%s", parser.problem ? parser.problem : "malformed YAML");
    yaml_parser_delete(&parser);
    return ok ? 0 : -1;
}
