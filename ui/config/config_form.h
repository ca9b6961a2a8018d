/* config_form.h - the Config pane's form as data: one row per schema key,
 * grouped as the schema groups them (Model, Data, Method, Optimization,
 * Schedule, Evaluation and saving, Alarms, System) with a heading row per group,
 * the entries of datasets and test_datasets as rows of their own (a heading
 * per entry, then its keys), and the keys lathe does not know at the end,
 * kept as they are. Each row holds what the file says, whether it differs
 * from the default, why it has no effect given the other keys
 * (config_rules_inactive), and the config's problems found on its lines.
 *
 * Built from a config_doc and the config it loads to; no terminal is
 * involved, so the unit tests check it directly. */
#ifndef LATHE_CONFIG_FORM_H
#define LATHE_CONFIG_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "config_diag.h"
#include "config_doc.h"
#include "config_schema.h"
#include "train_config.h"

typedef enum {
    FORM_GROUP,                   /* a group's heading */
    FORM_KEY,                     /* a top-level key */
    FORM_ENTRY,                   /* a dataset entry's heading: "[1] data/train.jsonl" */
    FORM_ENTRY_KEY,               /* a key of a dataset entry */
    FORM_UNKNOWN,                 /* a top-level key lathe does not know, kept as is */
} form_row_kind;

/* Past these, a value or a note is cut (the file keeps it whole). */
enum { FORM_VALUE_MAX = 256, FORM_NOTE_MAX = 320, FORM_PATH_MAX = 96 };

typedef struct {
    form_row_kind kind;
    cs_group group;
    const cs_key *key;            /* FORM_KEY, FORM_ENTRY_KEY; NULL otherwise */
    char path[FORM_PATH_MAX];     /* the document path: "seed", "datasets[0].type" */
    char name[FORM_PATH_MAX];     /* as shown: "seed", "type", the unknown key's name */
    char value[FORM_VALUE_MAX];   /* as the file has it; "" when absent */
    bool given;                   /* the file has the key */
    bool changed;                 /* given, and not the default */
    const char *inactive;         /* why it has no effect now, or NULL */
    char note[FORM_NOTE_MAX];     /* unknown keys: why; else the first problem on its lines */
    bool problem_is_error;        /* the note is an error (not a warning) */
    int list;                     /* entries: 0 datasets, 1 test_datasets */
    size_t entry;                 /* entries: 0-based */
    int line;                     /* 1-based line of the key in the file; 0 when absent */
} form_row;

typedef struct {
    form_row *rows;
    size_t n, cap;
} config_form;

/* (Re)builds F from D, CFG (the config D loads to, even with errors; it
 * gives the inactive reasons) and DIAGS (its problems, may be NULL). -1
 * when out of memory (F then holds what was built). */
int config_form_build(config_form *f, const config_doc *d, const train_config *cfg,
                      const config_diags *diags);
void config_form_free(config_form *f);

/* The row editing PATH, or SIZE_MAX. */
size_t config_form_find(const config_form *f, const char *path);
/* The row of the key named NAME (a top-level key, as typed at the `/`
 * prompt): exactly, else the only one NAME starts; SIZE_MAX when none or
 * several. */
size_t config_form_lookup(const config_form *f, const char *name);
/* From row I, the next row in direction DIR (+1, -1) that is not a group
 * heading; I itself when there is none. */
size_t config_form_step(const config_form *f, size_t i, int dir);
/* The first row that is not a heading (0 when there is none). */
size_t config_form_first(const config_form *f);

/* What the key is when the file does not give it: "16", "auto",
 * "unset: all cores", "required". */
void config_form_default(const cs_key *k, char *buf, size_t len);
/* Whether VALUE (as the file has it) is K's default. */
bool config_form_is_default(const cs_key *k, const char *value);

#endif
