/* ds_features.h - what the Data pane and `lathe data stats` know about one
 * record: characters and tokens per field and in total, turns and roles,
 * empty fields, control characters, invalid UTF-8, PII hits by kind and a
 * language guess. Cheap enough to compute for each visible row (one pass
 * over the text, plus tokenization when a vocabulary is given: the fields
 * alone, and with a chat template the rendered record too, whose words come
 * mostly from the session's word cache).
 *
 * Fields unify the formats: instruction (alpaca's instruction, or the user
 * turns of a conversation; alias "user"), input (alpaca and input_output),
 * output (alpaca/input_output/completion output, or the assistant turns;
 * alias "assistant"), system (system turns). A field is present when the
 * record's format has it; it is empty when (one of) its texts holds only
 * white space. A record is empty (the E flag, the bare `empty` filter,
 * what drop_empty drops) when a text it needs is blank: alpaca's
 * instruction or output (its input is optional), or any turn of the other
 * formats.
 *
 * Characters are Unicode code points (an invalid byte counts as one). Tokens
 * per field are the field texts encoded with the vocabulary alone, without
 * BOS/EOS or the chat template. The total is the exact trained length when
 * the context has a chat template (ds_feat_ctx_set_template): the record as
 * the trainer renders it (template, BOS/EOS; pipe_render.h), before
 * sequence_len cuts it; otherwise it is the sum of the fields. Without a
 * vocabulary tokens are estimated from the bytes:
 * one token per 4 ASCII bytes (rounded up, per text) plus one per non-ASCII
 * code point, close for English prose and CJK, high for other scripts.
 * Control characters are C0 (except tab, newline, carriage return), DEL and
 * C1; invalid UTF-8 counts the bytes that start no valid sequence. */
#ifndef LATHE_DS_FEATURES_H
#define LATHE_DS_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "ds_record.h"
#include "ds_lang.h"
#include "ds_pii.h"
#include "tok.h"

typedef enum {
    DS_FIELD_INSTRUCTION, DS_FIELD_INPUT, DS_FIELD_OUTPUT, DS_FIELD_SYSTEM, DS_FIELD_COUNT
} ds_field;

typedef struct {
    uint32_t chars[DS_FIELD_COUNT], tokens[DS_FIELD_COUNT];
    uint32_t chars_total, tokens_total;
    uint8_t present, empty;          /* bit 1 << field */
    bool empty_record;               /* ds_record_is_empty */
    uint16_t turns, roles[3];        /* roles indexed by ds_role */
    uint32_t control, invalid_utf8;
    uint16_t pii[DS_PII_KINDS];      /* hits by kind (saturating) */
    uint32_t pii_total;
    ds_lang lang;
    bool tokens_exact;               /* false: the byte estimate */
    bool tokens_templated;           /* tokens_total is the trained length */
} ds_features;

/* Facts about a row that need the whole dataset (or a limit), as the stats
 * pass records them and filters read them. */
enum {
    DS_ROW_PROBLEM = 1,       /* does not parse: in the problems list */
    DS_ROW_DUP = 2,           /* repeats an earlier record exactly */
    DS_ROW_NEAR_DUP = 4,      /* nearly repeats an earlier one (not exactly) */
    DS_ROW_PII = 8,
    DS_ROW_EMPTY = 16,        /* a text it needs is blank (ds_record_is_empty) */
    DS_ROW_TOO_LONG = 32,     /* tokens_total over the sequence_len: truncated */
    DS_ROW_CONTROL = 64,
    DS_ROW_INVALID_UTF8 = 128
};

/* "instruction", "input", "output", "system". */
const char *ds_field_name(ds_field f);
/* Returns 0 and sets *OUT for a field name or alias (user, human, prompt,
 * assistant, gpt, response), else -1. */
int ds_field_parse(const char *name, size_t len, ds_field *out);

/* The texts of a record in order, each with its field: alpaca's three
 * fields, or the turns of a conversation. */
size_t ds_record_piece_count(const ds_record *rec);
ds_field ds_record_piece(const ds_record *rec, size_t i, ds_text *text);

/* True when a text REC needs holds only white space (or it has no turns). */
bool ds_record_is_empty(const ds_record *rec);

/* Per-thread state: a tokenizer session (when a vocabulary is given) and
 * scratch space. V may be NULL (estimate); it must outlive the context. */
typedef struct ds_feat_ctx ds_feat_ctx;

ds_feat_ctx *ds_feat_ctx_new(const tok_vocab *v, char *err, size_t errlen);
void ds_feat_ctx_free(ds_feat_ctx *c);
/* Makes tokens_total the trained length under template T (the one the
 * trainer would use; CHAT_TMPL_UNKNOWN: back to the field sum). Only with a
 * vocabulary; the byte estimate stays a field sum. */
void ds_feat_ctx_set_template(ds_feat_ctx *c, chat_tmpl t);
/* Whether tokens_total is the trained length. */
bool ds_feat_ctx_templated(const ds_feat_ctx *c);

/* Fills OUT for REC. Returns 0, or -1 with a message when tokenizing fails. */
int ds_features_compute(ds_feat_ctx *c, const ds_record *rec, ds_features *out, char *err,
                        size_t errlen);

/* Estimated tokens of one text (the rule above). */
uint32_t ds_tokens_estimate(const char *text, size_t len);

#endif
