/* ds_filter.h - filter expressions over dataset rows, as typed in the Data
 * pane's filter line and used by bulk clean actions. Compiled once per
 * keystroke, then evaluated per row.
 *
 * Grammar (keywords lower case; `and`/`&&`, `or`/`||`, `not`/`!`):
 *   expr    := term { or term }
 *   term    := factor { and factor }
 *   factor  := not factor | '(' expr ')' | test
 *   test    := metric [ '(' field ')' ] cmp NUMBER     chars, tokens, turns
 *            | empty [ '(' field ')' ]                 no field: ds_record_is_empty
 *            | pii [ '(' kind ')' ]                    email phone card key secret
 *            | dup | near_dup | problem | too_long | control | invalid_utf8
 *            | lang ( '==' | '!=' ) LANG               ds_lang.h names
 *            | field ( '~' | '!~' ) /REGEX/[imsx]      text: any field
 *   cmp     := '<' | '<=' | '>' | '>=' | '==' | '=' | '!='
 *   field   := instruction | input | output | system (and ds_field_parse
 *              aliases); `chars`, `tokens` without a field mean the total:
 *              for tokens the features' tokens_total (the trained length
 *              under a chat template, ds_features.h), with a field the
 *              field's text alone.
 * Regexes are PCRE2 (UTF, invalid UTF-8 tolerated, JIT-compiled); `\/`
 * puts a slash inside one. `turns` takes no field.
 *
 * Evaluation reads the record (for regexes), its features and the row flags
 * the whole-dataset passes found (DS_ROW_*; dup, near_dup and too_long are
 * false until those passes have run). A problem row has no record and no
 * features: only `problem`, `not` and flags can be true for it. A compiled
 * filter holds PCRE2 match data, so one thread evaluates it at a time; for
 * several threads compile one filter each. */
#ifndef LATHE_DS_FILTER_H
#define LATHE_DS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "ds_features.h"

typedef struct ds_filter ds_filter;

typedef struct {
    const ds_record *rec;      /* NULL for a problem row */
    const ds_features *feat;   /* NULL for a problem row */
    unsigned flags;            /* DS_ROW_* */
} ds_filter_row;

/* What evaluation reads, so the pane knows which passes a filter waits for. */
enum {
    DS_NEED_TEXT = 1,       /* a regex reads the record's texts */
    DS_NEED_FEATURES = 2,
    DS_NEED_TOKENS = 4,
    DS_NEED_DUP = 8,        /* dataset_check */
    DS_NEED_STATS = 16,     /* near_dup, too_long: the stats pass */
    DS_NEED_FIELDS = 32,    /* per-field figures or a PII kind: a row's totals, language
                               and DS_ROW_* flags (ds_row_info) are not enough */
    DS_NEED_LIMIT = 64      /* too_long: the token totals against sequence_len */
};

/* Compiles EXPR. On a syntax error returns NULL with ERR as
 * "column C: expected WHAT, found 'TOKEN'" (C counts bytes from 1). */
ds_filter *ds_filter_compile(const char *expr, char *err, size_t errlen);
void ds_filter_free(ds_filter *f);
bool ds_filter_eval(ds_filter *f, const ds_filter_row *row);
unsigned ds_filter_needs(const ds_filter *f);

#endif
