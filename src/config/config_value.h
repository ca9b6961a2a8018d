/* config_value.h - turning YAML nodes into the typed fields of a training
 * config, one schema entry at a time, with a diagnostic for every node that
 * does not fit (wrong type, out of range, not a choice, missing file, unknown
 * or duplicate key inside a mapping). Internal to the config loader. */
#ifndef LATHE_CONFIG_VALUE_H
#define LATHE_CONFIG_VALUE_H

#include <stdbool.h>
#include <yaml.h>

#include "config_diag.h"
#include "config_schema.h"

/* Where nodes come from: the config file, or one --set argument. */
typedef struct {
    yaml_document_t *doc;
    const char *where;      /* the file path as given, or "--set KEY=VALUE" */
    bool has_lines;         /* report line:column (a file), not just `where` */
    int set_index;          /* a --set argument's position, to keep their order */
    const char *base_dir;   /* relative paths resolve against this (absolute) */
    config_diags *diags;    /* NULL: problems are not reported (built-in defaults) */
} config_src;

/* One key found in a mapping: its nodes, and which source they came from. */
typedef struct {
    const config_src *src;
    yaml_node_t *key;       /* NULL for a --set argument */
    yaml_node_t *value;
} config_entry;

/* Reports a problem at NODE (line:column in a file) or at the source. */
void config_report(const config_src *src, const yaml_node_t *node, config_severity sev,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Walks the mapping NODE, filling entries[i] for schema entry i of SCOPE;
 * unknown keys (with a suggestion) and repeated keys are reported. LABEL
 * prefixes messages about the mapping itself ("" at the top). Returns the
 * number of problems reported; -1 when NODE is not a mapping. */
int config_walk_mapping(const config_src *src, yaml_node_t *node, cs_scope scope,
                        const char *label, config_entry *entries);

/* An Axolotl key lathe has no field for, at KEY (NULL for --set) with VALUE:
 * a warning saying why it does not apply when VALUE changes nothing in what
 * lathe trains, an error otherwise. Returns 1 after an error, else 0. */
int config_report_foreign(const config_src *src, const yaml_node_t *key, const yaml_node_t *value,
                          const cs_foreign_key *fk);

/* Converts VALUE for key K into the field at BASE + K->offset, replacing
 * what was there. LABEL names the key in messages. -1 when it did not fit
 * (reported) or memory ran out. */
int config_value_apply(const config_src *src, const cs_key *k, const char *label,
                       yaml_node_t *value, void *base);

/* Puts K's field at its default (or unset). -1 when out of memory. */
int config_value_reset(const cs_key *k, void *base);
void config_value_free(const cs_key *k, void *base);
bool config_value_equal(const cs_key *k, const void *a, const void *b);

/* Loads TEXT as a one-document YAML (a --set value, a default). -1 with
 * the parser's complaint in problem on a syntax error. */
int config_parse_text(const char *text, yaml_document_t *doc, char *problem, size_t len);
bool config_node_is_null(const yaml_node_t *n);

#endif
