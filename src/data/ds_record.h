/* ds_record.h - one dataset record, parsed on demand from its JSON text
 * and normalised: its format, its turns (role and text) and, for alpaca, the
 * instruction/input/output fields. Also format detection by a record's keys.
 *
 * Formats:
 *   alpaca        {"instruction", "input"?, "output"}; output also read from
 *                 "response" or "answer" when the output field is not mapped.
 *                 Turns: user = instruction, plus "\n\n" and input when input
 *                 is not empty; assistant = output.
 *   sharegpt      {"conversations": [{"from": system|human|gpt, "value"}]}
 *   messages      {"messages": [{"role": system|user|assistant, "content"}]}
 *                 (either list also accepts the other's turn keys, and roles
 *                 user/human/assistant/gpt/model)
 *   completion    {"text"}: one assistant turn, all of it trained.
 *   input_output  {"input", "output"}: a user and an assistant turn.
 *   preference    TRL's pairs: {"prompt", "chosen", "rejected"}, each a
 *                 string or a list of messages (a string prompt is one user
 *                 turn, a string answer one assistant turn). Turns: the
 *                 prompt's, then the chosen answer's; a row without "chosen"
 *                 (a tie or both-bad vote of `lathe chat`, which says so in
 *                 "label") has the prompt's turns alone.
 * The field mapping renames instruction, input, output and the turn list
 * ("conversations" or "messages"), as the config's field_* keys do. */
#ifndef LATHE_DS_RECORD_H
#define LATHE_DS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    DS_FMT_AUTO,
    DS_FMT_ALPACA,
    DS_FMT_SHAREGPT,
    DS_FMT_MESSAGES,
    DS_FMT_COMPLETION,
    DS_FMT_INPUT_OUTPUT,
    DS_FMT_PREFERENCE,
    DS_FMT_COUNT
} ds_format;

typedef enum { DS_ROLE_SYSTEM, DS_ROLE_USER, DS_ROLE_ASSISTANT } ds_role;

/* Field names; NULL means the format's own. */
typedef struct {
    const char *instruction, *input, *output, *messages;
} ds_mapping;

typedef struct {
    const char *text;
    size_t len;
} ds_text;

typedef struct {
    ds_role role;
    ds_text text;
} ds_turn;

typedef struct {
    ds_format format;
    ds_turn *turns;
    size_t n_turns;
    /* alpaca: all three; input_output: input and output; completion: output. */
    ds_text instruction, input, output;
    /* Their keys in the record ("response" for output when that is the key it
     * has, a mapped name as mapped); NULL where the format has no such field. */
    const char *instruction_key, *input_key, *output_key;
    /* Owned: the parsed JSON (the texts point into it) and a joined prompt. */
    void *json;
    char *joined;
} ds_record;

/* "alpaca", "sharegpt", ...; "auto" for DS_FMT_AUTO. */
const char *ds_format_name(ds_format f);
/* Returns 0 and sets *out for a known name (including "auto"), else -1. */
int ds_format_parse(const char *name, ds_format *out);
const char *ds_role_name(ds_role r);

/* Parses LEN bytes of TEXT as a record of format FMT (not AUTO). Returns 0,
 * or -1 with WHY explaining what did not fit; for invalid JSON *ERR_POS is
 * the byte within TEXT where parsing stopped (else it is left alone). On
 * success REC owns its memory: release it with ds_record_clear. */
int ds_record_parse(const char *text, size_t len, ds_format fmt, const ds_mapping *map,
                    ds_record *rec, char *why, size_t whylen, size_t *err_pos);
void ds_record_clear(ds_record *rec);

/* The format a record's keys suggest, or DS_FMT_AUTO when none fits. */
ds_format ds_record_classify(const char *text, size_t len, const ds_mapping *map);

/* Hash and equality of the normalised content (the turns), for exact dedupe:
 * the same conversation in two formats is the same record. */
uint64_t ds_record_hash(const ds_record *rec);
bool ds_record_same(const ds_record *a, const ds_record *b);

#endif
