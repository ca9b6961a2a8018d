/* jtree.h - a read-only JSON tree for one dataset record, parsed in one
 * pass into a flat node array with unescaped, NUL-terminated strings.
 *
 * The dataset's hot path (check, stats, search, filter) parses every record
 * at least once; a general DOM with a hash table per object spent most of a
 * stats pass building trees that were read once. This parser accepts exactly
 * RFC 8259 JSON in UTF-8 (strict: no comments, no trailing commas, no
 * invalid UTF-8 or lone surrogates) and refuses "\u0000", which no record
 * text may hold. Numbers are checked but not converted: records carry text.
 * A key repeated in an object reads as its last value. */
#ifndef LATHE_JTREE_H
#define LATHE_JTREE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    JT_MISSING,     /* no such node: what a failed lookup gives */
    JT_NULL,
    JT_BOOL,
    JT_NUMBER,
    JT_STRING,
    JT_ARRAY,
    JT_OBJECT
} jt_kind;

typedef uint32_t jt_node;
#define JT_NONE ((jt_node)UINT32_MAX)

typedef struct jtree jtree;

/* Parses LEN bytes of TEXT. Returns the tree, or NULL with WHY saying what
 * was expected and *ERR_POS (when not NULL) the byte of TEXT where it went
 * wrong. */
jtree *jtree_parse(const char *text, size_t len, char *why, size_t whylen, size_t *err_pos);
void jtree_free(jtree *t);

/* Every accessor takes JT_NONE (and answers JT_MISSING, JT_NONE, 0 or NULL),
 * so lookups chain without checks in between. */
jt_node jtree_root(const jtree *t);
jt_kind jtree_kind(const jtree *t, jt_node n);
/* "an object", "a string", ... for messages; "missing" for JT_MISSING. */
const char *jtree_kind_name(jt_kind k);
/* The member of object OBJ named KEY (the last one, if repeated). */
jt_node jtree_get(const jtree *t, jt_node obj, const char *key);
/* Elements of an array or members of an object, in order. */
size_t jtree_count(const jtree *t, jt_node n);
jt_node jtree_first(const jtree *t, jt_node n);
jt_node jtree_next(const jtree *t, jt_node n);
/* A string's bytes (NUL-terminated) and length; NULL for another kind. */
const char *jtree_str(const jtree *t, jt_node n, size_t *len);

#endif
