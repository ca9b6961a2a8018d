/* config_doc_impl.h - the parsed form of a config_doc, shared by
 * config_doc.c (reading, paths, disk) and config_doc_edit.c (edits). Not for
 * other callers. */
#ifndef LATHE_CONFIG_DOC_IMPL_H
#define LATHE_CONFIG_DOC_IMPL_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <yaml.h>

#include "config_doc.h"

typedef enum { CDOC_SCALAR, CDOC_SEQ, CDOC_MAP, CDOC_ALIAS } cdoc_kind;

/* One YAML node and where its bytes are. */
typedef struct {
    cdoc_kind kind;
    bool flow;                  /* a collection written [..] or {..} */
    yaml_scalar_style_t style;  /* scalars */
    size_t start;               /* first byte, anchor and tag included */
    size_t vstart;              /* first byte of the value proper */
    size_t end;                 /* after the last byte of content: a block collection's
                                   trailing blank lines and comments are not its own */
    int line, col;              /* 1-based, of start */
    char *value;                /* scalars: the value; aliases: the anchor named */
    char *anchor;               /* NULL when none */
    int *kids;                  /* maps: key, value, key, value ...; sequences: items */
    size_t n_kids, cap_kids;
} cdoc_node;

/* What the file on disk was when last read or written. */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t hash;
} cdoc_stamp;

struct config_doc {
    char *path;
    char *disk;                 /* the file's bytes as last read or saved */
    size_t disk_len;
    cdoc_stamp stamp;
    char *text;                 /* the current bytes (NUL-terminated) */
    size_t len;
    size_t bom;                 /* 3 when the text starts with a UTF-8 BOM */
    const char *eol;            /* "\n", or "\r\n" when the file uses CRLF */
    cdoc_node *nodes;
    size_t n_nodes, cap_nodes;
    int root;                   /* -1: an empty document */
    config_doc_key *keys;       /* top-level keys */
    size_t n_keys;
};

/* Reads d->text into d->nodes and d->keys (replacing them). -1 with
 * "PATH:LINE:COL: reason" in err, leaving the old index in place. */
int cdoc_index(config_doc *d, char *err, size_t errlen);

/* A path resolved as far as it goes. */
typedef struct {
    int node;          /* the value at the path, or -1 when its last key is absent */
    int key;           /* the key node of that value in its mapping, or -1 */
    int map;           /* the mapping holding the last key (or -1) */
    int seq;           /* for an index step: the sequence, else -1 */
    size_t index;      /* for an index step: the item */
    const char *last;  /* the last key's name (points into the path) */
    size_t last_len;
} cdoc_loc;

/* Resolves PATH; -1 with err when a step leads nowhere (a missing parent,
 * an index past the end, a key inside a list). */
int cdoc_find(const config_doc *d, const char *path, cdoc_loc *loc, char *err, size_t errlen);
/* Follows an alias to its anchored node (itself for any other node). */
int cdoc_deref(const config_doc *d, int node);
/* The schema entry a path names ("datasets[0].type" -> datasets.type). */
const cs_key *cdoc_schema_of(const char *path);

#endif
