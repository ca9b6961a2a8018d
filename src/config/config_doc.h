/* config_doc.h - a training config opened for editing: the file's bytes are
 * kept, and every edit replaces only the bytes of the value it changes, so a
 * saved file keeps its key order, comments, blank lines, quoting, line
 * endings (CRLF too), byte-order mark and the formatting of every untouched
 * key byte for byte. The Config pane is a view over this.
 *
 * Values are located with libyaml's parse events and their marks: after each
 * edit the text is read again, so the index always matches the bytes, and an
 * edit whose result would not read back as one YAML mapping is undone.
 *
 * Keys are addressed by path: "learning_rate", "datasets[1].type",
 * "lora_target_modules[0]". Values are given as the user means them (not as
 * YAML): they are written in the style of the value they replace (a quoted
 * string stays quoted), plain where that reads back the same, else
 * double-quoted. Validate them first (config_check.h). New keys go after the
 * last key of their schema group, or at the end of the document; new dataset
 * entries and list items follow the indentation of their neighbours. */
#ifndef LATHE_CONFIG_DOC_H
#define LATHE_CONFIG_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "config_diag.h"
#include "config_diff.h"
#include "config_schema.h"
#include "train_config.h"

typedef struct config_doc config_doc;

/* A key of the top-level mapping, in file order. */
typedef struct {
    const char *name;
    const cs_key *schema;   /* NULL: lathe does not know the key */
    const cs_key *hint;     /* unknown keys: the closest known one, or NULL */
    int line, col;          /* 1-based, of the key */
} config_doc_key;

/* One edit as data (presets, dependent keys): VALUE NULL removes the key;
 * for a list of strings VALUE is its items separated by commas. */
typedef struct {
    const char *key;
    const char *value;
} config_edit;

/* Reads PATH (a regular file of at most 4 MiB holding one YAML document whose
 * top level is a mapping, or nothing). NULL with "PATH:LINE:COL: reason" in
 * err otherwise, e.g. for a second document. */
config_doc *config_doc_open(const char *path, char *err, size_t errlen);
/* The same over TEXT, as if read from PATH (which need not exist). */
config_doc *config_doc_from_text(const char *path, const char *text, size_t len, char *err,
                                 size_t errlen);
/* An independent copy (to preview edits as a diff). NULL when out of memory. */
config_doc *config_doc_clone(const config_doc *d);
void config_doc_free(config_doc *d);

const char *config_doc_path(const config_doc *d);
/* The current bytes, edits included (NUL-terminated). */
const char *config_doc_text(const config_doc *d, size_t *len);
/* Whether the current bytes differ from the file as last read or saved. */
bool config_doc_modified(const config_doc *d);

/* Top-level keys in file order. */
size_t config_doc_key_count(const config_doc *d);
const config_doc_key *config_doc_key_at(const config_doc *d, size_t i);
/* Every unknown key, at the top and inside dataset entries, as the error
 * `lathe config --check` reports (same text and did-you-mean). */
void config_doc_unknown_keys(const config_doc *d, config_diags *out);

/* The value at PATH as text: a scalar's value (an alias reads its anchor's),
 * a list of scalars as its items joined by ", ". 1 when found, 0 when the
 * key is absent, -1 when it holds a mapping. */
int config_doc_get(const config_doc *d, const char *path, char *buf, size_t len);
/* Items in the list at PATH (0 when absent or not a list). */
size_t config_doc_list_len(const config_doc *d, const char *path);

/* Edits: 0, or -1 with err and the document unchanged. */
int config_doc_set(config_doc *d, const char *path, const char *value, char *err,
                   size_t errlen);
/* Removes the key at PATH with its line(s); an absent key is not an error. */
int config_doc_unset(config_doc *d, const char *path, char *err, size_t errlen);
/* Makes the list at PATH hold ITEMS: items no longer wanted are removed and
 * new ones appended, so the other items' lines stay as they are. */
int config_doc_list_set(config_doc *d, const char *path, const char *const *items, size_t n,
                        char *err, size_t errlen);
/* Appends an entry {path, type} to LIST ("datasets" or "test_datasets"). */
int config_doc_dataset_add(config_doc *d, const char *list, const char *path, const char *type,
                           char *err, size_t errlen);
int config_doc_dataset_remove(config_doc *d, const char *list, size_t index, char *err,
                              size_t errlen);
/* Applies EDITS in order, all or none. */
int config_doc_apply(config_doc *d, const config_edit *edits, size_t n, char *err,
                     size_t errlen);
/* Makes TEXT the current bytes, as one edit of the whole file (edits kept
 * from a session that lost its terminal, or undone): the file as last read
 * stays what diff and save compare with. */
int config_doc_set_text(config_doc *d, const char *text, size_t len, char *err,
                        size_t errlen);

/* The current text against the file as last read or saved. -1: out of memory. */
int config_doc_diff(const config_doc *d, int context, config_diff *out);

/* Loads the current text exactly as `lathe config --check` loads the file
 * (train_config_load): 0 when it has no error; cfg is always freeable. */
int config_doc_load(const config_doc *d, train_config *cfg, config_diags *diags);

typedef enum {
    CONFIG_DISK_SAME,       /* the file still holds what was read or saved */
    CONFIG_DISK_CHANGED,    /* another program wrote it ($EDITOR) */
    CONFIG_DISK_GONE,       /* it was removed or cannot be read */
} config_disk_state;

/* Compares the file's inode, size and modification time with those seen
 * last, and only when they differ reads it and compares a hash. */
config_disk_state config_doc_disk_state(config_doc *d);
/* Reads the file again, dropping any edits. -1 with err (doc unchanged). */
int config_doc_reload(config_doc *d, char *err, size_t errlen);
/* Writes the current bytes atomically (through a symlink to its target).
 * Refused when the file changed on disk since it was read, unless FORCE. */
int config_doc_save(config_doc *d, bool force, char *err, size_t errlen);

#endif
