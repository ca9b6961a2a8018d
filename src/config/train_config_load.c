/* train_config_load.c - reading a training config: the YAML file, then --set
 * overrides, then the checks that span several keys. Every problem found
 * is collected (config_diag.h) so one run of `lathe config --check` shows
 * them all. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_rules.h"
#include "config_schema.h"
#include "file_read.h"
#include "yaml_depth.h"
#include "config_value.h"
#include "train_config.h"

/* Configs are a few kilobytes; anything this big is the wrong file. */
#define MAX_CONFIG_BYTES (4u << 20)

typedef struct {
    train_config *cfg;
    config_diags *diags;
    config_entry *entries;     /* per schema index, top-level keys */
    yaml_document_t doc;       /* the file */
    bool have_doc;
    config_src file;
    yaml_node_t *root;         /* NULL for an empty file */
    yaml_document_t *set_docs; /* one per --set argument */
    config_src *set_srcs;
    size_t n_set_docs;
    char *base_dir, *cwd;
} loader;

static char *read_text(const char *path, size_t *len, config_diags *d)
{
    char why[160];
    int fd = file_read_open(path, why, sizeof why);
    FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
    struct stat st;
    if (!fp || fstat(fileno(fp), &st) < 0) {
        config_diags_add(d, CONFIG_ERROR, path, 0, 0, "cannot read: %s",
                         fd < 0 ? why : strerror(errno));
        if (fp)
            fclose(fp);
        else if (fd >= 0)
            close(fd);
        return NULL;
    }
    const char *problem = NULL;
    char *buf = NULL;
    size_t n = 0;
    if (st.st_size > MAX_CONFIG_BYTES)
        problem = "larger than 4 MiB; not a config";
    else if (!(buf = malloc((size_t)st.st_size + 1)))
        problem = "out of memory";
    else if ((n = fread(buf, 1, (size_t)st.st_size, fp)) != (size_t)st.st_size || ferror(fp))
        problem = "read error";
    fclose(fp);
    if (problem) {
        config_diags_add(d, CONFIG_ERROR, path, 0, 0, "cannot read: %s", problem);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Reader errors (bad UTF-8) carry a byte offset: count lines and characters. */
static void offset_to_mark(const char *text, size_t len, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* libyaml may place an error at the start of the line after a last line
 * without a newline: point at the end of the text instead. */
static void clamp_mark(const char *text, size_t len, int *line, int *col)
{
    int end_line, end_col;
    offset_to_mark(text, len, len, &end_line, &end_col);
    if (*line > end_line) {
        *line = end_line;
        *col = end_col;
    }
}

static void syntax_error(loader *L, const char *path, const yaml_parser_t *p, const char *text,
                         size_t len)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    clamp_mark(text, len, &line, &col);
    if (p->error == YAML_MEMORY_ERROR) {
        config_diags_add(L->diags, CONFIG_ERROR, path, 0, 0, "out of memory");
    } else if (p->error == YAML_READER_ERROR) {
        offset_to_mark(text, len, p->problem_offset, &line, &col);
        config_diags_add(L->diags, CONFIG_ERROR, path, line, col, "not UTF-8 text: %s", problem);
    } else if (p->context) {
        config_diags_add(L->diags, CONFIG_ERROR, path, line, col,
                         "YAML syntax error: %s %s started at line %zu", problem, p->context,
                         p->context_mark.line + 1);
    } else {
        config_diags_add(L->diags, CONFIG_ERROR, path, line, col, "YAML syntax error: %s", problem);
    }
}

/* Parses the file into L->doc; a second document is reported, not read. */
static int parse_file(loader *L, const char *path, const char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        config_diags_add(L->diags, CONFIG_ERROR, path, 0, 0, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = -1;
    yaml_mark_t deep;
    if (yaml_depth_exceeded(text, len, YAML_DEPTH_MAX, &deep)) {
        config_diags_add(L->diags, CONFIG_ERROR, path, (int)deep.line + 1, (int)deep.column + 1,
                         "lists and mappings nested deeper than %d levels; a config needs a "
                         "few", YAML_DEPTH_MAX);
    } else if (!yaml_parser_load(&parser, &L->doc)) {
        syntax_error(L, path, &parser, text, len);
    } else {
        L->have_doc = true;
        yaml_document_t extra;
        if (!yaml_parser_load(&parser, &extra)) {
            syntax_error(L, path, &parser, text, len);
        } else {
            yaml_node_t *second = yaml_document_get_root_node(&extra);
            if (second)
                config_diags_add(L->diags, CONFIG_ERROR, path, (int)second->start_mark.line + 1,
                                 (int)second->start_mark.column + 1,
                                 "expected one YAML document, found a second one");
            else
                rc = 0;
            yaml_document_delete(&extra);
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* The directory relative paths in the file are resolved against. */
static char *config_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = realpath(dirname(copy), NULL);
    free(copy);
    return dir;
}

static int load_file(loader *L, const char *path, const char *text, size_t len)
{
    if (parse_file(L, path, text, len) < 0)
        return -1;
    L->base_dir = config_dir(path);
    L->file = (config_src){&L->doc, path, true, 0, L->base_dir, L->diags};
    L->root = yaml_document_get_root_node(&L->doc);
    if (!L->root || config_node_is_null(L->root))
        return 0;
    if (L->root->type != YAML_MAPPING_NODE) {
        config_report(&L->file, L->root, CONFIG_ERROR,
                      "expected a mapping of keys at the top level, got a %s",
                      L->root->type == YAML_SEQUENCE_NODE ? "list" : "scalar");
        return -1;
    }
    config_walk_mapping(&L->file, L->root, CS_TOP, "", L->entries);
    return 0;
}

/* One "KEY=VALUE": the value is a YAML document of its own. */
static void load_set(loader *L, const char *arg, int index)
{
    size_t i = L->n_set_docs;
    config_src *src = &L->set_srcs[i];
    char *where;
    if (asprintf(&where, "--set %s", arg) < 0) {
        config_diags_add(L->diags, CONFIG_ERROR, "--set", 0, 0, "out of memory");
        return;
    }
    *src = (config_src){&L->set_docs[i], where, false, index, L->cwd, L->diags};
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        config_report(src, NULL, CONFIG_ERROR, "expected KEY=VALUE");
        free(where);
        return;
    }
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
    const cs_key *k = config_schema_find(CS_TOP, key);
    const cs_foreign_key *fk = k ? NULL : config_axolotl_find(CS_TOP, key);
    char problem[128];
    if (k || fk) {
        if (config_parse_text(eq + 1, src->doc, problem, sizeof problem) < 0) {
            config_report(src, NULL, CONFIG_ERROR, "%s: '%s' is not a YAML value: %s", key,
                          eq + 1, problem);
        } else if (fk) {
            config_report_foreign(src, NULL, yaml_document_get_root_node(src->doc), fk);
            yaml_document_delete(src->doc);
        } else {
            L->n_set_docs++;
            L->entries[k - config_schema] = (config_entry){src, NULL, yaml_document_get_root_node(src->doc)};
            return;
        }
    } else {
        char msg[400];
        config_unknown_key_text(CS_TOP, key, "", msg, sizeof msg);
        config_report(src, NULL, CONFIG_ERROR, "%s", msg);
    }
    free(where);
}

static const config_entry *entry(const loader *L, const char *key)
{
    return &L->entries[config_schema_find(CS_TOP, key) - config_schema];
}

/* A problem about KEY itself: at its name in the file, or at its --set. */
static void report_key(const loader *L, const char *key, config_severity sev, const char *msg)
{
    const config_entry *e = entry(L, key);
    config_report(e->src ? e->src : &L->file, e->key, sev, "%s", msg);
}

static void check_required(loader *L)
{
    for (size_t i = 0; i < config_schema_count; i++) {
        const cs_key *k = &config_schema[i];
        if (k->scope == CS_TOP && (k->flags & CS_REQUIRED) && !L->entries[i].src)
            config_report(&L->file, L->root, CONFIG_ERROR, "missing required key '%s'", k->key);
    }
}

/* The rules between keys (config_rules.h), each at the key it names. */
static void check_combinations(loader *L)
{
    bool *given = calloc(config_schema_count, sizeof *given);
    config_rule_hit hits[16];
    if (!given) {
        config_diags_add(L->diags, CONFIG_ERROR, L->file.where, 0, 0, "out of memory");
        return;
    }
    for (size_t i = 0; i < config_schema_count; i++)
        given[i] = L->entries[i].src != NULL;
    size_t n = config_rules_check(L->cfg, given, hits, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        report_key(L, hits[i].key, hits[i].sev, hits[i].msg);
    free(given);
}

static void apply_entries(loader *L)
{
    for (size_t i = 0; i < config_schema_count; i++) {
        const config_entry *e = &L->entries[i];
        if (e->src)
            config_value_apply(e->src, &config_schema[i], config_schema[i].key, e->value, L->cfg);
    }
}

static void loader_free(loader *L)
{
    for (size_t i = 0; i < L->n_set_docs; i++) {
        yaml_document_delete(&L->set_docs[i]);
        free((char *)L->set_srcs[i].where);
    }
    free(L->set_docs);
    free(L->set_srcs);
    if (L->have_doc)
        yaml_document_delete(&L->doc);
    free(L->entries);
    free(L->base_dir);
    free(L->cwd);
}

int train_config_load(train_config *cfg, const char *path, char *const *sets, size_t n_sets,
                      config_diags *diags)
{
    config_diags_init(diags);
    size_t len = 0;
    char *text = read_text(path, &len, diags);
    if (!text) {
        train_config_defaults(cfg);
        return -1;
    }
    int rc = train_config_load_text(cfg, path, text, len, sets, n_sets, diags);
    free(text);
    return rc;
}

int train_config_load_text(train_config *cfg, const char *path, const char *text, size_t len,
                           char *const *sets, size_t n_sets, config_diags *diags)
{
    config_diags_init(diags);
    loader L = {.cfg = cfg, .diags = diags};
    L.file = (config_src){NULL, path, true, 0, NULL, diags};
    L.entries = calloc(config_schema_count, sizeof *L.entries);
    L.set_docs = calloc(n_sets + 1, sizeof *L.set_docs);
    L.set_srcs = calloc(n_sets + 1, sizeof *L.set_srcs);
    L.cwd = getcwd(NULL, 0);
    if (train_config_defaults(cfg) < 0 || !L.entries || !L.set_docs || !L.set_srcs) {
        config_diags_add(diags, CONFIG_ERROR, path, 0, 0, "out of memory");
        loader_free(&L);
        return -1;
    }
    if (load_file(&L, path, text, len) == 0) {
        for (size_t i = 0; i < n_sets; i++)
            load_set(&L, sets[i], (int)i + 1);
        apply_entries(&L);
        check_required(&L);
        check_combinations(&L);
    }
    loader_free(&L);
    config_diags_sort(diags);
    return diags->errors ? -1 : 0;
}
