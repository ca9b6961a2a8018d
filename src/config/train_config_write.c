/* train_config_write.c - the resolved config as YAML: every key of the schema in
 * group order, defaults filled in, unset optional keys as null, strings
 * double-quoted so that no path or name can change meaning, numbers in the
 * shortest form that reads back to the same double. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "config_schema.h"
#include "train_config.h"

static void put_string(FILE *fp, const char *s)
{
    if (!s) {
        fputs("null", fp);
        return;
    }
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(fp, "\\x%02x", *p);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

static void put_double(FILE *fp, double v)
{
    if (isnan(v)) {
        fputs("null", fp);
        return;
    }
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, fp);
}

static void put_scalar(FILE *fp, const cs_key *k, const void *base)
{
    const void *f = (const char *)base + k->offset;
    switch (k->type) {
    case CS_BOOL:
        fputs(*(const bool *)f ? "true" : "false", fp);
        break;
    case CS_INT:
        if (*(const int64_t *)f == CONFIG_UNSET)
            fputs("null", fp);
        else
            fprintf(fp, "%lld", (long long)*(const int64_t *)f);
        break;
    case CS_FLOAT:
    case CS_FRACTION_OR_COUNT:
        put_double(fp, *(const double *)f);
        break;
    case CS_STRING:
        put_string(fp, *(char *const *)f);
        break;
    case CS_ENUM: {
        int v = *(const int *)f;
        fputs(v < 0 ? "null" : k->choices[v], fp);
        break;
    }
    case CS_STRLIST: {
        const config_strlist *l = f;
        fputc('[', fp);
        for (size_t i = 0; i < l->n; i++) {
            fputs(i ? ", " : "", fp);
            put_string(fp, l->items[i]);
        }
        fputc(']', fp);
        break;
    }
    case CS_DATASETS:
        break;
    }
}

static void put_datasets(FILE *fp, const config_datasets *l)
{
    if (l->n == 0) {
        fputs(" []\n", fp);
        return;
    }
    fputc('\n', fp);
    for (size_t i = 0; i < l->n; i++) {
        const char *lead = "  - ";
        for (size_t j = 0; j < config_schema_count; j++) {
            const cs_key *k = &config_schema[j];
            if (k->scope != CS_DATASET)
                continue;
            fprintf(fp, "%s%s: ", lead, config_key_short(k));
            put_scalar(fp, k, &l->items[i]);
            fputc('\n', fp);
            lead = "    ";
        }
    }
}

int train_config_emit(const train_config *cfg, FILE *fp)
{
    fputs("# lathe training config, resolved: every key, defaults filled in.\n", fp);
    for (int g = 0; g < CS_GROUP_COUNT; g++) {
        fprintf(fp, "\n# %s\n", config_group_name((cs_group)g));
        for (size_t i = 0; i < config_schema_count; i++) {
            const cs_key *k = &config_schema[i];
            if (k->scope != CS_TOP || k->group != (cs_group)g)
                continue;
            fprintf(fp, "%s:", k->key);
            if (k->type == CS_DATASETS) {
                put_datasets(fp, (const config_datasets *)((const char *)cfg + k->offset));
                continue;
            }
            fputc(' ', fp);
            put_scalar(fp, k, cfg);
            fputc('\n', fp);
        }
    }
    return ferror(fp) ? -1 : 0;
}

int train_config_write(const train_config *cfg, const char *path, char *err, size_t errlen)
{
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen) < 0)
        return -1;
    if (train_config_emit(cfg, af.fp) < 0) {
        snprintf(err, errlen, "%s: write error", path);
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}
