/* ds_convert.h - `lathe data convert`: records rewritten into another
 * dataset format, from their normalised turns.
 *
 *   alpaca        one user and one assistant turn, no system turn; an alpaca
 *                 source keeps its instruction/input/output as they are
 *   sharegpt      {"conversations": [{"from": system|human|gpt, "value"}]}
 *   messages      {"messages": [{"role": system|user|assistant, "content"}]}
 *   completion    {"text"}: every turn's text, joined by a blank line
 *   input_output  one user and one assistant turn, no system turn
 * A record that does not fit the target (a multi-turn conversation into
 * alpaca) is reported and skipped. */
#ifndef LATHE_DS_CONVERT_H
#define LATHE_DS_CONVERT_H

#include <stddef.h>

#include "ds_record.h"
#include "ds_edit.h"

/* REC as one compact JSON object of format TO in a malloc'd *OUT. -1 with
 * WHY when it does not fit TO (or out of memory). */
int ds_convert_record(const ds_record *rec, ds_format to, char **out, size_t *outlen, char *why,
                      size_t whylen);

typedef struct {
    size_t converted, problems, unfit;
} ds_convert_result;

/* Called for each skipped record with "PATH:LINE:BYTE: reason". */
typedef void (*ds_convert_note)(void *ctx, const char *msg);

/* Writes the session's visible records converted to TO into OUT (atomic;
 * ".json" is an array, else JSONL; ".gz" compressed). -1 with ERR when the
 * output cannot be written; skipped records are only counted and noted. */
int ds_convert_save(ds_edit *e, ds_format to, const char *out, ds_convert_note note, void *ctx,
                    ds_convert_result *res, char *err, size_t errlen);

#endif
