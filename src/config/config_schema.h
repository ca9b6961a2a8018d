/* config_schema.h - the one table of training-config keys (Axolotl-compatible
 * names, so an Axolotl config reads as is): type, default, range or choices, group and a
 * one-line help per key. The YAML loader, the validator, the resolved-config
 * writer, `lathe config --explain` and the Config pane all read this table, so
 * a key exists, is checked and is documented in exactly one place. */
#ifndef LATHE_CONFIG_SCHEMA_H
#define LATHE_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CS_BOOL,
    CS_INT,                /* int64_t */
    CS_FLOAT,              /* double */
    CS_STRING,             /* char *, NULL when unset */
    CS_ENUM,               /* int index into choices, -1 when unset */
    CS_STRLIST,            /* config_strlist */
    CS_DATASETS,           /* config_datasets: a list of dataset mappings */
    CS_FRACTION_OR_COUNT,  /* double: a share below 1 or a whole count from 1 */
} cs_type;

typedef enum {
    CS_GROUP_MODEL,
    CS_GROUP_DATA,
    CS_GROUP_METHOD,
    CS_GROUP_OPTIMIZATION,
    CS_GROUP_SCHEDULE,
    CS_GROUP_EVAL,
    CS_GROUP_ALARMS,
    CS_GROUP_SYSTEM,
    CS_GROUP_COUNT
} cs_group;

/* Where a key lives: at the top of the file or inside one dataset mapping. */
typedef enum { CS_TOP, CS_DATASET } cs_scope;

enum {
    CS_REQUIRED = 1u << 0,  /* must be given (lists: with at least one item) */
    CS_PATH = 1u << 1,      /* a file or directory that must exist, relative to the config */
    CS_MIN_OPEN = 1u << 2,  /* the minimum itself is excluded */
    CS_MAX_OPEN = 1u << 3,  /* the maximum itself is excluded */
    CS_DIR = 1u << 4,       /* a path may name a directory too (a Hugging Face model) */
};

typedef struct {
    const char *key;            /* dataset keys are spelled "datasets.path" */
    cs_type type;
    cs_group group;
    cs_scope scope;
    unsigned flags;
    const char *default_yaml;   /* the default as YAML text; NULL: required or unset */
    const char *unset_means;    /* what leaving an optional key unset does */
    double min, max;            /* numeric range (CS_INT, CS_FLOAT, CS_FRACTION_OR_COUNT) */
    const char *const *choices; /* CS_ENUM, and the items a CS_STRLIST allows:
                                   NULL-terminated */
    size_t offset;              /* field offset in train_config or config_dataset */
    const char *help;
} cs_key;

extern const cs_key config_schema[];
extern const size_t config_schema_count;

/* A key of Axolotl's config that lathe has no field for (an Axolotl config
 * then loads as is): accepted with a warning saying why it does not apply
 * while its value changes nothing in what lathe trains, an error otherwise. */
typedef struct {
    const char *key;
    cs_scope scope;
    const char *harmless;       /* values besides null that change nothing, "|"-separated;
                                   NULL: every value */
    const char *why;            /* why it does not apply to lathe */
} cs_foreign_key;

extern const cs_foreign_key config_axolotl_keys[];
extern const size_t config_axolotl_key_count;

/* The Axolotl key KEY in SCOPE, or NULL. */
const cs_foreign_key *config_axolotl_find(cs_scope scope, const char *key);
/* Whether VALUE (a scalar's text; NULL for null or an empty list or mapping)
 * leaves lathe's result unchanged. */
bool config_axolotl_harmless(const cs_foreign_key *k, const char *value);

const char *config_group_name(cs_group g);
/* "integer", "list of strings", ... */
const char *config_type_name(cs_type t);

/* The entry for KEY in SCOPE (dataset keys by their short name, e.g. "path"). */
const cs_key *config_schema_find(cs_scope scope, const char *key);
/* The closest key in SCOPE to a misspelt NAME, or NULL when none is close. */
const cs_key *config_schema_suggest(cs_scope scope, const char *name);
/* "unknown key 'NAME'[ in LABEL][; did you mean 'KEY'?]": the one text for
 * a key lathe does not know, wherever it is found (LABEL "" at the top). */
void config_unknown_key_text(cs_scope scope, const char *name, const char *label, char *buf,
                             size_t len);
/* The closest of a NULL-terminated list of words, or NULL when none is close. */
const char *config_closest(const char *name, const char *const *words);
/* The key's name within its scope ("path" for "datasets.path"). */
const char *config_key_short(const cs_key *k);

/* The range as text: ">= 1", "in [0, 1)", or "" when unbounded. */
void config_range_text(const cs_key *k, char *buf, size_t len);
/* The choices as "a, b, c". */
void config_choices_text(const cs_key *k, char *buf, size_t len);
/* Whether V lies in the key's range. */
bool config_in_range(const cs_key *k, double v);

#endif
