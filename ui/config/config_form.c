/* config_form.c - the form's rows from a config document (see
 * config_form.h). */
#include "config_form.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_check.h"
#include "config_rules.h"
#include "grow.h"

static const char *const lists[] = {"datasets", "test_datasets"};

static form_row *add(config_form *f, form_row_kind kind, cs_group g, const cs_key *k,
                     const char *path, const char *name)
{
    form_row *rows = grow_array(f->rows, &f->cap, f->n + 1, sizeof *rows, 64);
    if (!rows)
        return NULL;
    f->rows = rows;
    form_row *r = &f->rows[f->n++];
    *r = (form_row){.kind = kind, .group = g, .key = k};
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(r->name, sizeof r->name, "%s", name);
    return r;
}

/* Trims S in place; returns it. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    for (char *e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);)
        *--e = '\0';
    return s;
}

/* "[a, b]" or "a, b" as "a, b": the items of a flow list, spaced alike. */
static void list_text(const char *in, char *out, size_t n)
{
    char buf[FORM_VALUE_MAX], *save = NULL;
    snprintf(buf, sizeof buf, "%s", in);
    char *s = trim(buf);
    if (*s == '[') {
        s++;
        char *close = strrchr(s, ']');
        if (close)
            *close = '\0';
    }
    size_t used = 0;
    out[0] = '\0';
    for (char *item = strtok_r(s, ",", &save); item && used < n; item = strtok_r(NULL, ",", &save))
        used += (size_t)snprintf(out + used, n - used, "%s%s", used ? ", " : "", trim(item));
}

bool config_form_is_default(const cs_key *k, const char *value)
{
    if (!k->default_yaml)
        return false;
    char a[FORM_VALUE_MAX], b[FORM_VALUE_MAX], why[256];
    switch (k->type) {
    case CS_INT:
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT: {
        char *end_a, *end_b;
        double x = strtod(value, &end_a), y = strtod(k->default_yaml, &end_b);
        return end_a != value && !*trim(end_a) && x == y;
    }
    case CS_BOOL:
        return config_check_input(k, value, NULL, a, sizeof a, why, sizeof why) == 1 &&
               config_check_input(k, k->default_yaml, NULL, b, sizeof b, why, sizeof why) == 1 &&
               !strcmp(a, b);
    case CS_STRLIST:
        list_text(value, a, sizeof a);
        list_text(k->default_yaml, b, sizeof b);
        return !strcmp(a, b);
    case CS_DATASETS: return false;
    default: return !strcmp(value, k->default_yaml);
    }
}

void config_form_default(const cs_key *k, char *buf, size_t len)
{
    if (k->default_yaml && k->type == CS_STRLIST)
        list_text(k->default_yaml, buf, len);
    else if (k->default_yaml)
        snprintf(buf, len, "%s", k->default_yaml);
    else if (k->flags & CS_REQUIRED)
        snprintf(buf, len, "required");
    else
        snprintf(buf, len, "unset: %s", k->unset_means ? k->unset_means : "none");
}

/* The file's value at R->path into R. */
static void read_value(form_row *r, const config_doc *d)
{
    int got = config_doc_get(d, r->path, r->value, sizeof r->value);
    r->given = got != 0;
    if (got < 0)
        snprintf(r->value, sizeof r->value, "(a mapping)");
    r->changed = r->given && r->key && !config_form_is_default(r->key, r->value);
}

static int add_entries(config_form *f, const config_doc *d, int list, cs_group g)
{
    size_t n = config_doc_list_len(d, lists[list]);
    for (size_t e = 0; e < n; e++) {
        char path[FORM_PATH_MAX], type[64];
        snprintf(path, sizeof path, "%s[%zu]", lists[list], e);
        form_row *h = add(f, FORM_ENTRY, g, NULL, path, "");
        if (!h)
            return -1;
        h->list = list;
        h->entry = e;
        h->given = true;
        snprintf(h->name, sizeof h->name, "[%zu]", e + 1);
        char p[FORM_PATH_MAX + 8];
        snprintf(p, sizeof p, "%s.path", path);
        config_doc_get(d, p, h->value, sizeof h->value);
        snprintf(p, sizeof p, "%s.type", path);
        if (config_doc_get(d, p, type, sizeof type) > 0) {
            size_t used = strlen(h->value);
            snprintf(h->value + used, sizeof h->value - used, " (%s)", type);
        }
        for (size_t i = 0; i < config_schema_count; i++) {
            const cs_key *k = &config_schema[i];
            if (k->scope != CS_DATASET)
                continue;
            snprintf(p, sizeof p, "%s.%s", path, config_key_short(k));
            form_row *r = add(f, FORM_ENTRY_KEY, g, k, p, config_key_short(k));
            if (!r)
                return -1;
            r->list = list;
            r->entry = e;
            read_value(r, d);
        }
    }
    return 0;
}

static const config_doc_key *doc_key(const config_doc *d, const char *name)
{
    for (size_t i = 0; i < config_doc_key_count(d); i++)
        if (!strcmp(config_doc_key_at(d, i)->name, name))
            return config_doc_key_at(d, i);
    return NULL;
}

static int add_key(config_form *f, const config_doc *d, const train_config *cfg, const cs_key *k)
{
    form_row *r = add(f, FORM_KEY, k->group, k, k->key, k->key);
    if (!r)
        return -1;
    const config_doc_key *dk = doc_key(d, k->key);
    r->line = dk ? dk->line : 0;
    r->inactive = config_rules_inactive(cfg, k);
    if (k->type != CS_DATASETS) {
        read_value(r, d);
        return 0;
    }
    int list = !strcmp(k->key, "test_datasets");
    size_t n = config_doc_list_len(d, k->key);
    r->given = dk != NULL;
    r->changed = n > 0;
    snprintf(r->value, sizeof r->value, "%zu entr%s", n, n == 1 ? "y" : "ies");
    return add_entries(f, d, list, k->group);
}

static int add_unknown(config_form *f, const config_doc *d)
{
    bool heading = false;
    for (size_t i = 0; i < config_doc_key_count(d); i++) {
        const config_doc_key *dk = config_doc_key_at(d, i);
        if (dk->schema)
            continue;
        if (!heading && !add(f, FORM_GROUP, CS_GROUP_COUNT, NULL, "", "Not lathe's keys (kept as "
                             "they are)"))
            return -1;
        heading = true;
        form_row *r = add(f, FORM_UNKNOWN, CS_GROUP_COUNT, NULL, dk->name, dk->name);
        if (!r)
            return -1;
        r->line = dk->line;
        read_value(r, d);
        const cs_foreign_key *fk = config_axolotl_find(CS_TOP, dk->name);
        if (fk)
            snprintf(r->note, sizeof r->note, "Axolotl's; %s", fk->why);
        else
            config_unknown_key_text(CS_TOP, dk->name, "", r->note, sizeof r->note);
        r->problem_is_error = !fk;
    }
    return 0;
}

/* The row of the top-level key whose lines hold LINE, or NULL. */
static form_row *row_at_line(config_form *f, int line)
{
    form_row *best = NULL;
    for (size_t i = 0; i < f->n; i++) {
        form_row *r = &f->rows[i];
        if (r->line > 0 && r->line <= line && (!best || r->line > best->line))
            best = r;
    }
    return best;
}

/* Each row keeps the first error on its lines (else the first warning). */
static void attach_problems(config_form *f, const config_diags *diags)
{
    for (int pass = 0; diags && pass < 2; pass++) {
        config_severity sev = pass == 0 ? CONFIG_ERROR : CONFIG_WARNING;
        for (size_t i = 0; i < diags->n; i++) {
            const config_diag *g = &diags->items[i];
            form_row *r = g->sev == sev && g->line > 0 ? row_at_line(f, g->line) : NULL;
            if (!r || (r->note[0] && r->kind != FORM_UNKNOWN) ||
                (r->kind == FORM_UNKNOWN && r->problem_is_error))
                continue;
            snprintf(r->note, sizeof r->note, "%s", g->msg);
            r->problem_is_error = sev == CONFIG_ERROR;
        }
    }
}

int config_form_build(config_form *f, const config_doc *d, const train_config *cfg,
                      const config_diags *diags)
{
    f->n = 0;
    for (int g = 0; g < CS_GROUP_COUNT; g++) {
        if (!add(f, FORM_GROUP, (cs_group)g, NULL, "", config_group_name((cs_group)g)))
            return -1;
        for (size_t i = 0; i < config_schema_count; i++) {
            const cs_key *k = &config_schema[i];
            if (k->scope == CS_TOP && k->group == (cs_group)g && add_key(f, d, cfg, k) != 0)
                return -1;
        }
    }
    if (add_unknown(f, d) != 0)
        return -1;
    attach_problems(f, diags);
    return 0;
}

void config_form_free(config_form *f)
{
    free(f->rows);
    *f = (config_form){0};
}

size_t config_form_find(const config_form *f, const char *path)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->rows[i].kind != FORM_GROUP && !strcmp(f->rows[i].path, path))
            return i;
    return SIZE_MAX;
}

size_t config_form_lookup(const config_form *f, const char *name)
{
    size_t found = SIZE_MAX, n = strlen(name);
    for (size_t i = 0; i < f->n; i++) {
        const form_row *r = &f->rows[i];
        if (r->kind != FORM_KEY && r->kind != FORM_UNKNOWN)
            continue;
        if (!strcmp(r->name, name))
            return i;
        if (n && !strncmp(r->name, name, n))
            found = found == SIZE_MAX ? i : SIZE_MAX - 1;
    }
    return found == SIZE_MAX - 1 ? SIZE_MAX : found;
}

size_t config_form_step(const config_form *f, size_t i, int dir)
{
    for (size_t j = i; dir > 0 ? j + 1 < f->n : j > 0;) {
        j = dir > 0 ? j + 1 : j - 1;
        if (f->rows[j].kind != FORM_GROUP)
            return j;
    }
    return i;
}

size_t config_form_first(const config_form *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->rows[i].kind != FORM_GROUP)
            return i;
    return 0;
}
